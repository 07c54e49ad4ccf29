"""The rules issue 13 added, and the verdicts it changed: one valid and one invalid case each.

Each case edits a minimal valid feed (tests/fixtures/feeds/minimal-*.xml), written
from the specifications, and lists exactly the problems it must produce when
someone else's document is validated, as (level, rule, path). With publishing=True
(feedpub's own output) every warning must come back as an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.validate import validate_feed
from feedpub.validate.rules import RULES
from tests.feeds import variant
from tests.test_validate_rules import (
    ATOM_ENTRY_END,
    ENTRY,
    ITEM,
    RSS_ITEM_END,
    Case,
    assert_verdicts,
    atom_entry,
    rss_channel,
    rss_item,
)

RSS_ROOT = '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">'
GEO = 'xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#"'
GEORSS = 'xmlns:georss="http://www.georss.org/georss"'
DC = 'xmlns:dc="http://purl.org/dc/elements/1.1/"'
FH = 'xmlns:fh="http://purl.org/syndication/history/1.0"'


PREV_ARCHIVE = '    <link rel="prev-archive" href="https://news.example.org/archive/1/atom.xml"/>\n'
CURRENT = '  <link rel="current" href="https://news.example.org/atom.xml"/>\n'
ARCHIVE_LINKS = (
    CURRENT + '  <link rel="next-archive" href="https://news.example.org/archive/3/atom.xml"/>\n'
)


def rss_ns(declaration: str) -> tuple[str, str]:
    return (RSS_ROOT, RSS_ROOT[:-1] + f" {declaration}>")


def atom_ns(declaration: str) -> tuple[str, str]:
    return (ATOM_ROOT, ATOM_ROOT[:-1] + f" {declaration}>")


def atom_id(value: str) -> tuple[str, str]:
    return ("<id>tag:news.example.org,2022:rakor</id>", f"<id>{value}</id>")


def rss_link(value: str) -> tuple[str, str]:
    return ("<link>https://news.example.org/rakor</link>", f"<link>{value}</link>")


CASES: dict[str, Case] = {
    # The three verdicts the issue reports as wrong.
    "feed-updated is advice: Atom feed older than an entry": (
        "atom",
        (
            (
                "<updated>2022-12-05T08:15:00+07:00</updated>",
                "<updated>2022-12-01T00:00:00Z</updated>",
            ),
        ),
        [("warning", "feed-updated", "/feed/updated")],
    ),
    "absolute-iri ok: a tag URI with an empty specific part (RFC 4151)": (
        "atom",
        (atom_id("tag:example.com,2000:"),),
        [],
    ),
    "link-rel warns: a padded relation": (
        "atom",
        (atom_entry('    <link rel=" alternate " href="https://news.example.org/a"/>\n'),),
        [("warning", "link-rel", f"{ENTRY}/link[2]")],
    ),
    # link-rel
    "link-rel ok: registered names and an IRI": (
        "atom",
        (
            atom_entry(
                '    <link rel="related" href="https://news.example.org/b"/>\n'
                '    <link rel="https://example.org/rel/x" href="https://news.example.org/c"/>\n'
            ),
        ),
        [],
    ),
    "link-rel warns: an unknown relation name": (
        "atom",
        (atom_entry('    <link rel="sibling" href="https://news.example.org/b"/>\n'),),
        [("warning", "link-rel", f"{ENTRY}/link[2]")],
    ),
    # absolute-iri
    "absolute-iri ok: urn:uuid": (
        "atom",
        (atom_id("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"),),
        [],
    ),
    "absolute-iri fails: a tag URI without its date": (
        "atom",
        (atom_id("tag:example.com:rakor"),),
        [("error", "absolute-iri", f"{ENTRY}/id")],
    ),
    "absolute-iri fails: no scheme": (
        "atom",
        (atom_id("rakor-2022"),),
        [("error", "absolute-iri", f"{ENTRY}/id")],
    ),
    # whitespace
    "whitespace fails: padded Atom id": (
        "atom",
        (atom_id(" tag:news.example.org,2022:rakor "),),
        [("error", "whitespace", f"{ENTRY}/id")],
    ),
    "whitespace fails: padded Atom date": (
        "atom",
        (
            (
                "<updated>2022-12-02T10:00:00+07:00</updated>",
                "<updated>\n  2022-12-02T10:00:00+07:00\n</updated>",
            ),
        ),
        [("error", "whitespace", f"{ENTRY}/updated")],
    ),
    "whitespace fails: padded href": (
        "atom",
        ((ATOM_ENTRY_END, '    <link href=" https://news.example.org/rakor"/>\n'),),
        [("error", "whitespace", f"{ENTRY}/link")],
    ),
    "whitespace ok: RSS link text may be padded (xs:anyURI collapses it)": (
        "rss",
        (rss_link("\n        https://news.example.org/rakor\n      "),),
        [],
    ),
    # iri-chars
    "iri-chars fails: '<' in an href": (
        "atom",
        ((ATOM_ENTRY_END, '    <link href="https://news.example.org/a&lt;b"/>\n'),),
        [("error", "iri-chars", f"{ENTRY}/link")],
    ),
    "iri-chars fails: a backslash in an RSS link": (
        "rss",
        (rss_link("https://news.example.org/a\\b"),),
        [("error", "iri-chars", f"{ITEM}/link")],
    ),
    "iri-chars fails: a double quote in an enclosure url": (
        "rss",
        (
            rss_item(
                '      <enclosure url="https://news.example.org/a&quot;.mp3" length="1"'
                ' type="audio/mpeg"/>\n'
            ),
        ),
        [("error", "iri-chars", f"{ITEM}/enclosure")],
    ),
    "iri-chars fails: a control character in an Atom id": (
        "atom",
        (atom_id("tag:news.example.org,2022:ra&#x7F;kor"),),
        [("error", "absolute-iri", f"{ENTRY}/id")],
    ),
    "iri-chars fails: two '#'": (
        "rss",
        (rss_link("https://news.example.org/a#b#c"),),
        # xs:anyURI refuses it too: the schema's line names the type, ours the cause.
        [("error", "schema", f"{ITEM}/link"), ("error", "iri-chars", f"{ITEM}/link")],
    ),
    "iri-chars ok: non-ASCII IRI and escapes": (
        "atom",
        ((ATOM_ENTRY_END, '    <link href="https://news.example.org/berita/%C3%A9t%C3%A9-ü"/>\n'),),
        [],
    ),
    # rss-email
    "rss-email ok: address with a name": (
        "rss",
        (rss_channel("    <managingEditor>desk@example.org (Desk)</managingEditor>\n"),),
        [],
    ),
    "rss-email ok: bare address": (
        "rss",
        (rss_item("      <author>desk@example.org</author>\n"),),
        [],
    ),
    "rss-email fails: webMaster with a name in front": (
        "rss",
        (rss_channel("    <webMaster>Desk &lt;desk@example.org&gt;</webMaster>\n"),),
        [("error", "rss-email", "/rss/channel/webMaster")],
    ),
    # RSS links are http(s)
    "absolute-url fails: an ftp item link": (
        "rss",
        (rss_link("ftp://news.example.org/rakor"),),
        [("error", "absolute-url", f"{ITEM}/link")],
    ),
    "absolute-url fails: a relative channel link": (
        "rss",
        (("<link>https://news.example.org/</link>", "<link>/</link>"),),
        [("error", "absolute-url", "/rss/channel/link")],
    ),
    # language-tag
    "language-tag ok: RSS language en-us (RSS spec list) and xml:lang zh-Hant-TW": (
        "rss",
        (rss_channel("    <language>en-us</language>\n"), rss_ns('xml:lang="zh-Hant-TW"')),
        [],
    ),
    "language-tag fails: RSS language as a word": (
        "rss",
        (rss_channel("    <language>indonesian</language>\n"),),
        [("error", "language-tag", "/rss/channel/language")],
    ),
    "language-tag fails: hreflang with an underscore": (
        "atom",
        (
            atom_entry(
                '    <link rel="related" hreflang="en_US" href="https://news.example.org/e"/>\n'
            ),
        ),
        [("error", "language-tag", f"{ENTRY}/link[2]")],
    ),
    # unknown-element
    "unknown-element ok: defined Dublin Core and Atom elements in RSS": (
        "rss",
        (rss_ns(DC), rss_item("      <dc:creator>Redaksi</dc:creator>\n")),
        [],
    ),
    "unknown-element fails: atom:foo in RSS": (
        "rss",
        (rss_item("      <atom:foo>x</atom:foo>\n"),),
        [("error", "unknown-element", f"{ITEM}/atom:foo")],
    ),
    "unknown-element fails: dc:author (DC has dc:creator)": (
        "rss",
        (rss_ns(DC), rss_item("      <dc:author>Redaksi</dc:author>\n")),
        [("error", "unknown-element", f"{ITEM}/dc:author")],
    ),
    "unknown-element ok: a namespace of one's own": (
        "atom",
        (atom_ns('xmlns:x="https://example.org/ns"'), atom_entry("    <x:anything/>\n")),
        [],
    ),
    "unknown-element ok: RFC 5005 fh:archive in an archive document": (
        "atom",
        (atom_ns(FH), ("  <author>", ARCHIVE_LINKS + "  <fh:archive/>\n  <author>")),
        [],
    ),
    "unknown-element fails: fh:archived (RFC 5005 has fh:archive)": (
        "atom",
        (atom_ns(FH), ("  <author>", "  <fh:archived/>\n  <author>")),
        [("error", "unknown-element", "/feed/fh:archived")],
    ),
    # dc-date
    "dc-date ok: W3C-DTF forms": (
        "rss",
        (
            rss_ns(DC),
            rss_item("      <dc:date>2022-12-02T10:00:00+07:00</dc:date>\n"),
            rss_channel("    <dc:date>2022-12</dc:date>\n"),
        ),
        [],
    ),
    "dc-date fails: an RFC 822 date in dc:date": (
        "rss",
        (rss_ns(DC), rss_item("      <dc:date>Fri, 02 Dec 2022 10:00:00 +0700</dc:date>\n")),
        [("error", "dc-date", f"{ITEM}/dc:date")],
    ),
    "dc-date fails: a time without a zone": (
        "atom",
        (atom_ns(DC), atom_entry("    <dc:date>2022-12-02T10:00</dc:date>\n")),
        [("error", "dc-date", f"{ENTRY}/dc:date")],
    ),
    # atom-alternate / atom-link-duplicate
    "atom-alternate fails: two alternates with the same type and hreflang": (
        "atom",
        (atom_entry('    <link rel="alternate" href="https://news.example.org/b"/>\n'),),
        [("error", "atom-alternate", f"{ENTRY}/link[2]")],
    ),
    "atom-link-duplicate warns: two self links alike": (
        "atom",
        (
            (
                "</title>\n  <updated>",
                '</title>\n  <link rel="self" href="https://x.example/a.xml"/>\n  <updated>',
            ),
        ),
        [("warning", "atom-link-duplicate", "/feed/link[2]")],
    ),
    "atom-link-duplicate ok: two enclosures of one type": (
        "atom",
        (
            atom_entry(
                '    <link rel="enclosure" type="audio/mpeg" href="https://news.example.org/b.mp3"/>\n'
                '    <link rel="enclosure" type="audio/mpeg" href="https://news.example.org/c.mp3"/>\n'
            ),
        ),
        [],
    ),
    "atom-link-duplicate ok: same rel, other hreflang": (
        "atom",
        (
            atom_entry(
                '    <link rel="related" hreflang="id" href="https://news.example.org/b"/>\n'
                '    <link rel="related" hreflang="en" href="https://news.example.org/c"/>\n'
            ),
        ),
        [],
    ),
    # atom-content
    "atom-content ok: Base64 image with a summary": (
        "atom",
        (
            atom_entry(
                "    <summary>Foto</summary>\n"
                '    <content type="image/png">iVBORw0KGgo=</content>\n'
            ),
        ),
        [],
    ),
    "atom-content fails: an image type holding text": (
        "atom",
        (
            atom_entry(
                '    <summary>Foto</summary>\n    <content type="image/png">not base64!</content>\n'
            ),
        ),
        [("error", "atom-content", f"{ENTRY}/content")],
    ),
    "atom-content ok: text/plain is not Base64": (
        "atom",
        (atom_entry('    <content type="text/plain">plain words</content>\n'),),
        [],
    ),
    # geo-range
    "geo-range ok: geo:lat/long and a georss:point": (
        "rss",
        (
            rss_ns(f"{GEO} {GEORSS}"),
            rss_item(
                "      <geo:lat>-5.43</geo:lat>\n      <geo:long>105.26</geo:long>\n"
                "      <georss:point>-5.43 105.26</georss:point>\n"
            ),
        ),
        [],
    ),
    "geo-range fails: latitude beyond 90": (
        "rss",
        (rss_ns(GEO), rss_item("      <geo:lat>95.1</geo:lat>\n")),
        [("error", "geo-range", f"{ITEM}/geo:lat")],
    ),
    "geo-range fails: a georss:point with one number": (
        "atom",
        (atom_ns(GEORSS), atom_entry("    <georss:point>45.256</georss:point>\n")),
        [("error", "geo-range", f"{ENTRY}/georss:point")],
    ),
    "geo-range fails: longitude beyond 180 in a georss:line": (
        "atom",
        (atom_ns(GEORSS), atom_entry("    <georss:line>45 100 46 181</georss:line>\n")),
        [("error", "geo-range", f"{ENTRY}/georss:line")],
    ),
    # rss-guid
    "rss-guid warns: an item without a guid": (
        "rss",
        ((RSS_ITEM_END, ""),),
        [("warning", "rss-guid", ITEM)],
    ),
    # archive-links, archive-current (RFC 5005 archives, as the W3C validator judges them)
    "archive-links ok: an Atom archive page with its neighbours and current": (
        "atom",
        (atom_ns(FH), ("  <author>", ARCHIVE_LINKS + "  <fh:archive/>\n  <author>")),
        [],
    ),
    "archive-links warns: an archive page linking neither prev nor next (ArchiveIncomplete)": (
        "atom",
        (atom_ns(FH), ("  <author>", CURRENT + "  <fh:archive/>\n  <author>")),
        [("warning", "archive-links", "/feed")],
    ),
    "archive-current warns: an RSS archive page without current (MissingCurrentInArchive)": (
        "rss",
        (
            rss_ns(FH),
            rss_channel(PREV_ARCHIVE.replace("link", "atom:link") + "    <fh:archive/>\n"),
        ),
        [("warning", "archive-current", "/rss/channel")],
    ),
    "archive-links ok: an archive page that is also complete needs no link": (
        "rss",
        (rss_ns(FH), rss_channel("    <fh:complete/>\n    <fh:archive/>\n")),
        [],
    ),
    "archive-links ok: a complete feed (not an archive) links nothing": (
        "atom",
        (atom_ns(FH), ("  <author>", "  <fh:complete/>\n  <author>")),
        [],
    ),
    # relative-url: RFC 4287 allows relative references (advice in someone else's feed)
    "relative-url warns: a relative Atom href without xml:base": (
        "atom",
        ((ATOM_ENTRY_END, '    <link href="/rakor"/>\n'),),
        [("warning", "relative-url", f"{ENTRY}/link")],
    ),
    "relative-url warns: a relative xml:base leaves it relative": (
        "atom",
        ((ATOM_ENTRY_END, '    <link xml:base="/berita/" href="rakor"/>\n'),),
        [("warning", "relative-url", f"{ENTRY}/link")],
    ),
    "relative-url ok: resolved against an absolute xml:base": (
        "atom",
        ((ATOM_ENTRY_END, '    <link xml:base="https://news.example.org/" href="rakor"/>\n'),),
        [],
    ),
    "relative-url: a relative reference with a space is still iri-chars": (
        "atom",
        ((ATOM_ENTRY_END, '    <link href="/ra kor"/>\n'),),
        [("error", "iri-chars", f"{ENTRY}/link")],
    ),
    "absolute-url fails: a relative atom:link in RSS (RSS has no base)": (
        "rss",
        (("https://news.example.org/feed.xml", "/feed.xml"),),
        [("error", "absolute-url", "/rss/channel/atom:link")],
    ),
    # http-url
    "http-url warns: an Atom link to a mailto: address": (
        "atom",
        (atom_entry('    <link rel="related" href="mailto:desk@example.org"/>\n'),),
        [("warning", "http-url", f"{ENTRY}/link[2]")],
    ),
}


@pytest.mark.parametrize(("format_", "replacements", "expected"), CASES.values(), ids=CASES)
def test_rule(
    format_: str,
    replacements: tuple[tuple[str, str], ...],
    expected: list[tuple[str, str, str]],
) -> None:
    assert_verdicts(format_, replacements, expected)


def test_every_rule_has_a_kind_and_a_description() -> None:
    assert RULES
    for rule in RULES.values():
        assert rule.kind in ("spec", "advice") and rule.checks and rule.formats


def test_warnings_come_from_advice_rules_only() -> None:
    document = variant("minimal-rss.xml", rss_link("ftp://x.example/"), (RSS_ITEM_END, ""))
    for problem in validate_feed(document):
        assert (problem.level == "warning") == (RULES[problem.rule].kind == "advice")


def test_golden_feeds_pass_as_feedpub_publishes_them() -> None:
    golden = sorted((Path(__file__).parent / "golden").rglob("*.xml"))
    assert golden
    for path in golden:
        assert validate_feed(path.read_bytes(), str(path), publishing=True) == []
