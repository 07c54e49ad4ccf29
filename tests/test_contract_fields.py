"""The record contract against the validator, field by field: whatever the loader accepts in a
URL-ish field renders into RSS, Atom and JSON Feed that pass ``feedpub.validate`` as a build
holds its own output, and a value the validator would refuse is that record's one error."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedpub.config import parse_config
from feedpub.errors import ConfigError
from feedpub.model import FeedPlan
from feedpub.output.formats import FORMATS
from feedpub.output.ids import entry_id
from feedpub.output.paths import FeedLinks
from feedpub.records.fields import FIELDS, KNOWN_FIELDS
from feedpub.records.ids import entry_id_flaw, written_as_iri
from feedpub.records.loader import parse_file
from feedpub.records.postgres_settings import postgres_settings
from feedpub.records.urls import PLAIN_HTTP_URL, absolute_iri_flaw, is_http_url, to_uri
from feedpub.validate import validate_feed

CONFIG = parse_config(
    {"title": "Site", "link": "https://example.com/", "description": "News."}, "test.toml"
)
RULES = CONFIG.records
GOOD: dict[str, Any] = {
    "id": "good",
    "title": "A title",
    "url": "https://example.com/good/",
    "date_published": "2024-05-01T10:00:00+07:00",
    "content_text": "Body.",
}
#: The ids the loader accepted while the validator's absolute-iri rule refused the Atom id
#: they became: one such record withheld the site's atom.xml on every run (issue 18).
REFUSED_IDS = [
    "https://example.com/a#b#c",
    "https://example.com/a{b}",
    "https://example.com/a|b",
    "https://example.com/a%zz",
]

# Pieces URLs are made of, hostile ones included: schemes, hosts, delimiters, escapes.
_PIECES = st.sampled_from(
    [
        "https://", "http://", "tag:", "urn:", "mailto:", "example.com", "[::1", "[::1]",
        ":80", ":99999", ":x", "/", "?", "#", "%", "%zz", "%41", "{", "}", "|", "\\", "^",
        "`", "<", ">", '"', " ", "\t", "@", ",", "2024", ":", "é", "日本", "\u2100", "\uff0f",
        "a", "b", ".", "-", "..", "//", "\x7f", "\x85", "\u00a0",
    ]
)  # fmt: skip
urlish = st.lists(_PIECES | st.text(max_size=3), min_size=1, max_size=8).map("".join)


def _put(record: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    """``record`` with ``value`` in the URL-ish ``field`` (a dotted path into a list's item)."""
    record = json.loads(json.dumps(record))
    if field == "authors.url":
        record["authors"] = [{"name": "Desk", "url": value}]
    elif field == "authors.email":
        record["authors"] = [{"name": "Desk", "email": value}]
    elif field == "categories.scheme":
        record["categories"] = [{"term": "news", "scheme": value}]
    elif field == "attachments.url":
        record["attachments"] = [{"url": value, "mime_type": "audio/mpeg"}]
    else:
        record[field] = value
    return record


def _feed_errors(article: Any) -> list[str]:
    plan = FeedPlan(None, (article,))
    documents = {
        name: spec.render(plan, CONFIG.feed, FeedLinks("")) for name, spec in FORMATS.items()
    }
    return [
        f"{fmt}: {problem}"
        for fmt, data in documents.items()
        for problem in validate_feed(data, source=fmt, publishing=True)
        if problem.level == "error"
    ]


URLISH_FIELDS = [
    "id",
    "url",
    "image",
    "authors.url",
    "authors.email",
    "categories.scheme",
    "attachments.url",
]


@pytest.mark.parametrize("field", URLISH_FIELDS)
@settings(max_examples=150, deadline=None)
@given(value=urlish)
@example(value=REFUSED_IDS[0])
@example(value=REFUSED_IDS[1])
@example(value=REFUSED_IDS[2])
@example(value=REFUSED_IDS[3])
@example(value="tag:foo")
@example(value="http://[::1")
@example(value="https://example.com:99999/")
@example(value="https://://https://")  # to_uri dropped one empty port and left another
@example(value="https://@0.0")  # an email whose mailto: link had a path (JSON Feed refused it)
@example(value="https://@@https://")  # a user name "@": xs:anyURI refused the link
def test_what_the_loader_accepts_in_a_url_field_the_validator_accepts(
    field: str, value: str
) -> None:
    data = json.dumps(_put(GOOD, field, value)).encode()
    parsed = parse_file(data, "x.json", "articles/x.json", RULES)
    if parsed.errors:
        # Refused: one line naming the file, the record and the field.
        assert parsed.articles == []
        head = field.split(".")[0]
        assert any(str(e.field or "").startswith(head) for e in parsed.errors), parsed.errors
        assert all(str(e).startswith("articles/x.json") for e in parsed.errors)
        return
    [article] = parsed.articles
    assert _feed_errors(article) == []


# The URL fast path as first written: a character at a time, backtracking freely.
_PLAIN_HTTP_URL_AS_WRITTEN = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,4})?"
    r"(?:[/?](?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?"
    r"(?:#(?:[A-Za-z0-9\-._~:/?@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)?\Z"
)


