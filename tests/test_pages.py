"""The pages for people (the directory, and a page behind each feed): valid HTML5 whose links
resolve to published documents, whose autodiscovery tags are the feeds', escaped, byte-stable,
rewritten exactly when what they show changes, and readable in a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import html5lib
import pytest

from feedpub import BuildReport
from feedpub.discovery import feed_links
from feedpub.records.source import FileSource
from feedpub.site import Run, build_site, resolve_run
from feedpub.state import BuildState
from tests.conftest import TEST_CLOCK as NOW
from tests.conftest import note_calls
from tests.test_deploy import require

FEEDS_URL = "https://altumnews.com/feeds/"
SITE = "https://altumnews.com/"
SEED = "articles/2022/12/pemprov-lampung-gelar-rakor-reformasi-birokrasi.json"
XHTML = "{http://www.w3.org/1999/xhtml}"


def _run(site: Path, *sets: str) -> Run:
    return resolve_run(site / "feedpub.toml", sets=list(sets))


def _build(site: Path, *sets: str, now: datetime = NOW, **options: Any) -> BuildReport:
    report = build_site(_run(site, *sets), now=now, ping=False, **options)
    assert report.exit_code == 0, [str(e) for e in report.errors]
    return report


def _pages(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))}


def _parse(data: bytes, name: str) -> ElementTree.Element:
    """The page parsed by the WHATWG algorithm, strictly: any parse error fails the test."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    try:
        document = parser.parse(data, transport_encoding="utf-8")
    except html5lib.html5parser.ParseError as error:
        raise AssertionError(f"{name}: {error} {parser.errors}") from None
    assert parser.errors == [], name
    root: ElementTree.Element = document
    return root


