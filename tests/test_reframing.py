"""A new frame around the entries already published (pipeline/reframing.py): a change to what
only frames a document (the site's title, description, author, hubs) renders no entry and reads
no record, and the feeds are byte for byte those a build from scratch makes."""

from __future__ import annotations

import json
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feedpub import build, load_config
from feedpub.output import publish
from feedpub.output.assembly import FrameFacts, Framing
from feedpub.output.publish import TEMP_PREFIX
from feedpub.output.targets.local import LocalFolder
from feedpub.records.dates import format_rfc822, format_rfc3339
from tests.test_archives import add_record, configure, tree
from tests.test_archives import run as build_site_here


def run(site: Path, **options: Any) -> Any:
    """A build of ``site`` that tells no hub (the tests name one that is nowhere)."""
    return build_site_here(site, ping=False, **options)


#: A title, a description, an author and a hub: what frames every document and nothing else.
NEW_FRAME = {
    "title": "Altum News",
    "description": "Kabar Lampung, setiap hari.",
    "author": "Meja Redaksi",
    "hubs": ["https://hub.example/"],
}


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many entries were rendered, and records' bodies read for the feeds, in this
    process (workers off). The pages for people read the records whose summaries come from an
    HTML body, once (not counted)."""
    import feedpub.output.render as render_module

    seen = {"entries": 0, "bodies": 0}
    real_entries = render_module.render_entries

    def entries(articles: Any, *rest: Any) -> Any:
        seen["entries"] += len(articles)
        return real_entries(articles, *rest)

    source_module = sys.modules["feedpub.records.source"]  # the loader the render stage uses
    real_read = source_module.read_articles

    pages_module = sys.modules["feedpub.pipeline.pages"]
    real_page_job = pages_module._summaries_job
    paging = [False]

    def page_job(*args: Any) -> Any:
        paging[0] = True
        try:
            return real_page_job(*args)
        finally:
            paging[0] = False

    def read(*args: Any) -> Any:
        loaded = real_read(*args)
        if not paging[0]:
            seen["bodies"] += len(loaded)
        return loaded

    monkeypatch.setattr(render_module, "render_entries", entries)
    monkeypatch.setattr(source_module, "read_articles", read)
    monkeypatch.setattr(pages_module, "_summaries_job", page_job)
    monkeypatch.setattr(sys.modules["feedpub.pipeline.rendering"], "PARALLEL_MIN_FEEDS", 10**6)
    monkeypatch.setattr(sys.modules["feedpub.pipeline.rendering"], "PARALLEL_MIN_ENTRIES", 10**6)
    return seen


def fresh(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """The feeds a build from scratch makes of the site as it is configured now."""
    copy = tmp_path / "fresh"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(copy)
    return tree(copy / "public")


def feeds_written(report: Any) -> list[str]:
    return sorted(o.path for o in report.feeds if o.action == "written" and ".html" not in o.path)


@pytest.mark.parametrize("archives", [True, False])
def test_a_new_frame_renders_no_entry_and_reads_no_record(
    site: Path, tmp_path: Path, counted: dict[str, int], archives: bool
) -> None:
    configure(site, limit=2) if archives else configure(site, archive="off")
    first = run(site)
    documents = feeds_written(first)
    assert counted["entries"] > 0 and counted["bodies"] > 0
    counted.update(entries=0, bodies=0)
    configure(site, **NEW_FRAME, **({"limit": 2} if archives else {"archive": "off"}))
    report = run(site)
    # Every document shows the new title: each is written, none of its entries rendered.
    assert feeds_written(report) == documents
    assert len(documents) == (3 * 42 if archives else 3 * 11)
    assert counted == {"entries": 0, "bodies": 0}
    assert report.records_changed == 0
    assert tree(site / "public") == fresh(site, tmp_path)
    # And again: the frames kept by a reframing build frame the next change too.
    counted.update(entries=0, bodies=0)
    configure(site, **{**NEW_FRAME, "title": "Altum"}, **({"limit": 2} if archives else {}))
    assert feeds_written(run(site)) == documents and counted["entries"] == 0
    assert tree(site / "public") == fresh(site, tmp_path)


def test_a_new_entry_beside_a_new_title_renders_only_what_shows_it(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    configure(site, limit=2)
    run(site)
    counted.update(entries=0, bodies=0)
    (site / "articles/baru.json").write_text(
        '{"title": "Baru", "url": "/baru/", "summary": "Ringkas.", '
        '"date_published": "2023-06-04T10:00:00+07:00"}'
    )
    configure(site, title="Altum News", limit=2)
    report = run(site)
    assert report.records_changed == 1
    # The site feed shows the new story (rendered); its archive page of June 2023 is new; the
    # rest keep their entries and get the new title around them.
    assert 0 < counted["entries"] <= 3 * 3 and counted["bodies"] <= 3
    assert tree(site / "public") == fresh(site, tmp_path)


def pages_of(report: Any) -> set[str]:
    """The archive pages a build wrote."""
    return {path for path in feeds_written(report) if "/archive/" in f"/{path}"}


def joined_into(site: Path, tmp_path: Path, counted: dict[str, int], archive: str) -> Any:
    """A build with a new ``archive``, whose pages are all joined: no entry rendered, no
    record read, the bytes a build from scratch makes. Its report."""
    counted.update(entries=0, bodies=0)
    configure(site, archive=archive, limit=2)
    report = run(site)
    assert counted == {"entries": 0, "bodies": 0}
    assert tree(site / "public") == fresh(site, tmp_path)
    return report


@pytest.mark.parametrize(
    ("before", "after"), [("month", "year"), ("day", "month"), ("day", "year"), ("week", "year")]
)
def test_a_longer_archive_period_joins_the_published_pages_and_renders_no_entry(
    site: Path, tmp_path: Path, counted: dict[str, int], before: str, after: str
) -> None:
    configure(site, archive=before, limit=2)
    old = pages_of(run(site))
    # Each new page is the old pages of its period joined in a new frame. (A week of 2023
    # and 2024 both, were there one, would be rendered: its page's entries are not one year's.)
    report = joined_into(site, tmp_path, counted, after)
    new = pages_of(report)
    assert new and not new & old
    assert old <= {o.path for o in report.feeds if o.action == "removed"}
    # And the joined pages keep their fingerprints: another step joins them again.
    if after != "year":
        joined_into(site, tmp_path, counted, "year")


def test_what_a_new_archive_cannot_join_it_renders(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    configure(site, archive="month", limit=2)
    run(site)
    # A record of 2023 edited with the change: 2023's pages are rendered, the others joined.
    edited = site / "articles/2023/04/pasar-takjil-ramadan-ramai-pengunjung.json"
    edited.write_text(edited.read_text().replace('"title": "', '"title": "Ramai: ', 1))
    counted.update(entries=0, bodies=0)
    configure(site, archive="year", limit=2)
    run(site)
    shown_2023 = 6  # the sample's records of 2023, rendered once per format
    assert 0 < counted["entries"] <= 3 * shown_2023 and counted["bodies"] <= shown_2023
    assert tree(site / "public") == fresh(site, tmp_path)
    # A shorter period's pages are each part of one longer page: they are rendered.
    counted.update(entries=0, bodies=0)
    configure(site, archive="month", limit=2)
    run(site)
    assert counted["entries"] > 0
    assert tree(site / "public") == fresh(site, tmp_path)


def test_pages_with_relabelled_entries_are_joined_and_a_new_label_renders_them(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    """A record that names a term with another label shows the site's label for it (its page's
    labels, which a month's and its year's pages do not share); a label changed with the
    archive renders the pages."""
    (site / "articles/relabel.json").write_text(
        '{"title": "Tari", "url": "/tari/", "summary": "Ringkas.", '
        '"date_published": "2023-06-04T10:00:00+07:00", '
        '"categories": [{"term": "Seni & Budaya", "label": "Seni Tari"}]}'
    )
    add_record(site, "tanpa-label", date_published="2023-06-20T10:00:00+07:00")  # its day's
    # page shows no label that its records do not say; its month's shows "Seni & Budaya"
    configure(site, archive="day", limit=2)
    run(site)
    joined_into(site, tmp_path, counted, "month")
    first = site / "articles/2021/11/sanggar-tari-lampung-tampil-di-denpasar.json"
    record = json.loads(first.read_text())
    record["categories"] = [{"term": "Seni & Budaya", "label": "Seni dan Budaya"}]
    first.write_text(json.dumps(record, ensure_ascii=False))
    configure(site, archive="year", limit=2)
    run(site)
    assert counted["entries"] > 0
    assert tree(site / "public") == fresh(site, tmp_path)


def test_pages_made_before_a_new_category_are_joined(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    """A term no record had changes no entry already made: the pages made before it came are
    joined as well as those made after."""
    configure(site, archive="day", limit=2)
    run(site)
    add_record(site, "cuaca", date_published="2023-06-04T10:00:00+07:00", categories=["Cuaca"])
    run(site)
    joined_into(site, tmp_path, counted, "month")


def test_a_joined_page_whose_source_changed_is_not_joined(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    configure(site, archive="month", limit=2)
    run(site)
    page = site / "public/archive/2022-12/atom.xml"
    page.write_bytes(page.read_bytes().replace(b"</feed>", b"<!-- edited --></feed>"))
    counted.update(entries=0, bodies=0)
    configure(site, archive="year", limit=2)
    run(site)
    # 2022's Atom page is rendered from its records; nothing else is.
    assert 0 < counted["entries"] <= 4 and counted["bodies"] <= 4
    assert tree(site / "public") == fresh(site, tmp_path)


def test_under_max_bytes_subscription_documents_are_rendered_and_pages_reframed(
    site: Path, tmp_path: Path, counted: dict[str, int]
) -> None:
    configure(site, limit=2, max_bytes=1_000_000)
    run(site)
    counted.update(entries=0, bodies=0)
    configure(site, title="Altum News", limit=2, max_bytes=1_000_000)
    run(site)
    # The cap may keep other entries under a longer head: the 11 feeds' subscription
    # documents show their two newest entries each, rendered again; no archive page's are.
    assert 0 < counted["entries"] <= 11 * 2 * 3
    assert tree(site / "public") == fresh(site, tmp_path)


def test_paranoid_reframing_gives_the_same_feeds(site: Path, tmp_path: Path) -> None:
    configure(site, limit=2)
    run(site)
    configure(site, title="Altum News", limit=2)
    run(site, paranoid=True)
    assert tree(site / "public") == fresh(site, tmp_path)


def deface_unseen(path: Path) -> None:
    """Rewrite a published file under its old size and mtime, as a tool that keeps them."""
    stat = path.stat()
    path.write_bytes(path.read_bytes().replace(b"<title>", b"<titlE>", 1))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def the_invalid_one(site: Path) -> Any:
    """A build that fails on one document (it exits non-zero): that document's outcome."""
    report = build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        now=datetime(2026, 1, 1, tzinfo=UTC),
        ping=False,
    )
    assert report.exit_code != 0
    (bad,) = [o for o in report.feeds if o.action == "invalid"]
    return bad


