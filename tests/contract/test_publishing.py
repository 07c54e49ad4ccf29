"""Every combination publishes the reference's bytes, a run with nothing new writes nothing, and
a new title (which frames every document, and shows in no entry) writes what a clean build does.

The reference is a clean build of the sample's files into a folder; every other target and
the PostgreSQL rows built from the same records must publish the same documents, byte for
byte (every format, archive pages on and off).
"""

from __future__ import annotations

import shutil

import pytest

from tests.contract.conftest import PAIRWISE, References, combos
from tests.contract.world import World


# Files into a folder is the reference itself; every other pairing is compared with it.
@pytest.mark.parametrize(
    "world",
    combos([c for c in PAIRWISE if (c.target, c.source) != ("folder", "files")]),
    indirect=True,
)
def test_every_combination_publishes_the_reference_bytes(
    world: World, references: References
) -> None:
    report = world.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    expected = references.get("sample", world.archives)
    # 11 feeds in 3 formats, 31 archive pages in 3 formats, 12 pages for people (the
    # directory, and one behind each feed): pages are published like feeds, on every target.
    assert len(expected) == (138 if world.archives else 45)
    assert {p for p in expected if p.endswith(".html")} >= {"index.html", "feed/index.html"}
    published = world.target.documents()
    assert sorted(published) == sorted(expected)
    assert published == expected
    assert world.target.leftovers() == []


@pytest.mark.parametrize("world", combos(PAIRWISE), indirect=True)
def test_a_run_with_nothing_new_writes_nothing_with_a_warm_or_a_cold_state(world: World) -> None:
    assert world.build().exit_code == 0
    world.target.mark()
    again = world.build()
    assert again.exit_code == 0, [str(e) for e in again.errors]
    assert sorted(world.target.touched()) == []
    assert again.records_changed == 0 and again.count("written") == again.count("removed") == 0
    # The state is only a cache: without it every document is compared, and none rewritten.
    shutil.rmtree(world.state)
    cold = world.build()
    assert cold.exit_code == 0, [str(e) for e in cold.errors]
    assert sorted(world.target.touched()) == []
    assert cold.count("written") == cold.count("removed") == 0


@pytest.mark.parametrize("world", combos(PAIRWISE), indirect=True)
def test_a_new_title_writes_what_a_clean_build_does(world: World, references: References) -> None:
    """Each document's entries are framed anew (``pipeline/reframing.py``): read back from the
    target, a folder's in worker processes, an object store's here."""
    assert world.build().exit_code == 0
    before = references.get("sample", world.archives)
    world.overrides["title"] = "Altum News"
    after = references.get("new-title", world.archives, overrides={"title": "Altum News"})
    world.target.mark()
    report = world.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    assert report.records_changed == 0
    assert world.target.documents() == after
    assert sorted(world.target.touched()) == sorted(p for p in after if after[p] != before.get(p))
    assert world.target.leftovers() == []


@pytest.mark.parametrize("world", combos([c for c in PAIRWISE if c.archives]), indirect=True)
def test_a_longer_archive_period_writes_what_a_clean_build_does(
    world: World, references: References
) -> None:
    """The pages of a longer period are the published pages they cover, joined
    (``pipeline/reframing.py``): read back from each target; the shorter periods' pages go."""
    assert world.build().exit_code == 0
    world.overrides["archive"] = "year"
    after = references.get("archive-year", True, overrides={"archive": "year"})
    report = world.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    assert report.records_changed == 0 and report.count("removed") > 0
    assert world.target.documents() == after
    assert world.target.leftovers() == []
