"""The bundled RSS 2.0 and Atom 1.0 schemas, exercised through validate_feed.

Each broken fixture under tests/fixtures/feeds/broken/ is a minimal valid feed
with one defect, named in its leading comment; the table below says which rule
must reject it and at which element.
"""

from __future__ import annotations

import pytest

from feedpub.errors import Problem
from feedpub.validate import validate_feed
from tests.feeds import FEEDS, variant

BROKEN = FEEDS / "broken"


def errors(problems: list[Problem]) -> list[Problem]:
    return [problem for problem in problems if problem.level == "error"]


@pytest.mark.parametrize(
    "fixture", ["valid-rss.xml", "valid-atom.xml", "minimal-rss.xml", "minimal-atom.xml"]
)
def test_valid_feeds_have_no_errors_and_no_warnings(fixture: str) -> None:
    assert validate_feed((FEEDS / fixture).read_bytes(), fixture) == []


# fixture -> (rule, readable path of the element blamed, words the message must contain)
REJECTED = {
    "rss-no-channel-title": ("rss-cardinality", "/rss/channel", "<title>"),
    "rss-two-channel-titles": ("rss-cardinality", "/rss/channel/title[2]", "<title>"),
    "rss-item-without-title-or-description": ("schema", "/rss/channel/item", "<description>"),
    "rss-version-0.91": ("schema", "/rss", "0.91"),
    "rss-no-version": ("schema", "/rss", "version"),
    "rss-no-channel": ("schema", "/rss", "channel"),
    "rss-enclosure-length-not-numeric": ("schema", "/rss/channel/item/enclosure", "length"),
    "rss-enclosure-without-type": ("schema", "/rss/channel/item/enclosure", "'type'"),
    "rss-enclosure-without-url": ("schema", "/rss/channel/item/enclosure", "'url'"),
    "rss-skiphours-24": ("schema", "/rss/channel/skipHours/hour[2]", "'24'"),
    "rss-skiphours-repeated": ("schema", "/rss/channel/skipHours/hour[2]", "Duplicate"),
    "rss-skipdays-bad-day": ("schema", "/rss/channel/skipDays/day", "Caturday"),
    "rss-image-width-200": ("schema", "/rss/channel/image/width", "'200'"),
    "rss-image-without-url": ("schema", "/rss/channel/image", "url"),
    "rss-textinput-without-name": ("schema", "/rss/channel/textInput", "name"),
    "rss-ttl-not-numeric": ("schema", "/rss/channel/ttl", "one hour"),
    "rss-cloud-bad-protocol": ("schema", "/rss/channel/cloud", "carrier-pigeon"),
    "rss-guid-permalink-not-boolean": ("schema", "/rss/channel/item/guid", "isPermaLink"),
    "rss-source-without-url": ("schema", "/rss/channel/item/source", "'url'"),
    "rss-unknown-element": ("schema", "/rss/channel/titel", "titel"),
    "atom-wrong-namespace": ("schema", "/feed", "http://purl.org/atom/ns#"),
    "atom-feed-without-id": ("schema", "/feed", "<id>"),
    "atom-feed-without-updated": ("schema", "/feed", "<updated>"),
    "atom-two-feed-titles": ("schema", "/feed/title[2]", "<title>"),
    "atom-entry-without-id": ("schema", "/feed/entry", "<id>"),
    "atom-entry-without-title": ("schema", "/feed/entry", "<title>"),
    "atom-bad-text-type": ("schema", "/feed/entry/title", "markdown"),
    "atom-content-type-cdata": ("schema", "/feed/entry/content", "CDATA"),
    "atom-element-in-html-content": ("schema", "/feed/entry/content/p", "<p>"),
    "atom-xhtml-content-without-div": ("schema", "/feed/entry/content/p", "<p>"),
    "atom-content-src-not-empty": ("schema", "/feed/entry/content", "<content>"),
    "atom-person-without-name": ("schema", "/feed/author", "<name>"),
    "atom-person-bad-email": ("schema", "/feed/author/email", "<email>"),
    "atom-link-without-href": ("schema", "/feed/entry/link[2]", "<link>"),
    "atom-link-length-not-numeric": ("schema", "/feed/entry/link[2]", "2 MB"),
    "atom-category-without-term": ("schema", "/feed/entry/category", "<category>"),
    "atom-unnamespaced-element": ("schema", "/feed/entry/summary", "<summary>"),
    "atom-unknown-attribute": ("schema", "/feed/entry/link", "target"),
}


