"""A killed build recovers: the next build publishes what a clean build would, nothing stale.

The sample is published (archives on, every format, JSON Feed included); then a record is
deleted (its category and its month's page empty) and another moved to a later month (its
old page empties); then a ``full`` build is killed after some publish calls (early: among
the archive pages; late: among the subscription documents). A normal build after it must
leave exactly the documents, and bytes, of a clean build (fresh state, fresh output) of the
same records: no page left at an old archive URL, no temp file, no emptied folder.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.contract.conftest import PAIRWISE, Combo, References, combos
from tests.contract.memory import KillAfter, Killed
from tests.contract.world import World, apply, sample

DAYUNG = "2023/09/atlet-dayung-lampung-raih-emas-di-jayapura"
RAKOR = "2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi"
KILLS = {"early": 5, "late": -3}  # publish calls let through; negative: before the end


def _changes() -> list[tuple[str, Any]]:
    records = sample()
    moved = records[RAKOR] | {"date_published": "2024-02-25T10:00:00+07:00"}
    return [("delete", DAYUNG), ("put", moved)]


def _with_archives(combo: Combo) -> bool:
    return combo.archives


def _kills() -> list[object]:
    """Both kills into memory (files and rows); the late one, the costlier, into the folder
    and the bucket (where publishing is real I/O)."""
    found: list[object] = []
    chosen = [c for c in PAIRWISE if c.archives]
    marked = combos(chosen)
    for combo, param in zip(chosen, marked, strict=True):
        for when in sorted(KILLS):
            if when == "late" or combo.target == "memory":
                found.append(pytest.param(combo, when, id=f"{combo.id}-{when}", marks=param.marks))
    return found


@pytest.mark.parametrize(("world", "when"), _kills(), indirect=["world"])
def test_a_killed_full_build_recovers_to_a_clean_builds_bytes(
    world: World, references: References, when: str
) -> None:
    assert world.build().exit_code == 0
    apply(world.records, _changes())
    expected = references.get("deleted-and-moved", world.archives, _changes())
    assert any(p.startswith("archive/2022-12/") for p in world.target.documents())
    assert not any(p.startswith("archive/2022-12/") for p in expected)  # the page emptied
    assert "feed.json" in expected and "archive/2024-02/feed.json" in expected
    calls = KILLS[when] if KILLS[when] > 0 else len(expected) + KILLS[when]
    killer = KillAfter(world.publish_target(), calls)
    with pytest.raises(Killed):
        world.build(out=killer, full=True)
    assert killer.made == calls
    report = world.build()
    assert report.exit_code == 0, [str(e) for e in report.errors]
    published = world.target.documents()
    assert sorted(set(published) - set(expected)) == []  # nothing stale
    assert sorted(set(expected) - set(published)) == []
    assert published == expected
    assert world.target.leftovers() == []