def _all(root: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    return list(root.iter(XHTML + tag))


@pytest.fixture
def built(site: Path) -> Path:
    """The sample, built (pages on by default)."""
    _build(site)
    return site


def test_every_feed_has_its_page_and_the_root_the_directory(built: Path) -> None:
    out = built / "public"
    terms = sorted(p.name for p in (out / "category").iterdir())
    expected = {"index.html", "feed/index.html", *(f"category/{t}/index.html" for t in terms)}
    assert set(_pages(out)) == expected


def test_every_page_is_html5_for_a_phone_with_nothing_fetched_or_run(built: Path) -> None:
    for name, data in _pages(built / "public").items():
        assert data.startswith(b"<!DOCTYPE html>\n"), name
        root = _parse(data, name)
        assert root.get("lang") == "id"  # the config's language
        metas = {m.get("name") or "charset": m.get("content") for m in _all(root, "meta")}
        assert metas["charset"] is None and _all(root, "meta")[0].get("charset") == "utf-8"
        assert metas["viewport"] == "width=device-width, initial-scale=1"
        assert _all(root, "style"), name  # inline: no stylesheet link
        assert not _all(root, "script") and not _all(root, "img") and not _all(root, "iframe")
        assert {link.get("rel") for link in _all(root, "link")} == {"alternate"}, name
        assert b"@import" not in data and b"url(" not in data, name


def _wording_in(root: ElementTree.Element, lang: str | None) -> list[str]:
    """The texts of the elements marked as being in ``lang``."""
    return ["".join(e.itertext()) for e in root.iter() if e.get("lang") == lang]


def test_feedpubs_own_english_wording_is_marked_on_a_site_in_another_language(
    site: Path,
) -> None:
    _build(site)
    root = _parse((site / "public/index.html").read_bytes(), "index.html")
    english = _wording_in(root, "en")
    assert "All entries" in english
    assert any(text.startswith("Follow this site in a feed reader") for text in english)
    assert any(text.startswith("15 entries, the newest on") for text in english)
    # The site's own words (its title, labels, descriptions) stay in the page's language.
    assert not any("ALTUMNEWS" in text or "Ekonomi" in text for text in english)
    _build(site, "language=en-GB")
    root = _parse((site / "public/index.html").read_bytes(), "index.html")
    assert root.get("lang") == "en-GB" and _wording_in(root, "en") == []


def _resolve(page: str, href: str) -> str | None:
    """The published path a link on ``page`` leads to, or None when it leaves the feeds."""
    absolute = urljoin(urljoin(FEEDS_URL, page), href)
    if not absolute.startswith(FEEDS_URL):
        return None
    return urlsplit(absolute).path.removeprefix(urlsplit(FEEDS_URL).path)


def test_every_link_leads_to_a_published_document_or_out_of_the_feeds(built: Path) -> None:
    out = built / "public"
    published = {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    for name, data in _pages(out).items():
        root = _parse(data, name)
        targets = [a.get("href") or "" for a in _all(root, "a")]
        targets += [i.get("value") or "" for i in _all(root, "input")]  # the address to copy
        targets += [link.get("href") or "" for link in _all(root, "link")]
        inside = 0
        for href in targets:
            path = _resolve(name, href)
            if path is None:  # the site itself, or an article
                assert href.startswith(SITE), (name, href)
                continue
            inside += 1
            assert path in published, (name, href)
        assert inside >= 3, name
        for field in _all(root, "input"):
            assert field.get("readonly") is not None and field.get("type") == "url"
            labels = [x for x in _all(root, "label") if x.get("for") == field.get("id")]
            assert len(labels) == 1, name


def _alternates(root: ElementTree.Element) -> list[tuple[str | None, ...]]:
    return [
        (link.get("rel"), link.get("type"), link.get("title"), link.get("href"))
        for link in _all(root, "link")
    ]


def test_autodiscovery_tags_are_the_feeds_own(built: Path) -> None:
    run = _run(built)
    out = built / "public"
    terms = sorted(p.name for p in (out / "category").iterdir())
    expected = {None: feed_links(run), **{t: feed_links(run, t) for t in terms}}
    as_tuples = {
        term: [(link.rel, link.type, link.title, link.href) for link in links]
        for term, links in expected.items()
    }
    page = _parse((out / "feed/index.html").read_bytes(), "feed")
    assert _alternates(page) == as_tuples[None]
    for term in terms:
        page = _parse((out / f"category/{term}/index.html").read_bytes(), term)
        assert _alternates(page) == as_tuples[term]
    directory = _alternates(_parse((out / "index.html").read_bytes(), "directory"))
    assert sorted(directory) == sorted(t for tags in as_tuples.values() for t in tags)
    assert directory[:3] == as_tuples[None]  # the site feed first


def _text(element: ElementTree.Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_directory_shows_each_feed_by_label_with_its_count_and_newest_date(
    built: Path,
) -> None:
    root = _parse((built / "public/index.html").read_bytes(), "directory")
    sections = [s for s in _all(root, "section") if s.get("class") == "feed"]
    headings = [_text(next(s.iter(XHTML + "h2"))) for s in sections]
    labels = sorted(_labels(built), key=str.casefold)
    assert headings == ["All entries", *labels]  # labels, not slugs; the site feed first
    first = _text(sections[0])
    # 15 live entries (the sample's 16 records hold one draft); the newest on 17 May 2024 WIB.
    assert "15 entries, the newest on 2024-05-17" in first
    assert "RSS Atom JSON Feed" in first  # apart even without the style
    assert _text(next(root.iter(XHTML + "h1"))) == "ALTUMNEWS.Com"


def _labels(site: Path) -> list[str]:
    """Every category's label, as the last build's state holds them."""
    state = BuildState.reader(site / ".feedpub")
    assert state is not None
    try:
        return [category.label for category in state.categories().values()]
    finally:
        state.close()


def test_a_feed_page_lists_its_entries_with_dates_in_the_sites_zone(built: Path) -> None:
    root = _parse((built / "public/category/pemerintahan/index.html").read_bytes(), "page")
    entries = [a for a in _all(root, "article")]
    seed = json.loads((built / SEED).read_text())
    [shown] = [e for e in entries if seed["title"] in _text(e)]
    link = next(shown.iter(XHTML + "a"))
    assert link.get("href") == urljoin(SITE, seed["url"])
    time = next(shown.iter(XHTML + "time"))
    # Published 2 December 2022 at midnight in Jakarta: shown there, not in UTC.
    assert (time.get("datetime"), _text(time)) == (
        "2022-12-02T00:00:00+07:00",
        "2022-12-02 00:00 WIB",
    )
    # A record dated with its own offset is shown at that instant in the site's zone...
    assert "2024-01-08 10:00 WIB" in [_text(t) for t in _all(root, "time")]
    # ...which, in another zone, reads otherwise.
    config = built / "feedpub.toml"
    config.write_text(config.read_text().replace('timezone = "Asia/Jakarta"', 'timezone = "UTC"'))
    report = _build(built)
    pages = [o.path for o in report.feeds if o.action == "written" and o.path.endswith(".html")]
    assert len(pages) == 12  # every page shows a date
    root = _parse((built / "public/category/pemerintahan/index.html").read_bytes(), "page")
    times = [_text(t) for t in _all(root, "time")]
    assert "2024-01-08 03:00 UTC" in times and "2024-01-08 10:00 WIB" not in times


def test_titles_and_summaries_are_escaped_never_markup(site: Path) -> None:
    hostile = {
        "id": "x/hostile",
        "title": '<script>alert("t")</script> & <b>bold</b>',
        "url": "/x/hostile/",
        "date_published": "2025-01-01T08:00:00+07:00",
        "summary": '</p><script>alert("s")</script><img src=x onerror=alert(1)>',
        "categories": ["Aman & <i>Tertib</i>"],
        "content_html": "<p>Body <b>kept</b> out of the pages.</p>",
    }
    (site / "articles/hostile.json").write_text(json.dumps(hostile))
    _build(site)
    for name, data in _pages(site / "public").items():
        root = _parse(data, name)
        assert not _all(root, "script") and not _all(root, "img") and not _all(root, "i"), name
        assert b"Body <b>kept</b>" not in data
    page = (site / "public/feed/index.html").read_text()
    assert '&lt;script&gt;alert("t")&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' in page
    directory = _parse((site / "public/index.html").read_bytes(), "directory")
    assert "Aman & <i>Tertib</i>" in [_text(h) for h in _all(directory, "h2")]


def test_pages_are_byte_stable_and_hold_no_build_time(site: Path, tmp_path: Path) -> None:
    _build(site)
    first = _pages(site / "public")
    # A build from scratch, a day later (no entry falls due): the same bytes.
    other = tmp_path / "other"
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("public", ".feedpub"))
    _build(other, now=NOW + timedelta(days=1))
    assert _pages(other / "public") == first
    # And again in place, with --full: nothing to write.
    again = _build(site, full=True)
    assert again.count("written") == 0 and _pages(site / "public") == first


def test_no_change_writes_nothing_and_a_title_edit_only_its_pages(built: Path) -> None:
    out = built / "public"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("index.html")}
    quiet = _build(built)
    assert quiet.count("written") == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("index.html")} == before
    old = _pages(out)
    record = json.loads((built / SEED).read_text())
    record["title"] = "Rakor <Reformasi> & Birokrasi (diperbarui)"
    (built / SEED).write_text(json.dumps(record, ensure_ascii=False))
    report = _build(built)
    rewritten = sorted(o.path for o in report.feeds if o.action == "written" and ".html" in o.path)
    assert rewritten == [
        "category/lampung/index.html",
        "category/pemerintahan/index.html",
        "feed/index.html",
    ]
    new = _pages(out)
    assert sorted(p for p in new if new[p] != old[p]) == rewritten
    assert "Rakor &lt;Reformasi&gt; &amp; Birokrasi (diperbarui)" in new["feed/index.html"].decode()


