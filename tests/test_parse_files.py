"""parse_files: what the cache is told about each record file, whatever shape the file has."""

from __future__ import annotations

import json
from pathlib import Path

from feedpub import load_config
from feedpub.digest import digest_bytes
from feedpub.pipeline.read import shown_paths
from feedpub.records.loader import parse_file
from feedpub.records.parse import WantedRecord, load_articles, parse_files

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


def test_the_bodies_read_are_the_wanted_records_as_a_full_parse_gives_them(site: Path) -> None:
    """A file of many records is read for the ones a feed shows: those come back as the full
    parse makes them; the others (one of them bad) are not checked."""
    root = site / "articles"
    lines = [
        {**RECORD, "id": "a", "url": "/a/", "content_html": "<p>A</p><script>x</script>"},
        {**RECORD, "id": "bad", "date_published": "someday"},
        {**RECORD, "id": "c", "url": "/c/", "content_text": "C"},
    ]
    (root / "many.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    listed = [{**RECORD, "id": "d", "url": "/d/"}, {**RECORD, "id": "e", "url": "/e/"}]
    (root / "list.json").write_text(json.dumps(listed))
    rules = load_config(site / "feedpub.toml").records
    shown = shown_paths(root)
    full = {
        relative: parse_file((root / relative).read_bytes(), relative, shown(relative), rules)
        for relative in ("many.jsonl", "list.json")
    }
    assert [len(full["many.jsonl"].articles), len(full["many.jsonl"].errors)] == [2, 1]
    wanted = [
        WantedRecord(key, article.id, relative, digest)
        for key, (relative, article, digest) in enumerate(
            (relative, article, digest)
            for relative, parsed in full.items()
            for article, digest in zip(parsed.articles, parsed.digests, strict=True)
            if article.id in ("c", "e")
        )
    ]
    loaded = load_articles(root, shown, rules, wanted)
    assert {key: article.id for key, article in loaded.items()} == {0: "c", 1: "e"}
    assert loaded[0] == full["many.jsonl"].articles[1]
    assert loaded[1] == full["list.json"].articles[1]
    data = (root / "many.jsonl").read_bytes()
    only = parse_file(data, "many.jsonl", "many.jsonl", rules, wanted={wanted[0].digest})
    assert [a.id for a in only.articles] == ["c"] and only.errors == [] and only.warnings == []


def test_a_batch_read_for_some_records_parses_no_other_line(site: Path) -> None:
    """A feed's few records of a batch of thousands: each line is known by the digest of its
    bytes, so no other line is parsed, and none of their faults is told. Its lines are counted
    at every break JSON Lines allows, as a full parse counts them."""
    rules = load_config(site / "feedpub.toml").records
    records = [json.dumps({**RECORD, "id": f"r{n}", "url": f"/r{n}/"}) for n in range(4)]
    for breaks in ("\n", "\r\n", "\r", "\r\n\n\r"):
        lines = [records[0], '{"title": "not JSON', records[1], "[" * 100_000, *records[2:]]
        data = breaks.join(lines).encode()
        full = parse_file(data, "b.jsonl", "b.jsonl", rules)
        assert [e.line for e in full.errors] == ([2, 4] if breaks != "\r\n\n\r" else [4, 10])
        wanted = {full.digests[1], full.digests[3]}
        only = parse_file(data, "b.jsonl", "b.jsonl", rules, wanted=wanted)
        assert only.errors == [] and only.warnings == []
        assert only.articles == [full.articles[1], full.articles[3]]
