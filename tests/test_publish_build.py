"""A feed that fails validation is never published: the previous file stays, byte for byte."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import feedpub.output.render  # noqa: F401 - loaded so it can be patched
from feedpub.cli import main

RENDER = sys.modules["feedpub.output.render"]


def run(site: Path, *args: str) -> Any:
    return CliRunner().invoke(
        main,
        ["build", "--config", str(site / "feedpub.toml"), "--now", "2026-01-01T00:00:00Z", *args],
    )


def break_main_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the renderer drop the main RSS feed's channel title (a bug we must not publish),
    whether it renders the document whole or its frame."""
    real, real_frame = RENDER.render_feed, RENDER.render_frame
    title = b"<title>ALTUMNEWS.Com</title>"

    def render(plan: Any, config: Any, fmt: str, *links: Any) -> bytes:
        data: bytes = real(plan, config, fmt, *links)
        if fmt == "rss" and plan.category is None and links[0].folder == "":
            data = data.replace(title, b"", 1)
        return data

    def frame(category: Any, facts: Any, config: Any, fmt: str, links: Any) -> Any:
        made = real_frame(category, facts, config, fmt, links)
        if fmt == "rss" and category is None and links.folder == "":
            made = replace(
                made, head=made.head.replace(title, b"", 1), empty=made.empty.replace(title, b"", 1)
            )
        return made

    monkeypatch.setattr(RENDER, "render_feed", render)
    monkeypatch.setattr(RENDER, "render_frame", frame)


@pytest.fixture
def broken_main_rss(monkeypatch: pytest.MonkeyPatch) -> None:
    break_main_rss(monkeypatch)


def test_invalid_feed_keeps_the_old_file_and_the_rest_publish(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(site, "-q").exit_code == 0
    old = (site / "public/rss.xml").read_bytes()
    (site / "articles/2024/05/kilas-berita.jsonl").write_text(
        '{"id": "baru", "title": "Berita baru", "date_published": "2025-01-02", "url": "/baru/",'
        ' "categories": ["Lampung"]}\n'
    )
    break_main_rss(monkeypatch)
    result = run(site, "-q")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "rss.xml: invalid feed, not published (the previous file is kept)\n"
    )
    assert "  rss.xml:3: error: channel has no <title>" in result.stderr
    assert "(rss-cardinality) [/rss/channel]" in result.stderr
    assert (site / "public/rss.xml").read_bytes() == old
    assert "Berita baru" in (site / "public/atom.xml").read_text()
    assert "Berita baru" in (site / "public/category/lampung/rss.xml").read_text()
    again = run(site, "-q")  # the next run reports it again: nothing is forgotten
    assert again.exit_code == 1 and "rss.xml: invalid feed" in again.stderr


def test_strict_writes_nothing_when_one_feed_is_invalid(site: Path, broken_main_rss: None) -> None:
    result = run(site, "--strict")
    assert result.exit_code == 1
    assert "--strict: nothing was published" in result.stderr
    assert not (site / "public").exists()


def test_first_build_with_an_invalid_feed_writes_the_valid_ones(
    site: Path, broken_main_rss: None
) -> None:
    result = run(site, "--json")
    summary = result.stdout
    assert result.exit_code == 1
    # 32 feeds and the 12 pages for people
    assert '"feeds_invalid": 1' in summary and '"feeds_written": 44' in summary
    assert not (site / "public/rss.xml").exists()
    assert (site / "public/atom.xml").exists()