def test_a_missing_or_changed_page_is_written_again(built: Path) -> None:
    out = built / "public"
    good = (out / "category/ekonomi/index.html").read_bytes()
    (out / "category/ekonomi/index.html").write_text("defaced")
    (out / "index.html").unlink()
    report = _build(built)
    assert sorted(o.path for o in report.feeds if o.action == "written") == [
        "category/ekonomi/index.html",
        "index.html",
    ]
    assert (out / "category/ekonomi/index.html").read_bytes() == good


def test_pages_off_removes_those_written_and_never_a_sites_own(built: Path) -> None:
    out = built / "public"
    report = _build(built, "pages=false")
    removed = sorted(o.path for o in report.feeds if o.action == "removed")
    assert removed == sorted(_pages_paths(built))
    assert not list(out.rglob("*.html")) and not (out / "feed").exists()
    assert report.count("written") == 0  # the feeds do not depend on the pages
    # The site's own index.html, with no state to say who wrote it: left alone.
    (out / "index.html").write_text("<!doctype html><title>Our own</title>")
    shutil.rmtree(built / ".feedpub")
    cold = _build(built, "pages=false")
    assert cold.count("removed") == 0 and (out / "index.html").read_text().endswith(
        "Our own</title>"
    )
    # Pages on again: the directory is feedpub's, and every page comes back.
    back = _build(built)
    assert sorted(o.path for o in back.feeds if o.action == "written") == sorted(
        _pages_paths(built)
    )


