"""JSON Feed 1.1 documents: one valid and one invalid case per rule, located by JSON pointer.

Each case edits tests/fixtures/feeds/json/minimal.json (written from the JSON Feed
1.1 specification) and lists exactly the problems it must produce for someone
else's document, as (level, rule, pointer); with publishing=True every warning
must come back as an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from feedpub.cli import main
from feedpub.validate import RULES, validate_feed, validate_source
from tests.feeds import FEEDS

JSON = FEEDS / "json"
Edit = Callable[[dict[str, Any]], object]


def edited(edit: Edit) -> bytes:
    feed = json.loads((JSON / "minimal.json").read_text(encoding="utf-8"))
    edit(feed)
    return json.dumps(feed, indent=2).encode()


def item(**members: object) -> Edit:
    return lambda feed: feed["items"][0].update(members)


def feed_with(**members: object) -> Edit:
    return lambda feed: feed.update(members)


def without(*path: str | int) -> Edit:
    def edit(feed: dict[str, Any]) -> None:
        node: Any = feed
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return edit


def second_item(**members: object) -> Edit:
    return lambda feed: feed["items"].append(members)


def html_instead_of_text(feed: dict[str, Any]) -> None:
    first = feed["items"][0]
    del first["content_text"]
    first["content_html"] = "<p>Rakor.</p>"


I0 = "/items/0"
CASES: dict[str, tuple[Edit, list[tuple[str, str, str]]]] = {
    "minimal is valid": (lambda feed: None, []),
    "jsonfeed-version fails: a made-up version": (
        feed_with(version="https://jsonfeed.org/version/2"),
        [("error", "jsonfeed-version", "/version")],
    ),
    "jsonfeed-version fails: missing": (
        without("version"),
        [("error", "jsonfeed-version", "/version")],
    ),
    "jsonfeed-current warns: version 1": (
        feed_with(version="https://jsonfeed.org/version/1"),
        [("warning", "jsonfeed-current", "/version")],
    ),
    "jsonfeed-current warns: the deprecated author": (
        feed_with(author={"name": "Redaksi"}),
        [("warning", "jsonfeed-current", "/author")],
    ),
    "jsonfeed-required fails: no title": (
        without("title"),
        [("error", "jsonfeed-required", "/")],
    ),
    "jsonfeed-required fails: no items": (
        without("items"),
        [("error", "jsonfeed-required", "/")],
    ),
    "jsonfeed-required fails: an item without id": (
        without("items", 0, "id"),
        [("error", "jsonfeed-required", I0)],
    ),
    "jsonfeed-required fails: an item without content": (
        without("items", 0, "content_text"),
        [("error", "jsonfeed-required", I0)],
    ),
    "jsonfeed-required ok: content_html alone": (
        html_instead_of_text,
        [],
    ),
    "jsonfeed-required fails: an attachment without mime_type": (
        item(attachments=[{"url": "https://news.example.org/a.mp3"}]),
        [("error", "jsonfeed-required", f"{I0}/attachments/0")],
    ),
    "jsonfeed-required fails: a hub without type": (
        feed_with(hubs=[{"url": "https://hub.example.org/"}]),
        [("error", "jsonfeed-required", "/hubs/0")],
    ),
    "jsonfeed-type fails: title as a number": (
        feed_with(title=7),
        [("error", "jsonfeed-type", "/title")],
    ),
    "jsonfeed-type fails: id as a number": (
        item(id=42),
        [("error", "jsonfeed-type", f"{I0}/id")],
    ),
    "jsonfeed-type fails: expired as a string": (
        feed_with(expired="no"),
        [("error", "jsonfeed-type", "/expired")],
    ),
    "jsonfeed-type fails: size_in_bytes true": (
        item(
            attachments=[{"url": "https://x.example/a", "mime_type": "a/b", "size_in_bytes": True}]
        ),
        [("error", "jsonfeed-type", f"{I0}/attachments/0/size_in_bytes")],
    ),
    "jsonfeed-type fails: a tag that is a list": (
        item(tags=["ok", ["not", "ok"]]),
        [("error", "jsonfeed-type", f"{I0}/tags/1")],
    ),
    "jsonfeed-type fails: an item that is a string": (
        lambda feed: feed["items"].append("rakor"),
        [("error", "jsonfeed-type", "/items/1")],
    ),
    "jsonfeed-unique-id fails: two items, one id": (
        second_item(id="tag:news.example.org,2022:rakor", content_text="Again."),
        [("error", "jsonfeed-unique-id", "/items/1/id")],
    ),
    "absolute-url fails: a relative item url": (
        item(url="/rakor"),
        [("error", "absolute-url", f"{I0}/url")],
    ),
    "absolute-url fails: a relative home_page_url": (
        feed_with(home_page_url="index.html"),
        [("error", "absolute-url", "/home_page_url")],
    ),
    "absolute-url fails: next_url without a host": (
        feed_with(next_url="https:///archive.json"),
        [("error", "absolute-url", "/next_url")],
    ),
    "iri-chars fails: a space in image": (
        item(image="https://news.example.org/a b.jpg"),
        [("error", "iri-chars", f"{I0}/image")],
    ),
    "absolute-url fails: an attachment url": (
        item(attachments=[{"url": "a.mp3", "mime_type": "audio/mpeg"}]),
        [("error", "absolute-url", f"{I0}/attachments/0/url")],
    ),
    "http-url warns: an ftp attachment": (
        item(attachments=[{"url": "ftp://news.example.org/a.mp3", "mime_type": "audio/mpeg"}]),
        [("warning", "http-url", f"{I0}/attachments/0/url")],
    ),
    "jsonfeed-date ok: Z and an offset with a fraction": (
        item(date_published="2022-12-02T03:00:00Z", date_modified="2022-12-02T10:00:00.25+07:00"),
        [],
    ),
    "jsonfeed-date fails: no offset": (
        item(date_published="2022-12-02T10:00:00"),
        [("error", "jsonfeed-date", f"{I0}/date_published")],
    ),
    "jsonfeed-date fails: an RFC 822 date": (
        item(date_modified="Fri, 02 Dec 2022 10:00:00 +0700"),
        [("error", "jsonfeed-date", f"{I0}/date_modified")],
    ),
    "date-offset warns: an unknown offset -00:00": (
        item(date_published="2022-12-02T10:00:00-00:00"),
        [("warning", "date-offset", f"{I0}/date_published")],
    ),
    "jsonfeed-author fails: an empty author object": (
        feed_with(authors=[{}]),
        [("error", "jsonfeed-author", "/authors/0")],
    ),
    "jsonfeed-author ok: a url alone": (
        item(authors=[{"url": "https://news.example.org/desk"}]),
        [],
    ),
    "jsonfeed-type fails: authors as an object": (
        feed_with(authors={"name": "Redaksi"}),
        [("error", "jsonfeed-type", "/authors")],
    ),
    "language-tag fails: an item language with an underscore": (
        item(language="id_ID"),
        [("error", "language-tag", f"{I0}/language")],
    ),
    "self-link warns: no feed_url": (
        without("feed_url"),
        [("warning", "self-link", "/")],
    ),
    "jsonfeed-unknown-member warns: a misspelt member": (
        item(date_publish="2022-12-02T10:00:00+07:00"),
        [("warning", "jsonfeed-unknown-member", f"{I0}/date_publish")],
    ),
    "jsonfeed-unknown-member ok: an extension, and a pointer escapes / and ~": (
        item(_ext={"a/b~c": 1}),
        [],
    ),
}


@pytest.mark.parametrize(("edit", "expected"), CASES.values(), ids=CASES)
def test_rule(edit: Edit, expected: list[tuple[str, str, str]]) -> None:
    document = edited(edit)
    problems = validate_feed(document, "case.json")
    assert [(p.level, p.rule, p.path) for p in problems] == expected, problems
    assert all(p.line is None and p.message and "\n" not in p.message for p in problems)
    published = validate_feed(document, "case.json", publishing=True)
    assert [(p.level, p.rule, p.path) for p in published] == [
        ("error", rule, path) for _, rule, path in expected
    ]


def test_the_full_example_is_valid() -> None:
    assert validate_feed((JSON / "full.json").read_bytes(), publishing=True) == []


def test_json_pointer_escapes_slash_and_tilde() -> None:
    document = edited(item(**{"a/b~c": 1}))
    [problem] = validate_feed(document)
    assert problem.path == f"{I0}/a~1b~0c"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b'{"version": ', "not valid JSON"),
        (b"\xef\xbb\xbf{\xff}", "not UTF-8"),
        (b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nests too deeply"),
        (b'{"title": ' + b"9" * 5000 + b"}", "refused"),
        (b"  \n {}", "no 'title'"),
    ],
    ids=["truncated", "not utf-8", "deep nesting", "huge integer", "empty object"],
)
def test_bad_json_is_one_clear_error_never_an_exception(data: bytes, words: str) -> None:
    problems = validate_feed(data, "bad.json")
    assert problems and problems[0].level == "error"
    assert any(words in p.message for p in problems), problems


def test_a_lone_surrogate_in_a_member_name_is_shown_escaped(tmp_path: Any) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(
        (JSON / "minimal.json").read_bytes().replace(b'"title"', b'"\\ud800": 1, "title"')
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].endswith("(jsonfeed-unknown-member) [/\\ud800]")


def test_a_json_array_is_not_taken_for_a_feed() -> None:
    # Only a document starting with '{' is read as JSON; '[' is not XML either.
    [problem] = validate_feed(b"[1, 2]", "list.json")
    assert problem.rule == "xml-parse"


def test_feedpub_validate_reads_json_feed_with_pointers(tmp_path: Any) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(edited(item(url="/rakor")))
    result = CliRunner().invoke(main, ["validate", str(path), str(JSON / "minimal.json")])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}: error: url '/rakor' is a relative URL; feed readers have no base to resolve "
        "it against, so write it in full, e.g. https://example.org/path (absolute-url) "
        "[/items/0/url]",
        "2 document(s): 1 error(s), 0 warning(s)",
    ]


def test_validate_source_reads_json_from_stdin() -> None:
    import io

    stdin = io.BytesIO((JSON / "minimal.json").read_bytes())
    assert validate_source("-", stdin=stdin) == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["id", "url", "name", "type", "x"]), children, max_size=3)
    ),
    max_leaves=8,
)
PLACES: tuple[tuple[str | int, ...], ...] = (
    ("version",),
    ("title",),
    ("feed_url",),
    ("authors",),
    ("hubs",),
    ("items",),
    ("items", 0),
    ("items", 0, "id"),
    ("items", 0, "date_published"),
    ("items", 0, "attachments"),
    ("items", 0, "authors"),
    ("items", 0, "tags"),
    ("items", 0, "language"),
)


@given(st.sampled_from(PLACES), JSON_VALUES)
def test_any_json_value_anywhere_gives_problems_not_exceptions(
    place: tuple[str | int, ...], value: object
) -> None:
    def put(feed: dict[str, Any]) -> None:
        node: Any = feed
        for step in place[:-1]:
            node = node[step]
        node[place[-1]] = value

    problems = validate_feed(edited(put), "fuzz.json")
    assert all(p.level in ("error", "warning") and p.path for p in problems)
    assert all(p.rule in RULES and "\n" not in p.message for p in problems)
    str(problems).encode("utf-8")  # printable: no lone surrogate reaches the output


def test_an_author_url_may_be_a_mailto_link() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "T",
        "feed_url": "https://example.com/feed.json",
        "items": [
            {
                "id": "1",
                "content_text": "x",
                "authors": [{"name": "Desk", "url": "mailto:desk@example.com"}],
            }
        ],
    }
    assert validate_feed(json.dumps(feed).encode(), "feed.json", publishing=True) == []
    feed["items"][0]["authors"][0]["url"] = "ftp://example.com/desk"  # type: ignore[index]
    problems = validate_feed(json.dumps(feed).encode(), "feed.json", publishing=True)
    assert [p.rule for p in problems] == ["http-url"]
