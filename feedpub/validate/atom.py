"""The Atom 1.0 (RFC 4287) rules a schema cannot express."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from urllib.parse import urljoin

from feedpub.records.language import is_language_tag
from feedpub.records.urls import absolute_iri_flaw, iri_flaw
from feedpub.validate.dates import atom_moment, newest_dated, rfc3339_datetime
from feedpub.validate.namespaces import ATOM, Element
from feedpub.validate.report import Report, line_of, name_of, text_of
from feedpub.validate.shared import (
    SCHEME,
    check_archive_links,
    check_cdata_remnant,
    check_coordinates,
    check_dublin_core_dates,
    check_extension_values,
    check_language_attributes,
    check_vocabularies,
    language_message,
    report_duplicates,
    report_url,
    unpadded,
)

__all__ = ["RULES", "SCHEMA"]

SCHEMA = "atom.rng"

_ATOM_TEXT_CONSTRUCTS = ("title", "subtitle", "summary", "rights", "content")


def _atom(element: Element, tag: str) -> list[Element]:
    return element.findall(f"{ATOM}{tag}")


def _entries(report: Report) -> list[Element]:
    return _atom(report.tree.getroot(), "entry")


def _check_atom_dates(report: Report) -> None:
    for tag in ("updated", "published"):
        for element in report.tree.getroot().iter(f"{ATOM}{tag}"):
            value = unpadded(report, element, element.text or "", f"<{tag}>")
            try:
                rfc3339_datetime(value)
            except ValueError as err:
                report.add(element, "atom-date", f"<{tag}> {err}")


def _check_atom_unique_ids(report: Report) -> None:
    report_duplicates(report, (id_ for entry in _entries(report) for id_ in _atom(entry, "id")))


def _check_atom_ids(report: Report) -> None:
    for element in report.tree.getroot().iter(f"{ATOM}id"):
        value = unpadded(report, element, element.text or "", "id")
        flaw = absolute_iri_flaw(value)
        if flaw:
            report.add(
                element,
                "absolute-iri",
                f"id {value!r} is not an absolute IRI: it {flaw}; write e.g. "
                "'tag:example.org,2024:posts/1', 'urn:uuid:...' or 'https://...'",
            )


def _check_atom_urls(report: Report) -> None:
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
        for element in root.iter(f"{ATOM}{tag}"):
            value = element.text or "" if attribute is None else element.get(attribute)
            what = f"<{tag}>" if attribute is None else f"{tag} {attribute}"
            if value is None:
                continue  # a missing attribute is the schema's to report
            value = unpadded(report, element, value, what)
            # Atom resolves references against xml:base (RFC 4287 section 2).
            base = element.base
            if value and base and not SCHEME.match(value) and SCHEME.match(base):
                value = urljoin(base, value)
            if value and not SCHEME.match(value) and iri_flaw(value) is None:
                # RFC 4287 allows a relative reference (section 2, xml:base; else the
                # document's own URI): advice, not an error. feedpub's own stay absolute.
                report.add(
                    element,
                    "relative-url",
                    f"{what} {value!r} is a relative reference; a reader that got the feed "
                    "from a file, a cache or a mirror cannot resolve it: write it in full, "
                    "e.g. https://example.org/path",
                )
                continue
            report_url(report, element, value, what)


def _check_atom_category_schemes(report: Report) -> None:
    """A category's ``scheme`` is an IRI (RFC 4287 section 4.2.2.2), of any scheme."""
    for element in report.tree.getroot().iter(f"{ATOM}category"):
        value = element.get("scheme")
        if value is None:
            continue
        value = unpadded(report, element, value, "category scheme")
        flaw = iri_flaw(value)
        if flaw:
            report.add(element, "iri-chars", f"category scheme {value!r} {flaw}")


def _check_atom_updated(report: Report) -> None:
    root = report.tree.getroot()
    feed_updated = root.find(f"{ATOM}updated")
    if feed_updated is None:
        return
    updated = atom_moment(feed_updated)
    newest = newest_dated(
        (element, atom_moment(element))
        for entry in _entries(report)
        for element in _atom(entry, "updated")
    )
    if updated is not None and newest is not None and updated < newest[1]:
        report.add(
            feed_updated,
            "feed-updated",
            f"feed updated {text_of(feed_updated)!r} is older than the newest entry's updated "
            f"{text_of(newest[0])!r} (line {line_of(newest[0])})",
        )


def _check_atom_html(report: Report) -> None:
    for tag in _ATOM_TEXT_CONSTRUCTS:
        for element in report.tree.getroot().iter(f"{ATOM}{tag}"):
            if element.get("type", "text") in ("text", "html"):
                check_cdata_remnant(report, element)


def _check_atom_authors(report: Report) -> None:
    # RFC 4287 section 4.1.2: an entry needs an author unless its atom:source
    # or the feed has one.
    if _atom(report.tree.getroot(), "author"):
        return
    for entry in _entries(report):
        sources = _atom(entry, "source")
        if not _atom(entry, "author") and not any(_atom(s, "author") for s in sources):
            report.add(
                entry,
                "atom-author",
                "entry has no <author> and neither has the feed; add one to the feed "
                "or to every entry",
            )


