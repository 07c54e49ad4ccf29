"""Entries cut from published subscription documents (pipeline/cutting.py): a document that
shows some of the entries its published bytes carry (a new ``limit``, a new story at the top)
takes them from those bytes and renders only the others, and the feeds are byte for byte those
a build from scratch makes."""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedpub import build
from feedpub.config import parse_config
from feedpub.output.assembly import FrameFacts, Framing, KeptEntry
from tests.test_archives import NOW, add_record, configure, tree
from tests.test_build_properties import full_records
from tests.test_reframing import counted, feeds_written, fresh, run

__all__ = ["counted"]  # the fixture, used by name

#: The sample's subscription feeds: the site's and its ten categories'.
FEEDS = 11
#: A site for generated records (archives by month, every format, pages).
SITE = {
    "title": "Site",
    "link": "https://example.com/",
    "description": "News.",
    "timezone": "Asia/Jakarta",
    "language": "id",
}


@pytest.mark.parametrize("archive", ["month", "off"])
def test_a_new_limit_renders_only_the_entries_no_published_document_carries(
    site: Path, tmp_path: Path, counted: dict[str, int], archive: str
) -> None:
    configure(site, limit=2, archive=archive)
    run(site)
    counted.update(entries=0, bodies=0)
    configure(site, limit=3, archive=archive)
    report = run(site)
    grown = [path for path in feeds_written(report) if "/archive/" not in path]
    # Each feed's third entry is new to its document: at most one a feed, in each format;
    # the two it showed are cut from its bytes, their records not read.
    assert 0 < counted["entries"] <= 3 * FEEDS and counted["bodies"] <= FEEDS
    assert grown and report.records_changed == 0
    assert tree(site / "public") == fresh(site, tmp_path)
    # Back to two: every entry is one the documents carry.
    counted.update(entries=0, bodies=0)
    configure(site, limit=2, archive=archive)
    report = run(site)
    assert [path for path in feeds_written(report) if "/archive/" not in path] == grown
    assert counted == {"entries": 0, "bodies": 0}
    assert tree(site / "public") == fresh(site, tmp_path)


def test_a_new_story_renders_its_own_entry_only(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    configure(site, archive="off")
    run(site)
    counted.update(entries=0, bodies=0)
    add_record(site, "baru", date_published="2025-06-04T10:00:00+07:00", categories=["Ekonomi"])
    report = run(site)
    # The site's and Ekonomi's documents show it first and the rest as published: its entry
    # in RSS and Atom (``counted`` does not see JSON Feed's), its record read once.
    assert report.records_changed == 1
    assert counted == {"entries": 2, "bodies": 1}
    assert {"rss.xml", "category/ekonomi/atom.xml"} <= set(feeds_written(report))
    assert tree(site / "public") == fresh(site, tmp_path)


@pytest.mark.parametrize("change", ["written over", "deleted", "touched"])
@pytest.mark.parametrize("look", [True, False])
def test_a_document_whose_file_is_not_as_written_is_rendered_whole(
    site: Path, tmp_path: Path, counted: dict[str, int], change: str, look: bool
) -> None:
    """A build that does not look at every published file (a watcher's) finds it where the
    entries would be cut, and renders that document from its records instead."""
    configure(site, limit=2, archive="off")
    run(site)
    published = site / "public" / "rss.xml"
    if change == "written over":
        published.write_bytes(published.read_bytes().replace(b"<item>", b"<item> ", 1))
    elif change == "deleted":
        published.unlink()
    else:
        published.touch()
    counted.update(entries=0, bodies=0)
    add_record(site, "baru", date_published="2025-06-04T10:00:00+07:00")
    report = run(site, check_output=look)
    assert "rss.xml" in feeds_written(report)
    # The new story's record; and, if its file is not as written, rss.xml rendered whole
    # from its two records (the story's read again there).
    assert counted["bodies"] == (1 if change == "touched" else 3)
    assert tree(site / "public") == fresh(site, tmp_path)


def test_cut_entries_are_validated_whole_when_paranoid(site: Path, tmp_path: Path) -> None:
    configure(site, limit=2)
    run(site)
    configure(site, limit=3)
    run(site, paranoid=True)
    configure(site, limit=2)
    run(site, paranoid=True)
    assert tree(site / "public") == fresh(site, tmp_path)


def test_a_label_an_entry_shows_anew_renders_that_entry(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    """An entry's bytes show its categories' labels as the site shows them: when another
    record's label for one of its terms takes over, that entry is rendered again, not cut."""
    configure(site, archive="off")
    run(site)
    counted.update(entries=0, bodies=0)
    # An earlier-dated record naming a term with a label of its own: the site shows the first.
    add_record(site, "lama", date_published="2001-01-01T00:00:00+07:00", categories=["EKONOMI"])
    run(site)
    assert counted["entries"] > 0
    assert tree(site / "public") == fresh(site, tmp_path)


@given(
    moment=st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1)),
    offset=st.integers(-86399, 86399),
    length=st.integers(0, 10**9),
    dublin_core=st.booleans(),
)
@example(moment=datetime(2022, 12, 2, 9, 30), offset=7 * 3600, length=0, dublin_core=True)
def test_kept_entries_read_back_the_same(
    moment: datetime, offset: int, length: int, dublin_core: bool
) -> None:
    updated = moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    entries = (
        KeptEntry("k3y", length, updated, dublin_core, "1d"),
        KeptEntry("k3y2", 7, updated, not dublin_core, "2d"),
    )
    framing = Framing("b0dy", 120, FrameFacts(updated, dublin_core), entries)
    back = Framing.parse(framing.text())
    assert back == framing
    assert back is not None and back.entries[0].updated.utcoffset() == updated.utcoffset()
    assert back.places(b",\n") == [(120, 120 + length), (120 + length + 2, 120 + length + 9)]