def test_every_broken_fixture_has_an_expectation() -> None:
    assert sorted(path.stem for path in BROKEN.glob("*.xml")) == sorted(REJECTED)


@pytest.mark.parametrize(("fixture", "expected"), sorted(REJECTED.items()))
def test_broken_feed_is_rejected_for_its_own_reason(
    fixture: str, expected: tuple[str, str, str]
) -> None:
    rule, path, words = expected
    problems = errors(validate_feed((BROKEN / f"{fixture}.xml").read_bytes(), fixture))

    assert problems, "accepted a broken feed"
    assert {problem.rule for problem in problems} == {rule}, problems
    blamed = [problem for problem in problems if problem.path == path]
    assert blamed, f"nothing blames {path}: {problems}"
    assert words in blamed[0].message
    assert blamed[0].line is not None and blamed[0].source == fixture


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (b"<html/>", "<html>"),
        (b"<channel><title>T</title></channel>", "<channel>"),
        (b'<rss xmlns="http://backend.userland.com/rss2" version="2.0"/>', "no namespace"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>', "RSS 1.0"),
        (b'<entry xmlns="http://www.w3.org/2005/Atom"/>', "<entry>"),
    ],
)
def test_a_document_that_is_no_feed_is_rejected(document: bytes, words: str) -> None:
    [problem] = validate_feed(document, "doc.xml")
    assert (problem.level, problem.rule, problem.line) == ("error", "schema", 1)
    assert words in problem.message


