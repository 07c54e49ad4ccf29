"""The W3C validator's error classes that the bundled schemas already enforce: a valid and an
invalid document each, so that a schema change that stops enforcing one fails here.

Duplicates where one is allowed, elements the core vocabularies do not define, text and
attributes where the specifications allow none are the ``schema`` rule's; the cases edit the
minimal feeds in tests/fixtures/feeds/ like tests/test_validate_spec_rules.py.
"""

from __future__ import annotations

import pytest

from tests.test_validate_rules import (
    ATOM_ENTRY_END,
    ENTRY,
    ITEM,
    RSS_ITEM_END,
    Case,
    assert_verdicts,
    atom_entry,
    rss_item,
)

ATOM_ROOT = '<feed xmlns="http://www.w3.org/2005/Atom">'
OWN_NS = 'xmlns:x="https://example.org/ns"'
RSS_ROOT = '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
RSS_MEDIA = (RSS_ROOT, RSS_ROOT[:-1] + ' xmlns:media="http://search.yahoo.com/mrss/">')
RSS_DC = (RSS_ROOT, RSS_ROOT[:-1] + ' xmlns:dc="http://purl.org/dc/elements/1.1/">')
ENCLOSURE = '      <enclosure url="https://news.example.org/a.mp3" length="1" type="audio/mpeg"/>\n'

CASES: dict[str, Case] = {
    # Duplicate values where one is allowed (W3C: DuplicateElement).
    "one title per Atom entry: ok": ("atom", (), []),
    "two titles in an Atom entry": (
        "atom",
        (atom_entry("    <title>Dua</title>\n"),),
        [("error", "schema", f"{ENTRY}/title[2]")],
    ),
    "two guids in an RSS item": (
        "rss",
        (rss_item(RSS_ITEM_END.replace("rakor", "lain")),),
        [("error", "rss-cardinality", f"{ITEM}/guid[2]")],
    ),
    # Undefined elements in the core namespaces (W3C: UndefinedElement).
    "an extension element in a namespace of one's own: ok": (
        "atom",
        ((ATOM_ROOT, ATOM_ROOT[:-1] + f" {OWN_NS}>"), atom_entry("    <x:rating>5</x:rating>\n")),
        [],
    ),
    "an element in the Atom namespace RFC 4287 does not define": (
        "atom",
        (atom_entry("    <rating>5</rating>\n"),),
        [("error", "schema", f"{ENTRY}/rating")],
    ),
    "an RSS element outside any namespace the spec does not define": (
        "rss",
        (rss_item("      <rating>5</rating>\n"),),
        [("error", "schema", f"{ITEM}/rating")],
    ),
    # Unexpected text and attributes (W3C: UnexpectedText, UnexpectedAttribute).
    "text directly inside atom:feed": (
        "atom",
        (("  <author>", "  stray words\n  <author>"),),
        [("error", "schema", "/feed")],
    ),
    "text directly inside an RSS item": (
        "rss",
        (rss_item("      stray words\n"),),
        [("error", "schema", ITEM)],
    ),
    "a foreign-namespaced attribute on an Atom link: ok": (
        "atom",
        (
            (ATOM_ROOT, ATOM_ROOT[:-1] + f" {OWN_NS}>"),
            (ATOM_ENTRY_END, ATOM_ENTRY_END.replace("/>", ' x:rank="1"/>')),
        ),
        [],
    ),
    "an unknown attribute on atom:feed": (
        "atom",
        ((ATOM_ROOT, ATOM_ROOT[:-1] + ' rank="1">'),),
        [("error", "schema", "/feed")],
    ),
    "an unknown attribute on an RSS guid": (
        "rss",
        ((RSS_ITEM_END, RSS_ITEM_END.replace("<guid>", '<guid rank="1">')),),
        [("error", "schema", f"{ITEM}/guid")],
    ),
    # Characters not allowed in URIs, where the schemas take any string (W3C: InvalidIRI).
    "xml:base an IRI: ok": (
        "atom",
        ((ATOM_ROOT, ATOM_ROOT[:-1] + ' xml:base="https://news.example.org/berita/">'),),
        [],
    ),
    "xml:base with a space": (
        "atom",
        ((ATOM_ROOT, ATOM_ROOT[:-1] + ' xml:base="https://news.example.org/a b/">'),),
        [("error", "iri-chars", "/feed")],
    ),
    "a category scheme of any IRI scheme: ok": (
        "atom",
        (atom_entry('    <category term="ekonomi" scheme="tag:news.example.org,2022:k"/>\n'),),
        [],
    ),
    "a category scheme with a '<'": (
        "atom",
        (atom_entry('    <category term="ekonomi" scheme="https://news.example.org/k&lt;"/>\n'),),
        [("error", "iri-chars", f"{ENTRY}/category")],
    ),
    "a Media RSS thumbnail url: ok": (
        "rss",
        (RSS_MEDIA, rss_item('      <media:thumbnail url="https://news.example.org/a.jpg"/>\n')),
        [],
    ),
    "a Media RSS thumbnail url with a space": (
        "rss",
        (RSS_MEDIA, rss_item('      <media:thumbnail url="https://news.example.org/a b.jpg"/>\n')),
        [("error", "iri-chars", f"{ITEM}/media:thumbnail")],
    ),
    # Language tags (W3C: InvalidLanguage), in Dublin Core too.
    "dc:language a BCP 47 tag: ok": (
        "rss",
        (RSS_DC, rss_item("      <dc:language>id-ID</dc:language>\n")),
        [],
    ),
    "dc:language as a word": (
        "rss",
        (RSS_DC, rss_item("      <dc:language>indonesian</dc:language>\n")),
        [("error", "language-tag", f"{ITEM}/dc:language")],
    ),
    # One enclosure an item (W3C: DuplicateEnclosure, a warning there too).
    "one enclosure: ok": ("rss", (rss_item(ENCLOSURE),), []),
    "two enclosures in an RSS item": (
        "rss",
        (rss_item(ENCLOSURE + ENCLOSURE.replace("a.mp3", "b.mp3")),),
        [("warning", "rss-enclosures", f"{ITEM}/enclosure[2]")],
    ),
}


@pytest.mark.parametrize(("format_", "replacements", "expected"), CASES.values(), ids=CASES)
def test_class(
    format_: str,
    replacements: tuple[tuple[str, str], ...],
    expected: list[tuple[str, str, str]],
) -> None:
    assert_verdicts(format_, replacements, expected)