def _pages_paths(site: Path) -> list[str]:
    terms = sorted(p.name for p in (site / "public/category").iterdir())
    return ["index.html", "feed/index.html", *(f"category/{t}/index.html" for t in terms)]


def test_archives_are_linked_below_the_subscription_documents(site: Path) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace("limit = 50\n", "limit = 3\n"))
    _build(site)
    out = site / "public"
    data = (out / "index.html").read_bytes()
    root = _parse(data, "directory")
    archives = [s for s in _all(root, "section") if s.get("class") == "archives"]
    assert len(archives) == 1
    hrefs = [a.get("href") or "" for a in archives[0].iter(XHTML + "a")]
    assert hrefs and all("/archive/" in f"/{href}" and (out / href).is_file() for href in hrefs)
    assert data.index(b'class="archives"') > data.rindex(b'class="feed"')
    page = _parse((out / "feed/index.html").read_bytes(), "feed")
    assert len(_all(page, "article")) == 3  # the newest entries, as the feed shows them


@pytest.mark.service("chromium")
def test_chromium_shows_each_feeds_title_on_a_phone(built: Path, tmp_path: Path) -> None:
    chromium = require("chromium", "chromium")
    page = built / "public/index.html"
    profile = tmp_path / "profile"
    argv = [
        chromium,
        "--headless",
        "--disable-gpu",
        "--no-sandbox",
        f"--user-data-dir={profile}",
        "--window-size=412,900",
        # Nothing leaves the machine: no background requests, every host name unresolvable.
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
        "--dump-dom",
        page.as_uri(),
    ]
    environ = {**os.environ, "HOME": str(tmp_path)}
    shown = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=environ)
    assert shown.returncode == 0, shown.stderr[-2000:]
    root = html5lib.parse(shown.stdout, namespaceHTMLElements=True)
    text = _text(next(root.iter(XHTML + "body")))
    assert "ALTUMNEWS.Com" in text and "All entries" in text
    for label in _labels(built):
        assert label in text, label
    assert f"{FEEDS_URL}category/ekonomi/rss.xml" in shown.stdout  # the address to copy


def _count_reads(monkeypatch: pytest.MonkeyPatch, loaded: list[int]) -> None:
    """Add to ``loaded`` the key of each record the source's loader reads in this process (the
    render stage's, and the pages')."""
    source_module = sys.modules["feedpub.records.source"]
    real_read = source_module.read_articles

    def reading(root: Any, shown: Any, rules: Any, wanted: Any) -> Any:
        wanted = list(wanted)
        loaded.extend(w.key for w in wanted)
        return real_read(root, shown, rules, wanted)

    monkeypatch.setattr(source_module, "read_articles", reading)