def _alternates(parent: Element) -> list[Element]:
    # A link without rel is an alternate link (RFC 4287 section 4.2.7.2).
    return [link for link in _atom(parent, "link") if link.get("rel", "alternate") == "alternate"]


def _check_atom_alternates(report: Report) -> None:
    root = report.tree.getroot()
    for entry in _entries(report):
        if not _atom(entry, "content") and not _alternates(entry):
            report.add(
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
                report.add(
                    link,
                    "atom-alternate",
                    f"<{name_of(parent)}> has two alternate links with the same type and "
                    'hreflang; give the others another rel (e.g. rel="enclosure")',
                )
            seen.add(key)


def _is_base64_type(type_: str) -> bool:
    # RFC 4287 section 4.1.3.3: a media type neither XML nor text/* is carried as Base64.
    type_ = type_.split(";")[0].strip().lower()
    return "/" in type_ and not (type_.startswith("text/") or type_.endswith(("/xml", "+xml")))


def _check_atom_summaries(report: Report) -> None:
    # RFC 4287 section 4.1.2: out-of-line or Base64 content needs a summary.
    for entry in _entries(report):
        for content in _atom(entry, "content"):
            binary = _is_base64_type(content.get("type", "text"))
            if (content.get("src") is not None or binary) and not _atom(entry, "summary"):
                report.add(
                    entry,
                    "atom-summary",
                    "entry's <content> is out of line (src) or Base64; add a <summary>",
                )


def _check_atom_self_link(report: Report) -> None:
    root = report.tree.getroot()
    if not any(link.get("rel") == "self" for link in _atom(root, "link")):
        report.add(
            root,
            "self-link",
            'feed has no <link rel="self">; add <link href="URL of this feed" rel="self" '
            'type="application/atom+xml"/> so readers know where it lives',
        )


def _check_atom_base64(report: Report) -> None:
    for content in report.tree.getroot().iter(f"{ATOM}content"):
        type_ = content.get("type", "text")
        if content.get("src") is not None or not _is_base64_type(type_):
            continue
        try:
            base64.b64decode("".join((content.text or "").split()), validate=True)
        except binascii.Error:
            report.add(
                content,
                "atom-content",
                f"<content type={type_!r}> is neither text nor XML, so RFC 4287 wants it "
                "Base64-encoded, and it is not valid Base64; encode it, or use "
                'type="html" or "text"',
            )


# Relations that name one resource (this document, the next page, ...): two of them
# alike leave a reader guessing. Enclosures, related links and hubs may repeat.
_ONE_RESOURCE_RELS = frozenset(
    [
        "self",
        "first",
        "last",
        "next",
        "previous",
        "prev",
        "current",
        "prev-archive",
        "next-archive",
        "edit",
        "edit-media",
    ]
)
# The link relations of RFC 4287 and the IANA registry that feeds use; any other
# relation must be an absolute IRI (RFC 4287 section 4.2.7.2).
_REGISTERED_RELS = _ONE_RESOURCE_RELS | frozenset(
    [
        "alternate",
        "related",
        "enclosure",
        "via",
        "hub",
        "license",
        "replies",
        "payment",
        "service",
        "search",
        "up",
        "author",
        "canonical",
        "describedby",
        "icon",
        "preview",
    ]
)


def _check_atom_links(report: Report) -> None:
    for parent in (report.tree.getroot(), *_entries(report), *report.tree.iter(f"{ATOM}source")):
        seen: set[tuple[str, str | None, str | None]] = set()
        for link in _atom(parent, "link"):
            rel = link.get("rel", "alternate")
            hreflang = link.get("hreflang")
            if hreflang is not None and not is_language_tag(hreflang):
                report.add(link, "language-tag", language_message("hreflang", hreflang))
            if rel not in _REGISTERED_RELS and absolute_iri_flaw(rel) is not None:
                report.add(
                    link,
                    "link-rel",
                    f"link rel {rel!r} is neither a registered relation (alternate, self, "
                    "related, enclosure, via, ...) nor an absolute IRI; readers will ignore it",
                )
            key = (rel, link.get("type"), hreflang)
            if rel in _ONE_RESOURCE_RELS and key in seen:
                report.add(
                    link,
                    "atom-link-duplicate",
                    f"<{name_of(parent)}> has two links rel={rel!r} with the same type and "
                    "hreflang; readers will use one of them",
                )
            seen.add(key)


def _check_atom_archive(report: Report) -> None:
    check_archive_links(report, report.tree.getroot())


RULES: tuple[Callable[[Report], None], ...] = (
    _check_atom_dates,
    _check_atom_archive,
    _check_atom_unique_ids,
    _check_atom_ids,
    _check_atom_urls,
    _check_atom_category_schemes,
    _check_atom_updated,
    check_language_attributes,
    _check_atom_html,
    _check_atom_authors,
    _check_atom_alternates,
    _check_atom_summaries,
    _check_atom_self_link,
    _check_atom_base64,
    _check_atom_links,
    check_vocabularies,
    check_dublin_core_dates,
    check_coordinates,
    check_extension_values,
)