def test_a_file_changed_under_its_old_size_and_time_is_not_reframed(
    site: Path, tmp_path: Path
) -> None:
    """A tool that rewrites a published file and keeps its size and mtime: the plan trusts
    the file (as every build does), the reading sees other bytes, and nothing is built on
    them: that document is not written, the rest are, and the next build mends it."""
    configure(site, limit=2)
    run(site)
    path = site / "public/category/lampung/atom.xml"
    deface_unseen(path)
    configure(site, title="Altum News", limit=2)
    bad = the_invalid_one(site)
    assert bad.path == "category/lampung/atom.xml"
    assert "changed while this build ran" in str(bad.problems[0])
    assert b"<titlE>" in path.read_bytes()
    run(site)  # the next build renders it whole
    assert tree(site / "public") == fresh(site, tmp_path)


def test_a_joined_page_whose_source_changed_under_its_old_size_and_time_is_not_written(
    site: Path, tmp_path: Path
) -> None:
    """The same for a page a new archive joins: it names the page it takes its entries from,
    is not written, and the next build renders it; the other pages are joined."""
    configure(site, archive="month", limit=2)
    run(site)
    deface_unseen(site / "public/archive/2022-12/atom.xml")
    configure(site, archive="year", limit=2)
    bad = the_invalid_one(site)
    assert bad.path == "archive/2022/atom.xml"
    assert "takes its entries from archive/2022-12/atom.xml, which changed" in str(bad.problems[0])
    assert (site / "public/archive/2023/atom.xml").is_file()
    run(site)  # the next build renders it whole
    assert tree(site / "public") == fresh(site, tmp_path)


