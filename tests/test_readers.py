"""What aggregators see: the sample's feeds parsed with feedparser, a real reader library."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from feedpub import build, load_config

EXPECTATIONS = json.loads((Path(__file__).parent / "data" / "sample_expectations.json").read_text())
PUBLISHED = {k: v for k, v in EXPECTATIONS.items() if not v["draft"]}


def _offset(text: str) -> timedelta:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = text[1:].split(":")
    return sign * timedelta(hours=int(hours), minutes=int(minutes))


def _expected_published(record: dict[str, Any]) -> datetime:
    instant = datetime.fromisoformat(record["published_utc"].replace("Z", "+00:00"))
    return instant.astimezone(UTC)


def _tag_uri(record_id: str, record: dict[str, Any]) -> str:
    local = _expected_published(record) + _offset(record["published_offset"])
    return f"tag:altumnews.com,{local:%Y-%m-%d}:{record_id}"


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("public")
    report = build(root / "articles", out, load_config(root / "feedpub.toml"))
    assert report.exit_code == 0, [str(e) for e in report.errors]
    return {fmt: feedparser.parse((out / f"{fmt}.xml").read_bytes()) for fmt in ("rss", "atom")}


@pytest.mark.parametrize("fmt", ["rss", "atom"])
def test_feed_parses_without_bozo(feeds: dict[str, Any], fmt: str) -> None:
    parsed = feeds[fmt]
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if fmt == "rss" else "atom10")
    assert len(parsed.entries) == len(PUBLISHED)


@pytest.mark.parametrize("fmt", ["rss", "atom"])
@pytest.mark.parametrize("record_id", sorted(PUBLISHED))
def test_entry_means_what_the_record_means(feeds: dict[str, Any], fmt: str, record_id: str) -> None:
    record = PUBLISHED[record_id]
    by_id = {entry.id: entry for entry in feeds[fmt].entries}
    entry = by_id[_tag_uri(record_id, record)]
    assert entry.title == record["title"]
    if record["url"]:
        assert entry.link == record["url"]
    assert sorted(tag.get("label") or tag.term for tag in entry.tags) == sorted(
        record["categories"]
    )

    raw = entry.published
    published = parsedate_to_datetime(raw) if fmt == "rss" else datetime.fromisoformat(raw)
    assert published == _expected_published(record)
    assert published.utcoffset() == _offset(record["published_offset"])


def test_seed_entry_is_friday_midnight_in_bandar_lampung(feeds: dict[str, Any]) -> None:
    seed = next(e for e in feeds["atom"].entries if "reformasi-birokrasi" in e.id)
    assert seed.published == "2022-12-02T00:00:00+07:00"
    rss_seed = next(e for e in feeds["rss"].entries if "reformasi-birokrasi" in e.id)
    assert rss_seed.published == "Fri, 02 Dec 2022 00:00:00 +0700"
    assert datetime.fromisoformat(seed.published).astimezone(UTC) == datetime(
        2022, 12, 1, 17, 0, tzinfo=UTC
    )


def test_draft_is_in_no_feed(feeds: dict[str, Any]) -> None:
    drafts = [k for k, v in EXPECTATIONS.items() if v["draft"]]
    assert drafts
    for fmt in ("rss", "atom"):
        ids = " ".join(entry.id for entry in feeds[fmt].entries)
        assert not any(draft in ids for draft in drafts)


def test_entries_are_newest_first(feeds: dict[str, Any]) -> None:
    stamps = [datetime.fromisoformat(e.published) for e in feeds["atom"].entries]
    assert stamps == sorted(stamps, reverse=True)