# A plain URL's start, then any characters: every one the fast path must weigh.
_AFTER_A_HOST = st.tuples(
    st.sampled_from(["https://example.com/", "http://a.b:80/x?", "https://x.y#", "https://"]),
    st.text(st.characters(max_codepoint=0x7F) | st.sampled_from("%é\u2100\uff0f"), max_size=12),
).map("".join)


@settings(max_examples=400, deadline=None)
@given(value=urlish | _AFTER_A_HOST)
@example(value="https://example.com/a%41b#c%zz")
@example(value=REFUSED_IDS[2])
@example(value="https://example.com/" + "a" * 2000 + " ")
def test_the_url_fast_path_takes_only_absolute_urls_with_nothing_to_escape(value: str) -> None:
    # A URL the fast path takes is published as written, with no urljoin or escaping; its
    # possessive runs take what the pattern as first written did.
    taken = PLAIN_HTTP_URL.match(value) is not None
    assert taken == (_PLAIN_HTTP_URL_AS_WRITTEN.match(value) is not None)
    if taken:
        assert is_http_url(value)
        assert absolute_iri_flaw(value) is None
        # urllib leaves it as it is, but for the mark of an empty query or fragment
        assert to_uri(urljoin(RULES.link, value)) in (value, value.rstrip("?#"))


@pytest.mark.parametrize("record_id", REFUSED_IDS)
def test_an_id_the_validator_refuses_is_that_records_one_error(record_id: str) -> None:
    records = [{**GOOD, "id": "fine"}, {**GOOD, "id": record_id}]
    parsed = parse_file(json.dumps(records).encode(), "list.json", "articles/list.json", RULES)
    assert [a.id for a in parsed.articles] == ["fine"]
    [error] = parsed.errors
    assert (error.path, error.record, error.field) == ("articles/list.json", record_id, "id")
    assert "\n" not in str(error)
    assert "entry's id" in str(error)


@settings(max_examples=300, deadline=None)
@given(record_id=st.text(min_size=1) | urlish, day=st.dates(datetime(1900, 1, 1).date()))
def test_an_id_is_accepted_exactly_when_the_entry_id_it_becomes_is_valid(
    record_id: str, day: Any
) -> None:
    published = datetime(day.year, day.month, day.day, tzinfo=UTC)
    try:
        made = entry_id(record_id, published, RULES.domain)
    except UnicodeEncodeError:  # a lone surrogate: the contract removes it before (warned)
        return
    assert entry_id_flaw(record_id, RULES.domain) == absolute_iri_flaw(made)


def test_an_id_with_white_space_is_never_used_as_written() -> None:
    """White space is what ``str.isspace`` says it is (every such character is in the BMP)."""
    for code in range(0x10000):
        character = chr(code)
        assert written_as_iri(f"urn:a{character}b") is not character.isspace(), hex(code)


def test_a_row_source_maps_columns_to_the_contracts_fields_only() -> None:
    mapped = postgres_settings({"columns": {f.name: f"col_{f.name}" for f in FIELDS}}, "t.toml")
    assert mapped is not None and mapped.column("title") == "col_title"
    with pytest.raises(ConfigError, match="not a record field") as raised:
        postgres_settings({"columns": {"headline": "h"}}, "t.toml")
    assert raised.value.key == "source.columns.headline"
    assert set(KNOWN_FIELDS) >= {"id", "title", "date_published"}