def test_a_page_reads_no_record_once_its_summary_is_known(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page shows what the state keeps of its entries (title, link, date, summary): the
    feeds' rendering reads each body once and tells the pages the summaries (the read stage
    converts no body, and stores none); a page rendered alone then reads no record."""
    read: list[tuple[int, str]] = []
    real_read = sys.modules["feedpub.records.source"].read_articles

    def reading(root: Any, shown: Any, rules: Any, wanted: Any) -> Any:
        wanted = list(wanted)
        read.extend((w.key, w.id) for w in wanted)
        return real_read(root, shown, rules, wanted)

    monkeypatch.setattr(sys.modules["feedpub.records.source"], "read_articles", reading)
    _build(site)
    assert read and len(read) == len(set(read))
    read.clear()
    (site / "public/category/ekonomi/index.html").unlink()
    report = _build(site)
    assert [o.path for o in report.feeds if o.action == "written"] == [
        "category/ekonomi/index.html"
    ]
    assert read == []


def test_a_new_title_renders_its_pages_reading_no_record(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new title frames every feed anew and reads no body for it, and the pages, which show
    # their feeds' newest entries, read none either.
    _build(site)
    loaded: list[int] = []
    _count_reads(monkeypatch, loaded)
    monkeypatch.setattr(FileSource, "load", lambda *_: pytest.fail("read in this process"))
    report = _build(site, "title=Kabar Lampung Terbaru")
    written = {o.path for o in report.feeds if o.action == "written"}
    assert {"feed/index.html", "category/ekonomi/index.html", "index.html"} <= written
    assert loaded == []
    # What they show is what a build from scratch with that title shows.
    other = tmp_path / "other"
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("public", ".feedpub"))
    monkeypatch.undo()
    _build(other, "title=Kabar Lampung Terbaru")
    assert _pages(site / "public") == _pages(other / "public")
    assert "Kabar Lampung Terbaru" in _pages(site / "public")["feed/index.html"].decode()


def test_feed_pages_are_rendered_between_documents(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the workers make the next documents, not after the last: a new limit's pages were
    # all rendered by the build's process once the workers were done with every document
    # (268 pages at 100,000 records, over a second).
    from feedpub.pipeline import run as run_module

    events: list[str] = []
    pages_module = sys.modules["feedpub.pipeline.pages"]
    note_calls(monkeypatch, pages_module, "render_feed_page", events, "page")
    note_calls(monkeypatch, run_module, "_publish", events, "document")
    _build(site)
    last_document = len(events) - 1 - events[::-1].index("document")
    assert "page" in events and events.index("page") < last_document


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_summary_no_build_learned_is_read_once_for_the_page_showing_it(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: bool
) -> None:
    """Records parsed again under a new path (their own ids: no document changes) have no
    summary in the state; the next page that shows it reads it, once, and not again (a dry
    run reads it and keeps nothing)."""
    _build(site)
    (site / "articles/2024/05/kilas-berita.jsonl").rename(site / "articles/2024/05/kilas.jsonl")
    assert _build(site).count("written") == 0
    read: list[str] = []
    real_read = sys.modules["feedpub.records.source"].read_articles

    def reading(root: Any, shown: Any, rules: Any, wanted: Any) -> Any:
        wanted = list(wanted)
        read.extend(w.path for w in wanted)
        return real_read(root, shown, rules, wanted)

    monkeypatch.setattr(sys.modules["feedpub.records.source"], "read_articles", reading)
    _build(site, "title=Kabar Lampung Terbaru", dry_run=dry_run)
    shown = ["2024/05/kilas.jsonl"] * 2  # its two published records (and a draft)
    assert read == shown
    read.clear()
    _build(site, "title=Kabar Lampung Terkini")
    assert read == (shown if dry_run else [])
    other = tmp_path / "other"
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("public", ".feedpub"))
    monkeypatch.undo()
    _build(other, "title=Kabar Lampung Terkini")
    assert _pages(site / "public") == _pages(other / "public")
