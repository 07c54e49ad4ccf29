"""The rule table: every rule the validator applies, tagged spec or advice.

A **spec** rule checks what a specification states (RFC 4287, RSS 2.0, RFC 3339,
RFC 822, RFC 4151, RFC 3987, BCP 47, the namespaces feedpub writes): breaking it
is always an error. An **advice** rule checks what a careful publisher does
although no specification demands it (a self link, a feed date not older than
its entries, ids that are unique, a language stated): breaking it is a warning
in someone else's document and an error in feedpub's own output, which
``feedpub build`` validates with ``publishing=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["RULES", "Rule", "level_of"]

Kind = Literal["spec", "advice"]


@dataclass(frozen=True)
class Rule:
    """One rule: its id (shown after each finding), its kind, and what it checks."""

    id: str
    kind: Kind
    formats: str  # "rss", "atom", "json", or several joined with "/"
    checks: str


_TABLE = (
    # The document as a whole.
    Rule("fetch", "spec", "any", "the document can be read (file, http(s) URL, stdin)"),
    Rule("xml-parse", "spec", "rss/atom", "the document is well-formed XML"),
    Rule(
        "unsafe-xml",
        "spec",
        "rss/atom",
        "no entity declarations and within the parser's limits (refused for safety, not expanded)",
    ),
    Rule(
        "schema",
        "spec",
        "rss/atom",
        "the bundled schema: elements, attributes, order and value types of RSS 2.0 / RFC 4287",
    ),
    Rule(
        "unknown-element",
        "spec",
        "rss/atom",
        "elements of the Atom, content, Dublin Core, Media RSS, geo, GeoRSS and RFC 5005 "
        "(fh) namespaces are ones those vocabularies define",
    ),
    Rule(
        "whitespace",
        "spec",
        "rss/atom",
        "no white space around Atom ids, dates and URIs, nor around URI attributes",
    ),
    Rule(
        "iri-chars",
        "spec",
        "rss/atom/json",
        'URIs and IRIs hold no space, control character, < > " { } | \\ ^ `, stray % or second #',
    ),
    Rule(
        "language-tag",
        "spec",
        "any",
        "language, dc:language, xml:lang and hreflang are BCP 47 tags",
    ),
    Rule(
        "absolute-url",
        "spec",
        "any",
        "URLs are absolute with a host (after xml:base in Atom); RSS links are http(s)",
    ),
    Rule(
        "relative-url",
        "advice",
        "atom",
        "Atom references are absolute (RFC 4287 allows relative ones against xml:base or the "
        "document's URI, which a copy of the feed does not have)",
    ),
    Rule("http-url", "advice", "any", "URLs use http(s), which every reader can fetch"),
    Rule("dc-date", "spec", "rss/atom", "Dublin Core dates (dc:date, dcterms:*) are W3C-DTF"),
    Rule("geo-range", "spec", "rss/atom", "geo:lat/geo:long and GeoRSS coordinates in range"),
    Rule(
        "html-content",
        "advice",
        "rss/atom",
        "HTML text does not begin with a literal '<![CDATA[' (markup escaped twice)",
    ),
    Rule(
        "self-link",
        "advice",
        "any",
        'the feed says where it lives (rel="self"; feed_url in JSON Feed)',
    ),
    Rule(
        "feed-updated", "advice", "rss/atom", "the feed's date is not older than its newest entry"
    ),
    Rule("unique-id", "advice", "rss/atom", "no two items share a guid, no two entries an id"),
    # RSS 2.0.
    Rule(
        "rss-cardinality",
        "spec",
        "rss",
        "channel has title, link, description; no element repeats that may appear once",
    ),
    Rule("rss-date", "spec", "rss", "pubDate and lastBuildDate are RFC 822 dates, 4-digit years"),
    Rule("rss-military-zone", "advice", "rss", "dates use no single-letter military zone"),
    Rule(
        "rss-enclosures",
        "advice",
        "rss",
        "an item has at most one enclosure (the W3C validator's DuplicateEnclosure)",
    ),
    Rule(
        "permalink-url",
        "spec",
        "rss",
        "a guid that is a permalink (isPermaLink true or absent) is an http(s) URL",
    ),
    Rule(
        "rss-email",
        "spec",
        "rss",
        "managingEditor, webMaster, author are an email address with an optional (Name)",
    ),
    Rule("rss-guid", "advice", "rss", "every item has a guid"),
    # Atom 1.0.
    Rule("atom-date", "spec", "atom", "updated and published are RFC 3339 date-times"),
    Rule("absolute-iri", "spec", "atom", "atom:id is an absolute IRI (RFC 3987, RFC 4151 tags)"),
    Rule("atom-author", "spec", "atom", "every entry has an author, its own or the feed's"),
    Rule(
        "atom-alternate",
        "spec",
        "atom",
        "an entry has content or an alternate link; one alternate per type and hreflang",
    ),
    Rule("atom-summary", "spec", "atom", "out-of-line or Base64 content comes with a summary"),
    Rule(
        "atom-content",
        "spec",
        "atom",
        "content of a non-XML, non-text media type is Base64",
    ),
    # JSON Feed 1.1.
    Rule("json-parse", "spec", "json", "the document is UTF-8 JSON with an object at the top"),
    Rule("jsonfeed-version", "spec", "json", "version is a JSON Feed version URL"),
    Rule(
        "jsonfeed-required",
        "spec",
        "json",
        "title and items; each item an id and content_html or content_text; each attachment "
        "url and mime_type; each hub type and url",
    ),
    Rule("jsonfeed-type", "spec", "json", "every member has the JSON type the spec gives it"),
    Rule("jsonfeed-unique-id", "spec", "json", "no two items share an id"),
    Rule("jsonfeed-date", "spec", "json", "date_published and date_modified are RFC 3339"),
    Rule("jsonfeed-author", "spec", "json", "an author has a name, url or avatar"),
    Rule(
        "jsonfeed-unknown-member",
        "advice",
        "json",
        "members are JSON Feed 1.1's, or extensions whose names start with '_'",
    ),
    Rule(
        "jsonfeed-current",
        "advice",
        "json",
        "version 1.1, and authors rather than the deprecated author",
    ),
    Rule("date-offset", "advice", "json", "dates give their real offset, not -00:00 (unknown)"),
    Rule(
        "link-rel",
        "advice",
        "atom",
        "link rel is a registered relation name or an absolute IRI, written without padding",
    ),
    Rule(
        "archive-links",
        "advice",
        "rss/atom",
        "an RFC 5005 archive document (fh:archive, not fh:complete) links prev-archive or "
        "next-archive (the W3C validator's ArchiveIncomplete)",
    ),
    Rule(
        "archive-current",
        "advice",
        "rss/atom",
        "an RFC 5005 archive document (fh:archive, not fh:complete) links current, its "
        "subscription document (the W3C validator's MissingCurrentInArchive)",
    ),
    Rule(
        "atom-link-duplicate",
        "advice",
        "atom",
        "no two self, next, previous, current, first or last (archive) links with the same "
        "type and hreflang (alternates: see atom-alternate)",
    ),
)

#: Every rule by id.
RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}


def level_of(rule: str, *, publishing: bool) -> str:
    """The level a finding of ``rule`` gets: a spec rule's is an error, advice's depends."""
    if RULES[rule].kind == "spec" or publishing:
        return "error"
    return "warning"