@pytest.mark.parametrize(
    "entries",
    [
        "",
        "k,1,2020-01-01T00:00:00+00:00,0",
        "k,x,2020-01-01T00:00:00+00:00,0,i",
        "k,1,2020-01-01T00:00:00,0,i",
        ",1,2020-01-01T00:00:00+00:00,0,i",
        "k,-1,2020-01-01T00:00:00+00:00,0,i",
        "k,1,2020-01-01T00:00:00+00:00,2,i",
    ],
)
def test_kept_entries_the_state_did_not_write_keep_no_framing(entries: str) -> None:
    assert Framing.parse(f"d 12 2020-01-01T00:00:00+00:00/1 {entries}") is None


#: A story the loader accepts: dates at several offsets (some modified later), labels of one
#: term in two spellings (the site shows one: the other's entries show it relabelled), bodies
#: of both kinds, people named by name or with an address (RSS: ``dc:creator`` or ``author``).
day = st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2025, 12, 1))
zone = st.sampled_from(["+07:00", "Z", "-03:30", "+14:00"])
story = st.builds(
    lambda fields, published, at, later: {
        **fields,
        "date_published": f"{published.isoformat()}{at}",
        **({"date_modified": f"{(published + later).isoformat()}{at}"} if later else {}),
    },
    st.fixed_dictionaries(
        {
            "id": st.uuids().map(str),
            "title": st.text(min_size=1, max_size=20).filter(str.strip),
            "url": st.sampled_from(["/a/", "/b/", "https://example.com/c"]),
        },
        optional={
            "categories": st.lists(st.sampled_from(["Ekonomi", "EKONOMI", "Seni", "Olahraga"])),
            "summary": st.text(max_size=30),
            "content_text": st.text(max_size=60),
            "content_html": st.sampled_from(["<p>Isi <b>berita</b>.</p>", "<p>a</p><p>b</p>"]),
            "authors": st.lists(st.sampled_from(["Redaksi", "Ani <ani@example.com>"]), max_size=2),
        },
    ),
    day,
    zone,
    st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raws=st.lists(st.one_of(*[story] * 5, full_records), min_size=2, max_size=8),
    limits=st.tuples(st.integers(1, 4), st.sampled_from([-2, -1, 1, 2])).map(
        lambda pair: (pair[0], max(1, pair[0] + pair[1]))
    ),
    added=st.none() | story | full_records,
)
@example(
    raws=[{"title": "a", "date_published": "9999-12-31T23:59:59+14:00", "content_text": "x"}],
    limits=(1, 2),
    added={"title": "b", "date_published": "Jumat(02/12/2022)", "summary": "s"},
)
def test_documents_that_cut_entries_are_the_documents_rendered_whole(
    raws: list[dict[str, Any]], limits: tuple[int, int], added: dict[str, Any] | None
) -> None:
    """Any records the loader accepts, a new limit and maybe a new record: the documents that
    cut their entries from their published bytes are those a build from scratch renders."""
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "articles").mkdir()
        for number, raw in enumerate(raws):
            (folder / "articles" / f"r{number}.json").write_text(json.dumps(raw), "utf-8")

        def built(limit: int, out: str) -> None:
            config = parse_config({**SITE, "limit": limit}, "test.toml")
            state = folder / f"{out}.state"
            report = build(folder / "articles", folder / out, config, state_dir=state, now=NOW)
            assert report.count("invalid") == 0

        built(limits[0], "public")
        if added is not None:
            (folder / "articles" / "new.json").write_text(json.dumps(added), "utf-8")
        built(limits[1], "public")
        built(limits[1], "fresh")
        assert tree(folder / "public") == tree(folder / "fresh")
    finally:
        shutil.rmtree(folder)
