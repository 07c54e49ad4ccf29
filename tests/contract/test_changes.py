"""An edit, an addition, a deletion and a record turned into a draft touch only their documents.

For each change, the documents expected to change are those whose bytes differ between the
clean reference builds before and after it; that set is first checked to be the documents
showing the entry (before or after) plus, where an archive page appeared or went, the pages
beside it (their prev-archive link moves), plus the pages for people counting the entry (the
directory, the pages of the site feed and of its categories), and nothing else. Then every
combination must write or remove exactly that set, and hold the reference's bytes.
"""

from __future__ import annotations

from typing import Any

import pytest

from feedpub.output.paths import page_path
from feedpub.pipeline import BodyMemo
from feedpub.records.categories import slugify
from tests.contract.conftest import PAIRWISE, References, combos
from tests.contract.world import FileRecords, World, apply, sample

RAKOR = "2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi"
DAYUNG = "2023/09/atlet-dayung-lampung-raih-emas-di-jayapura"
FRESH: dict[str, Any] = {
    "id": "2023/09/pelatda-dayung-lampung-dimulai",
    "title": "Pelatda dayung Lampung dimulai",
    "url": "/2023/09/pelatda-dayung-lampung-dimulai/",
    "date_published": "2023-09-12T09:00:00+07:00",
    "categories": ["Olahraga", "Lampung"],
    "content_text": "Pemusatan latihan daerah cabang dayung dimulai di Way Kanan.",
}


def steps() -> list[tuple[str, list[tuple[str, Any]], str]]:
    """Each change: its name, what it does to the records, and the url its entry shows."""
    records = sample()
    rakor, dayung = records[RAKOR], records[DAYUNG]
    return [
        ("edit", [("put", rakor | {"title": "Rakor Reformasi Birokrasi (diperbarui)"})], RAKOR),
        ("add", [("put", FRESH)], str(FRESH["id"])),
        ("delete", [("delete", FRESH["id"])], str(FRESH["id"])),
        ("draft", [("put", dayung | {"draft": True})], DAYUNG),
    ]


def _url(record_id: str) -> bytes:
    """What every document showing the entry carries: its link's path."""
    record = sample().get(record_id, FRESH)
    return str(record["url"]).encode()


def _files_named(changes: list[tuple[str, Any]]) -> frozenset[str]:
    """The record files a change writes or removes, as a folder's events name them."""
    return frozenset(f"{value['id'] if kind == 'put' else value}.json" for kind, value in changes)


def _showing(documents: dict[str, bytes], marker: bytes) -> set[str]:
    return {path for path, data in documents.items() if marker in data}


def _beside(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    """The archive pages next in time (either way) to a page that appeared or went."""
    paths = before.keys() | after.keys()
    found: set[str] = set()
    for page in before.keys() ^ after.keys():
        if "archive/" not in page:
            continue
        folder, rest = page.split("archive/")
        period, name = rest.split("/")
        chain = sorted(
            {
                p.split("archive/")[1].split("/")[0]
                for p in paths
                if p.startswith(folder + "archive/") and p.endswith("/" + name)
            }
        )
        at = chain.index(period)
        found.update(f"{folder}archive/{p}/{name}" for p in chain[max(at - 1, 0) : at + 2])
    return found


def _pages_counting(record_id: str) -> set[str]:
    """The pages for people that count the entry (an entry beyond a page's newest still
    counts): the directory, the site feed's page and each of its categories' pages."""
    record = sample().get(record_id, FRESH)
    terms = [slugify(label) for label in record.get("categories", [])]
    return {"index.html", page_path(None), *(page_path(term) for term in terms)}


# A folder without archives is the folder with them, less the pages: the costlier one runs.
@pytest.mark.parametrize(
    "world",
    combos(
        [c for c in PAIRWISE if c.target != "folder" or c.archives],
    ),
    indirect=True,
)
@pytest.mark.parametrize("watching", [False, True], ids=["build", "watch"])
def test_edit_add_delete_and_draft_touch_only_their_documents(
    world: World, references: References, watching: bool
) -> None:
    """``watch``: each change is built as ``feedpub watch`` builds it (looking only at what it
    writes, planning only the feeds the change touches, a file source reading only the files
    its events name, the articles kept between builds)."""
    first = world.build()
    assert first.exit_code == 0, [str(e) for e in first.errors]
    before = references.get("sample", world.archives)
    done: list[tuple[str, Any]] = []
    memo = BodyMemo()
    for name, changes, record_id in steps():
        options: dict[str, Any] = {}
        if watching:
            options = {"check_output": False, "memo": memo}
            if isinstance(world.records, FileRecords):
                options["paths"] = _files_named(changes)
        apply(world.records, changes)
        done = done + changes
        after = references.get(name, world.archives, done)
        expected = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        shown = _showing(before, _url(record_id)) | _showing(after, _url(record_id))
        assert shown, name
        counting = _pages_counting(record_id)
        assert shown <= expected <= shown | _beside(before, after) | counting, (
            name,
            expected - shown,
        )
        world.target.mark()
        report = world.build(**options)
        assert report.exit_code == 0, (name, [str(e) for e in report.errors])
        assert sorted(world.target.touched()) == sorted(expected), name
        assert world.target.documents() == after, name
        assert world.target.leftovers() == [], name
        before = after
