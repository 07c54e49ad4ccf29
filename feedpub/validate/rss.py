"""The RSS 2.0 rules a schema cannot express."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

from feedpub.records.language import is_language_tag
from feedpub.records.urls import is_email
from feedpub.validate.dates import newest_dated, rfc822_datetime, rss_moment
from feedpub.validate.namespaces import ATOM, CONTENT_NS, Element
from feedpub.validate.report import Report, line_of, text_of
from feedpub.validate.shared import (
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
    url_verdict,
)

__all__ = ["RULES", "SCHEMA"]

SCHEMA = "rss-2.0.xsd"

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


def _channels(report: Report) -> list[Element]:
    return report.tree.getroot().findall("channel")


def _items(report: Report) -> Iterator[Element]:
    for channel in _channels(report):
        yield from channel.iterfind("item")


def _check_rss_cardinality(report: Report) -> None:
    for channel in _channels(report):
        for tag in _RSS_CHANNEL_REQUIRED:
            if channel.find(tag) is None:
                report.add(
                    channel,
                    "rss-cardinality",
                    f"channel has no <{tag}>; RSS 2.0 requires exactly one",
                )
        _report_repeats(report, channel, (*_RSS_CHANNEL_REQUIRED, *_RSS_CHANNEL_AT_MOST_ONCE))
    for item in _items(report):
        _report_repeats(report, item, _RSS_ITEM_AT_MOST_ONCE)


def _report_repeats(report: Report, parent: Element, tags: Iterable[str]) -> None:
    counts = Counter(child.tag for child in parent)
    for tag in tags:
        if counts[tag] < 2:
            continue  # the common case, told without a search per tag
        for repeat in parent.findall(tag)[1:]:
            report.add(
                repeat,
                "rss-cardinality",
                f"<{parent.tag}> has more than one <{tag}>; RSS 2.0 allows one",
            )


def _check_rss_dates(report: Report) -> None:
    for channel in _channels(report):
        elements = [*channel.findall("pubDate"), *channel.findall("lastBuildDate")]
        elements += channel.findall("item/pubDate")
        for element in elements:
            try:
                _, warning = rfc822_datetime(text_of(element))
            except ValueError as err:
                report.add(element, "rss-date", f"<{element.tag}> {err}")
                continue
            if warning:
                report.add(element, "rss-military-zone", f"<{element.tag}> {warning}")


def _check_rss_unique_guids(report: Report) -> None:
    report_duplicates(report, (guid for item in _items(report) for guid in item.findall("guid")))


def _check_rss_urls(report: Report) -> None:
    root = report.tree.getroot()
    # The RSS 2.0 spec gives every <link> as "the URL of" a web page: http(s) only.
    links = ("channel/link", "channel/image/link", "channel/textInput/link", "channel/item/link")
    for path in links:
        for element in root.iterfind(path):
            report_url(report, element, text_of(element), f"<{element.tag}>", http_only=True)
    for path in ("channel/docs", "channel/image/url", "channel/item/comments"):
        for element in root.iterfind(path):
            report_url(report, element, text_of(element), f"<{element.tag}>")
    for element in root.iterfind("channel/item/enclosure"):
        # The RSS 2.0 spec: "The url must be an http url."
        report_url(report, element, element.get("url"), "enclosure url", http_only=True)
    for element in root.iterfind("channel/item/source"):
        report_url(report, element, element.get("url"), "source url")
    for element in root.iter(f"{ATOM}link"):
        report_url(report, element, element.get("href"), "atom:link href")


def _check_rss_permalinks(report: Report) -> None:
    for item in _items(report):
        for guid in item.findall("guid"):
            # isPermaLink defaults to true; the schema has checked it is a boolean.
            if guid.get("isPermaLink", "true").strip() not in ("true", "1"):
                continue
            value = text_of(guid)
            if url_verdict(value, http_only=True) is not None:
                report.add(
                    guid,
                    "permalink-url",
                    f"guid {value!r} is a permalink (isPermaLink is true or absent) but not "
                    'an absolute http(s) URL; add isPermaLink="false" if it is only an id',
                )


def _check_rss_build_date(report: Report) -> None:
    for channel in _channels(report):
        build = channel.find("lastBuildDate")
        if build is None:
            continue
        built = rss_moment(build)
        newest = newest_dated((pub, rss_moment(pub)) for pub in channel.iterfind("item/pubDate"))
        if built is not None and newest is not None and built < newest[1]:
            report.add(
                build,
                "feed-updated",
                f"lastBuildDate {text_of(build)!r} is older than the newest item's pubDate "
                f"{text_of(newest[0])!r} (line {line_of(newest[0])})",
            )


def _check_rss_language(report: Report) -> None:
    for element in report.tree.getroot().iterfind("channel/language"):
        if not is_language_tag(text_of(element)):
            report.add(element, "language-tag", language_message("language", text_of(element)))


def _check_rss_guids_present(report: Report) -> None:
    for item in _items(report):
        if item.find("guid") is None:
            report.add(
                item,
                "rss-guid",
                "item has no <guid>; add one so readers can tell it from the others "
                "and do not show it twice",
            )


def _check_rss_html(report: Report) -> None:
    root = report.tree.getroot()
    for path in ("channel/description", "channel/item/description"):
        for element in root.iterfind(path):
            check_cdata_remnant(report, element)
    for element in root.iter(f"{{{CONTENT_NS}}}encoded"):
        check_cdata_remnant(report, element)


def _check_rss_self_link(report: Report) -> None:
    for channel in _channels(report):
        if not any(link.get("rel") == "self" for link in channel.iterfind(f"{ATOM}link")):
            report.add(
                channel,
                "self-link",
                'channel has no <atom:link rel="self">; add <atom:link href="URL of this '
                'feed" rel="self" type="application/rss+xml"/> so readers know where it lives',
            )


def _check_rss_emails(report: Report) -> None:
    root = report.tree.getroot()
    for path in ("channel/managingEditor", "channel/webMaster", "channel/item/author"):
        for element in root.iterfind(path):
            if not _is_rss_email(text_of(element)):
                report.add(
                    element,
                    "rss-email",
                    f"<{element.tag}> {text_of(element)!r} is not an email address; RSS 2.0 "
                    "wants 'name@example.org (Name)'; put a bare name in <dc:creator>",
                )


def _check_rss_enclosures(report: Report) -> None:
    """One enclosure an item: the RSS 2.0 spec describes one, and readers take only the first
    (the W3C validator's DuplicateEnclosure)."""
    for item in _items(report):
        for repeat in item.findall("enclosure")[1:]:
            report.add(
                repeat,
                "rss-enclosures",
                "<item> has more than one <enclosure>; many readers take only the first: "
                "give each its own item, or list the others as links in the description",
            )


def _check_rss_archive(report: Report) -> None:
    for channel in _channels(report):
        check_archive_links(report, channel)


RULES: tuple[Callable[[Report], None], ...] = (
    _check_rss_cardinality,
    _check_rss_archive,
    _check_rss_dates,
    _check_rss_unique_guids,
    _check_rss_urls,
    _check_rss_permalinks,
    _check_rss_build_date,
    _check_rss_language,
    check_language_attributes,
    _check_rss_html,
    _check_rss_self_link,
    _check_rss_emails,
    _check_rss_guids_present,
    check_vocabularies,
    check_dublin_core_dates,
    check_coordinates,
    _check_rss_enclosures,
    check_extension_values,
)


def _is_rss_email(value: str) -> bool:
    # RSS wants "address (Name)" in author, managingEditor and webMaster.
    match = _RSS_PERSON.fullmatch(value)
    return match is not None and is_email(match["address"])


_RSS_PERSON = re.compile(r"(?P<address>[^\s()]+)(?:\s*\([^()]*\))?")
