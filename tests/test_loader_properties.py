"""Property tests for the loader: no input crashes it, and good records keep their meaning."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from feedpub.config import parse_config
from feedpub.errors import RecordError
from feedpub.records.loader import parse_file

CONFIG = parse_config(
    {
        "title": "Site",
        "link": "https://example.com/",
        "description": "News.",
        "timezone": "Asia/Jakarta",
    },
    "test.toml",
)
FIELDS = [
    "id", "title", "url", "date_published", "date_modified", "timezone", "authors",
    "categories", "summary", "content_html", "content_text", "image", "attachments",
    "language", "draft", "extra",
]  # fmt: skip
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8))
def test_any_record_gives_an_article_or_located_errors(raw: dict[str, Any]) -> None:
    data = json.dumps(raw).encode()
    parsed = parse_file(data, "x.json", "articles/x.json", CONFIG.records)
    # A draft with problems is left out with warnings only: it can break no feed.
    broken_draft = raw.get("draft") is True and not parsed.articles and parsed.warnings
    assert len(parsed.articles) + bool(parsed.errors) + bool(broken_draft) == 1
    for error in parsed.errors:
        assert isinstance(error, RecordError)
        assert str(error).startswith("articles/x.json: ")


@given(st.binary(max_size=200))
def test_any_bytes_never_crash_the_loader(data: bytes) -> None:
    for name in ("x.json", "x.jsonl"):
        parsed = parse_file(data, name, f"articles/{name}", CONFIG.records)
        assert all(str(e).startswith(f"articles/{name}") for e in parsed.errors)


@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from([0, 7 * 60, 8 * 60, -5 * 60, 5 * 60 + 45]),
    # A title opening a CDATA marker it never closes is an error of its own (test_hostile.py).
    st.text(min_size=1).filter(
        lambda t: bool(t.strip()) and t.isprintable() and not t.lstrip().startswith("<![CDATA[")
    ),
    st.lists(
        st.text(min_size=1, max_size=20).filter(lambda t: bool(t.strip()) and t.isprintable()),
        max_size=4,
    ),
)
def test_good_record_keeps_its_meaning(
    moment: datetime, minutes: int, title: str, labels: list[str]
) -> None:
    zone = UTC if minutes == 0 else None
    offset = timedelta(minutes=minutes)
    stamp = moment.replace(microsecond=0).isoformat() + (
        "Z"
        if zone
        else f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    )
    record = {"title": title, "date_published": stamp, "url": "/a/", "categories": labels}
    parsed = parse_file(json.dumps(record).encode(), "a.json", "articles/a.json", CONFIG.records)
    assert not parsed.errors, [str(e) for e in parsed.errors]
    (article,) = parsed.articles
    assert article.published.utcoffset() == offset
    assert article.published.replace(tzinfo=None) == moment.replace(microsecond=0)
    assert article.url == "https://example.com/a/"
    assert len({c.term for c in article.categories}) == len(article.categories) <= len(labels)
