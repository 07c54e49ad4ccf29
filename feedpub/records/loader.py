"""Loading article records from ``articles/``: files to typed :class:`Article` values.

A record that breaks the contract becomes a :class:`RecordError` naming its
file, line or record, and field; it is left out and every other record is
still loaded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from feedpub.digest import digest_bytes
from feedpub.errors import DateError, RecordError, RecordWarning
from feedpub.model import Article, Attachment, Author, Category
from feedpub.records.categories import slugify
from feedpub.records.content import (
    SUMMARY_LENGTH,
    absolutize_html,
    html_to_text,
    strip_xml_illegal,
    summarize,
    text_to_html,
)
from feedpub.records.dates import parse_date
from feedpub.records.guards import (
    MAX_NESTING,
    has_unreadable_url,
    may_nest_deeply,
    nesting_exceeds,
    unwrap_cdata,
    without_cdata_openers,
)
from feedpub.records.language import is_language_tag
from feedpub.records.sanitise import html_removals, sanitise_html
from feedpub.records.urls import is_email, is_http_url, to_uri
from feedpub.records.zones import zone_from_spec

if TYPE_CHECKING:  # the config imports this package's checks; the loader only reads it
    from feedpub.config import SiteConfig

__all__ = ["FileRecords", "parse_file", "parse_record"]

# An absolute http(s) URI with a plain host name and nothing to escape: needs no urljoin.
# One "#" at most: a second one is no URI character (xs:anyURI refuses it), to_uri escapes it.
_PLAIN_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,4})?"
    r"(?:[/?](?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?"
    r"(?:#(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?\Z"
)
# A media type as RFC 6838 spells one (type/subtype, then parameters), as RSS's enclosure
# type pattern accepts it: a URL or a path is no media type.
_MEDIA_TYPE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:;\S*)?"
)
KNOWN_FIELDS = frozenset(
    {
        "id",
        "title",
        "url",
        "date_published",
        "date_modified",
        "timezone",
        "authors",
        "categories",
        "summary",
        "content_html",
        "content_text",
        "image",
        "attachments",
        "language",
        "draft",
    }
)


@dataclass
class FileRecords:
    """What one record file yielded: its good articles, its errors and warnings."""

    path: str
    articles: list[Article] = field(default_factory=list)
    #: A content digest for each article (same order): it changes when the record's source does.
    digests: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)


class _Record:
    """The checks of one raw record, collecting every problem instead of stopping at the first."""

    def __init__(self, raw: Mapping[str, Any], config: SiteConfig, where: dict[str, Any]) -> None:
        self.raw = raw
        self.config = config
        self.where = where
        self.errors: list[RecordError] = []
        self.warnings: list[RecordWarning] = []

    def error(self, name: str, reason: str) -> None:
        self.errors.append(RecordError(reason, field=name, **self.where))

    def warn(self, name: str, reason: str) -> None:
        self.warnings.append(RecordWarning(reason, field=name, **self.where))

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.error(name, "is required")
            return None
        if not isinstance(value, str):
            self.error(name, f"must be a string, not {_kind(value)}")
            return None
        if required and not value.strip():
            self.error(name, "must not be empty")
            return None
        return value

    def url(self, name: str, value: Any, base: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.error(name, f"must be a non-empty URL string, not {_kind(value)}")
            return None
        if _PLAIN_HTTP_URL.match(value):  # the common case, without urllib's cost
            return value
        try:
            absolute = to_uri(urljoin(base, value.strip()))
        except ValueError:  # urllib's word for a malformed URL, such as an unclosed "["
            absolute = ""
        if not is_http_url(absolute):
            self.error(
                name, f"must be an http(s) URL, absolute or relative to the site, not {value!r}"
            )
            return None
        return absolute

    def date(self, name: str, zone: tzinfo, *, required: bool = False) -> datetime | None:
        value = self.raw.get(name)
        if value is None:
            if required:
                self.error(name, "is required (the date the article was published)")
            return None
        try:
            return parse_date(
                value,
                default_tz=zone,
                dayfirst=self.config.dayfirst,
                abbreviations=self.config.abbreviations,
            )
        except DateError as exc:
            self.errors.append(exc.located(field=name, **self.where))
            return None

    def authors(self) -> tuple[Author, ...]:
        value = self.raw.get("authors")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("authors", f"must be a list, not {_kind(value)}")
            return ()
        authors = []
        for number, item in enumerate(value, 1):
            name = f"authors[{number}]"
            if isinstance(item, str) and item.strip():
                authors.append(_named_author(item))
            elif isinstance(item, dict) and any(
                isinstance(item.get(k), str) for k in ("name", "email", "url")
            ):
                bad = [
                    k
                    for k, v in item.items()
                    if k in ("name", "email", "url") and not isinstance(v, str)
                ]
                if bad:
                    self.error(f"{name}.{bad[0]}", "must be a string")
                    continue
                email = item.get("email")
                if email is not None and not is_email(email.strip()):
                    self.error(f"{name}.email", f"must be an email address, not {email!r}")
                    continue
                url = item.get("url")
                if url is not None:
                    url = self.url(f"{name}.url", url, self.config.link)
                    if url is None:
                        continue
                authors.append(
                    Author(
                        name=_stripped(item.get("name")),
                        email=_stripped(email),
                        url=url,
                    )
                )
            else:
                self.error(name, 'must be a name string or an object with "name", "email" or "url"')
        return tuple(authors)

    def categories(self) -> tuple[Category, ...]:
        value = self.raw.get("categories")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("categories", f"must be a list, not {_kind(value)}")
            return ()
        by_term: dict[str, Category] = {}
        for number, item in enumerate(value, 1):
            name = f"categories[{number}]"
            if isinstance(item, str) and item.strip():
                category = _labelled_category(item)
            elif isinstance(item, dict):
                term, label, scheme = item.get("term"), item.get("label"), item.get("scheme")
                if not isinstance(term, str) or not term.strip():
                    self.error(f"{name}.term", "is required and must be a non-empty string")
                    continue
                if label is not None and (not isinstance(label, str) or not label.strip()):
                    self.error(f"{name}.label", "must be a non-empty string")
                    continue
                if scheme is not None:
                    scheme = self.url(f"{name}.scheme", scheme, self.config.link)
                    if scheme is None:
                        continue
                shown = " ".join(str(label or term).split())
                category = Category(term=slugify(term), label=shown, scheme=scheme)
            else:
                self.error(name, 'must be a non-empty string or an object with "term"')
                continue
            by_term.setdefault(category.term, category)
        return tuple(by_term.values())

    def attachments(self, base: str) -> tuple[Attachment, ...]:
        value = self.raw.get("attachments")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error("attachments", f"must be a list, not {_kind(value)}")
            return ()
        found = []
        for number, item in enumerate(value, 1):
            name = f"attachments[{number}]"
            if not isinstance(item, dict):
                self.error(name, "must be an object with url and mime_type")
                continue
            url = self.url(f"{name}.url", item.get("url"), base)
            mime = item.get("mime_type")
            if not isinstance(mime, str) or not _MEDIA_TYPE.fullmatch(mime):
                self.error(f"{name}.mime_type", "is required, as a media type like audio/mpeg")
                continue
            size = item.get("size_in_bytes")
            if size is not None and (
                isinstance(size, bool) or not isinstance(size, int) or size < 0
            ):
                self.error(f"{name}.size_in_bytes", "must be a whole number of bytes, 0 or more")
                continue
            title = item.get("title")
            if title is not None and not isinstance(title, str):
                self.error(f"{name}.title", "must be a string")
                continue
            if url is not None:
                found.append(Attachment(url=url, mime_type=mime, size_in_bytes=size, title=title))
        return tuple(found)

    # -- guards against hostile records (issue 11): bounded work, text every feed can carry --

    def within_limits(self) -> bool:
        """False (with an error per field) when a list holds more items than the config allows:
        each category plans two feeds, so one record must not plan thousands."""
        fine = True
        for name, limit, key in (
            ("categories", self.config.max_categories, "max_categories"),
            ("authors", self.config.max_authors, "max_authors"),
            ("attachments", self.config.max_attachments, "max_attachments"),
        ):
            value = self.raw.get(name)
            if isinstance(value, list) and len(value) > limit:
                self.error(
                    name,
                    f"has {len(value)} items, more than {key} ({limit}) allows; keep the"
                    f" {limit} that matter, or raise {key} in feedpub.toml",
                )
                fine = False
        return fine

    def unwrapped(self, name: str, value: str | None) -> str | None:
        """``value`` without a CDATA wrapper (a warning says so); an unclosed one is an error."""
        if value is None:
            return None
        unwrapped = unwrap_cdata(value)
        if unwrapped is None:
            self.error(name, "begins with '<![CDATA[' that is never closed; remove the marker")
            return None
        text, changed = unwrapped
        if changed:
            self.warn(name, "was wrapped in '<![CDATA[ ... ]]>': published without the markers")
        return text

    def id_url_readable(self, record_id: str) -> bool:
        """False (an error) for an id that starts as an http(s) URL but is no readable one: it
        would be published as the entry's identity, which must be a well-formed IRI."""
        if not record_id[:8].lower().startswith(("http://", "https://")):
            return True
        if _PLAIN_HTTP_URL.match(record_id):  # the common case: urllib reads it, at a cost
            return True
        try:
            urlsplit(record_id).port  # noqa: B018 - raises ValueError for a malformed URL
        except ValueError as exc:
            self.error(
                "id", f"looks like a URL but is not a well-formed one ({exc}): {record_id!r}"
            )
            return False
        return True

    def body_urls_readable(self, content_html: str, base: str) -> bool:
        """False (an error) when a link in the body is a URL no reader could resolve."""
        bad = has_unreadable_url(content_html, base)
        if bad is not None:
            self.error("content_html", f"holds a link URL that cannot be read: {bad!r}")
        return bad is None


