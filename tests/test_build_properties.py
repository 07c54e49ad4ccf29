"""The property that protects readers: any record the loader accepts renders into valid feeds.

A record that passes the loader but fails validation would keep every feed that shows it from
updating, so the loader must refuse (or repair) whatever the renderer cannot publish.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedpub import build
from feedpub.config import parse_config

CONFIG = parse_config(
    {
        "title": "Site",
        "link": "https://example.com/",
        "description": "News.",
        "timezone": "Asia/Jakarta",
        "language": "id",
    },
    "test.toml",
)
nasty_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40
) | st.sampled_from(["", " ", "<b>x</b>", "]]>", "&amp;", "\x07", "\ufffe", "a\u0301", "😀"])


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Good values seven times in eight: records must often pass the loader to test rendering."""
    return st.one_of(*[good] * 7, bad)


text = mostly(st.text(min_size=1, max_size=40).filter(str.strip), nasty_text)
url_like = mostly(
    st.sampled_from(["/a/", "/b c/", "https://example.com/ä?x=1#y", "//cdn.example.com/x", "/%zz"]),
    nasty_text,
)
date_like = mostly(
    st.sampled_from(
        [
            "2022-12-02",
            "Jumat(02/12/2022)",
            "1910-06-01 12:00",
            "9999-12-31T23:59:59+14:00",
            "1900-01-01T00:00:00-12:00",
            "Fri, 02 Dec 2022 00:00:00 GMT",
            "2022-W48-5",
        ]
    ),
    st.integers(min_value=-(10**10), max_value=10**11) | nasty_text,
)
records = st.fixed_dictionaries(
    {"title": text, "date_published": date_like},
    optional={
        "id": text,
        "url": url_like,
        "date_modified": date_like,
        "authors": st.lists(
            text
            | st.fixed_dictionaries({}, optional={"name": text, "email": text, "url": url_like}),
            max_size=3,
        ),
        "categories": st.lists(
            text
            | st.fixed_dictionaries({"term": text}, optional={"label": text, "scheme": url_like}),
            max_size=3,
        ),
        "summary": text,
        "image": url_like,
        "attachments": st.lists(
            st.fixed_dictionaries(
                {"url": url_like, "mime_type": mostly(st.just("audio/mpeg"), text)},
                optional={"size_in_bytes": st.integers(-1, 10**12), "title": text},
            ),
            max_size=2,
        ),
        "language": mostly(st.sampled_from(["id", "en-US", "zh-Hant-TW"]), text),
    },
)


bodies = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"content_html": mostly(st.sampled_from(["<p>x</p>", "<a href='/r'>r</a>", "a<b"]), text)}
    ),
    st.fixed_dictionaries({"content_text": text}),
)
full_records = st.builds(lambda record, body: {**record, **body}, records, bodies)


BASE = {"title": "0", "date_published": "2022-12-02"}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(full_records, min_size=1, max_size=3))
# Each of these once passed the loader and then failed (or crashed) the build:
@example([{**BASE, "content_html": "\x08"}])  # JSON's \b escape: a control character
@example([{**BASE, "authors": [{"email": "0"}], "content_html": "<p>x</p>"}])  # not an address
@example([{**BASE, "url": "]]>"}])  # "]" is no URI character outside an IPv6 host
@example([{**BASE, "summary": " "}])  # white space is nothing to show
@example([{**BASE, "id": ":", "content_html": "<p>x</p>"}])  # a tag URI ending in ":"
@example([{**BASE, "categories": ["\x07"], "url": "/a/"}])  # a label that cleans to nothing
def test_accepted_records_always_render_valid_feeds(raws: list[dict[str, Any]]) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        (folder / "articles").mkdir()
        for number, raw in enumerate(raws):
            (folder / "articles" / f"r{number}.json").write_text(json.dumps(raw), "utf-8")
        report = build(folder / "articles", folder / "public", CONFIG)
        invalid = [p for o in report.feeds if o.action == "invalid" for p in o.problems]
        assert not invalid, [str(p) for p in invalid]
    finally:
        shutil.rmtree(folder)
