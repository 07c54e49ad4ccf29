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


# Values of the shape each field takes (and some it does not), for records that are mostly
# well-formed: a file of the record's shape is decoded in one typed pass, any other the long
# way (records/shape.py); both must say the same.
# Characters XML cannot carry take the long way, where they are cleaned: few texts have one.
_texts = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=12
) | st.sampled_from(
    [
        "",
        " ",
        "<![CDATA[x]]>",
        "<![CDATA[x",
        "https://example.com/a",
        "/relative/",
        "http://[x",
        "02/12/2022 10:00 WIB",
        "2024-01-02T03:04:05+07:00",
        "Asia/Jakarta",
        "Mars/Olympus",
        "en-US",
        "a@b.co",
        "audio/mpeg",
        "<p>hi <a href='/a'>a</a><script>x</script></p>",
        "bell\x07",  # cleaned, with a warning
        "\ufffe",
    ]
)
_numbers = st.integers(min_value=-(10**12), max_value=10**12) | st.floats(allow_nan=False)
_json = st.recursive(
    st.none() | st.booleans() | _numbers | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=6,
)
_objects = {
    "authors": ("name", "email", "url"),
    "categories": ("term", "label", "scheme"),
    "attachments": ("url", "mime_type", "size_in_bytes", "title"),
}


def _shaped(name: str) -> st.SearchStrategy[Any]:
    """Mostly a value of the field's shape, now and then any JSON value."""
    integers = st.integers(min_value=-(10**12), max_value=10**12)
    if name in _objects:
        keys = _objects[name]
        item = st.fixed_dictionaries(
            {}, optional={k: integers if k == "size_in_bytes" else _texts for k in keys}
        )
        proper: st.SearchStrategy[Any] = st.lists(
            item if name == "attachments" else _texts | item, max_size=3
        )
    elif name == "draft":
        proper = st.booleans()
    elif name == "id":
        proper = _texts | integers
    elif name.startswith("date_"):
        proper = _texts | _numbers
    else:
        proper = _texts
    return st.integers(0, 19).flatmap(lambda n: _json if n == 19 else proper)


_well_formed = st.fixed_dictionaries(
    {}, optional={name: _shaped(name) for name in FIELDS if name != "extra"}
)
# Now and then any record ("extra" is no field of the table: one with it goes the long way).
_shaped_records = st.one_of(
    _well_formed,
    _well_formed,
    _well_formed,
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=8),
)


@settings(max_examples=300)
@given(_shaped_records.flatmap(lambda d: st.permutations(list(d.items())).map(dict)))
def test_a_record_means_the_same_whichever_way_it_is_decoded(raw: dict[str, Any]) -> None:
    """A byte order mark sends a file the long way (json): articles, errors and warnings are
    those of the same bytes without it, word for word and in the same order."""
    data = json.dumps(raw, ensure_ascii=False).encode()
    shaped = parse_file(data, "x.json", "articles/x.json", CONFIG.records)
    marked = parse_file(b"\xef\xbb\xbf" + data, "x.json", "articles/x.json", CONFIG.records)
    assert shaped.articles == marked.articles
    assert [str(e) for e in shaped.errors] == [str(e) for e in marked.errors]
    assert [str(w) for w in shaped.warnings] == [str(w) for w in marked.warnings]