# JSON cannot hold a raw control character in a string: one can only come in escaped (\b, \f
# or \u00XX), or as a raw U+FFFE/U+FFFF. A lone surrogate escape also matches; a valid
# pair (or an escaped backslash before a "b") only costs a needless clean. One pattern, with
# the backslash as its literal prefix: a test per escape (`b"\\b" in data`...) costs a scan of
# the whole file each, slow on a body full of escaped quotes (14 us a file, against 2 us).
_ILLEGAL_ESCAPE = re.compile(rb"\\(?:[bf]|u(?:00[01][0-9a-f]|d[89a-f][0-9a-f]{2}|fff[ef]))", re.I)


def may_hold_xml_illegal(json_bytes: bytes) -> bool:
    """False when decoding ``json_bytes`` (UTF-8) cannot give a character XML cannot carry."""
    if b"\xef" in json_bytes and (  # the UTF-8 lead of U+FFxx: one byte, found by memchr
        b"\xef\xbf\xbe" in json_bytes or b"\xef\xbf\xbf" in json_bytes  # U+FFFE, U+FFFF
    ):
        return True
    return _ILLEGAL_ESCAPE.search(json_bytes) is not None


# A site's records share a few hundred author names and category labels: each value is made
# once per process (they are frozen), not once per record.


