"""Each workaround for a feedgen 1.0 pitfall, pinned through the rendered XML."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from feedpub import Article, Attachment, Author, Category
from feedpub.config import parse_config
from feedpub.model import FeedPlan
from feedpub.output.paths import FeedLinks
from feedpub.output.render import render_feed
from feedpub.validate import validate_feed

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
JAKARTA = ZoneInfo("Asia/Jakarta")
CONFIG = parse_config(
    {
        "title": "Site",
        "link": "https://example.com/",
        "description": "All the news.",
        "timezone": "Asia/Jakarta",
        "feeds_url": "https://example.com/feeds/",
    },
    "test.toml",
)


def article(**fields: object) -> Article:
    values: dict[str, object] = {
        "id": "2022/a",
        "title": "A story",
        "published": datetime(2022, 12, 2, 0, 0, 0, 123456, tzinfo=JAKARTA),
        "source": "articles/a.json",
        "url": "https://example.com/a/",
        "content_html": "<p>Body &amp; more</p>",
        "summary": "Body & more",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def render(fmt: str, *entries: Article) -> etree._Element:
    plan = FeedPlan(None, tuple(entries))
    return etree.fromstring(render_feed(plan, CONFIG.feed, fmt, FeedLinks("")))  # type: ignore[arg-type]


def test_dates_come_from_entries_not_the_clock_and_drop_microseconds() -> None:
    modified = datetime(2022, 12, 3, 8, 30, 15, 999, tzinfo=timezone(timedelta(hours=8)))
    rss = render("rss", article(modified=modified))
    atom = render("atom", article(modified=modified))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 03 Dec 2022 08:30:15 +0800"
    assert rss.findtext("channel/item/pubDate") == "Fri, 02 Dec 2022 00:00:00 +0700"
    assert atom.findtext(f"{ATOM}updated") == "2022-12-03T08:30:15+08:00"
    assert atom.findtext(f"{ATOM}entry/{ATOM}updated") == "2022-12-03T08:30:15+08:00"
    assert atom.findtext(f"{ATOM}entry/{ATOM}published") == "2022-12-02T00:00:00+07:00"


def test_entries_keep_the_planned_order() -> None:
    first = article(id="first", url="https://example.com/1/")
    second = article(id="second", url="https://example.com/2/")
    rss = render("rss", first, second)
    assert [link.text for link in rss.iterfind("channel/item/link")] == [
        "https://example.com/1/",
        "https://example.com/2/",
    ]


def test_atom_content_is_escaped_html_not_cdata() -> None:
    atom = render("atom", article())
    content = atom.find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.get("type") == "html"
    assert content.text == "<p>Body &amp; more</p>"
    assert atom.findtext(f"{ATOM}entry/{ATOM}summary") == "Body & more"


def test_rss_channel_link_is_the_site_and_self_link_is_the_feed() -> None:
    rss = render("rss", article())
    assert rss.findtext("channel/link") == "https://example.com/"
    self_link = rss.find(f"channel/{ATOM}link")
    assert self_link is not None and self_link.get("href") == "https://example.com/feeds/rss.xml"
    assert self_link.get("rel") == "self"


def test_atom_entry_links_keep_rel_type_and_length() -> None:
    attachments = (
        Attachment("https://example.com/a.mp3", "audio/mpeg", 1234, "Audio"),
        Attachment("https://example.com/b.pdf", "application/pdf", 99),
    )
    atom = render("atom", article(attachments=attachments))
    links = [dict(link.attrib) for link in atom.iterfind(f"{ATOM}entry/{ATOM}link")]
    assert {"href": "https://example.com/a/", "rel": "alternate", "type": "text/html"} in links
    assert {
        "href": "https://example.com/a.mp3",
        "rel": "enclosure",
        "type": "audio/mpeg",
        "length": "1234",
        "title": "Audio",
    } in links
    assert {
        "href": "https://example.com/b.pdf",
        "rel": "enclosure",
        "type": "application/pdf",
        "length": "99",
    } in links


def test_rss_gets_the_first_attachment_as_its_one_enclosure() -> None:
    attachments = (
        Attachment("https://example.com/a.mp3", "audio/mpeg", 1234),
        Attachment("https://example.com/b.pdf", "application/pdf", 99),
    )
    rss = render("rss", article(attachments=attachments))
    enclosures = rss.findall("channel/item/enclosure")
    assert [dict(e.attrib) for e in enclosures] == [
        {"url": "https://example.com/a.mp3", "length": "1234", "type": "audio/mpeg"}
    ]


def test_categories_always_carry_their_label() -> None:
    category = Category("seni-budaya", "Seni & Budaya", "https://example.com/kategori/")
    atom = render("atom", article(categories=(category,)))
    rss = render("rss", article(categories=(category,)))
    assert dict(atom.find(f"{ATOM}entry/{ATOM}category").attrib) == {  # type: ignore[union-attr]
        "term": "seni-budaya",
        "scheme": "https://example.com/kategori/",
        "label": "Seni & Budaya",
    }
    element = rss.find("channel/item/category")
    assert element is not None
    assert (
        element.text == "Seni & Budaya" and element.get("domain") == "https://example.com/kategori/"
    )


def test_name_only_authors_reach_rss_as_dc_creator() -> None:
    authors = (Author(name="Ana"), Author(name="Budi", email="budi@example.com"))
    rss = render("rss", article(authors=authors))
    # One form per item: with a name-only author among them, all are dc:creator.
    assert [e.text for e in rss.iterfind(f"channel/item/{DC}creator")] == ["Ana", "Budi"]
    assert rss.find("channel/item/author") is None
    atom = render("atom", article(authors=authors))
    assert [a.findtext(f"{ATOM}name") for a in atom.iterfind(f"{ATOM}entry/{ATOM}author")] == [
        "Ana",
        "Budi",
    ]


def test_summary_does_not_overwrite_content() -> None:
    atom = render("atom", article(summary="Short", content_html="<p>Long body</p>"))
    assert atom.findtext(f"{ATOM}entry/{ATOM}content") == "<p>Long body</p>"
    assert atom.findtext(f"{ATOM}entry/{ATOM}summary") == "Short"
    rss = render("rss", article(summary="a < b", content_html="<p>Long body</p>"))
    assert rss.findtext("channel/item/description") == "a &lt; b"  # HTML-escaped plain text
    assert rss.findtext("channel/item/{http://purl.org/rss/1.0/modules/content/}encoded") == (
        "<p>Long body</p>"
    )


@pytest.mark.parametrize("locale_name", ["de_DE.UTF-8", "id_ID.UTF-8"])
def test_rss_dates_are_english_whatever_the_locale(locale_name: str) -> None:
    import locale

    old = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, locale_name)
    except locale.Error:
        pytest.skip(f"{locale_name} is not installed here")
    try:
        rss = render("rss", article())
    finally:
        locale.setlocale(locale.LC_ALL, old)
    assert rss.findtext("channel/item/pubDate") == "Fri, 02 Dec 2022 00:00:00 +0700"


def test_guid_is_permalink_only_when_it_is_the_url() -> None:
    rss = render("rss", article(id="https://example.com/a/"))
    guid = rss.find("channel/item/guid")
    assert guid is not None and guid.get("isPermaLink") == "true"
    rss = render("rss", article())
    guid = rss.find("channel/item/guid")
    assert guid is not None and guid.get("isPermaLink") == "false"
    assert guid.text == "tag:example.com,2022-12-02:2022/a"


def test_entry_without_url_carries_its_summary_as_content() -> None:
    atom = render("atom", article(url=None, content_html=None, summary="Only a summary"))
    content = atom.find(f"{ATOM}entry/{ATOM}content")
    assert (
        content is not None and content.get("type") == "text" and content.text == "Only a summary"
    )


def test_historic_offsets_with_seconds_become_valid_dates() -> None:
    # Jakarta kept local mean time, +07:07:12, until 1924: no RFC can write that offset, so
    # the same instant is shown at the whole-minute offset +07:07 (12 seconds earlier on the clock).
    old = article(published=datetime(1910, 6, 1, 12, 0, tzinfo=JAKARTA))
    rss = render_feed(FeedPlan(None, (old,)), CONFIG.feed, "rss", FeedLinks(""))
    atom = render_feed(FeedPlan(None, (old,)), CONFIG.feed, "atom", FeedLinks(""))
    assert validate_feed(rss) == [] and validate_feed(atom) == []
    root = etree.fromstring(atom)
    assert root.findtext(f"{ATOM}updated") == "1910-06-01T11:59:48+07:07"
    assert root.findtext(f"{ATOM}entry/{ATOM}published") == "1910-06-01T11:59:48+07:07"
    assert etree.fromstring(rss).findtext("channel/lastBuildDate") == (
        "Wed, 01 Jun 1910 11:59:48 +0707"
    )
