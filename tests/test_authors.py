"""RSS authors: one form per item, never both <author> and dc:creator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from feedpub import build, load_config
from tests.conftest import SAMPLE_CONFIG

CONFIG = """
title = "Test Site"
link = "https://example.com/"
description = "Test feeds."
timezone = "Asia/Jakarta"
"""
DC = "{http://purl.org/dc/elements/1.1/}creator"
ANA = {"name": "Ana", "email": "ana@example.com"}
BUDI = {"name": "Budi", "email": "budi@example.com"}


def _rss_item(tmp_path: Path, authors: list[Any]) -> tuple[Any, Any]:
    """The lone item of rss.xml, as XML and as feedparser reads it."""
    (tmp_path / "feedpub.toml").write_text(CONFIG)
    (tmp_path / "articles").mkdir()
    record = {"title": "T", "url": "/t/", "date_published": "2022-12-02", "authors": authors}
    (tmp_path / "articles" / "t.json").write_text(json.dumps(record))
    report = build(
        tmp_path / "articles", tmp_path / "public", load_config(tmp_path / "feedpub.toml")
    )
    assert report.exit_code == 0
    data = (tmp_path / "public" / "rss.xml").read_bytes()
    [item] = etree.fromstring(data).iter("item")
    [entry] = feedparser.parse(data).entries
    return item, entry


@pytest.mark.parametrize(
    ("authors", "author", "creators", "names"),
    [
        ([ANA], "ana@example.com (Ana)", [], ["Ana"]),
        ([{"email": "ana@example.com"}], "ana@example.com", [], [None]),
        (["Ana"], None, ["Ana"], ["Ana"]),
        ([ANA, BUDI], None, ["Ana", "Budi"], ["Ana", "Budi"]),
        ([ANA, "Citra"], None, ["Ana", "Citra"], ["Ana", "Citra"]),
        ([{"email": "ana@example.com"}, "Citra"], None, ["ana@example.com", "Citra"], None),
    ],
)
def test_an_item_carries_one_author_form(
    tmp_path: Path,
    authors: list[Any],
    author: str | None,
    creators: list[str],
    names: list[str | None] | None,
) -> None:
    item, entry = _rss_item(tmp_path, authors)
    found = [e.text for e in item.iter("author")]
    assert found == ([author] if author else [])
    assert [e.text for e in item.iter(DC)] == creators
    assert not (found and creators)
    if author:
        assert entry.author_detail.email == "ana@example.com"
    if names is not None:
        assert [a.get("name") for a in entry.authors] == names


def test_no_authors_no_author_elements(tmp_path: Path) -> None:
    item, entry = _rss_item(tmp_path, [])
    assert item.find("author") is None
    assert item.find(DC) is None
    assert "author" not in entry


@pytest.mark.parametrize(
    ("email", "says_why"), [("desk/news@example.com", True), ("desk@example", False)]
)
def test_a_refused_email_says_why_when_it_would_end_its_mailto_link(
    email: str, says_why: bool
) -> None:
    from feedpub.records.contract import check_record

    raw = {"id": "x", "title": "X", "url": "https://example.com/x", "authors": [{"email": email}]}
    checked = check_record(raw, load_config(SAMPLE_CONFIG).records, path="x.json")
    (error,) = [e for e in checked.errors if e.field == "authors[1].email"]
    assert f"must be an email address, not {email!r}" in str(error)
    assert ("would end its mailto: link" in str(error)) is says_why
