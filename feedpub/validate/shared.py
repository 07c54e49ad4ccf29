"""Value checks and rules both formats use: URLs, language tags, CDATA remnants, unique ids."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from lxml import etree

from feedpub.records.language import is_language_tag
from feedpub.validate.namespaces import XML_LANG, Element
from feedpub.validate.report import Report, line_of, name_of, text_of

# URLs: one verdict with its reason, shared by RSS and Atom.

SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
WHITESPACE = re.compile(r"\s")


def url_verdict(value: str, *, http_only: bool) -> tuple[str, str] | None:
    """Judge a URL: None when it is absolute http(s), else (level, reason)."""
    if not value:
        return "error", "is empty; it must be an absolute http(s) URL"
    if WHITESPACE.search(value):
        return "error", f"{value!r} contains whitespace; percent-encode it (%20)"
    try:
        parts = urlsplit(value)
    except ValueError as err:  # e.g. an unclosed IPv6 bracket
        return "error", f"{value!r} is not a valid URL ({err})"
    if not SCHEME.match(value):
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


def check_language_attributes(report: Report) -> None:
    for element in report.tree.iter(etree.Element):
        value = element.get(XML_LANG)
        # xml:lang="" is allowed by XML itself: it means "no language stated".
        if value and not is_language_tag(value):
            report.error(element, "language-tag", language_message("xml:lang", value))


def language_message(what: str, value: str) -> str:
    return (
        f"{what} {value!r} is not a BCP 47 language tag; write e.g. 'id', 'id-ID', "
        "'en-US' or 'zh-Hant-TW' (hyphens, not underscores)"
    )


def check_cdata_remnant(report: Report, element: Element) -> None:
    if text_of(element).startswith("<![CDATA["):
        report.error(
            element,
            "html-content",
            f"<{name_of(element)}> begins with a literal '<![CDATA[': the markup was escaped "
            "twice, or a CDATA section was written as text; escape the HTML once",
        )


def report_duplicates(report: Report, ids: Iterable[Element]) -> None:
    first_seen: dict[str, Element] = {}
    for element in ids:
        value = text_of(element)
        if value in first_seen:
            report.error(
                element,
                "unique-id",
                f"<{name_of(element)}> {value!r} repeats the one on line "
                f"{line_of(first_seen[value])}; every entry needs its own id",
            )
        else:
            first_seen[value] = element


def report_url(
    report: Report, element: Element, value: str | None, what: str, *, http_only: bool = False
) -> None:
    if value is None:
        return  # a missing attribute is the schema's to report
    verdict = url_verdict(value, http_only=http_only)
    if verdict is not None:
        level, reason = verdict
        report.add(element, level, "absolute-url", f"{what} {reason}")
