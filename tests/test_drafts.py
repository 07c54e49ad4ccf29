"""Drafts: left out of every feed, and not held to the rules a published record must meet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from feedpub.cli import main

CONFIG = """
title = "Test Site"
link = "https://example.com/"
description = "Test feeds."
timezone = "Asia/Jakarta"
"""
NOW = "2026-01-01T00:00:00+07:00"
GOOD = {"id": "good", "title": "Good", "url": "/good/", "date_published": "2022-12-01"}
DRAFT = {"id": "wip", "title": "Work in progress", "date_published": "2022-12-02", "draft": True}


def _site(tmp_path: Path, files: dict[str, Any]) -> Path:
    (tmp_path / "feedpub.toml").write_text(CONFIG)
    (tmp_path / "articles").mkdir()
    for name, content in {"good.json": GOOD, **files}.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / "articles" / name).write_text(text, encoding="utf-8")
    return tmp_path


def _run(site: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main, [args[0], "--config", str(site / "feedpub.toml"), *args[1:]], catch_exceptions=False
    )


def _ids(site: Path) -> list[str]:
    feeds = [site / "public" / "rss.xml", site / "public" / "atom.xml"]
    return [name for name in ("good", "wip") if all(name in f.read_text() for f in feeds)]


def test_a_draft_without_url_or_body_is_fine_and_silent(tmp_path: Path) -> None:
    site = _site(tmp_path, {"wip.json": DRAFT})
    result = _run(site, "build", "--now", NOW, "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert _ids(site) == ["good"]
    result = _run(site, "check")
    assert result.exit_code == 0
    assert result.stderr == "feedpub: 2 records, 0 bad\n"


def test_a_broken_draft_is_a_warning_and_never_fails_the_build(tmp_path: Path) -> None:
    lines = [
        json.dumps({**GOOD, "id": "x", "url": "/x/"}),
        json.dumps({**DRAFT, "id": "d1"}),
        json.dumps({"id": "d2", "draft": True, "title": "T", "date_published": "soon"}),
        json.dumps({"draft": True, "title": "A draft without an id"}),
    ]
    site = _site(tmp_path, {"batch.jsonl": "\n".join(lines)})
    result = _run(site, "build", "--now", NOW)
    assert result.exit_code == 0
    warning, no_id, summary = result.stderr.splitlines()
    assert warning.startswith(f"{site / 'articles' / 'batch.jsonl'}:3: date_published: warning: ")
    assert warning.endswith("(a draft; fix before publishing) (record 'd2')")
    assert no_id.startswith(f"{site / 'articles' / 'batch.jsonl'}:4: id: warning: is required")
    assert summary.startswith("feedpub: 3 records read, 3 changed, 0 bad;")
    assert _ids(site) == ["good"]
    assert "/x/" in (site / "public" / "rss.xml").read_text()


def test_malformed_json_is_still_an_error(tmp_path: Path) -> None:
    site = _site(tmp_path, {"wip.json": '{"id": "wip", "draft": true,'})
    result = _run(site, "build", "--now", NOW, "-q")
    assert result.exit_code == 1
    assert "wip.json:1: not valid JSON" in result.stderr


def test_a_draft_flag_that_is_not_a_boolean_is_still_an_error(tmp_path: Path) -> None:
    site = _site(tmp_path, {"wip.json": {**DRAFT, "draft": "yes"}})
    result = _run(site, "build", "--now", NOW, "-q")
    assert result.exit_code == 1
    assert "draft: must be true or false" in result.stderr


def test_a_published_record_made_a_draft_leaves_the_feeds(tmp_path: Path) -> None:
    published = {**DRAFT, "draft": False, "url": "/wip/"}
    site = _site(tmp_path, {"wip.json": published})
    assert _run(site, "build", "--now", NOW, "-q").exit_code == 0
    assert _ids(site) == ["good", "wip"]
    (site / "articles" / "wip.json").write_text(json.dumps({**published, "draft": True}))
    result = _run(site, "build", "--now", NOW, "-q")
    assert (result.exit_code, result.stderr) == (0, "")
    assert _ids(site) == ["good"]