def _temporary_files(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob(f"{TEMP_PREFIX}*"))


def test_into_a_folder_the_new_documents_are_written_where_they_are_framed(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each reframed document is written beside its path by whoever framed it (a worker, when
    there are many: 126 here) and only put in place by the build: its bytes never come back."""
    configure(site, limit=2)
    run(site)
    taken: list[str] = []
    written: list[str] = []
    real_adopt, real_write = LocalFolder.adopt, LocalFolder.write_if_changed
    monkeypatch.setattr(
        LocalFolder,
        "adopt",
        lambda self, path, *rest: (taken.append(path), real_adopt(self, path, *rest))[1],
    )
    monkeypatch.setattr(
        LocalFolder,
        "write_if_changed",
        lambda self, path, *rest: (written.append(path), real_write(self, path, *rest))[1],
    )
    configure(site, title="Altum News", limit=2)
    report = run(site)
    assert sorted(taken) == feeds_written(report) and len(taken) == 3 * 42
    assert [path for path in written if path.endswith(".html")] == written  # pages for people
    assert _temporary_files(site / "public") == []
    assert tree(site / "public") == fresh(site, tmp_path)


def test_a_build_stopped_while_reframing_leaves_no_temporary_file(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after some documents were put in place: the workers had written others that
    the build never took. None is left behind, every file holds its old bytes or its new
    ones, and the next build publishes the rest."""
    configure(site, limit=2)
    run(site)
    before = tree(site / "public")
    real_adopt = LocalFolder.adopt
    calls = {"n": 0}

    def adopt(self: LocalFolder, path: str, staged: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 40:
            raise RuntimeError("stopped")
        return real_adopt(self, path, staged)

    monkeypatch.setattr(LocalFolder, "adopt", adopt)
    monkeypatch.setattr(publish, "BATCH_FILES", 16)  # some in place, some taken and dropped
    configure(site, title="Altum News", limit=2)
    with pytest.raises(RuntimeError, match="stopped"):
        run(site)
    assert _temporary_files(site / "public") == []
    after, new = tree(site / "public"), fresh(site, tmp_path)
    assert set(after) == set(before)
    assert all(data in (before[path], new[path]) for path, data in after.items())
    assert before != after != new  # some in place, not all
    monkeypatch.setattr(LocalFolder, "adopt", real_adopt)
    run(site)
    assert tree(site / "public") == new and _temporary_files(site / "public") == []


offsets = st.integers(min_value=-(23 * 3600 + 59 * 60), max_value=23 * 3600 + 59 * 60)


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.none()
    ),
    offset=offsets,
    dublin_core=st.booleans(),
)
@example(moment=datetime(1970, 1, 1), offset=0, dublin_core=False)  # a document with no entry
@example(moment=datetime(1900, 1, 1, 0, 0, 0, 999999), offset=25_932, dublin_core=True)
def test_frame_facts_read_back_write_the_same_dates(
    moment: datetime, offset: int, dublin_core: bool
) -> None:
    """What the state keeps of a frame's facts gives the same instant at the same offset, so
    the frame rendered from it writes the very dates the entries gave it."""
    updated = moment.replace(tzinfo=timezone(timedelta(seconds=offset)))
    facts = FrameFacts(updated, dublin_core)
    framing = Framing("d1g35t", 1234, facts)
    back = Framing.parse(framing.text())
    assert back == framing
    assert back.facts.updated.utcoffset() == updated.utcoffset()
    for write in (format_rfc3339, format_rfc822):
        assert write(back.facts.updated) == write(updated)


@pytest.mark.parametrize("text", ["", "x", "d 12", "d 12 nope/1", "d x 2020-01-01T00:00:00/1"])
def test_framing_the_state_did_not_write_is_none(text: str) -> None:
    assert Framing.parse(text) is None
