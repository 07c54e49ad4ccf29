"""RFC 5005 archives: every entry reachable from the subscription document exactly once,
pages by their entries' own dates in the site's zone, and only affected pages rewritten."""

from __future__ import annotations

import json
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import feedparser
import pytest
from lxml import etree

from feedpub import BuildReport, build, load_config
from feedpub.validate import validate_feed
from tests.conftest import GOLDEN, note_calls

NOW = datetime(2026, 1, 1, tzinfo=UTC)
FEEDS = "https://altumnews.com/feeds/"
FH = "{http://purl.org/syndication/history/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"


def configure(site: Path, **keys: object) -> None:
    """Set top-level config keys (first in the file: later ones would land in its table)."""
    config = site / "feedpub.toml"
    text = "\n".join(
        line for line in config.read_text().splitlines() if line.split(" =")[0] not in keys
    )
    config.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items()) + text + "\n")


def add_record(site: Path, name: str, **fields: Any) -> Path:
    path = site / "articles" / f"{name}.json"
    record = {"title": name.title(), "url": f"/{name}/", "summary": "Ringkas."}
    record.update(fields)
    path.write_text(json.dumps(record))
    return path


def run(site: Path, **options: Any) -> BuildReport:
    report = build(
        site / "articles",
        site / "public",
        load_config(site / "feedpub.toml"),
        state_dir=site / ".feedpub",
        now=NOW,
        **options,
    )
    assert report.exit_code == 0, [str(e) for e in report.errors] + [
        str(p) for o in report.feeds for p in o.problems
    ]
    return report


def written(report: BuildReport) -> list[str]:
    return sorted(o.path for o in report.feeds if o.action == "written")


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".")  # the feeds, not the owner marker
    }


def local(site: Path, url: str) -> Path:
    assert url.startswith(FEEDS), url
    return site / "public" / url[len(FEEDS) :]


def links_of(parsed: Any, rel: str) -> list[str]:
    return [link.href for link in parsed.feed.get("links", []) if link.rel == rel]


def history(data: bytes) -> set[str]:
    """The RFC 5005 markers a document carries: ``archive``, ``complete``."""
    root = etree.fromstring(data)
    return {etree.QName(e).localname for e in root.iter(f"{FH}archive", f"{FH}complete")}


def walk(site: Path, start: str) -> tuple[list[str], list[str]]:
    """Follow prev-archive from a subscription document with feedparser: the pages visited
    and the entry ids found on them (not on the subscription document)."""
    pages: list[str] = []
    ids: list[str] = []
    parsed = feedparser.parse(local(site, start).read_bytes())
    while True:
        previous = links_of(parsed, "prev-archive")
        if not previous:
            return pages, ids
        (url,) = previous
        assert url not in pages, "the chain loops"
        # Each page links back to the one it was reached from (none to the subscription
        # document: the newest page has no next-archive).
        came_from = pages[-1:]
        pages.append(url)
        data = local(site, url).read_bytes()
        parsed = feedparser.parse(data)
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert links_of(parsed, "next-archive") == came_from
        if history(data) == {"archive", "complete"}:
            # The feed's only page holds all of it: it links nothing (W3C: a complete
            # document has no archive links, and current only to itself).
            assert pages == [url] and not links_of(parsed, "current")
        else:
            assert history(data) == {"archive"}
            assert links_of(parsed, "current") == [start]
        ids.extend(entry.id for entry in parsed.entries)