@lru_cache(maxsize=4096)
def _named_author(item: str) -> Author:
    """The author a non-blank name string credits."""
    return Author(name=item.strip())


@lru_cache(maxsize=4096)
def _labelled_category(item: str) -> Category:
    """The category a non-blank label string names."""
    text = " ".join(item.split())
    return Category(term=slugify(text), label=text)


def _stripped(value: str | None) -> str | None:
    """A text value without surrounding white space; ``None`` when nothing is left."""
    return value.strip() or None if value is not None else None


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


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "a boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def parse_record(
    raw: Any,
    config: SiteConfig,
    *,
    path: str,
    line: int | None = None,
    default_id: str | None = None,
    label: str | None = None,
    bodies: bool = True,
    clean: bool = True,
    size: int | None = None,
) -> tuple[Article | None, list[RecordError], list[RecordWarning]]:
    """Check one raw record and build its :class:`Article`.

    Returns the article (``None`` when the record is bad) with every error and
    warning found. With ``bodies=False`` the body is checked but not converted:
    the article's ``content_html`` and ``summary`` stay ``None`` (the index
    needs only the metadata; bodies are rendered for the entries a feed shows).
    ``clean=False`` skips removing XML-illegal characters, for a source known to
    have none (see :func:`may_hold_xml_illegal`). ``size`` is the record's source in
    bytes, judged against the config's ``max_record_bytes``.
    """
    where: dict[str, Any] = {"path": path, "line": line, "record": label}
    if not isinstance(raw, dict):
        return None, [RecordError(f"a record must be a JSON object, not {_kind(raw)}", **where)], []
    # Every string, wherever it sits, loses what XML cannot carry (lxml refuses to write it).
    # Bodies too, even when read for metadata only, so both reads judge the record alike.
    cleaned: list[tuple[str, int]] = []
    if clean:
        raw = _clean_object(raw, "", cleaned)

    is_draft = raw.get("draft") is True
    record_id: str | None
    value = raw.get("id")
    if value is None:
        record_id = default_id
        if record_id is None:
            error = RecordError(
                "is required for each record of a list or a .jsonl file (only a file holding"
                " one record takes its path as id)",
                field="id",
                **where,
            )
            return _draft_problems([error], []) if is_draft else (None, [error], [])
    elif isinstance(value, str) and value.strip():
        record_id = value.strip()
    elif isinstance(value, int) and not isinstance(value, bool):
        record_id = str(value)  # JSON Feed 1.1: readers coerce a numeric id to a string.
    else:
        error = RecordError("must be a non-empty string", field="id", **where)
        return _draft_problems([error], []) if is_draft else (None, [error], [])
    where["record"] = record_id if value is not None else label
    if size is not None and size > config.max_record_bytes:
        reason = (
            f"is {size:,} bytes, more than max_record_bytes ({config.max_record_bytes:,}) allows;"
            " shorten it, or raise max_record_bytes in feedpub.toml"
        )
        return None, [RecordError(reason, **where)], []

    r = _Record(raw, config, where)
    r.id_url_readable(record_id)
    r.within_limits()
    for name, removed in cleaned:
        r.warn(name, f"removed {removed} character(s) that XML cannot carry")
    if not raw.keys() <= KNOWN_FIELDS:  # one test in C for the common case
        for name in raw:
            if name not in KNOWN_FIELDS and not name.startswith("_"):  # "_x": JSON Feed extensions
                r.warn(name, "unknown field, ignored")

    title = r.unwrapped("title", r.text("title", required=True))
    zone = config.timezone
    zone_name = raw.get("timezone")
    if zone_name is not None:
        try:
            if not isinstance(zone_name, str):
                raise ValueError(f"must be an IANA zone name string, not {_kind(zone_name)}")
            zone = zone_from_spec(zone_name)
        except ValueError as exc:
            r.error("timezone", str(exc))
    published = r.date("date_published", zone, required=True)
    modified = r.date("date_modified", zone)
    if published and modified and modified < published:
        r.error("date_modified", "is earlier than date_published")

    url = r.url("url", raw["url"], config.link) if raw.get("url") is not None else None
    image = r.url("image", raw["image"], config.link) if raw.get("image") is not None else None
    summary = r.unwrapped("summary", r.text("summary"))
    content_html = r.unwrapped("content_html", r.text("content_html"))
    content_text = r.text("content_text")
    if content_html is not None and content_text is not None:
        r.error("content_text", "give content_html or content_text, not both")
    # isspace, not strip: no copy of a long body
    shows_something = any(t and not t.isspace() for t in (content_html, content_text, summary))
    if raw.get("url") is None and not shows_something and not is_draft:
        r.error("url", "a record without a url needs content_html, content_text or summary")
    language = r.text("language")
    if language is not None and not is_language_tag(language):
        r.error("language", f"must be a BCP 47 language tag like 'id' or 'en-US', not {language!r}")
    draft = raw.get("draft", False)
    if not isinstance(draft, bool):
        r.error("draft", f"must be true or false, not {_kind(draft)}")
    authors = r.authors()
    categories = r.categories()
    attachments = r.attachments(url or config.link)
    if content_html:
        r.body_urls_readable(content_html, url or config.link)
    if len(attachments) > 1:  # RSS 2.0 allows one <enclosure> per item
        r.warn(
            "attachments",
            f"RSS carries one enclosure: rss.xml gets only the first of {len(attachments)}"
            " (Atom gets them all)",
        )
    # What the sanitiser (records/sanitise.py) removes, named once so an editor can fix the
    # source; the record itself is never changed. Cheap when there is nothing to remove.
    if content_html:
        removals = html_removals(content_html, config.html_allow)
        if removals:
            r.warn(
                "content_html",
                f"left out of the feeds (not on the HTML allow-list): {removals.describe()}",
            )

    if is_draft and r.errors:
        return _draft_problems(r.errors, r.warnings)
    if r.errors or title is None or published is None or record_id is None:
        return None, r.errors, r.warnings

    body: str | None = None
    if bodies:
        base = url or config.link
        if content_html:  # sanitised first, so only links that survive are made absolute
            try:
                body = absolutize_html(sanitise_html(content_html, config.html_allow), base)
            except ValueError as exc:  # a link urllib refuses that body_urls_readable missed
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
        authors=authors,
        categories=categories,
        summary=summary.strip() if summary else None,
        content_html=body,
        image=image,
        attachments=attachments,
        language=language,
        draft=bool(draft),
    )
    return article, r.errors, r.warnings


