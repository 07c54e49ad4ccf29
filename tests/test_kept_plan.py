"""The answers a full plan asks of every live record (the categories' archive pages, the pages
showing relabelled categories) are kept by archive period while those periods' records are the
same, and asked again of a period as soon as one of its records is added, edited, moved or falls
due; of every period when the labels shown change (``feedpub/state/kept.py``)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from feedpub import build, load_config
from tests.test_archives import NOW, add_record, configure, run, tree


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Which periods each walk of the live records was asked for, call by call ("every": all
    of them)."""
    import feedpub.state.entries as entries
    import feedpub.state.labels as labels

    calls: dict[str, list[Any]] = {"category pages": [], "relabelled pages": []}
    real_pages, real_labels = entries.category_pages, labels.relabelled_pages

    def pages(db: Any, now: Any, terms: Any = None, periods: Any = None) -> Any:
        if terms is None:
            calls["category pages"].append("every" if periods is None else sorted(periods))
        return real_pages(db, now, terms, periods)

    def relabelled(
        db: Any, categories: Any, now: Any, by_category: Any, feeds: Any = None, periods: Any = None
    ) -> Any:
        if feeds is None:
            calls["relabelled pages"].append("every" if periods is None else sorted(periods))
        return real_labels(db, categories, now, by_category, feeds, periods)

    monkeypatch.setattr(entries, "category_pages", pages)
    monkeypatch.setattr(labels, "relabelled_pages", relabelled)
    return calls


def _fresh(site: Path, tmp_path: Path, days: int = 0) -> dict[str, bytes]:
    copy = tmp_path / "fresh"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public", ".feedpub"))
    _build(copy, days)
    return tree(copy / "public")


def _build(site: Path, days: int) -> None:
    config = load_config(site / "feedpub.toml")
    report = build(
        site / "articles", site / "public", config, state_dir=site / ".feedpub",
        now=NOW + timedelta(days=days),
    )  # fmt: skip
    assert report.exit_code == 0


def _asked_by(build_once: Any, asked: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """What each walk was asked in ``build_once()``."""
    before = {name: len(calls) for name, calls in asked.items()}
    build_once()
    return {name: calls[before[name] :] for name, calls in asked.items()}


def test_a_new_limit_asks_nothing_of_records_that_did_not_change(
    site: Path, tmp_path: Path, asked: dict[str, list[Any]]
) -> None:
    configure(site, limit=2)
    every = {"category pages": ["every"], "relabelled pages": ["every"]}
    assert _asked_by(lambda: run(site), asked) == every
    configure(site, limit=3)
    assert _asked_by(lambda: run(site), asked) == {"category pages": [], "relabelled pages": []}
    assert tree(site / "public") == _fresh(site, tmp_path)


def test_an_edit_or_a_story_falling_due_asks_again_of_its_period_only(
    site: Path, tmp_path: Path, asked: dict[str, list[Any]]
) -> None:
    configure(site, limit=2)
    run(site)
    # A new story: the plan (a build after an edit plans every document) asks of its month.
    june = {"category pages": [["2023-06"]], "relabelled pages": [["2023-06"]]}
    add_record(site, "baru", date_published="2023-06-04T10:00:00+07:00", categories=["Ekonomi"])
    assert _asked_by(lambda: run(site), asked) == june
    assert tree(site / "public") == _fresh(site, tmp_path)
    # Its categories edited, one of them to a label not its term's own: its month again.
    add_record(site, "baru", date_published="2023-06-04T10:00:00+07:00", categories=["EKONOMI"])
    configure(site, limit=3)
    assert _asked_by(lambda: run(site), asked) == june
    assert tree(site / "public") == _fresh(site, tmp_path)
    # Moved to another month: that month is asked; June, which showed it alone, has no
    # archive page now, and its kept rows go.
    add_record(site, "baru", date_published="2023-05-04T10:00:00+07:00", categories=["EKONOMI"])
    may = [["2023-05"]]
    assert _asked_by(lambda: run(site), asked) == {"category pages": may, "relabelled pages": may}
    assert not list((site / "public").rglob("2023-06"))
    assert tree(site / "public") == _fresh(site, tmp_path)
    # A story dated tomorrow is withheld today (nothing asked); once it falls due, its month.
    add_record(site, "besok", date_published=(NOW + timedelta(days=1)).isoformat())
    configure(site, limit=2)
    nothing = {"category pages": [], "relabelled pages": []}
    assert _asked_by(lambda: _build(site, 0), asked) == nothing
    configure(site, limit=3)
    due = _asked_by(lambda: _build(site, 2), asked)
    assert due == {"category pages": [["2026-01"]], "relabelled pages": [["2026-01"]]}
    assert tree(site / "public") == _fresh(site, tmp_path, days=2)


def test_a_label_shown_anew_asks_of_every_period(
    site: Path, tmp_path: Path, asked: dict[str, list[Any]]
) -> None:
    run(site)
    # A category no record had: every page may show its label relabelled now. The archive
    # pages of categories ask of its month only (their rows are the records' own).
    add_record(
        site, "baru", date_published="2023-06-04T10:00:00+07:00", categories=["Ekonomi Daerah"]
    )
    assert _asked_by(lambda: run(site), asked) == {
        "category pages": [["2023-06"]],
        "relabelled pages": ["every"],
    }
    assert tree(site / "public") == _fresh(site, tmp_path)
