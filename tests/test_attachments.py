"""Attachments: Atom carries every one as an enclosure link; RSS the first, with a warning."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
from click.testing import CliRunner
from lxml import etree

from feedpub.cli import main

CONFIG = """
title = "Test Site"
link = "https://example.com/"
description = "Test feeds."
timezone = "Asia/Jakarta"
"""
FILES = [
    {"url": "/media/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 1000, "title": "Audio"},
    {"url": "https://cdn.example.com/b.pdf", "mime_type": "application/pdf"},
    {"url": "/media/c.mp4", "mime_type": "video/mp4", "size_in_bytes": 3000},
]


def _build(tmp_path: Path, records: dict[str, dict[str, Any]], *args: str) -> Any:
    (tmp_path / "feedpub.toml").write_text(CONFIG)
    (tmp_path / "articles").mkdir(exist_ok=True)
    for name, record in records.items():
        (tmp_path / "articles" / name).write_text(json.dumps(record))
    command = [args[0] if args else "build", "--config", str(tmp_path / "feedpub.toml")]
    if not args:
        command += ["--now", "2026-01-01T00:00:00Z"]
    return CliRunner().invoke(main, command, catch_exceptions=False)


def _record(attachments: list[dict[str, Any]], slug: str = "t") -> dict[str, Any]:
    return {
        "title": slug,
        "url": f"/{slug}/",
        "date_published": "2022-12-02",
        "attachments": attachments,
    }


def test_atom_gets_every_attachment_and_rss_the_first(tmp_path: Path) -> None:
    result = _build(tmp_path, {"t.json": _record(FILES)})
    assert result.exit_code == 0
    atom = feedparser.parse((tmp_path / "public" / "atom.xml").read_bytes())
    [entry] = atom.entries
    assert [(e.href, e.type, e.get("length")) for e in entry.enclosures] == [
        ("https://example.com/media/a.mp3", "audio/mpeg", "1000"),
        ("https://cdn.example.com/b.pdf", "application/pdf", None),
        ("https://example.com/media/c.mp4", "video/mp4", "3000"),
    ]
    rss = etree.fromstring((tmp_path / "public" / "rss.xml").read_bytes())
    assert [dict(e.attrib) for e in rss.iter("enclosure")] == [
        {"url": "https://example.com/media/a.mp3", "length": "1000", "type": "audio/mpeg"}
    ]


def test_the_run_warns_once_per_record_about_the_others(tmp_path: Path) -> None:
    records = {
        "t.json": _record(FILES),
        "u.json": _record(FILES[:2], "u"),
        "one.json": _record(FILES[:1], "one"),
    }
    result = _build(tmp_path, records)
    assert result.exit_code == 0
    warnings = [line for line in result.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"{tmp_path / 'articles' / name}: attachments: warning: RSS carries one enclosure:"
        f" rss.xml gets only the first of {n} (Atom gets them all)"
        for name, n in (("t.json", 3), ("u.json", 2))
    ]
    again = _build(tmp_path, {}, "check")  # the same records, checked: still once each
    assert [line for line in again.stderr.splitlines() if "warning" in line] == warnings
