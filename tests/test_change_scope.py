"""A build for a change (``check_output=False``, as ``feedpub watch`` runs it) plans only the site
feed and the categories the changed records touch; what it publishes must be exactly what a
build from scratch publishes, whatever the change (pipeline/scope.py), also when it reads only
the file the change named and keeps the articles between builds, as the watcher does."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub import BuildReport, __version__, build
from feedpub.config import SiteConfig, parse_config
from feedpub.pipeline import BodyMemo
from feedpub.state import BuildState, sync

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _config(archive: str = "month", pages: bool = True) -> SiteConfig:
    return parse_config(
        {
            "title": "Site",
            "link": "https://example.com/",
            "description": "News.",
            "timezone": "Asia/Jakarta",
            "language": "id",
            "limit": 2,
            "archive": archive,
            "pages": pages,
            "feeds_url": "https://example.com/feeds/",
        },
        "test.toml",
    )


CONFIG = _config()
#: A few terms, each with a second spelling of its label (the first record in path order wins).
LABELS = {
    "ekonomi": ["Ekonomi", "EKONOMI"],
    "olahraga": ["Olahraga", "olahraga"],
    "sains": ["Sains"],
}
DAYS = [
    "2025-10-03T08:00:00+07:00",
    "2025-11-14T09:30:00+07:00",
    "2025-12-30T20:00:00+07:00",
    "2026-01-01T06:00:00+07:00",  # 2025-12-31 23:00 UTC: due at NOW
    "2026-01-01T12:00:00+07:00",  # withheld until 05:00 UTC
]


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def _record(
    number: int, day: int, labels: list[str], *, ident: str | None = None
) -> dict[str, Any]:
    return {
        "id": ident or f"story-{number}",
        "title": f"Story {number}",
        "url": f"https://example.com/{number}/",
        "date_published": DAYS[day],
        "categories": labels,
        "content_text": f"Body of story {number}.",
    }


def _write(articles: Path, name: str, record: dict[str, Any]) -> None:
    (articles / name).write_text(json.dumps(record), encoding="utf-8")


def _build(site: Path, now: datetime, config: SiteConfig = CONFIG, **options: Any) -> BuildReport:
    return build(
        site / "articles", site / "out", config, state_dir=site / "state", now=now, **options
    )


def _from_scratch(site: Path, now: datetime, config: SiteConfig = CONFIG) -> dict[str, bytes]:
    out = site / "reference"
    shutil.rmtree(out, ignore_errors=True)
    build(site / "articles", out, config, now=now)
    return _tree(out)


def _start(site: Path, config: SiteConfig = CONFIG) -> Path:
    articles = site / "articles"
    articles.mkdir(parents=True)
    for number in range(8):
        term = sorted(LABELS)[number % 3]
        _write(articles, f"m{number:02d}.json", _record(number, number % 3, [LABELS[term][0]]))
    _build(site, NOW, config)
    return articles


def test_a_change_plans_only_the_feeds_it_touches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = _start(tmp_path)
    asked: list[tuple[Any, ...]] = []
    real = BuildState.relabelled_pages

    def spy(self: BuildState, *args: Any, **keywords: Any) -> Any:
        asked.append(args[3:])
        return real(self, *args, **keywords)

    monkeypatch.setattr(BuildState, "relabelled_pages", spy)
    _write(articles, "m09.json", _record(9, 0, ["Ekonomi"]))  # October's, beside three
    report = _build(tmp_path, NOW, check_output=False)
    # The labels of October's pages alone are looked up: the other months' pages keep theirs.
    assert asked == [({None, "ekonomi"}, ["2025-10"])]
    looked = {outcome.path for outcome in report.feeds}
    assert "rss.xml" in looked and "category/ekonomi/rss.xml" in looked and "index.html" in looked
    assert not any(path.startswith(("category/sains/", "category/olahraga/")) for path in looked)
    assert _tree(tmp_path / "out") == _from_scratch(tmp_path, NOW)
    # A cron build (every document looked at) after it finds nothing to do.
    again = _build(tmp_path, NOW)
    assert again.count("written") == 0 and not again.errors


def test_a_moved_label_or_a_due_entry_plans_every_feed(tmp_path: Path) -> None:
    articles = _start(tmp_path)
    # A file sorting first gives "ekonomi" another label: every feed showing it changes.
    _write(articles, "a00.json", _record(20, 0, ["EKONOMI"]))
    report = _build(tmp_path, NOW, check_output=False)
    assert any(o.path.startswith("category/olahraga/") for o in report.feeds)
    assert _tree(tmp_path / "out") == _from_scratch(tmp_path, NOW)
    # An entry withheld until later falls due by the next build's clock.
    _write(articles, "m30.json", _record(30, 4, ["Sains"]))
    _build(tmp_path, NOW, check_output=False)
    later = NOW + timedelta(hours=6)
    _write(articles, "m31.json", _record(31, 0, ["Olahraga"]))
    _build(tmp_path, later, check_output=False)
    assert _tree(tmp_path / "out") == _from_scratch(tmp_path, later)


edits = st.lists(
    st.tuples(
        st.sampled_from(["add", "edit", "remove", "duplicate", "relabel"]),
        st.integers(0, 40),  # which record
        st.integers(0, len(DAYS) - 1),
        st.lists(st.sampled_from(sorted(LABELS)), max_size=2, unique=True),
        st.booleans(),  # draft, or the label's second spelling
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=edits,
    hours=st.lists(st.sampled_from([0, 0, 1, 8]), min_size=4, max_size=4),
    config=st.sampled_from([CONFIG, _config(archive="off"), _config(pages=False)]),
)
def test_builds_for_changes_publish_what_a_build_from_scratch_does(
    tmp_path_factory: Any,
    steps: list[tuple[str, int, int, list[str], bool]],
    hours: list[int],
    config: SiteConfig,
) -> None:
    site = tmp_path_factory.mktemp("scope")
    articles = _start(site, config)
    now = NOW
    memo = BodyMemo()  # as the watcher keeps the articles between its builds
    for (kind, number, day, terms, flag), hour in zip(steps, hours, strict=False):
        now += timedelta(hours=hour)
        files = sorted(articles.glob("*.json"))
        target = files[number % len(files)]
        labels = [LABELS[t][1 if flag and len(LABELS[t]) > 1 else 0] for t in terms]
        name = target.name  # the file the change writes or removes, as its event names it
        if kind == "add":
            record = _record(100 + number, day, labels)
            record["draft"] = flag
            name = f"n{number:02d}.json"
            _write(articles, name, record)
        elif kind == "edit":
            record = json.loads(target.read_text(encoding="utf-8"))
            record.update(date_published=DAYS[day], categories=labels, title=f"Edited {number}")
            _write(articles, name, record)
        elif kind == "remove":
            target.unlink()
        elif kind == "duplicate":  # the same id, in a file before or after the first one
            ident = json.loads(target.read_text(encoding="utf-8"))["id"]
            name = f"{'a' if flag else 'z'}{number:02d}.json"
            _write(articles, name, _record(200 + number, day, labels, ident=ident))
        else:
            name = f"a{number:02d}x.json"
            _write(articles, name, _record(300 + number, day, labels))
        options = {"check_output": False, "memo": memo, "paths": frozenset({name})}
        report = _build(site, now, config, **options)
        assert all(error.field == "id" for error in report.errors)  # only a duplicate is bad
        assert _tree(site / "out") == _from_scratch(site, now, config), (kind, number)
    # The build cron runs next agrees, and finds nothing left to write.
    assert _build(site, now, config).count("written") == 0


def test_every_categorys_live_count_is_the_one_asked_for_it_alone(tmp_path: Path) -> None:
    """The directory's counts of every category (a build from scratch) and of a few (a change's
    build) are worked out by two queries: they agree, drafts, duplicates and entries not yet
    due left out, and a category with nothing live has no count."""
    articles = _start(tmp_path)
    _write(articles, "d1.json", {**_record(40, 0, ["Sains", "Ekonomi"]), "draft": True})
    _write(articles, "d2.json", {**_record(41, 1, ["Draf"]), "draft": True})
    _write(articles, "z1.json", _record(42, 2, ["Sains"], ident="story-1"))  # a duplicate id
    _write(articles, "z2.json", _record(43, 4, ["Nanti", "Sains"]))  # due after NOW
    _build(tmp_path, NOW)
    with BuildState(tmp_path / "state", __version__, CONFIG.records.fingerprint()) as state:
        now = NOW.timestamp()
        every = state.live_counts(now)
        assert every == {None: 8, "ekonomi": 3, "olahraga": 3, "sains": 2}
        terms = ["draf", "ekonomi", "nanti", "olahraga", "sains", "unknown"]
        assert state.live_counts(now, terms) == every
        assert state.live_counts(None)["nanti"] == 1 == state.live_counts(None, ["nanti"])["nanti"]


def _indexes(site: Path) -> set[str]:
    with sqlite3.connect(site / "state" / "index.sqlite3") as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='index'")}


PERIOD_INDEXES = {"records_period", "records_pages", "categories_pages"}


@pytest.mark.parametrize("archive", ["off", "month"])
def test_a_bulk_load_builds_the_indexes_of_periods_only_for_records_with_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, archive: str
) -> None:
    """A cold load of many files indexes the tables after the rows; without archives no record
    has a period and the indexes only archive pages read are left out. What is published is
    the same either way, and stays so as records come and go."""
    monkeypatch.setattr(sync, "BULK_MIN_FILES", 1)
    config = _config(archive)
    articles = tmp_path / "articles"
    articles.mkdir()
    for number in range(3):  # bad records only: nothing stored, no period
        _write(articles, f"b{number}.json", {**_record(number, 0, ["Sains"]), "title": ""})
    _build(tmp_path, NOW, config)
    assert not _indexes(tmp_path) & PERIOD_INDEXES
    for number in range(8):
        _write(articles, f"m{number:02d}.json", _record(number, number % 3, ["Ekonomi"]))
    report = _build(tmp_path, NOW, config)
    assert report.records_changed == 8
    assert (_indexes(tmp_path) >= PERIOD_INDEXES) is (archive != "off")
    assert _tree(tmp_path / "out") == _from_scratch(tmp_path, NOW, config)
    shutil.rmtree(tmp_path / "state")  # a cold bulk load of good records
    _build(tmp_path, NOW, config)
    assert (_indexes(tmp_path) >= PERIOD_INDEXES) is (archive != "off")
    assert bool(_indexes(tmp_path) & PERIOD_INDEXES) is (archive != "off")
    _write(articles, "m20.json", _record(20, 1, ["Sains"]))
    _build(tmp_path, NOW, config)
    assert _tree(tmp_path / "out") == _from_scratch(tmp_path, NOW, config)