def walk_forward(site: Path, oldest: str) -> list[str]:
    """Follow next-archive from the oldest page: the pages visited, oldest first."""
    pages = [oldest]
    while True:
        parsed = feedparser.parse(local(site, pages[-1]).read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        following = links_of(parsed, "next-archive")
        if not following:
            return pages
        (url,) = following
        assert url not in pages, "the chain loops"
        assert links_of(feedparser.parse(local(site, url).read_bytes()), "prev-archive") == [
            pages[-1]
        ]
        pages.append(url)


def all_entries(site: Path, tmp_path: Path, *folders: str) -> dict[str, set[str]]:
    """Every entry of some feeds, from one build with no archives and no limit (the oracle)."""
    oracle = tmp_path / "oracle"
    shutil.copytree(site, oracle, ignore=shutil.ignore_patterns("public", ".feedpub"))
    configure(oracle, limit=10000, archive="off", formats=["json"])
    run(oracle)
    return {
        folder: {
            item["id"]
            for item in json.loads((oracle / "public" / folder / "feed.json").read_bytes())["items"]
        }
        for folder in folders
    }


def test_walking_prev_archive_collects_every_due_entry_once(site: Path, tmp_path: Path) -> None:
    add_record(site, "konsep", date_published="2022-12-05", draft=True)
    add_record(site, "terjadwal", date_published="2026-02-01", categories=["Lampung"])
    configure(site, limit=3)
    run(site)
    folders = ("", "category/lampung/", "category/olahraga/")
    oracle = all_entries(site, tmp_path, *folders)
    for folder in folders:
        expected = oracle[folder]
        assert expected and not any("konsep" in i or "terjadwal" in i for i in expected)
        for name in ("rss.xml", "atom.xml"):
            subscription = local(site, f"{FEEDS}{folder}{name}").read_bytes()
            pages, ids = walk(site, f"{FEEDS}{folder}{name}")
            if len(expected) <= 3:
                # It all fits in the subscription document: a complete feed, no pages.
                assert history(subscription) == {"complete"} and not pages
                assert {e.id for e in feedparser.parse(subscription).entries} == expected
                continue
            assert history(subscription) == set()
            assert len(ids) == len(set(ids)), "an entry is on two pages"
            assert set(ids) == expected
            # Newest page first, each period once, all beside the subscription document.
            periods = [url.rsplit("/", 2)[1] for url in pages]
            assert periods == sorted(set(periods), reverse=True)
            assert all(url.startswith(f"{FEEDS}{folder}archive/") for url in pages)
            # And back again: next-archive from the oldest page visits the same pages.
            assert walk_forward(site, pages[-1]) == pages[::-1]
        # JSON Feed pages chain by next_url the same way.
        url, ids = f"{FEEDS}{folder}feed.json", []
        while url:
            document = json.loads(local(site, url).read_bytes())
            ids.extend(item["id"] for item in document["items"] if "/archive/" in url)
            assert "hubs" not in document or "/archive/" not in url
            url = document.get("next_url")
        if len(expected) <= 3:
            ids = [
                item["id"]
                for item in json.loads(local(site, f"{FEEDS}{folder}feed.json").read_bytes())[
                    "items"
                ]
            ]
        assert sorted(ids) == sorted(expected)


def test_every_archive_page_passes_the_validator(site: Path) -> None:
    configure(site, limit=3)
    run(site)
    pages = sorted((site / "public").rglob("archive/*/*.xml"))
    assert len(pages) == 62  # 31 pages (site and categories with more than 3 entries), RSS and Atom
    for page in pages:
        # As someone else's document: not even a warning (the W3C validator's
        # ArchiveIncomplete and MissingCurrentInArchive are archive-links and archive-current).
        assert validate_feed(page.read_bytes(), str(page)) == []


def test_pages_follow_the_site_zone_and_the_period(site: Path) -> None:
    # 18:00 UTC on 30 November is 01:00 on 1 December in Jakarta, the site's zone.
    add_record(site, "subuh", date_published="2022-11-30T18:00:00+00:00")
    configure(site, limit=3)
    run(site)
    page = json.loads((site / "public/archive/2022-12/feed.json").read_bytes())
    assert "tag:altumnews.com,2022-11-30:subuh" in [item["id"] for item in page["items"]]
    assert not (site / "public/archive/2022-11").exists()
    for period, folder in (("year", "2022"), ("week", "2022-W48"), ("day", "2022-12-01")):
        configure(site, archive=period, archive_categories=False, formats=["json"], limit=3)
        run(site)
        folders = {p.name for p in (site / "public/archive").iterdir()}
        assert folder in folders, (period, sorted(folders))
        assert all(len(name) == len(folder) for name in folders)  # the old pages are gone


def test_archives_off_or_site_only(site: Path) -> None:
    configure(site, archive_categories=False, limit=3)
    run(site)
    assert (site / "public/archive/2022-12/atom.xml").is_file()
    assert not list((site / "public/category").rglob("archive"))
    assert b"prev-archive" not in (site / "public/category/lampung/atom.xml").read_bytes()
    configure(site, archive="off", limit=3)
    report = run(site)
    assert not (site / "public/archive").exists()
    assert b"prev-archive" not in (site / "public/atom.xml").read_bytes()
    assert "next_url" not in json.loads((site / "public/feed.json").read_bytes())
    assert report.count("removed") == 13 * 3  # the site's 13 pages, three formats each


def test_no_change_writes_nothing_and_an_old_edit_rewrites_only_its_pages(
    site: Path, tmp_path: Path
) -> None:
    configure(site, limit=2)
    run(site)
    assert written(run(site)) == []
    old = site / "articles/2021/08/upacara-hut-ri-76-digelar-terbatas.json"
    record = json.loads(old.read_text())
    record["title"] = "Upacara HUT RI ke-76 (diperbarui)"
    old.write_text(json.dumps(record, ensure_ascii=False))
    report = run(site)
    # Too old for the subscription documents (limit 2): only its own pages change.
    assert written(report) == sorted(
        f"{folder}archive/2021-08/{name}"
        for folder in ("", "category/lampung/", "category/pemerintahan/")
        for name in ("atom.xml", "feed.json", "rss.xml")
    )
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


def test_a_new_record_adds_its_page_and_leaves_the_others(site: Path) -> None:
    configure(site, limit=2)
    run(site)
    add_record(site, "baru", date_published="2025-03-04T10:00:00+07:00", categories=["Cuaca"])
    report = run(site)
    # The site's new page, and the one before it (its next-archive); the new category
    # fits in its subscription document (complete, no page).
    expected = {
        f"{folder}{page}{name}"
        for folder, pages in (
            ("", ("", "archive/2025-03/", "archive/2024-05/")),
            ("category/cuaca/", ("",)),
        )
        for page in pages
        for name in ("atom.xml", "feed.json", "rss.xml")
    }
    # JSON Feed has no next-archive: the page before re-renders to the same feed.json.
    expected.remove("archive/2024-05/feed.json")
    # The pages for people of the two feeds that changed, and the directory (counts, dates).
    expected |= {"index.html", "feed/index.html", "category/cuaca/index.html"}
    assert set(written(report)) == expected
    before = etree.parse(str(site / "public/archive/2024-05/atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in before.findall(f"{ATOM}link")}
    assert links["next-archive"] == f"{FEEDS}archive/2025-03/atom.xml"
    cuaca = (site / "public/category/cuaca/atom.xml").read_bytes()
    assert history(cuaca) == {"complete"} and b"prev-archive" not in cuaca
    rss = etree.parse(str(site / "public/rss.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in rss.iter(f"{ATOM}link")}
    assert links["prev-archive"] == f"{FEEDS}archive/2025-03/rss.xml"
    page = etree.parse(str(site / "public/archive/2025-03/atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in page.findall(f"{ATOM}link")}
    assert links["prev-archive"] == f"{FEEDS}archive/2024-05/atom.xml"
    assert links["current"] == f"{FEEDS}atom.xml"
    assert "next-archive" not in links  # the newest page


def test_an_emptied_page_is_removed_and_its_neighbour_mended(site: Path, tmp_path: Path) -> None:
    configure(site, limit=2)
    run(site)
    (site / "articles/2022/03/pembelajaran-tatap-muka-penuh-kembali-digelar.json").unlink()
    report = run(site)
    removed = sorted(o.path for o in report.feeds if o.action == "removed")
    assert "archive/2022-03/atom.xml" in removed
    assert not (site / "public/archive/2022-03").exists()
    # The next newer page now links past the gap.
    assert "archive/2022-06/atom.xml" in written(report)
    page = etree.parse(str(site / "public/archive/2022-06/atom.xml")).getroot()
    links = {link.get("rel"): link.get("href") for link in page.findall(f"{ATOM}link")}
    assert links["prev-archive"] == f"{FEEDS}archive/2021-11/atom.xml"
    assert "atom.xml" not in written(report)  # the subscription document did not show it
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


@pytest.mark.parametrize("archive", ["month", "year"])
def test_a_build_that_removes_documents_is_remembered_whole(site: Path, archive: str) -> None:
    configure(site, archive="day", limit=2)
    run(site)
    configure(site, archive=archive, limit=2)
    assert any(o.action == "removed" for o in run(site).feeds)
    # What it wrote and that it finished were committed with the removals: the next build,
    # with nothing changed, looks and renders nothing (it did not plan again: no reasons).
    again = run(site)
    assert {(o.action, o.reason) for o in again.feeds} == {("unchanged", "")}


def test_a_page_that_cannot_be_removed_is_named_and_the_next_build_removes_it(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder's removals are its reaper's, on threads: one refused is named by the build's
    flush (exit 1, as an object store's refused deletion), the others removed all the same, and
    the next build finds it again."""
    import os
    import threading

    from click.testing import CliRunner

    from feedpub.cli import main

    configure(site, archive="month", limit=2)
    run(site)
    stuck = site / "public/archive/2022-03/atom.xml"
    real_unlink = os.unlink

    def unlink(path: Any, *args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "feedpub-reap" and Path(path) == stuck:
            raise PermissionError(13, "Permission denied")
        real_unlink(path, *args, **kwargs)

    configure(site, archive="year", limit=2)
    command = ["build", "--config", str(site / "feedpub.toml"), "--now", NOW.isoformat(), "-q"]
    with monkeypatch.context() as patch:
        patch.setattr(os, "unlink", unlink)
        failed = CliRunner().invoke(main, command)
    assert failed.exit_code == 1
    assert failed.stderr == f"feedpub: {stuck}: cannot publish: remove failed: Permission denied\n"
    assert sorted(p.name for p in stuck.parent.iterdir()) == ["atom.xml"]
    assert run(site).exit_code == 0
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


def test_a_rebuilt_state_still_removes_pages_it_did_not_write(site: Path) -> None:
    run(site)
    (site / "articles/2022/03/pembelajaran-tatap-muka-penuh-kembali-digelar.json").unlink()
    shutil.rmtree(site / ".feedpub")
    run(site)
    assert not (site / "public/archive/2022-03").exists()


def test_weeks_chain_too(site: Path, tmp_path: Path) -> None:
    configure(site, archive="week", archive_categories=False, formats=["atom"], limit=3)
    run(site)
    expected = all_entries(site, tmp_path, "")[""]
    pages, ids = walk(site, f"{FEEDS}atom.xml")
    assert sorted(ids) == sorted(expected) and pages


def test_bodies_read_in_small_batches_give_the_same_feeds(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.modules["feedpub.pipeline.bodies"], "BATCH_RECORDS", 2)
    run(site)
    assert tree(site / "public") == tree(GOLDEN)


def test_a_feed_that_shrinks_back_under_its_limit_is_complete_and_its_pages_removed(
    site: Path,
) -> None:
    configure(site, limit=3)
    run(site)
    assert (site / "public/category/lampung/archive").is_dir()
    configure(site, limit=50)  # every feed of the sample fits again
    report = run(site)
    assert not list((site / "public").rglob("archive"))
    removed = [o.path for o in report.feeds if o.action == "removed"]
    assert removed and all("/archive/" in f"/{path}" for path in removed)
    for folder in ("", "category/lampung/"):
        for name in ("atom.xml", "rss.xml"):
            data = (site / "public" / folder / name).read_bytes()
            assert history(data) == {"complete"} and b"-archive" not in data
            assert validate_feed(data, name, publishing=True) == []
        assert "next_url" not in json.loads((site / "public" / folder / "feed.json").read_bytes())


def test_a_feed_with_a_single_page_marks_it_complete_as_well_as_archived(site: Path) -> None:
    # Four entries in one month, limit 3: one page holding all four, with no neighbour.
    for day in (1, 2, 3, 4):
        add_record(site, f"hujan-{day}", date_published=f"2025-03-0{day}", categories=["Cuaca"])
    configure(site, limit=3)
    run(site)
    page = site / "public/category/cuaca/archive/2025-03"
    assert sorted(p.name for p in page.iterdir()) == ["atom.xml", "feed.json", "rss.xml"]
    for name in ("atom.xml", "rss.xml"):
        data = (page / name).read_bytes()
        assert history(data) == {"archive", "complete"}
        assert b'rel="current"' not in data and b"-archive" not in data
        assert len(feedparser.parse(data).entries) == 4
        assert validate_feed(data, name) == []  # not even a warning
    subscription = (site / "public/category/cuaca/atom.xml").read_bytes()
    assert history(subscription) == set()
    assert b"category/cuaca/archive/2025-03/atom.xml" in subscription


def rendered(report: BuildReport) -> list[str]:
    """The feed documents the build rendered (each has its reason), written or found unchanged;
    the pages for people beside them are tests/test_pages.py's."""
    return sorted(
        o.path
        for o in report.feeds
        if o.reason and o.action != "removed" and not o.path.endswith(".html")
    )


def written_feeds(report: BuildReport) -> list[str]:
    """The feed documents written, without the pages for people beside them."""
    return [path for path in written(report) if not path.endswith(".html")]


def test_a_new_label_renders_only_the_documents_that_show_it(site: Path, tmp_path: Path) -> None:
    configure(site, limit=2)
    run(site)
    add_record(site, "label-baru", date_published="2023-06-04T10:00:00+07:00", categories=["Cuaca"])
    report = run(site)
    # No other record has "Cuaca": its new feed (complete, no page) and the site's page of
    # June 2023 (new) with its neighbours' links; not every document that has a category.
    pages = ("archive/2023-06/", "archive/2023-04/", "archive/2023-08/")
    # JSON Feed has no next-archive: the page before keeps its feed.json, unrendered.
    assert rendered(report) == sorted(
        f"{folder}{name}"
        for folder in (*pages, "category/cuaca/")
        for name in ("atom.xml", "feed.json", "rss.xml")
        if f"{folder}{name}" != "archive/2023-04/feed.json"
    )
    assert rendered(report) == written_feeds(report)
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


def test_a_label_changed_at_its_first_record_renders_every_document_showing_it(
    site: Path, tmp_path: Path
) -> None:
    """A term's label is the first one read (in path order): changing it there relabels the
    term's entries in other records too, and only the documents that show one of them."""
    configure(site, limit=2)
    run(site)
    first = site / "articles/2021/11/sanggar-tari-lampung-tampil-di-denpasar.json"
    record = json.loads(first.read_text())
    record["categories"] = [{"term": "Seni & Budaya", "label": "Seni dan Budaya"}]
    first.write_text(json.dumps(record, ensure_ascii=False))
    report = run(site)
    # The edited record's own pages, and those of the other "Seni & Budaya" record
    # (December 2023, also in Pendidikan/Sekolah's page of that month), which shows it
    # with the new label; no subscription document shows either (limit 2).
    expected = sorted(
        f"{folder}{name}"
        for folder in (
            "archive/2021-11/",
            "archive/2023-12/",
            "category/seni-budaya/",  # its two entries fit: complete, no pages
            "category/pendidikan-sekolah/archive/2023-12/",
        )
        for name in ("atom.xml", "feed.json", "rss.xml")
    )
    assert rendered(report) == written_feeds(report) == expected
    kilas = (site / "public/category/pendidikan-sekolah/archive/2023-12/atom.xml").read_text()
    assert 'label="Seni dan Budaya"' in kilas
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")
    # Back as it was: the same documents again, and the other record shows its own label.
    first.write_text(json.dumps({**record, "categories": ["Seni & Budaya"]}, ensure_ascii=False))
    assert rendered(run(site)) == expected
    kilas = (site / "public/category/pendidikan-sekolah/archive/2023-12/atom.xml").read_text()
    assert 'label="Seni &amp; Budaya"' in kilas


def test_a_scheme_changed_at_its_first_record_renders_every_document_showing_it(
    site: Path, tmp_path: Path
) -> None:
    configure(site, limit=2)
    run(site)
    first = site / "articles/2021/11/sanggar-tari-lampung-tampil-di-denpasar.json"
    record = json.loads(first.read_text())
    scheme = "https://altumnews.com/kategori/"
    record["categories"] = [{"term": "Seni & Budaya", "label": "Seni & Budaya", "scheme": scheme}]
    first.write_text(json.dumps(record, ensure_ascii=False))
    report = run(site)
    folders = (
        "archive/2021-11/",
        "archive/2023-12/",
        "category/seni-budaya/",
        "category/pendidikan-sekolah/archive/2023-12/",
    )
    assert rendered(report) == sorted(
        f"{folder}{name}" for folder in folders for name in ("atom.xml", "feed.json", "rss.xml")
    )
    # JSON Feed's tags are labels only: its documents render to the same bytes.
    assert written_feeds(report) == sorted(
        f"{folder}{name}" for folder in folders for name in ("atom.xml", "rss.xml")
    )
    kilas = (site / "public/category/pendidikan-sekolah/archive/2023-12/atom.xml").read_text()
    assert f'scheme="{scheme}"' in kilas
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


def test_a_record_on_several_archive_pages_is_one_entry() -> None:
    """The site's page and each of its categories' pages show a record: the plan holds one
    entry for it, not one a page (each read of the state makes its own; some 170,000 more
    at 100,000 records)."""
    from feedpub.output.paths import FeedLinks
    from feedpub.pipeline.plan import PageEntries, PlannedFeed
    from feedpub.state import IndexedEntry

    shown: dict[str | None, list[int]] = {None: [1, 2], "a": [1], "b": [2, 1]}

    class State:
        def page_entries(self, term: str | None, period: str, now: Any) -> list[IndexedEntry]:
            return [
                IndexedEntry(rid, f"id{rid}", f"{rid}.json", "d", None, 1.0) for rid in shown[term]
            ]

    feeds = [
        PlannedFeed(f"{term}/{fmt}", term, fmt, (), "x", FeedLinks(""), period="2024-01")
        for term in shown
        for fmt in ("rss", "atom")
    ]
    pages = PageEntries(cast(Any, State()), None)
    filled = [pages.fill(feed) for feed in feeds]
    assert [[e.rid for e in f.entries] for f in filled] == [shown[f.term] for f in feeds]
    assert len({id(e) for f in filled for e in f.entries}) == 2
    pages.forget()  # a batch's own: the next batch reads its records again
    again = pages.fill(feeds[0])
    assert not {id(e) for e in again.entries} & {id(e) for f in filled for e in f.entries}


def test_archive_pages_entries_are_read_as_their_batch_comes(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan leaves archive pages' entries out, and the render reads them a batch at a
    time: a build publishes its first documents before it reads the last pages' entries
    (at 1,000,000 records, holding every page's entries at once was some 550 MB)."""
    from feedpub.pipeline import run as run_module
    from feedpub.state import BuildState

    configure(site, limit=2)
    monkeypatch.setattr(sys.modules["feedpub.pipeline.bodies"], "BATCH_RECORDS", 2)
    seen: list[str] = []
    note_calls(monkeypatch, BuildState, "page_entries", seen, "read")
    note_calls(monkeypatch, run_module, "_publish", seen, "publish")
    run(site)
    assert seen.index("publish") < len(seen) - 1 - seen[::-1].index("read")
    shutil.copytree(site, tmp_path / "fresh", ignore=shutil.ignore_patterns("public", ".feedpub"))
    monkeypatch.undo()
    run(tmp_path / "fresh")
    assert tree(site / "public") == tree(tmp_path / "fresh/public")


@pytest.mark.parametrize(("period_batches", "reread"), [(1000, False), (1, True)])
def test_a_periods_pages_share_one_batch_and_read_each_body_once(
    site: Path, monkeypatch: pytest.MonkeyPatch, period_batches: int, reread: bool
) -> None:
    """A period's archive pages (the site's and its categories') show the same records:
    kept in one batch, however small the batches, the archive pages read each record's body
    once; split (a period over PERIOD_BATCHES batches' worth), its records are read again."""
    bodies = sys.modules["feedpub.pipeline.bodies"]
    configure(site, limit=2)
    monkeypatch.setattr(bodies, "BATCH_RECORDS", 2)
    monkeypatch.setattr(bodies, "PERIOD_BATCHES", period_batches)
    loaded: list[int] = []
    archives_only = [False]  # the batch being rendered shows archive pages only
    real_render = bodies.render_feeds

    def render(config: Any, categories: Any, articles: Any, batch: Any, **more: Any) -> Any:
        archives_only[0] = all(feed.period is not None for feed in batch)
        return real_render(config, categories, articles, batch, **more)

    source = sys.modules["feedpub.records.source"]  # where the render stage's loader reads
    real_read = source.read_articles

    def read(root: Any, shown: Any, rules: Any, wanted: Any) -> Any:
        wanted = list(wanted)
        if archives_only[0]:
            loaded.extend(record.key for record in wanted)
        return real_read(root, shown, rules, wanted)

    monkeypatch.setattr(bodies, "render_feeds", render)
    monkeypatch.setattr(source, "read_articles", read)
    run(site)
    assert loaded
    assert (len(loaded) > len(set(loaded))) == reread


@pytest.mark.parametrize(
    ("workers_read", "period_batches", "one"),
    [(True, 1000, True), (False, 1000, False), (True, 1, False)],
)
def test_subscription_documents_share_one_batch_where_workers_read_the_bodies(
    site: Path, monkeypatch: pytest.MonkeyPatch, workers_read: bool, period_batches: int, one: bool
) -> None:
    """Each batch costs a pool of workers. The subscription documents' entries are in the
    plan already, so where the workers read the bodies (a source with a loader) they go in one
    batch up to PERIOD_BATCHES batches' worth of records (the articles handed back for the
    pages wait for their batch's end); where this process reads the bodies, they are split."""
    from feedpub.records.source import FileSource

    bodies = sys.modules["feedpub.pipeline.bodies"]
    monkeypatch.setattr(bodies, "BATCH_RECORDS", 2)
    monkeypatch.setattr(bodies, "PERIOD_BATCHES", period_batches)
    if not workers_read:
        monkeypatch.setattr(FileSource, "loader", lambda self, rules: None)
    batches: list[list[str | None]] = []
    real_render = bodies.render_feeds

    def render(config: Any, categories: Any, articles: Any, batch: Any, **more: Any) -> Any:
        batches.append([feed.period for feed in batch])
        return real_render(config, categories, articles, batch, **more)

    monkeypatch.setattr(bodies, "render_feeds", render)
    run(site)
    subscription = [periods for periods in batches if None in periods]
    assert (len(subscription) == 1) == one
    assert all(period is None for periods in subscription for period in periods)
    assert tree(site / "public") == tree(GOLDEN)


def _entry(rid: int, url: str, entry_id: str) -> Any:
    from feedpub.state import IndexedEntry

    return IndexedEntry(rid, entry_id, f"{rid}.json", "d", url, 1.0)


@pytest.mark.parametrize("chunk", [1, 20_000])
@pytest.mark.parametrize(("last", "warned"), [("baru", ["baru"]), ("lama", [])])
def test_a_url_under_two_ids_is_judged_by_the_one_shown_last(
    monkeypatch: pytest.MonkeyPatch, chunk: int, last: str, warned: list[str]
) -> None:
    """Of two entries with one URL, the later one (in publishing order) is the one the URL is
    published under: it alone says whether its id moved, however the look-up is split."""
    from feedpub.output.paths import FeedLinks
    from feedpub.pipeline import read as read_module
    from feedpub.pipeline.plan import PageEntries, PlannedFeed

    monkeypatch.setattr(read_module, "ID_CHUNK", chunk)
    other = "baru" if last == "lama" else "lama"
    shown = {"2024-01": [_entry(1, "https://a.example/x", other)], "2024-02": []}
    shown["2024-02"] = [_entry(2, "https://a.example/x", last)]

    class State:
        def any_published_url(self) -> bool:
            return True

        def previous_ids(self, urls: Any) -> dict[str, str]:
            return {url: "lama" for url in urls}

        def page_entries(self, term: str | None, period: str, now: Any) -> list[Any]:
            return shown[period]

    feeds = [
        PlannedFeed(f"{period}/rss.xml", None, "rss", (), "x", FeedLinks(""), period=period)
        for period in shown
    ]
    state = cast(Any, State())
    source = cast(Any, type("Source", (), {"shown": staticmethod(lambda path: path)})())
    moved = read_module.id_changes(state, source, feeds, PageEntries(state, None))
    assert [warning.record for warning in moved] == warned


def test_a_url_remembered_again_under_its_id_is_not_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record is on its period's page in every format and on its categories' pages: the
    state writes its URL's id once, and again only when the id it holds changes."""
    from feedpub.state import BuildState, published

    writes: list[tuple[str, str]] = []
    real = published.remember_urls

    def remember(db: Any, pairs: Any) -> None:
        pairs = list(pairs)
        writes.extend(pairs)
        real(db, pairs)

    monkeypatch.setattr(published, "remember_urls", remember)
    state = BuildState(tmp_path / "state", "v", "f")
    for _ in range(3):
        state.remember_urls([("https://a.example/x", "lama"), ("https://a.example/y", "y")])
    assert len(writes) == 2
    state.remember_urls([("https://a.example/x", "baru")])
    state.remember_urls([("https://a.example/x", "lama")])  # back to the old id: written
    assert state.previous_ids(["https://a.example/x"]) == {"https://a.example/x": "lama"}
    assert len(writes) == 4
    state.close()


def test_a_file_of_many_records_is_decoded_by_few_jobs_of_entries(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job of entries reads its records' files, and a JSON Lines file is decoded whole for
    each job wanting one of its records: a window's records go to jobs in path order, so the
    file's records share as few jobs as they fill, however their dates interleave."""
    import feedpub.pipeline.rendering as rendering
    import feedpub.records.loader as loader

    lines = [
        {
            "id": f"kilas-{n}",
            "title": f"Kilas {n}",
            "url": f"/kilas/{n}/",
            "summary": "Ringkas.",
            "date_published": f"{2021 + n // 12}-{n % 12 + 1:02d}-15T09:00:00+07:00",
        }
        for n in range(0, 36, 3)  # twelve records, one a quarter: among the sample's dates
    ]
    (site / "articles/kilas.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    for record in lines:  # two stories of files of their own in each of those months
        for other in ("a", "b"):
            name = f"{record['id']}-{other}"
            add_record(site, name, date_published=record["date_published"].replace("15T", "16T"))
    monkeypatch.setattr(rendering, "PARALLEL_MIN_FEEDS", 10**6)  # in this process: counted
    monkeypatch.setattr(rendering, "PARALLEL_MIN_ENTRIES", 10**6)
    monkeypatch.setattr(rendering, "ENTRIES_PER_JOB", 2)
    decoded: list[str] = []
    real = loader.parse_file

    def counted(data: bytes, relative: str, *rest: Any, **options: Any) -> Any:
        decoded.append(relative)
        return real(data, relative, *rest, **options)

    monkeypatch.setattr(loader, "parse_file", counted)
    run(site)
    # Once to read it, and at most once for each job its twelve records fill (one more
    # where a job also takes another file's record).
    assert 2 <= decoded.count("kilas.jsonl") <= 1 + 12 // 2 + 1
