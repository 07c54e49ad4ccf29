"""Value checks and rules both XML formats use: URLs, language tags, Dublin Core dates,
coordinates, foreign vocabularies, CDATA remnants, unique ids."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import cast
from urllib.parse import urlsplit

from lxml import etree

from feedpub.records.language import is_language_tag
from feedpub.records.urls import iri_flaw
from feedpub.validate.namespaces import (
    ATOM,
    KNOWN_VOCABULARIES,
    NS,
    XML_BASE,
    XML_LANG,
    Element,
)
from feedpub.validate.report import Report, judged_once, line_of, name_of, text_of

SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@judged_once
def url_verdict(value: str, *, http_only: bool) -> tuple[str, str] | None:
    """Judge a URL: None when it is absolute http(s), else (rule, reason)."""
    if not value:
        return "absolute-url", "is empty; it must be an absolute http(s) URL"
    flaw = iri_flaw(value)
    if flaw:
        return "iri-chars", f"{value!r} {flaw}"
    try:
        parts = urlsplit(value)
    except ValueError as err:  # e.g. an unclosed IPv6 bracket
        return "absolute-url", f"{value!r} is not a valid URL ({err})"
    if not SCHEME.match(value):
        return "absolute-url", (
            f"{value!r} is a relative URL; feed readers have no base to resolve it "
            "against, so write it in full, e.g. https://example.org/path"
        )
    if parts.scheme.lower() in ("http", "https"):
        if not parts.netloc:
            return "absolute-url", f"{value!r} has no host"
        return None
    reason = f"{value!r} is not an http(s) URL ({parts.scheme}:)"
    if http_only:
        return "absolute-url", f"{reason}; it must be one"
    return "http-url", f"{reason}; many readers cannot fetch it"


def report_url(
    report: Report, element: Element, value: str | None, what: str, *, http_only: bool = False
) -> None:
    """Report what is wrong with the URL ``value`` (None: the attribute is absent)."""
    if value is None:
        return  # a missing attribute is the schema's to report
    value = unpadded(report, element, value, what)
    verdict = url_verdict(value, http_only=http_only)
    if verdict is not None:
        rule, reason = verdict
        report.add(element, rule, f"{what} {reason}")


def unpadded(report: Report, element: Element, value: str, what: str) -> str:
    """``value`` without surrounding white space, reported when the grammar allows none."""
    stripped = value.strip()
    if stripped != value and stripped:
        report.add(
            element,
            "whitespace",
            f"{what} {value!r} has white space around it, which its grammar does not allow; "
            "remove it",
        )
    return stripped


def check_language_attributes(report: Report) -> None:
    """Every xml:lang is a BCP 47 tag (or empty)."""
    # The elements that carry one, found in C, in document order (most carry none).
    for element in cast("list[Element]", report.tree.xpath("//*[@xml:lang]")):
        value = element.get(XML_LANG)
        # xml:lang="" is allowed by XML itself: it means "no language stated".
        if value and not is_language_tag(value):
            report.add(element, "language-tag", language_message("xml:lang", value))


def language_message(what: str, value: str) -> str:
    """The message for a value that is not a language tag."""
    return (
        f"{what} {value!r} is not a BCP 47 language tag; write e.g. 'id', 'id-ID', "
        "'en-US' or 'zh-Hant-TW' (hyphens, not underscores)"
    )


def check_cdata_remnant(report: Report, element: Element) -> None:
    """Report HTML text that begins with a literal '<![CDATA['."""
    if text_of(element).startswith("<![CDATA["):
        report.add(
            element,
            "html-content",
            f"<{name_of(element)}> begins with a literal '<![CDATA[': the markup was escaped "
            "twice, or a CDATA section was written as text; escape the HTML once",
        )


def report_duplicates(report: Report, ids: Iterable[Element]) -> None:
    """Report every id that repeats an earlier one."""
    first_seen: dict[str, Element] = {}
    for element in ids:
        value = text_of(element)
        if value in first_seen:
            report.add(
                element,
                "unique-id",
                f"<{name_of(element)}> {value!r} repeats the one on line "
                f"{line_of(first_seen[value])}; every entry needs its own id",
            )
        else:
            first_seen[value] = element


def check_vocabularies(report: Report) -> None:
    """Elements of a vocabulary feedpub knows must be ones that vocabulary defines."""
    # The document's own vocabulary (Atom in an Atom feed) is the schema's to check.
    own = etree.QName(report.tree.getroot()).namespace
    root = report.tree.getroot()
    for namespace, known in KNOWN_VOCABULARIES.items():
        if namespace == own:
            continue
        for element in root.iter(f"{{{namespace}}}*"):
            if etree.QName(element).localname not in known:
                report.add(
                    element,
                    "unknown-element",
                    f"<{name_of(element)}> is not an element of {namespace!r}; check its "
                    "spelling (names are case-sensitive) or move it to a namespace of your own",
                )


#: The Media RSS elements whose ``url`` names the media object.
_MEDIA_URLS = ("content", "thumbnail", "player")


def check_extension_values(report: Report) -> None:
    """The values the schemas leave open in places both formats may hold: every ``xml:base``
    is an IRI (RFC 3987's characters; XML Base, section 3), a Media RSS ``url`` is a URL, and
    ``dc:language`` is a BCP 47 tag, as ``language`` and ``xml:lang`` are."""
    root = report.tree.getroot()
    for element in cast(list[Element], root.xpath("//*[@xml:base]")):
        value = unpadded(report, element, element.get(XML_BASE) or "", "xml:base")
        flaw = iri_flaw(value)
        if flaw:
            report.add(element, "iri-chars", f"xml:base {value!r} {flaw}")
    for tag in _MEDIA_URLS:
        for element in root.iter(f"{{{NS['media']}}}{tag}"):
            report_url(report, element, element.get("url"), f"media:{tag} url")
    for element in root.iter(f"{{{NS['dc']}}}language"):
        value = text_of(element)
        if not is_language_tag(value):
            report.add(element, "language-tag", language_message("dc:language", value))


def check_archive_links(report: Report, feed: Element) -> None:
    """RFC 5005 archive documents, as the W3C validator judges them: an ``fh:archive``
    document links ``prev-archive`` or ``next-archive`` (ArchiveIncomplete) and ``current``
    (MissingCurrentInArchive), unless it is also ``fh:complete`` (it holds every entry)."""
    fh = f"{{{NS['fh']}}}"
    if feed.find(f"{fh}archive") is None or feed.find(f"{fh}complete") is not None:
        return
    rels = {link.get("rel") for link in feed.iterfind(f"{ATOM}link")}
    if not rels & {"prev-archive", "next-archive"}:
        report.add(
            feed,
            "archive-links",
            "an archive document (fh:archive) links neither prev-archive nor next-archive; "
            "link its neighbours, or mark it fh:complete if it holds every entry",
        )
    if "current" not in rels:
        report.add(
            feed,
            "archive-current",
            'an archive document (fh:archive) has no link rel="current" to its '
            "subscription document; add one",
        )


# W3C-DTF (https://www.w3.org/TR/NOTE-datetime): YYYY, YYYY-MM, YYYY-MM-DD, or a date
# with hh:mm, optional seconds and fraction, and a zone (Z or +hh:mm).
_W3CDTF = re.compile(
    r"\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01])"
    r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d+)?)?"
    r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d))?)?)?"
)
_DC_DATES = (
    f"{{{NS['dc']}}}date",
    *(
        f"{{{NS['dcterms']}}}{name}"
        for name in (
            "date",
            "created",
            "modified",
            "issued",
            "available",
            "valid",
            "dateAccepted",
            "dateCopyrighted",
            "dateSubmitted",
        )
    ),
)


def check_dublin_core_dates(report: Report) -> None:
    """dc:date and the dcterms dates are W3C-DTF."""
    for element in report.tree.getroot().iter(*_DC_DATES):
        value = unpadded(report, element, element.text or "", f"<{name_of(element)}>")
        if not _W3CDTF.fullmatch(value):
            report.add(
                element,
                "dc-date",
                f"<{name_of(element)}> {value!r} is not a W3C-DTF date; write e.g. "
                "'2022-12-02' or '2022-12-02T10:00:00+07:00'",
            )


_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"


def check_coordinates(report: Report) -> None:
    """geo:lat within +-90, geo:long within +-180; GeoRSS pairs likewise."""
    root = report.tree.getroot()
    for tag, limit in (("lat", 90.0), ("long", 180.0)):
        for element in root.iter(f"{{{NS['geo']}}}{tag}"):
            _coordinate(report, element, text_of(element), limit)
    for element in root.iter(f"{{{NS['geo']}}}lat_long"):
        _pairs(report, element, text_of(element).replace(",", " "), 1)
    for tag, count in (("point", 1), ("line", 0), ("polygon", 0), ("box", 2)):
        for element in root.iter(f"{{{NS['georss']}}}{tag}"):
            _pairs(report, element, text_of(element), count)


def _coordinate(report: Report, element: Element, value: str, limit: float) -> bool:
    if not re.fullmatch(_NUMBER, value) or not -limit <= float(value) <= limit:
        report.add(
            element,
            "geo-range",
            f"<{name_of(element)}> {value!r} is not a number from {-limit:g} to {limit:g}",
        )
        return False
    return True


def _pairs(report: Report, element: Element, value: str, count: int) -> None:
    # GeoRSS Simple: "lat lon" pairs separated by white space; count 0 means two or more.
    numbers = value.split()
    if len(numbers) % 2 or (count and len(numbers) != 2 * count) or len(numbers) < 2:
        report.add(
            element,
            "geo-range",
            f"<{name_of(element)}> {value!r} is not a list of 'latitude longitude' pairs",
        )
        return
    for lat, lon in zip(numbers[::2], numbers[1::2], strict=True):
        if not (
            _coordinate(report, element, lat, 90.0) and _coordinate(report, element, lon, 180.0)
        ):
            return
