"""max_bytes: a subscription document over the cap leaves out its oldest entries until it fits."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser

from feedpub import build, load_config
from feedpub.validate import validate_feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
#: What the sample's site feed shows with no cap: its live entries at NOW.
LIVE = 15


def _build(site: Path, extra: str) -> object:
    config = site / "feedpub.toml"
    config.write_text(extra + config.read_text())  # before any [table]
    return build(site / "articles", site / "public", load_config(config), now=NOW)


def test_a_feed_over_max_bytes_drops_its_oldest_entries_and_says_so(site: Path) -> None:
    report = _build(site, "max_bytes = 12000\n")
    rss = site / "public" / "rss.xml"
    data = rss.read_bytes()
    assert len(data) <= 12000
    assert [p for p in validate_feed(data, "rss.xml", publishing=True) if p.level == "error"] == []
    shown = feedparser.parse(data).entries
    warning = next(w for w in report.warnings if w.path == "rss.xml")  # type: ignore[attr-defined]
    assert warning.field == "max_bytes"
    dropped = LIVE - len(shown)
    assert dropped > 0
    assert f"shows its {len(shown)} newest entries, the {dropped} oldest left out" in warning.reason
    assert "archive pages" in warning.reason
    # The newest entries are the ones kept, in order.
    full = feedparser.parse((site / "public" / "atom.xml").read_bytes()).entries
    assert len(full) < LIVE  # the Atom document is over the cap too
    # The newest entries are the ones kept, in order.
    golden = Path(__file__).parent / "golden" / "rss.xml"
    uncapped = [e.id for e in feedparser.parse(golden.read_bytes()).entries]
    assert [e.id for e in shown] == uncapped[: len(shown)]


def test_dropped_entries_stay_reachable_through_the_archive_pages(site: Path) -> None:
    _build(site, "max_bytes = 12000\n")
    seen: list[str] = []
    document = feedparser.parse((site / "public" / "atom.xml").read_bytes())
    seen += [e.id for e in document.entries]
    prev = next((link.href for link in document.feed.links if link.rel == "prev-archive"), None)
    while prev is not None:
        relative = prev.split("/feeds/", 1)[1]
        document = feedparser.parse((site / "public" / relative).read_bytes())
        seen += [e.id for e in document.entries]
        prev = next((link.href for link in document.feed.links if link.rel == "prev-archive"), None)
    assert len(set(seen)) == LIVE  # every live entry, though the site feed shows fewer


def test_without_a_cap_nothing_is_dropped(site: Path) -> None:
    report = _build(site, "")
    assert not [w for w in report.warnings if w.field == "max_bytes"]  # type: ignore[attr-defined]
    assert len(feedparser.parse((site / "public" / "rss.xml").read_bytes()).entries) == LIVE
