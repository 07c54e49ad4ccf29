"""parse_files: what the cache is told about each record file, whatever shape the file has."""

from __future__ import annotations

import json
from pathlib import Path

from feedpub import load_config
from feedpub.digest import digest_bytes
from feedpub.pipeline.read import shown_paths
from feedpub.records.parse import parse_files

RECORD = {"title": "T", "date_published": "2022-12-02T10:00:00+07:00", "url": "/a/"}


def test_every_file_hash_is_the_digest_of_its_bytes(site: Path) -> None:
    root = site / "articles"
    files = {
        "one.json": json.dumps({**RECORD, "id": "one"}).encode(),
        "spaced.json": b" \n\t" + json.dumps({**RECORD, "id": "spaced"}).encode(),
        "bom.json": b"\xef\xbb\xbf" + json.dumps({**RECORD, "id": "bom"}).encode(),
        "list.json": json.dumps([{**RECORD, "id": "in-list", "url": "/b/"}]).encode(),
        "lines.jsonl": (json.dumps({**RECORD, "id": "line", "url": "/c/"}) + "\n").encode(),
        "bad.json": b'{"title": ',
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    jobs = [(name, len(data), 0) for name, data in sorted(files.items())]
    rules = load_config(site / "feedpub.toml").records
    parsed = list(parse_files(root, shown_paths(root), jobs, rules))
    assert [p.path for p in parsed] == sorted(files)
    for p in parsed:
        assert p.file_hash == digest_bytes(files[p.path]), p.path
    assert {p.path: p.count for p in parsed} == dict.fromkeys(files, 1)
