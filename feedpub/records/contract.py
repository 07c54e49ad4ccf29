"""The record contract: what a record must hold, checked alike for every source.

A record is a JSON object, from a file (:mod:`feedpub.records.loader` frames files
into records) or a database row (:mod:`feedpub.records.rows`). :func:`check_record`
applies the guards every record gets (nesting depth, ``max_record_bytes``), then
each field's check, from one table (:data:`feedpub.records.fields.FIELDS`: a checker
per kind), then the rules between fields. A record that breaks the contract becomes
:class:`RecordError` values naming its file or row, line or record, and field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from feedpub.digest import digest_bytes
from feedpub.errors import RecordError, RecordWarning
from feedpub.model import Article, Attachment, Author, Category
from feedpub.records.checks import Record, kind_of
from feedpub.records.content import (
    SUMMARY_LENGTH,
    absolutize_html,
    html_to_text,
    strip_xml_illegal,
    summarize,
    text_to_html,
)
from feedpub.records.fields import FIELDS, KNOWN_FIELDS, closest_field
from feedpub.records.guards import (
    MAX_NESTING,
    has_unreadable_url,
    may_hold_xml_illegal,
    nesting_exceeds,
    without_cdata_openers,
)
from feedpub.records.ids import entry_id_flaw
from feedpub.records.rules import RecordRules
from feedpub.records.sanitise import html_removals, sanitise_html

__all__ = ["KNOWN_FIELDS", "Checked", "check_record", "encode_record", "parse_record"]


class Checked(NamedTuple):
    """What the contract made of one record: its article (``None`` when refused), the
    digest of its source, and every error and warning found."""

    article: Article | None
    digest: str
    errors: list[RecordError]
    warnings: list[RecordWarning]


def encode_record(raw: Any) -> bytes:
    """A record's JSON as UTF-8 (keys sorted): the bytes a record of a list, or a row, is
    measured against ``max_record_bytes`` by and digested as. Values JSON has no type for
    (a row's odd column types) are written as their text."""
    # surrogatepass: a lone surrogate escape is removed later, with a warning.
    return json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str).encode(
        "utf-8", "surrogatepass"
    )


def check_record(
    raw: Any,
    rules: RecordRules,
    *,
    path: str,
    line: int | None = None,
    default_id: str | None = None,
    label: str | None = None,
    bodies: bool = True,
    clean: bool | None = True,
    source: bytes | None = None,
    deep: bool = True,
) -> Checked:
    """The guards, then the contract, for one raw record of any source.

    ``source`` is the record's own bytes (a file holding one record); ``None`` measures
    and digests :func:`encode_record`. ``deep=False`` skips the nesting walk for a source
    known to hold too few brackets to nest deeply. ``clean=None`` cleans the record when
    its source may hold a character XML cannot carry. The digest is of the source (empty
    for a record nested too deep to encode). See :func:`parse_record` for the rest.
    """
    if deep and nesting_exceeds(raw):
        return Checked(None, "", [_too_deep(raw, path, line, label)], [])
    if source is None:
        source = encode_record(raw)
    if clean is None:
        clean = may_hold_xml_illegal(source)
    article, errors, warnings = parse_record(
        raw,
        rules,
        path=path,
        line=line,
        default_id=default_id,
        label=label,
        bodies=bodies,
        clean=clean,
        size=len(source),
    )
    return Checked(article, digest_bytes(source), errors, warnings)


def _too_deep(raw: Any, path: str, line: int | None, label: str | None) -> RecordError:
    """The error for a record nested deeper than any record needs."""
    record_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(record_id, str) and record_id.strip():
        label = strip_xml_illegal(record_id.strip())[0]
    return RecordError(
        f"is nested more than {MAX_NESTING} levels deep; no record field needs that",
        path=path,
        line=line,
        record=label,
    )


# -- the checker of each kind of field: (record, field name, value) -> the value to keep --

_Checker = Callable[[Record, str, Any], Any]


def _title(r: Record, name: str, value: Any) -> Any:
    return r.unwrapped(name, r.text(name, value, required=True))


def _zone(r: Record, name: str, value: Any) -> Any:
    r.set_zone(value)
    return value


def _date(r: Record, name: str, value: Any) -> datetime | None:
    return r.date(name, value)


def _url(r: Record, name: str, value: Any) -> str | None:
    return r.url(name, value, r.rules.link)


def _wrapped_text(r: Record, name: str, value: Any) -> str | None:
    return r.unwrapped(name, r.text(name, value))


def _text(r: Record, name: str, value: Any) -> str | None:
    return r.text(name, value)


def _language(r: Record, name: str, value: Any) -> str | None:
    return r.language(name, value)


