"""The answers a full plan asks of every live record (the categories' archive pages, the pages
showing relabelled categories) are kept while those records are the same, and asked again as
soon as one is added, edited, relabelled or falls due (``feedpub/state/kept.py``)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from feedpub import build, load_config
from tests.test_archives import NOW, add_record, configure, run, tree


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each walk of every live record ran."""
    import feedpub.state.entries as entries
    import feedpub.state.labels as labels

    counts = {"category pages": 0, "relabelled pages": 0}
    real_pages, real_labels = entries.category_pages, labels.relabelled_pages

    def pages(db: Any, now: Any, terms: Any = None) -> Any:
        if terms is None:
            counts["category pages"] += 1
        return real_pages(db, now, terms)

    def relabelled(db: Any, categories: Any, now: Any, by_category: Any, *rest: Any) -> Any:
        if not rest:
            counts["relabelled pages"] += 1
        return real_labels(db, categories, now, by_category, *rest)

    monkeypatch.setattr(entries, "category_pages", pages)
    monkeypatch.setattr(labels, "relabelled_pages", relabelled)
    return counts


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


def _asked_by(build_once: Any, asked: dict[str, int]) -> dict[str, int]:
    """How often each walk ran in ``build_once()``."""
    before = dict(asked)
    build_once()
    return {name: asked[name] - before[name] for name in asked}


def test_a_new_limit_asks_nothing_of_records_that_did_not_change(
    site: Path, tmp_path: Path, asked: dict[str, int]
) -> None:
    configure(site, limit=2)
    assert _asked_by(lambda: run(site), asked) == {"category pages": 1, "relabelled pages": 1}
    configure(site, limit=3)
    assert _asked_by(lambda: run(site), asked) == {"category pages": 0, "relabelled pages": 0}
    assert tree(site / "public") == _fresh(site, tmp_path)


def test_an_edit_a_new_label_or_a_story_falling_due_asks_again(
    site: Path, tmp_path: Path, asked: dict[str, int]
) -> None:
    every = {"category pages": 1, "relabelled pages": 1}
    configure(site, limit=2)
    run(site)
    # A story with a label no other record gives its term, beside a new limit (a full plan).
    add_record(
        site, "baru", date_published="2023-06-04T10:00:00+07:00", categories=["Ekonomi Daerah"]
    )
    configure(site, limit=3)
    assert _asked_by(lambda: run(site), asked) == every
    assert tree(site / "public") == _fresh(site, tmp_path)
    # Its label edited: the records' digests move, so both are asked again.
    add_record(site, "baru", date_published="2023-06-04T10:00:00+07:00", categories=["EKONOMI"])
    configure(site, limit=2)
    assert _asked_by(lambda: run(site), asked) == every
    assert tree(site / "public") == _fresh(site, tmp_path)
    # A story dated tomorrow is withheld today (nothing asked again); once it falls due, a new
    # limit plans it in.
    add_record(site, "besok", date_published=(NOW + timedelta(days=1)).isoformat())
    configure(site, limit=3)
    assert _asked_by(lambda: _build(site, 0), asked) == {"category pages": 0, "relabelled pages": 0}
    configure(site, limit=2)
    assert _asked_by(lambda: _build(site, 2), asked) == every
    assert tree(site / "public") == _fresh(site, tmp_path, days=2)