def parse_file(
    data: bytes, relative: str, shown: str, config: SiteConfig, *, bodies: bool = True
) -> FileRecords:
    """Parse the bytes of one record file (``relative`` is its path under the articles folder)."""
    result = FileRecords(shown)
    dirty = may_hold_xml_illegal(data)  # once per file: most files need no cleaning at all
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        result.errors.append(RecordError(f"not UTF-8 text (byte {exc.start})", path=shown))
        return result

    deep = may_nest_deeply(data)  # once per file: a few brackets cannot nest deeply

    def add(
        raw: Any, line: int | None, default_id: str | None, label: str | None, source: bytes | None
    ) -> None:
        if deep and nesting_exceeds(raw):
            result.errors.append(_too_deep(raw, shown, line, label))
            return
        if source is None:  # a record of a list: its own bytes, to digest and to measure
            # surrogatepass: a lone surrogate escape is removed later, with a warning.
            source = json.dumps(raw, sort_keys=True, ensure_ascii=False).encode(
                "utf-8", "surrogatepass"
            )
        article, errors, warnings = parse_record(
            raw,
            config,
            path=shown,
            line=line,
            default_id=default_id,
            label=label,
            bodies=bodies,
            clean=dirty,
            size=len(source),
        )
        result.errors.extend(errors)
        result.warnings.extend(warnings)
        if article is not None:
            result.articles.append(article)
            result.digests.append(digest_bytes(source))

    if relative.endswith(".jsonl"):
        for number, line_text in enumerate(_LINE_BREAK.split(text), 1):
            if not line_text.strip():
                continue
            try:
                raw = json.loads(line_text)
            except json.JSONDecodeError as exc:
                result.errors.append(
                    RecordError(
                        f"not valid JSON: {exc.msg} (column {exc.colno})", path=shown, line=number
                    )
                )
                continue
            except (RecursionError, ValueError) as exc:
                result.errors.append(_unparsable(exc, shown, number))
                continue
            add(raw, number, None, None, line_text.encode("utf-8"))
        return result

    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        result.errors.append(
            RecordError(
                f"not valid JSON: {exc.msg} (column {exc.colno})", path=shown, line=exc.lineno
            )
        )
        return result
    except (RecursionError, ValueError) as exc:
        result.errors.append(_unparsable(exc, shown, None))
        return result
    default_id = relative.rsplit(".", 1)[0]
    if isinstance(document, list):
        for number, raw in enumerate(document, 1):
            # A list's records have no single default id: each needs its own.
            add(raw, None, None, f"#{number}", None)
    else:
        add(document, None, default_id, None, data)
    return result


# JSON Lines ends lines with \n (or \r\n; a lone \r too, as str.splitlines did): not with the
# other breaks splitlines knows (U+2028, U+0085...), which JSON strings may hold as they are.
_LINE_BREAK = re.compile("\r\n|\r|\n")


def _unparsable(exc: RecursionError | ValueError, shown: str, line: int | None) -> RecordError:
    """The error for JSON that parses to nothing Python can hold: nested past the recursion
    limit, or a number with more digits than Python converts."""
    if isinstance(exc, RecursionError):
        reason = f"not usable JSON: nested more than {MAX_NESTING} levels deep"
    else:
        reason = f"not usable JSON: {exc}"
    return RecordError(reason, path=shown, line=line)


def _too_deep(raw: Any, shown: str, line: int | None, label: str | None) -> RecordError:
    """The error for a record nested deeper than any record needs."""
    record_id = raw.get("id") if isinstance(raw, dict) else None
    if isinstance(record_id, str) and record_id.strip():
        label = strip_xml_illegal(record_id.strip())[0]
    return RecordError(
        f"is nested more than {MAX_NESTING} levels deep; no record field needs that",
        path=shown,
        line=line,
        record=label,
    )