def _boolean(r: Record, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        r.error(name, f"must be true or false, not {kind_of(value)}")
        return False
    return value


def _authors(r: Record, name: str, value: Any) -> tuple[Author, ...]:
    return r.authors(value)


def _categories(r: Record, name: str, value: Any) -> tuple[Category, ...]:
    return r.categories(value)


def _attachments(r: Record, name: str, value: Any) -> tuple[Attachment, ...]:
    return r.attachments(value, r.values.get("url") or r.rules.link)


_CHECKERS: Mapping[str, _Checker] = {
    "title": _title,
    "zone": _zone,
    "date": _date,
    "url": _url,
    "wrapped_text": _wrapped_text,
    "text": _text,
    "language": _language,
    "boolean": _boolean,
    "authors": _authors,
    "categories": _categories,
    "attachments": _attachments,
}
# Every field but the id (checked first: it names the record in every message) with its
# checker; a kind without one fails here, at import.
# Unpacked (name, reason when required and absent, checker): each record runs the loop.
_CHECKS: tuple[tuple[str, str | None, _Checker], ...] = tuple(
    (field.name, field.required, _CHECKERS[field.kind]) for field in FIELDS if field.kind != "id"
)


def _draft_problems(
    errors: list[RecordError], warnings: list[RecordWarning]
) -> tuple[None, list[RecordError], list[RecordWarning]]:
    """A draft is in no feed, so nothing in it can break one: its problems are told as
    warnings (a build with drafts in progress still exits 0) and it is left out."""
    told = [
        RecordWarning(
            f"{e.reason} (a draft; fix before publishing)",
            path=e.path,
            line=e.line,
            record=e.record,
            field=e.field,
        )
        for e in errors
    ]
    return None, [], warnings + told


def _record_id(
    raw: Mapping[str, Any], default_id: str | None, where: dict[str, Any]
) -> str | RecordError:
    """The record's id as given (a number as its digits), or its file's, or the error."""
    value = raw.get("id")
    if value is None:
        if default_id is None:
            return RecordError(
                "is required for each record of a list or a .jsonl file (only a file holding"
                " one record takes its path as id)",
                field="id",
                **where,
            )
        return default_id
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # JSON Feed 1.1: readers coerce a numeric id to a string.
    return RecordError("must be a non-empty string", field="id", **where)


def parse_record(
    raw: Any,
    rules: RecordRules,
    *,
    path: str,
    line: int | None = None,
    default_id: str | None = None,
    label: str | None = None,
    bodies: bool = True,
    clean: bool = True,
    size: int | None = None,
) -> tuple[Article | None, list[RecordError], list[RecordWarning]]:
    """Check one raw record and build its :class:`Article` (without the nesting guard:
    a source calls :func:`check_record`, which applies it first).

    Returns the article (``None`` when the record is bad) with every error and
    warning found. With ``bodies=False`` the body is checked but not converted:
    the article's ``content_html`` and ``summary`` stay ``None`` (the index
    needs only the metadata; bodies are rendered for the entries a feed shows).
    ``clean=False`` skips removing XML-illegal characters, for a source known to
    have none. ``size`` is the record's source in bytes, judged against the rules'
    ``max_record_bytes``.
    """
    where: dict[str, Any] = {"path": path, "line": line, "record": label}
    if not isinstance(raw, dict):
        error = RecordError(f"a record must be a JSON object, not {kind_of(raw)}", **where)
        return None, [error], []
    # Every string, wherever it sits, loses what XML cannot carry (lxml refuses to write it).
    # Bodies too, even when read for metadata only, so both reads judge the record alike.
    cleaned: list[tuple[str, int]] = []
    if clean:
        raw = _clean_object(raw, "", cleaned)

    is_draft = raw.get("draft") is True
    record_id = _record_id(raw, default_id, where)
    if isinstance(record_id, RecordError):
        return _draft_problems([record_id], []) if is_draft else (None, [record_id], [])
    where["record"] = record_id if raw.get("id") is not None else label
    if size is not None and size > rules.max_record_bytes:
        reason = (
            f"is {size:,} bytes, more than max_record_bytes ({rules.max_record_bytes:,}) allows;"
            " shorten it, or raise max_record_bytes in feedpub.toml"
        )
        return None, [RecordError(reason, **where)], []

    r = Record(raw, rules, where)
    flaw = entry_id_flaw(record_id, rules.domain)
    if flaw is not None:
        r.error("id", f"is published as the entry's id, which must be an IRI, but it {flaw}")
    r.within_limits()
    for name, removed in cleaned:
        r.warn(name, f"removed {removed} character(s) that XML cannot carry")
    if not raw.keys() <= KNOWN_FIELDS:  # one test in C for the common case
        for name in raw:
            if name not in KNOWN_FIELDS and not name.startswith("_"):  # "_x": JSON Feed extensions
                meant = closest_field(name)
                hint = f"; did you mean {meant!r}?" if meant else ""
                r.warn(name, f"unknown field, ignored{hint}")

    values = r.values
    for name, required, check in _CHECKS:
        value = raw.get(name)
        if value is None:
            if required:
                r.error(name, required)
            continue
        values[name] = check(r, name, value)
    return _article(r, record_id, is_draft, path, line, bodies)


def _article(
    r: Record, record_id: str, is_draft: bool, path: str, line: int | None, bodies: bool
) -> tuple[Article | None, list[RecordError], list[RecordWarning]]:
    """The rules between fields, then the article the checked values make."""
    values, rules = r.values, r.rules
    title, published = values.get("title"), values.get("date_published")
    modified = values.get("date_modified")
    if published and modified and modified < published:
        r.error("date_modified", "is earlier than date_published")
    url: str | None = values.get("url")
    summary, content_text = values.get("summary"), values.get("content_text")
    content_html = values.get("content_html")
    if content_html is not None and content_text is not None:
        r.error("content_text", "give content_html or content_text, not both")
    # isspace, not strip: no copy of a long body; asked only of a record without a url
    if (
        r.raw.get("url") is None
        and not is_draft
        and not any(t and not t.isspace() for t in (content_html, content_text, summary))
    ):
        r.error("url", "a record without a url needs content_html, content_text or summary")
    attachments: tuple[Attachment, ...] = values.get("attachments", ())
    base = url or rules.link
    if content_html:
        bad = has_unreadable_url(content_html, base)
        if bad is not None:
            r.error("content_html", f"holds a link URL that cannot be read: {bad!r}")
    if len(attachments) > 1:  # RSS 2.0 allows one <enclosure> per item
        r.warn(
            "attachments",
            f"RSS carries one enclosure: rss.xml gets only the first of {len(attachments)}"
            " (Atom gets them all)",
        )
    # What the sanitiser (records/sanitise.py) removes, named once so an editor can fix the
    # source; the record itself is never changed. Cheap when there is nothing to remove.
    if content_html:
        removals = html_removals(content_html, rules.html_allow)
        if removals:
            r.warn(
                "content_html",
                f"left out of the feeds (not on the HTML allow-list): {removals.describe()}",
            )

    if is_draft and r.errors:
        return _draft_problems(r.errors, r.warnings)
    if r.errors or title is None or published is None:
        return None, r.errors, r.warnings

    body: str | None = None
    if bodies:
        if content_html:  # sanitised first, so only links that survive are made absolute
            try:
                body = absolutize_html(sanitise_html(content_html, rules.html_allow), base)
            except ValueError as exc:  # a link urllib refuses that has_unreadable_url missed
                r.error("content_html", f"holds a link URL that cannot be read ({exc})")
                return None, r.errors, r.warnings
        elif content_text:
            body = text_to_html(content_text)
        if not summary and body is not None:
            source_text = content_text if content_text else html_to_text(body, SUMMARY_LENGTH)
            # A body's text may itself begin with a CDATA marker: the summary must not.
            summary = summarize(without_cdata_openers(source_text)) or None
    article = Article(
        id=record_id,
        title=" ".join(title.split()),
        published=published,
        source=path,
        line=line,
        url=url,
        modified=modified,
        authors=values.get("authors", ()),
        categories=values.get("categories", ()),
        summary=summary.strip() if summary else None,
        content_html=body,
        image=values.get("image"),
        attachments=attachments,
        language=values.get("language"),
        draft=bool(values.get("draft", False)),
    )
    return article, r.errors, r.warnings


def _clean(value: Any, name: str, cleaned: list[tuple[str, int]]) -> Any:
    """``value`` with XML-illegal characters removed from every string in it; each string
    that lost some is noted in ``cleaned`` as (field path, characters removed)."""
    if isinstance(value, str):
        clean, removed = strip_xml_illegal(value)
        if removed:
            cleaned.append((name, removed))
        return clean
    if isinstance(value, list):
        return [_clean(item, f"{name}[{number}]", cleaned) for number, item in enumerate(value, 1)]
    if isinstance(value, dict):
        return _clean_object(value, f"{name}.", cleaned)
    return value


def _clean_object(value: dict[str, Any], prefix: str, cleaned: list[tuple[str, int]]) -> Any:
    """An object cleaned as by :func:`_clean`, its keys too: a key with a lone surrogate
    could not even be stored or printed."""
    result = {}
    for key, item in value.items():
        clean_key, removed = strip_xml_illegal(key)
        if removed:
            cleaned.append((prefix + clean_key, removed))
        result[clean_key] = _clean(item, prefix + clean_key, cleaned)
    return result
