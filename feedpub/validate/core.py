"""Validate RSS 2.0 and Atom 1.0 feeds before they are published, or whoever wrote them.

A document goes through three stages, and every finding becomes a
:class:`~feedpub.errors.Problem`:

1. :func:`parse_untrusted`, a hardened parse: no DTD, no entity expansion, no
   network. A document that declares entities is refused (``unsafe-xml``).
2. The bundled schema for its format (``schemas/rss-2.0.xsd`` or
   ``schemas/atom.rng``), reported under the rule ``schema``.
3. The rules a schema cannot express (dates, unique ids, absolute URLs, language
   tags, co-occurrence constraints), each under its own rule id.

:func:`validate_feed` works on bytes and never raises for bad input;
:func:`validate_source` fetches the bytes from a file, an http(s) URL or stdin
first.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http.client import HTTPMessage
from importlib import resources
from typing import IO, Any, BinaryIO, Protocol, cast
from urllib.parse import urljoin, urlsplit

from lxml import etree

from feedpub.errors import FeedValidationError, Problem
from feedpub.records.language import is_language_tag

__all__ = ["parse_untrusted", "validate_feed", "validate_source"]

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

_ATOM = f"{{{ATOM_NS}}}"
_XML_LANG = f"{{{XML_NS}}}lang"

Element = etree._Element
ElementTree = etree._ElementTree


# ---------------------------------------------------------------------------
# Parsing


# libxml2 reports entity bombs as these parse errors even though it expands
# nothing: it measures what the entities would amount to and gives up. The
# same limits stop very deep nesting and very long text.
_LIMIT_ERRORS = frozenset({"ERR_ENTITY_LOOP", "ERR_RESOURCE_LIMIT"})


def parse_untrusted(data: bytes, source: str = "<feed>") -> ElementTree:
    """Parse an XML document from an untrusted source, without DTDs, entities or network.

    Raises :class:`~feedpub.errors.FeedValidationError` with one ``xml-parse``
    Problem when the bytes are not well-formed XML, and with one ``unsafe-xml``
    Problem when the document declares entities (XXE, billion laughs): those
    are refused, never expanded.
    """
    # A fresh parser per call: its error log then holds this document's errors
    # only (the exception's log is per thread and keeps earlier ones), and
    # lxml parsers must not be shared between threads.
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        # Leave collect_ids alone: with lxml 6 / libxml2 2.14, collect_ids=False
        # makes the parser load external DTDs and parameter entities.
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        if any(entry.type_name in _LIMIT_ERRORS for entry in _log_entries(parser.error_log)):
            # libxml2's message ends in advice on lifting the limit: drop it.
            reason = err.msg.split(",")[0]
            if "entity" in reason.lower():
                # The line is inside an entity's text, which would mislead.
                raise _refusal(
                    source,
                    None,
                    "unsafe-xml",
                    f"refused: the DOCTYPE declares entities that expand explosively "
                    f"({reason}); entities are never expanded, remove the DOCTYPE",
                ) from None
            raise _refusal(
                source,
                err.lineno,
                "unsafe-xml",
                f"refused: the document exceeds the parser's safety limits ({reason})",
            ) from None
        raise _refusal(source, err.lineno, "xml-parse", f"not well-formed XML: {err.msg}") from None
    tree = root.getroottree()
    names = _declared_entities(tree)
    if names:
        raise _refusal(
            source,
            None,
            "unsafe-xml",
            "refused: the DOCTYPE declares entities ("
            + ", ".join(names)
            + "); entities are never expanded in untrusted feeds (XXE, entity expansion), "
            "so remove the DOCTYPE and write the text out",
        )
    return tree


def _declared_entities(tree: ElementTree) -> list[str]:
    # lxml-stubs leave DTD.iterentities() out.
    dtd: Any = tree.docinfo.internalDTD
    return [] if dtd is None else [str(entity.name) for entity in dtd.iterentities()]


class _LogEntry(Protocol):
    type_name: str
    line: int
    message: str
    path: str | None


def _log_entries(log: etree._ErrorLog) -> list[_LogEntry]:
    # lxml-stubs declare the error log opaque; it is a sequence of entries.
    return list(cast("Iterable[_LogEntry]", log))


def _refusal(source: str, line: int | None, rule: str, message: str) -> FeedValidationError:
    return FeedValidationError(source, [Problem(source, line or None, "error", rule, message)])


# ---------------------------------------------------------------------------
# Schemas


@dataclass(frozen=True)
class _Format:
    schema_file: str
    rules: tuple[Callable[[_Report], None], ...]


@functools.cache
def _schema(schema_file: str) -> etree._Validator:
    """Compile a bundled schema, once per process."""
    text = resources.files("feedpub.validate").joinpath("schemas", schema_file).read_bytes()
    document = etree.fromstring(text)
    validator: etree._Validator
    if schema_file.endswith(".rng"):
        validator = etree.RelaxNG(document)
    else:
        validator = etree.XMLSchema(document)
    return validator


# A compiled validator keeps the error log of its last run, so a run and the
# reading of its log must not interleave with another thread's run.
_SCHEMA_LOCK = threading.Lock()


def _check_schema(report: _Report, schema_file: str) -> None:
    schema = _schema(schema_file)
    with _SCHEMA_LOCK:
        if schema.validate(report.tree):
            return
        entries = _log_entries(schema.error_log)
    if isinstance(schema, etree.RelaxNG):
        _report_relaxng_error(report, entries)
    else:
        _report_xsd_errors(report, entries)


# libxml2's RELAX NG validator stops at the first mismatch, then reports it
# again for each enclosing element, often leaving the precise message without a
# location. These say nothing of their own:
_RELAXNG_ECHOES = frozenset({"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERSEQ"})
_RELAXNG_MESSAGES = (
    (re.compile(r"Expecting an element (\S+), got nothing"), "<{at}> lacks the required <{0}>"),
    (re.compile(r"Expecting element (\S+), got (\S+)"), "expected <{0}>, found <{1}>"),
    (
        re.compile(r"Extra element (\S+) in interleave"),
        "<{0}> is not valid here: its content or attributes are wrong, "
        "or it repeats an element allowed once",
    ),
    (
        re.compile(r"Element (\S+) failed to validate attributes"),
        "<{0}> lacks a required attribute or has an invalid one",
    ),
    (re.compile(r"Element (\S+) has extra content: (\S+)"), "<{1}> is not allowed in <{0}>"),
    (re.compile(r"Invalid attribute (\S+) for element (\S+)"), "<{1}> may not have {0}={value!r}"),
)


def _report_relaxng_error(report: _Report, entries: list[_LogEntry]) -> None:
    """Report the one mismatch RELAX NG found, at the first element the log locates."""
    located = (_element_at(report.tree, entry.path) for entry in entries)
    element = next((found for found in located if found is not None), None)
    causes = [entry for entry in entries if entry.type_name not in _RELAXNG_ECHOES]
    # "Extra element X in interleave" is the vaguest cause: use it last.
    causes.sort(key=lambda entry: entry.type_name == "RELAXNG_ERR_INTEREXTRA")
    message = (causes or entries)[0].message
    if element is None:
        report.problems.append(Problem(report.source, None, "error", "schema", message))
        return
    for pattern, template in _RELAXNG_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            value = element.get(match[1])  # read only by the invalid-attribute template
            message = template.format(*match.groups(), at=_name(element), value=value)
            break
    report.error(element, "schema", message)


# An invalid value is reported once for its type and again, vaguely, by the
# identity constraint that could not read it.
_XSD_ECHO = "No precomputed value available"
# libxml2 lists what an item could have had next, not what it lacks.
_XSD_ITEM_MISSING = "Element 'item': Missing child element(s)."


def _report_xsd_errors(report: _Report, entries: list[_LogEntry]) -> None:
    """Report every error XML Schema found: each names its element already."""
    for entry in entries:
        if _XSD_ECHO in entry.message:
            continue
        message = entry.message
        if message.startswith(_XSD_ITEM_MISSING):
            message = "item has neither <title> nor <description>; RSS 2.0 requires one of them"
        element = _element_at(report.tree, entry.path)
        if element is None:
            report.problems.append(
                Problem(report.source, entry.line or None, "error", "schema", message)
            )
        else:
            report.error(element, "schema", message)


def _element_at(tree: ElementTree, path: str | None) -> Element | None:
    if not path:
        return None
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None


# ---------------------------------------------------------------------------
# Reporting


@dataclass
class _Report:
    source: str
    tree: ElementTree
    problems: list[Problem] = field(default_factory=list)
    # parent -> {child: its path step}, filled once per parent on demand.
    _steps: dict[Element, dict[Element, str]] = field(default_factory=dict)

    def error(self, element: Element, rule: str, message: str) -> None:
        self.add(element, "error", rule, message)

    def warning(self, element: Element, rule: str, message: str) -> None:
        self.add(element, "warning", rule, message)

    def add(self, element: Element, level: str, rule: str, message: str) -> None:
        self.problems.append(
            Problem(self.source, _line(element), level, rule, message, self.path(element))
        )

    def path(self, element: Element) -> str:
        """A readable XPath: names as written, an index only among same-named siblings."""
        steps = []
        node: Element | None = element
        while node is not None:
            parent = node.getparent()
            steps.append(_name(node) if parent is None else self._step(parent, node))
            node = parent
        return "/" + "/".join(reversed(steps))

    def _step(self, parent: Element, child: Element) -> str:
        steps = self._steps.get(parent)
        if steps is None:
            # Name all children at once: a channel with thousands of items
            # would otherwise be scanned again for every problem in them.
            children = list(parent.iterchildren(etree.Element))
            totals = Counter(each.tag for each in children)
            seen: Counter[str] = Counter()
            steps = {}
            for each in children:
                seen[each.tag] += 1
                index = f"[{seen[each.tag]}]" if totals[each.tag] > 1 else ""
                steps[each] = _name(each) + index
            self._steps[parent] = steps
        return steps[child]


def _line(element: Element) -> int | None:
    # lxml-stubs give sourceline no real type; it is an int, or None for built trees.
    return cast("int | None", element.sourceline)


def _name(element: Element) -> str:
    qname = etree.QName(element)
    return f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname


def _text(element: Element) -> str:
    return (element.text or "").strip()


# ---------------------------------------------------------------------------
# Dates

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# RFC 822 section 5.1: universal time and the North American zones.
_RFC822_ZONES = {
    "UT": 0,
    "GMT": 0,
    "Z": 0,
    "EST": -5,
    "EDT": -4,
    "CST": -6,
    "CDT": -5,
    "MST": -7,
    "MDT": -6,
    "PST": -8,
    "PDT": -7,
}
_RFC822 = re.compile(
    r"(?:(?P<weekday>[A-Za-z]+),\s*)?"
    r"(?P<day>\d{1,2})\s+(?P<month>[A-Za-z]+)\s+(?P<year>\d+)\s+"
    r"(?P<hour>\d{2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s+"
    r"(?P<zone>[+-]\d{4}|[A-Za-z]+)"
)
_RFC822_EXAMPLE = "e.g. 'Fri, 02 Dec 2022 10:00:00 +0700'"
_RFC3339 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})T(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})"
    r"(?P<fraction>\.\d+)?(?P<zone>Z|[+-]\d{2}:\d{2})"
)


def _rfc822_datetime(text: str) -> tuple[datetime, str | None]:
    """Read an RSS date; return it and a warning, or raise ValueError saying what is wrong."""
    match = _RFC822.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not an RFC 822 date-time ({_RFC822_EXAMPLE})")
    if len(match["year"]) != 4:
        raise ValueError(f"{text!r} must have a four-digit year ({_RFC822_EXAMPLE})")
    if match["month"] not in _MONTHS:
        raise ValueError(f"{text!r} has an unknown month; use Jan, Feb, ... Dec")
    if match["weekday"] is not None and match["weekday"] not in _DAYS:
        raise ValueError(f"{text!r} has an unknown day name; use Mon, Tue, ... Sun")
    zone, warning = _rfc822_zone(match["zone"], text)
    second = int(match["second"] or 0)
    try:
        moment = datetime(
            int(match["year"]),
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            min(second, 59),  # a leap second reads as the last second of its minute
            tzinfo=zone,
        )
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date and time ({err})") from None
    if second > 60:
        raise ValueError(f"{text!r} is not a real date and time (second {second})")
    if match["weekday"] is not None and match["weekday"] != _DAYS[moment.weekday()]:
        raise ValueError(
            f"{text!r} says {match['weekday']} but that date is a {_DAYS[moment.weekday()]}"
        )
    return moment, warning


def _rfc822_zone(name: str, text: str) -> tuple[timezone, str | None]:
    if name[0] in "+-":
        hours, minutes = int(name[1:3]), int(name[3:5])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text!r} has an impossible zone offset {name}")
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if name[0] == "-" else offset), None
    if name in _RFC822_ZONES:
        return timezone(timedelta(hours=_RFC822_ZONES[name])), None
    if len(name) == 1 and name.isupper() and name != "J":
        # RFC 1123 section 5.2.14: RFC 822 got the military zones' signs
        # wrong, so they carry no offset a reader can trust.
        return UTC, (
            f"{text!r} uses the obsolete military zone {name!r}, which readers take as "
            "UTC; write a numeric offset such as +0700"
        )
    raise ValueError(
        f"{text!r} has an unknown zone {name!r}; use a numeric offset such as +0700, or GMT"
    )


def _rfc3339_datetime(text: str) -> datetime:
    """Read an Atom date; raise ValueError saying what is wrong."""
    match = _RFC3339.fullmatch(text)
    if not match:
        raise ValueError(
            f"{text!r} is not an RFC 3339 date-time: write e.g. '2022-12-02T10:00:00+07:00' "
            "(uppercase T, and Z or a numeric offset)"
        )
    zone = UTC
    if match["zone"] != "Z":
        sign = -1 if match["zone"][0] == "-" else 1
        hours, minutes = int(match["zone"][1:3]), int(match["zone"][4:6])
        if hours > 23 or minutes > 59:
            raise ValueError(f"{text!r} has an impossible zone offset {match['zone']}")
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    second = int(match["second"])
    try:
        moment = datetime.fromisoformat(
            f"{match['date']}T{match['hour']}:{match['minute']}:{min(second, 59):02d}"
        ).replace(tzinfo=zone)
    except ValueError as err:
        raise ValueError(f"{text!r} is not a real date and time ({err})") from None
    if second > 60:
        raise ValueError(f"{text!r} is not a real date and time (second {second})")
    return moment


# The date rules report unreadable dates; the ordering rules skip them.


def _rss_moment(element: Element) -> datetime | None:
    try:
        return _rfc822_datetime(_text(element))[0]
    except ValueError:
        return None


def _atom_moment(element: Element) -> datetime | None:
    try:
        return _rfc3339_datetime(_text(element))
    except ValueError:
        return None


def _newest(dated: Iterable[tuple[Element, datetime | None]]) -> tuple[Element, datetime] | None:
    readable = [(element, moment) for element, moment in dated if moment is not None]
    return max(readable, key=lambda pair: pair[1], default=None)


# ---------------------------------------------------------------------------
# Values: IRIs, URLs, language tags, email addresses

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_WHITESPACE = re.compile(r"\s")

# RSS wants "address (Name)" in author, managingEditor and webMaster.
_RSS_EMAIL = re.compile(r"[^@\s()<>]+@[^@\s()<>]+\.[^@\s()<>]+(?:\s*\([^()]*\))?")


def _url_verdict(value: str, *, http_only: bool) -> tuple[str, str] | None:
    """Judge a URL: None when it is absolute http(s), else (level, reason)."""
    if not value:
        return "error", "is empty; it must be an absolute http(s) URL"
    if _WHITESPACE.search(value):
        return "error", f"{value!r} contains whitespace; percent-encode it (%20)"
    try:
        parts = urlsplit(value)
    except ValueError as err:  # e.g. an unclosed IPv6 bracket
        return "error", f"{value!r} is not a valid URL ({err})"
    if not _SCHEME.match(value):
        return "error", (
            f"{value!r} is a relative URL; feed readers have no base to resolve it "
            "against, so write it in full, e.g. https://example.org/path"
        )
    if parts.scheme.lower() in ("http", "https"):
        if not parts.netloc:
            return "error", f"{value!r} has no host"
        return None
    level = "error" if http_only else "warning"
    return level, f"{value!r} is not an http(s) URL ({parts.scheme}:); many readers cannot fetch it"


# ---------------------------------------------------------------------------
# Rules shared by both formats


def _check_language_attributes(report: _Report) -> None:
    for element in report.tree.iter(etree.Element):
        value = element.get(_XML_LANG)
        # xml:lang="" is allowed by XML itself: it means "no language stated".
        if value and not is_language_tag(value):
            report.error(element, "language-tag", _language_message("xml:lang", value))


def _language_message(what: str, value: str) -> str:
    return (
        f"{what} {value!r} is not a BCP 47 language tag; write e.g. 'id', 'id-ID', "
        "'en-US' or 'zh-Hant-TW' (hyphens, not underscores)"
    )


def _check_cdata_remnant(report: _Report, element: Element) -> None:
    if _text(element).startswith("<![CDATA["):
        report.error(
            element,
            "html-content",
            f"<{_name(element)}> begins with a literal '<![CDATA[': the markup was escaped "
            "twice, or a CDATA section was written as text; escape the HTML once",
        )


# ---------------------------------------------------------------------------
# RSS 2.0 rules

_RSS_CHANNEL_REQUIRED = ("title", "link", "description")
_RSS_CHANNEL_AT_MOST_ONCE = (
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "pubDate",
    "lastBuildDate",
    "generator",
    "docs",
    "cloud",
    "ttl",
    "image",
    "rating",
    "textInput",
    "skipHours",
    "skipDays",
)
_RSS_ITEM_AT_MOST_ONCE = (
    "title",
    "link",
    "description",
    "author",
    "comments",
    "guid",
    "pubDate",
    "source",
)


def _channels(report: _Report) -> list[Element]:
    return report.tree.getroot().findall("channel")


def _items(report: _Report) -> Iterator[Element]:
    for channel in _channels(report):
        yield from channel.iterfind("item")


def _check_rss_cardinality(report: _Report) -> None:
    for channel in _channels(report):
        for tag in _RSS_CHANNEL_REQUIRED:
            if channel.find(tag) is None:
                report.error(
                    channel,
                    "rss-cardinality",
                    f"channel has no <{tag}>; RSS 2.0 requires exactly one",
                )
        _report_repeats(report, channel, (*_RSS_CHANNEL_REQUIRED, *_RSS_CHANNEL_AT_MOST_ONCE))
    for item in _items(report):
        _report_repeats(report, item, _RSS_ITEM_AT_MOST_ONCE)


def _report_repeats(report: _Report, parent: Element, tags: Iterable[str]) -> None:
    for tag in tags:
        for repeat in parent.findall(tag)[1:]:
            report.error(
                repeat,
                "rss-cardinality",
                f"<{parent.tag}> has more than one <{tag}>; RSS 2.0 allows one",
            )


def _check_rss_dates(report: _Report) -> None:
    for channel in _channels(report):
        elements = [*channel.findall("pubDate"), *channel.findall("lastBuildDate")]
        elements += channel.findall("item/pubDate")
        for element in elements:
            try:
                _, warning = _rfc822_datetime(_text(element))
            except ValueError as err:
                report.error(element, "rss-date", f"<{element.tag}> {err}")
                continue
            if warning:
                report.warning(element, "rss-date", f"<{element.tag}> {warning}")


def _check_rss_unique_guids(report: _Report) -> None:
    _report_duplicates(report, (guid for item in _items(report) for guid in item.findall("guid")))


def _report_duplicates(report: _Report, ids: Iterable[Element]) -> None:
    first_seen: dict[str, Element] = {}
    for element in ids:
        value = _text(element)
        if value in first_seen:
            report.error(
                element,
                "unique-id",
                f"<{_name(element)}> {value!r} repeats the one on line "
                f"{_line(first_seen[value])}; every entry needs its own id",
            )
        else:
            first_seen[value] = element


def _check_rss_urls(report: _Report) -> None:
    root = report.tree.getroot()
    text_urls = (
        "channel/link",
        "channel/docs",
        "channel/image/url",
        "channel/image/link",
        "channel/textInput/link",
        "channel/item/link",
        "channel/item/comments",
    )
    for path in text_urls:
        for element in root.iterfind(path):
            _url(report, element, _text(element), f"<{element.tag}>")
    for element in root.iterfind("channel/item/enclosure"):
        # The RSS 2.0 spec: "The url must be an http url."
        _url(report, element, element.get("url"), "enclosure url", http_only=True)
    for element in root.iterfind("channel/item/source"):
        _url(report, element, element.get("url"), "source url")
    for element in root.iter(f"{_ATOM}link"):
        _url(report, element, element.get("href"), "atom:link href")


def _url(
    report: _Report, element: Element, value: str | None, what: str, *, http_only: bool = False
) -> None:
    if value is None:
        return  # a missing attribute is the schema's to report
    verdict = _url_verdict(value, http_only=http_only)
    if verdict is not None:
        level, reason = verdict
        report.add(element, level, "absolute-url", f"{what} {reason}")


def _check_rss_permalinks(report: _Report) -> None:
    for item in _items(report):
        for guid in item.findall("guid"):
            # isPermaLink defaults to true; the schema has checked it is a boolean.
            if guid.get("isPermaLink", "true").strip() not in ("true", "1"):
                continue
            value = _text(guid)
            if _url_verdict(value, http_only=True) is not None:
                report.error(
                    guid,
                    "permalink-url",
                    f"guid {value!r} is a permalink (isPermaLink is true or absent) but not "
                    'an absolute http(s) URL; add isPermaLink="false" if it is only an id',
                )


def _check_rss_build_date(report: _Report) -> None:
    for channel in _channels(report):
        build = channel.find("lastBuildDate")
        if build is None:
            continue
        built = _rss_moment(build)
        newest = _newest((pub, _rss_moment(pub)) for pub in channel.iterfind("item/pubDate"))
        if built is not None and newest is not None and built < newest[1]:
            report.error(
                build,
                "feed-updated",
                f"lastBuildDate {_text(build)!r} is older than the newest item's pubDate "
                f"{_text(newest[0])!r} (line {_line(newest[0])})",
            )


def _check_rss_language(report: _Report) -> None:
    for element in report.tree.getroot().iterfind("channel/language"):
        if not is_language_tag(_text(element)):
            report.error(element, "language-tag", _language_message("language", _text(element)))


def _check_rss_html(report: _Report) -> None:
    root = report.tree.getroot()
    for path in ("channel/description", "channel/item/description"):
        for element in root.iterfind(path):
            _check_cdata_remnant(report, element)
    for element in root.iter(f"{{{CONTENT_NS}}}encoded"):
        _check_cdata_remnant(report, element)


def _check_rss_self_link(report: _Report) -> None:
    for channel in _channels(report):
        if not any(link.get("rel") == "self" for link in channel.iterfind(f"{_ATOM}link")):
            report.warning(
                channel,
                "self-link",
                'channel has no <atom:link rel="self">; add <atom:link href="URL of this '
                'feed" rel="self" type="application/rss+xml"/> so readers know where it lives',
            )


def _check_rss_emails(report: _Report) -> None:
    root = report.tree.getroot()
    for path in ("channel/managingEditor", "channel/webMaster", "channel/item/author"):
        for element in root.iterfind(path):
            if not _RSS_EMAIL.fullmatch(_text(element)):
                report.warning(
                    element,
                    "rss-email",
                    f"<{element.tag}> {_text(element)!r} is not an email address; RSS 2.0 "
                    "wants 'name@example.org (Name)'; put a bare name in <dc:creator>",
                )


_RSS = _Format(
    "rss-2.0.xsd",
    (
        _check_rss_cardinality,
        _check_rss_dates,
        _check_rss_unique_guids,
        _check_rss_urls,
        _check_rss_permalinks,
        _check_rss_build_date,
        _check_rss_language,
        _check_language_attributes,
        _check_rss_html,
        _check_rss_self_link,
        _check_rss_emails,
    ),
)


# ---------------------------------------------------------------------------
# Atom 1.0 rules

_ATOM_TEXT_CONSTRUCTS = ("title", "subtitle", "summary", "rights", "content")


def _atom(element: Element, tag: str) -> list[Element]:
    return element.findall(f"{_ATOM}{tag}")


def _entries(report: _Report) -> list[Element]:
    return _atom(report.tree.getroot(), "entry")


def _check_atom_dates(report: _Report) -> None:
    for tag in ("updated", "published"):
        for element in report.tree.getroot().iter(f"{_ATOM}{tag}"):
            try:
                _rfc3339_datetime(_text(element))
            except ValueError as err:
                report.error(element, "atom-date", f"<{tag}> {err}")


def _check_atom_unique_ids(report: _Report) -> None:
    _report_duplicates(report, (id_ for entry in _entries(report) for id_ in _atom(entry, "id")))


def _check_atom_ids(report: _Report) -> None:
    for element in report.tree.getroot().iter(f"{_ATOM}id"):
        value = _text(element)
        if not _SCHEME.match(value) or _WHITESPACE.search(value) or value.endswith(":"):
            report.error(
                element,
                "absolute-iri",
                f"id {value!r} is not an absolute IRI; give it a scheme, e.g. "
                "'tag:example.org,2024:posts/1', 'urn:uuid:...' or 'https://...'",
            )


def _check_atom_urls(report: _Report) -> None:
    root = report.tree.getroot()
    places: list[tuple[str, str | None]] = [
        ("link", "href"),
        ("content", "src"),
        ("generator", "uri"),
        ("icon", None),
        ("logo", None),
        ("uri", None),
    ]
    for tag, attribute in places:
        for element in root.iter(f"{_ATOM}{tag}"):
            value = _text(element) if attribute is None else element.get(attribute)
            what = f"<{tag}>" if attribute is None else f"{tag} {attribute}"
            # Atom resolves references against xml:base (RFC 4287 section 2).
            base = element.base
            if value and base and not _SCHEME.match(value) and _SCHEME.match(base):
                value = urljoin(base, value)
            _url(report, element, value, what)


def _check_atom_updated(report: _Report) -> None:
    root = report.tree.getroot()
    feed_updated = root.find(f"{_ATOM}updated")
    if feed_updated is None:
        return
    updated = _atom_moment(feed_updated)
    newest = _newest(
        (element, _atom_moment(element))
        for entry in _entries(report)
        for element in _atom(entry, "updated")
    )
    if updated is not None and newest is not None and updated < newest[1]:
        report.error(
            feed_updated,
            "feed-updated",
            f"feed updated {_text(feed_updated)!r} is older than the newest entry's updated "
            f"{_text(newest[0])!r} (line {_line(newest[0])})",
        )


def _check_atom_html(report: _Report) -> None:
    for tag in _ATOM_TEXT_CONSTRUCTS:
        for element in report.tree.getroot().iter(f"{_ATOM}{tag}"):
            if element.get("type", "text") in ("text", "html"):
                _check_cdata_remnant(report, element)


def _check_atom_authors(report: _Report) -> None:
    # RFC 4287 section 4.1.2: an entry needs an author unless its atom:source
    # or the feed has one.
    if _atom(report.tree.getroot(), "author"):
        return
    for entry in _entries(report):
        sources = _atom(entry, "source")
        if not _atom(entry, "author") and not any(_atom(s, "author") for s in sources):
            report.error(
                entry,
                "atom-author",
                "entry has no <author> and neither has the feed; add one to the feed "
                "or to every entry",
            )


def _alternates(parent: Element) -> list[Element]:
    # A link without rel is an alternate link (RFC 4287 section 4.2.7.2).
    return [link for link in _atom(parent, "link") if link.get("rel", "alternate") == "alternate"]


def _check_atom_alternates(report: _Report) -> None:
    root = report.tree.getroot()
    for entry in _entries(report):
        if not _atom(entry, "content") and not _alternates(entry):
            report.error(
                entry,
                "atom-alternate",
                'entry has neither <content> nor <link rel="alternate">; add one of them',
            )
    # RFC 4287 sections 4.1.1 and 4.1.2: one alternate link per type and hreflang.
    for parent in (root, *_entries(report)):
        seen: set[tuple[str | None, str | None]] = set()
        for link in _alternates(parent):
            key = (link.get("type"), link.get("hreflang"))
            if key in seen:
                report.error(
                    link,
                    "atom-alternate",
                    f"<{_name(parent)}> has two alternate links with the same type and "
                    'hreflang; give the others another rel (e.g. rel="enclosure")',
                )
            seen.add(key)


def _check_atom_summaries(report: _Report) -> None:
    # RFC 4287 section 4.1.2: out-of-line or Base64 content needs a summary.
    for entry in _entries(report):
        for content in _atom(entry, "content"):
            type_ = content.get("type", "text")
            binary = "/" in type_ and not (
                type_.startswith("text/") or type_.endswith(("/xml", "+xml"))
            )
            if (content.get("src") is not None or binary) and not _atom(entry, "summary"):
                report.error(
                    entry,
                    "atom-summary",
                    "entry's <content> is out of line (src) or Base64; add a <summary>",
                )


def _check_atom_self_link(report: _Report) -> None:
    root = report.tree.getroot()
    if not any(link.get("rel") == "self" for link in _atom(root, "link")):
        report.warning(
            root,
            "self-link",
            'feed has no <link rel="self">; add <link href="URL of this feed" rel="self" '
            'type="application/atom+xml"/> so readers know where it lives',
        )


_ATOM_FORMAT = _Format(
    "atom.rng",
    (
        _check_atom_dates,
        _check_atom_unique_ids,
        _check_atom_ids,
        _check_atom_urls,
        _check_atom_updated,
        _check_language_attributes,
        _check_atom_html,
        _check_atom_authors,
        _check_atom_alternates,
        _check_atom_summaries,
        _check_atom_self_link,
    ),
)


# ---------------------------------------------------------------------------
# Entry points


def validate_feed(data: bytes, source: str = "<feed>") -> list[Problem]:
    """Validate an RSS 2.0 or Atom 1.0 document; return its problems, sorted by line.

    Runs the hardened parse, the format's schema, then every rule, and returns
    all errors and warnings. Bad input never raises: an unparseable document,
    an unsafe one, or one that is neither RSS 2.0 nor Atom 1.0 is one error.
    """
    try:
        tree = parse_untrusted(data, source)
    except FeedValidationError as err:
        return err.problems
    report = _Report(source, tree)
    format_ = _detect_format(report)
    if format_ is None:
        return report.problems
    _check_schema(report, format_.schema_file)
    for rule in format_.rules:
        rule(report)
    # Problems without a line concern the whole document: they come first.
    return sorted(report.problems, key=lambda problem: problem.line or 0)


def _detect_format(report: _Report) -> _Format | None:
    root = report.tree.getroot()
    if root.tag == "rss":
        return _RSS
    if root.tag == f"{_ATOM}feed":
        return _ATOM_FORMAT
    qname = etree.QName(root)
    hint = ""
    if qname.localname == "feed" and qname.namespace:
        hint = f"; its namespace {qname.namespace!r} is not Atom 1.0's {ATOM_NS!r}"
    elif qname.localname == "rss" and qname.namespace:
        hint = "; RSS 2.0 elements take no namespace"
    elif qname.localname == "RDF":
        hint = "; RSS 1.0 (RDF) is not supported"
    report.error(
        root,
        "schema",
        f"root element <{_name(root)}> is neither RSS 2.0 <rss> nor Atom 1.0 <feed>{hint}",
    )
    return None


_URL = re.compile(r"https?://", re.IGNORECASE)
_ANY_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 64 * 1024


def validate_source(
    source: str,
    *,
    stdin: BinaryIO | None = None,
    timeout: float = 10.0,
    max_bytes: int = 10 * 1024 * 1024,
) -> list[Problem]:
    """Read a feed from a file path, an http(s) URL, or '-' (stdin), and validate it.

    A document that cannot be read (missing file, HTTP error, timeout, more than
    ``max_bytes``) is reported as one ``fetch`` error rather than raised. URLs
    are fetched with urllib, waiting at most ``timeout`` seconds in all.
    """
    name = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            data = _read_limited((stdin or sys.stdin.buffer).read, max_bytes)
        elif _URL.match(source):
            data = _fetch(source, timeout, max_bytes)
        elif _ANY_URL.match(source):
            raise _ReadError(
                f"unsupported URL scheme in {source!r}; give a file path, an http(s) URL or '-'"
            )
        else:
            with open(source, "rb") as file:
                data = _read_limited(file.read, max_bytes)
    except _ReadError as err:
        return [Problem(name, None, "error", "fetch", str(err))]
    except OSError as err:
        return [Problem(name, None, "error", "fetch", f"cannot read: {err.strerror or err}")]
    return validate_feed(data, name)


class _ReadError(Exception):
    """A document could not be read whole; the message says why."""


def _read_limited(read: Callable[[int], bytes], max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _ReadError(f"larger than {max_bytes} bytes; not read further")
        chunks.append(chunk)
    return b"".join(chunks)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only: urllib would also follow one to ftp:."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not _URL.match(newurl):
            raise _ReadError(f"redirected to {newurl!r}, which is not an http(s) URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "feedpub-validate",
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1",
        },
    )
    # urllib's timeout bounds each socket operation; the deadline bounds a
    # server that trickles the body out slowly.
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _ReadError(f"larger than {max_bytes} bytes (Content-Length {length})")

            def read(size: int) -> bytes:
                if time.monotonic() > deadline:
                    raise _ReadError(f"timed out after {timeout:g}s")
                chunk: bytes = response.read(size)
                return chunk

            return _read_limited(read, max_bytes)
    except urllib.error.HTTPError as err:
        raise _ReadError(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise _ReadError(f"timed out after {timeout:g}s") from None
        raise _ReadError(f"cannot fetch: {reason}") from None
    except TimeoutError:
        raise _ReadError(f"timed out after {timeout:g}s") from None
