"""JSON Feed 1.1 (https://www.jsonfeed.org/version/1.1/): members, types, URLs, dates, ids.

Findings carry a JSON pointer (RFC 6901, e.g. ``/items/3/date_published``) as
their path, and no line: JSON has no elements to point at.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from feedpub.errors import Problem
from feedpub.records.language import is_language_tag
from feedpub.validate.dates import rfc3339_datetime
from feedpub.validate.rules import level_of
from feedpub.validate.shared import language_message, url_verdict

__all__ = ["looks_like_json", "validate_json_feed"]

VERSION_1_1 = "https://jsonfeed.org/version/1.1"
_VERSIONS = (VERSION_1_1, "https://jsonfeed.org/version/1")

# What each object may hold (the spec's members and their JSON types); members whose
# names start with "_" are extensions and are not checked.
_STR, _BOOL, _NUM, _LIST, _OBJ = "string", "boolean", "number", "array", "object"
_FEED = {
    "version": _STR,
    "title": _STR,
    "home_page_url": _STR,
    "feed_url": _STR,
    "description": _STR,
    "user_comment": _STR,
    "next_url": _STR,
    "icon": _STR,
    "favicon": _STR,
    "author": _OBJ,
    "authors": _LIST,
    "language": _STR,
    "expired": _BOOL,
    "hubs": _LIST,
    "items": _LIST,
}
_ITEM = {
    "id": _STR,
    "url": _STR,
    "external_url": _STR,
    "title": _STR,
    "content_html": _STR,
    "content_text": _STR,
    "summary": _STR,
    "image": _STR,
    "banner_image": _STR,
    "date_published": _STR,
    "date_modified": _STR,
    "author": _OBJ,
    "authors": _LIST,
    "tags": _LIST,
    "language": _STR,
    "attachments": _LIST,
}
_AUTHOR = {"name": _STR, "url": _STR, "avatar": _STR}
_ATTACHMENT = {
    "url": _STR,
    "mime_type": _STR,
    "title": _STR,
    "size_in_bytes": _NUM,
    "duration_in_seconds": _NUM,
}
_HUB = {"type": _STR, "url": _STR}
_URLS = ("home_page_url", "feed_url", "next_url", "icon", "favicon")
_ITEM_URLS = ("url", "external_url", "image", "banner_image")
_CHECKS: dict[str, Callable[[Any], bool]] = {
    _STR: lambda value: isinstance(value, str),
    _BOOL: lambda value: isinstance(value, bool),
    # bool is an int in Python, not a number in JSON.
    _NUM: lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    _LIST: lambda value: isinstance(value, list),
    _OBJ: lambda value: isinstance(value, dict),
}


def looks_like_json(data: bytes) -> bool:
    """True when the first byte that is not white space (after a BOM) is ``{``."""
    return data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")[:1] == b"{"


@dataclass
class _Report:
    source: str
    publishing: bool
    problems: list[Problem] = field(default_factory=list)

    def add(self, pointer: str, rule: str, message: str, line: int | None = None) -> None:
        """Note a finding of ``rule`` at the JSON pointer; the rule's kind decides its level."""
        level = level_of(rule, publishing=self.publishing)
        self.problems.append(Problem(self.source, line, level, rule, message, pointer or "/"))


def _pointer(*steps: str | int) -> str:
    # RFC 6901: "~" is written "~0" and "/" is written "~1" inside a step. A lone
    # surrogate (JSON can escape one, UTF-8 cannot hold it) is shown as its escape.
    return "".join(
        "/" + _printable(str(step)).replace("~", "~0").replace("/", "~1") for step in steps
    )


def _printable(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def validate_json_feed(data: bytes, source: str, *, publishing: bool) -> list[Problem]:
    """Check a JSON Feed 1.1 document; the findings, in document order."""
    report = _Report(source, publishing)
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as err:
        report.add("", "json-parse", f"not UTF-8 ({err.reason} at byte {err.start})")
        return report.problems
    except json.JSONDecodeError as err:
        report.add("", "json-parse", f"not valid JSON: {err.msg}", err.lineno)
        return report.problems
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        report.add("", "json-parse", f"refused: {err}")
        return report.problems
    except RecursionError:
        report.add("", "json-parse", "refused: the JSON nests too deeply to read safely")
        return report.problems
    if not isinstance(document, dict):
        report.add("", "json-parse", "the document is not a JSON object")
        return report.problems
    _check_feed(report, document)
    return report.problems


def _check_feed(report: _Report, feed: dict[str, Any]) -> None:
    _check_members(report, feed, _FEED, ())
    version = feed.get("version")
    if version is None:
        report.add(
            "/version",
            "jsonfeed-version",
            f"the feed has no 'version'; JSON Feed requires it: write {VERSION_1_1!r}",
        )
    elif isinstance(version, str) and version not in _VERSIONS:
        report.add(
            "/version",
            "jsonfeed-version",
            f"version {version!r} is not a JSON Feed version URL; write {VERSION_1_1!r}",
        )
    elif version != VERSION_1_1:
        report.add(
            "/version",
            "jsonfeed-current",
            f"version {version!r} is JSON Feed 1.0; write {VERSION_1_1!r}",
        )
    for name in ("title", "items"):
        if name not in feed:
            report.add("", "jsonfeed-required", f"the feed has no {name!r}; JSON Feed requires it")
    for name in _URLS:
        _check_url(report, feed, name, ())
    _check_language(report, feed, ())
    _check_authors(report, feed, ())
    if "feed_url" not in feed:
        report.add(
            "",
            "self-link",
            "the feed has no 'feed_url'; add the URL it is served at, so readers know where "
            "it lives",
        )
    hubs = feed.get("hubs")
    if isinstance(hubs, list):
        for index, hub in enumerate(hubs):
            if _is_object(report, hub, ("hubs", index)):
                _check_members(report, hub, _HUB, ("hubs", index))
                _require(report, hub, ("type", "url"), ("hubs", index), "a hub")
                _check_url(report, hub, "url", ("hubs", index))
    items = feed.get("items")
    if isinstance(items, list):
        _check_items(report, items)


def _check_items(report: _Report, items: list[Any]) -> None:
    first_seen: dict[str, int] = {}
    for index, item in enumerate(items):
        at = ("items", index)
        if not _is_object(report, item, at):
            continue
        _check_members(report, item, _ITEM, at)
        _require(report, item, ("id",), at, "an item")
        if "content_html" not in item and "content_text" not in item:
            report.add(
                _pointer(*at),
                "jsonfeed-required",
                "the item has neither 'content_html' nor 'content_text'; JSON Feed requires one",
            )
        id_ = item.get("id")
        if isinstance(id_, str):
            if id_ in first_seen:
                report.add(
                    _pointer(*at, "id"),
                    "jsonfeed-unique-id",
                    f"id {id_!r} repeats the one of /items/{first_seen[id_]}; every item needs "
                    "its own id",
                )
            else:
                first_seen[id_] = index
        for name in _ITEM_URLS:
            _check_url(report, item, name, at)
        for name in ("date_published", "date_modified"):
            _check_date(report, item, name, at)
        _check_language(report, item, at)
        _check_authors(report, item, at)
        tags = item.get("tags")
        if isinstance(tags, list):
            for number, tag in enumerate(tags):
                if not isinstance(tag, str):
                    report.add(
                        _pointer(*at, "tags", number),
                        "jsonfeed-type",
                        f"tag {tag!r} must be a string",
                    )
        attachments = item.get("attachments")
        if isinstance(attachments, list):
            for number, attachment in enumerate(attachments):
                where = (*at, "attachments", number)
                if _is_object(report, attachment, where):
                    _check_members(report, attachment, _ATTACHMENT, where)
                    _require(report, attachment, ("url", "mime_type"), where, "an attachment")
                    _check_url(report, attachment, "url", where)


def _check_members(
    report: _Report, obj: dict[str, Any], members: dict[str, str], at: tuple[str | int, ...]
) -> None:
    for name, value in obj.items():
        if name.startswith("_"):
            continue  # an extension (JSON Feed 1.1, "Extensions")
        expected = members.get(name)
        if expected is None:
            report.add(
                _pointer(*at, name),
                "jsonfeed-unknown-member",
                f"{name!r} is not a JSON Feed 1.1 member here; check its spelling, or start "
                "a custom member's name with '_'",
            )
        elif not _CHECKS[expected](value):
            report.add(
                _pointer(*at, name),
                "jsonfeed-type",
                f"{name!r} must be a JSON {expected}, not {_json_type(value)}",
            )


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    return next(
        (kind for kind in (_BOOL, _STR, _NUM, _LIST, _OBJ) if _CHECKS[kind](value)), "a value"
    )


def _is_object(report: _Report, value: Any, at: tuple[str | int, ...]) -> bool:
    if isinstance(value, dict):
        return True
    report.add(_pointer(*at), "jsonfeed-type", f"must be a JSON object, not {_json_type(value)}")
    return False


def _require(
    report: _Report,
    obj: dict[str, Any],
    names: tuple[str, ...],
    at: tuple[str | int, ...],
    what: str,
) -> None:
    for name in names:
        if name not in obj:
            report.add(
                _pointer(*at),
                "jsonfeed-required",
                f"{what} has no {name!r}; JSON Feed requires it",
            )


def _check_url(report: _Report, obj: dict[str, Any], name: str, at: tuple[str | int, ...]) -> None:
    value = obj.get(name)
    if not isinstance(value, str):
        return  # absent, or a wrong type already reported
    verdict = url_verdict(value, http_only=False)
    if verdict is not None:
        rule, reason = verdict
        report.add(_pointer(*at, name), rule, f"{name} {reason}")


def _check_date(report: _Report, obj: dict[str, Any], name: str, at: tuple[str | int, ...]) -> None:
    value = obj.get(name)
    if not isinstance(value, str):
        return
    try:
        rfc3339_datetime(value)
    except ValueError as err:
        report.add(_pointer(*at, name), "jsonfeed-date", f"{name} {err}")
        return
    if value.endswith("-00:00"):
        # RFC 3339 section 4.3: -00:00 says the local offset is unknown.
        report.add(
            _pointer(*at, name),
            "date-offset",
            f"{name} {value!r} says its local offset is unknown (-00:00); give the real one",
        )


def _check_language(report: _Report, obj: dict[str, Any], at: tuple[str | int, ...]) -> None:
    value = obj.get("language")
    if isinstance(value, str) and not is_language_tag(value):
        report.add(_pointer(*at, "language"), "language-tag", language_message("language", value))


#: An author's url as a mailto: link to one address, which JSON Feed 1.1 allows.
_MAILTO = re.compile(r"mailto:[^@\s/?#]+@[^@\s/?#]+")


def _check_authors(report: _Report, obj: dict[str, Any], at: tuple[str | int, ...]) -> None:
    if "author" in obj:
        report.add(
            _pointer(*at, "author"),
            "jsonfeed-current",
            "'author' is deprecated in JSON Feed 1.1; use 'authors', a list of author objects",
        )
    authors = obj.get("authors")
    if not isinstance(authors, list):
        return
    for index, author in enumerate(authors):
        where = (*at, "authors", index)
        if not _is_object(report, author, where):
            continue
        _check_members(report, author, _AUTHOR, where)
        if not any(name in author for name in _AUTHOR):
            report.add(
                _pointer(*where),
                "jsonfeed-author",
                "an author needs at least one of 'name', 'url' and 'avatar'",
            )
        # JSON Feed 1.1: an author's url may be a mailto: link (it has no email member).
        url = author.get("url")
        if not (isinstance(url, str) and _MAILTO.fullmatch(url)):
            _check_url(report, author, "url", where)
        _check_url(report, author, "avatar", where)