# Feeds the schemas must accept: extensions, free order, optional parts of the specs.
RSS_ACCEPTED = {
    "children in any order": (
        (
            "    <title>Altum News</title>\n    <link>https://news.example.org/</link>\n",
            "    <link>https://news.example.org/</link>\n",
        ),
        ("  </channel>", "    <title>Altum News</title>\n  </channel>"),
    ),
    "item with only a description": (
        ("<title>Rakor Reformasi Birokrasi</title>", "<description>Rakor</description>"),
    ),
    "item with description before title": (
        ("<title>Rakor", "<description>Rakor</description>\n      <title>Rakor"),
    ),
    "extension elements and attributes": (
        ("<rss ", '<rss xmlns:dc="http://purl.org/dc/elements/1.1/" '),
        ("<item>", '<item dc:note="x">\n      <dc:creator>Redaksi</dc:creator>'),
        ("<channel>", '<channel>\n    <dc:rights xml:lang="id">Hak cipta</dc:rights>'),
    ),
    "every optional channel element": (
        (
            "  <item>",
            "  <language>id-ID</language>\n"
            "    <copyright>2022 Altum</copyright>\n"
            "    <managingEditor>redaksi@news.example.org (Redaksi)</managingEditor>\n"
            "    <webMaster>web@news.example.org</webMaster>\n"
            "    <pubDate>Fri, 02 Dec 2022 10:00:00 +0700</pubDate>\n"
            "    <lastBuildDate>Fri, 02 Dec 2022 10:00:00 GMT</lastBuildDate>\n"
            '    <category domain="https://news.example.org/kategori/">Berita</category>\n'
            "    <generator>feedpub</generator>\n"
            "    <docs>https://www.rssboard.org/rss-specification</docs>\n"
            '    <cloud domain="rpc.example.org" port="80" path="/RPC2" '
            'registerProcedure="pleaseNotify" protocol="xml-rpc"/>\n'
            "    <ttl>60</ttl>\n"
            "    <image><link>https://news.example.org/</link><title>Altum</title>"
            "<url>https://news.example.org/logo.png</url><height>400</height>"
            "<description>Logo</description></image>\n"
            "    <rating>(PICS-1.1)</rating>\n"
            "    <textInput><name>q</name><title>Cari</title><description>Cari berita"
            "</description><link>https://news.example.org/cari</link></textInput>\n"
            "    <skipHours><hour>0</hour><hour>23</hour></skipHours>\n"
            "    <skipDays><day>Saturday</day><day>Sunday</day></skipDays>\n"
            "    <item>",
        ),
    ),
    "every optional item element": (
        (
            "    </item>",
            "  <author>senen@news.example.org (Senen)</author>\n"
            '      <category domain="https://news.example.org/kategori/">A</category>\n'
            "      <category>B</category>\n"
            "      <comments>https://news.example.org/rakor#komentar</comments>\n"
            # One enclosure: a second is the schema's too, but advice warns (rss-enclosures;
            # tests/test_validate_spec_classes.py).
            '      <enclosure url="https://news.example.org/a.ogg" length="12" '
            'type="audio/ogg; codecs=vorbis"/>\n'
            "      <pubDate>Fri, 02 Dec 2022 10:00:00 +0700</pubDate>\n"
            '      <source url="https://kominfo.example.org/rss">Kominfo</source>\n'
            "    </item>",
        ),
        ("<guid>", '<guid isPermaLink="true">'),
    ),
}
ATOM_ACCEPTED = {
    "children in any order": (
        (
            "  <id>tag:news.example.org,2022:feed</id>\n  <title>Altum News</title>\n",
            "  <title>Altum News</title>\n",
        ),
        ("  <entry>", "  <id>tag:news.example.org,2022:feed</id>\n  <entry>"),
    ),
    "xml:base and xml:lang everywhere": (
        ("<feed ", '<feed xml:lang="id" xml:base="https://news.example.org/" '),
        ("<entry>", '<entry xml:lang="en-US">'),
        ("<title>Rakor", '<title xml:lang="id-ID">Rakor'),
    ),
    "extensions in feed, entry and person": (
        ("<feed ", '<feed xmlns:x="urn:example:ext" x:flag="1" '),
        ("  <author>", '  <x:simple>value</x:simple>\n  <author x:role="editor">'),
        ("    <name>Redaksi</name>", "    <name>Redaksi</name>\n    <x:twitter>@altum</x:twitter>"),
        (
            "  </entry>",
            '    <x:structured a="b"><x:child>text</x:child></x:structured>\n  </entry>',
        ),
    ),
    "full person constructs": (
        (
            "    <name>Redaksi</name>",
            "    <email>redaksi@news.example.org</email>\n    <name>Redaksi</name>\n"
            "    <uri>https://news.example.org/redaksi</uri>",
        ),
        ("  </entry>", "    <contributor><name>Senen</name></contributor>\n  </entry>"),
    ),
    "every optional feed element": (
        (
            "  <entry>",
            '  <category term="berita" scheme="https://news.example.org/k/" label="Berita"/>\n'
            "  <contributor><name>Senen</name></contributor>\n"
            "  <generator>feedpub</generator>\n"
            "  <icon>https://news.example.org/favicon.ico</icon>\n"
            "  <logo>https://news.example.org/logo.png</logo>\n"
            '  <rights type="html">&lt;b&gt;2022&lt;/b&gt;</rights>\n'
            '  <subtitle type="text">Berita</subtitle>\n'
            "  <entry>",
        ),
    ),
    "published, summary, source and a rich link": (
        (
            "  </entry>",
            "    <published>2022-12-02T09:00:00+07:00</published>\n"
            "    <summary>Rakor</summary>\n"
            '    <link rel="enclosure" href="https://news.example.org/a.mp3" type="audio/mpeg"'
            ' length="2048" hreflang="id" title="Audio"/>\n'
            '    <link rel="http://example.org/rel/custom" href="https://news.example.org/x"/>\n'
            "    <source><id>tag:kominfo.example.org,2022:feed</id><title>Kominfo</title>"
            "<updated>2022-12-01T00:00:00Z</updated></source>\n"
            "  </entry>",
        ),
    ),
    "xhtml content and title": (
        (
            "<title>Rakor Reformasi Birokrasi</title>",
            '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Rakor <em>RB</em>'
            "</div></title>",
        ),
        (
            "  </entry>",
            '    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml" class="a">'
            "<p>Rakor</p></div></content>\n  </entry>",
        ),
    ),
    "inline xml content of another media type": (
        (
            "  </entry>",
            '    <content type="application/xml"><data xmlns="urn:x">1</data></content>\n'
            "  </entry>",
        ),
    ),
    "out-of-line content with a summary": (
        (
            "  </entry>",
            '    <content src="https://news.example.org/rakor.pdf" type="application/pdf"/>\n'
            "    <summary>Rakor</summary>\n  </entry>",
        ),
    ),
}


@pytest.mark.parametrize(
    ("fixture", "replacements"),
    [
        *(
            pytest.param("minimal-rss.xml", r, id=f"rss: {name}")
            for name, r in RSS_ACCEPTED.items()
        ),
        *(
            pytest.param("minimal-atom.xml", r, id=f"atom: {name}")
            for name, r in ATOM_ACCEPTED.items()
        ),
    ],
)
def test_schema_accepts_what_the_spec_allows(
    fixture: str, replacements: tuple[tuple[str, str], ...]
) -> None:
    assert validate_feed(variant(fixture, *replacements), fixture) == []
