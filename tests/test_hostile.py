"""Hostile but fair input: one bad record file is that file's error, never the site's.

Each test adds one hostile record file to a copy of the sample and runs ``build`` and
``check`` through the CLI: no traceback, exit 1, one line naming the file, and every
other record still published in valid feeds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from feedpub.cli import main
from feedpub.config import parse_config
from feedpub.records.loader import parse_file
from feedpub.records.walk import WalkProblem, find_record_files
from feedpub.validate import validate_feed

NOW = "2026-01-01T00:00:00+07:00"
CONFIG = parse_config(
    {"title": "Site", "link": "https://example.com/", "description": "News."}, "test.toml"
)
GOOD = {
    "id": "hostile",
    "title": "A title",
    "url": "https://example.com/hostile/",
    "date_published": "2024-05-01 10:00",
    "content_text": "Body.",
}


def run(site: Path, command: str, *args: str) -> Result:
    extra = ["--now", NOW] if command == "build" else []
    return CliRunner().invoke(
        main, [command, "--config", str(site / "feedpub.toml"), *extra, *args]
    )


def assert_one_clear_error(result: Result, name: str) -> list[str]:
    """Exit 1 without a traceback, and the error lines name the file."""
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if name in line]
    assert lines, result.stderr
    return lines


def assert_site_published(site: Path) -> None:
    """The main feeds exist, are valid, and still show the sample's records."""
    for name in ("rss.xml", "atom.xml"):
        data = (site / "public" / name).read_bytes()
        assert [p for p in validate_feed(data) if p.level == "error"] == []
        assert b"altumnews.com/20" in data


def hostile_site(site: Path, name: str, data: bytes) -> Path:
    path = site / "articles" / name
    path.write_bytes(data)
    return path


def record(**fields: Any) -> bytes:
    return json.dumps({**GOOD, **fields}).encode()


# -- defect 1: one file crashes the whole build ------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"id": "x", "_deep": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        # A control character makes the loader clean every string, recursively.
        b'{"id": "x", "title": "\\u0001", "_deep": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'[{"id": "x", "title": "\\u0001", "_deep": ' + b"[" * 900 + b"]" * 900 + b"}]",
    ],
    ids=["list-1000", "field-5000", "clean-900", "list-clean-900"],
)
def test_deep_nesting_is_the_files_error(site: Path, data: bytes) -> None:
    hostile_site(site, "deep.json", data)
    for command in ("build", "check"):
        lines = assert_one_clear_error(run(site, command), "deep.json")
        assert any("nested" in line for line in lines), lines
    assert_site_published(site)


def test_deep_nesting_in_one_record_of_a_list_spares_the_others() -> None:
    deep = {**GOOD, "id": "deep", "_x": json.loads("[" * 100 + "]" * 100)}
    data = json.dumps([{**GOOD, "id": "a"}, deep, {**GOOD, "id": "b"}]).encode()
    parsed = parse_file(data, "list.json", "articles/list.json", CONFIG.records)
    assert [a.id for a in parsed.articles] == ["a", "b"]
    assert [e.record for e in parsed.errors] == ["deep"]
    assert "nested more than" in str(parsed.errors[0])


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("key.json", b'{"id": "k", "title": "T", "date_published": "2024-05-01",'
         b' "url": "/k/", "\\ud800": 1}'),
        ("value.json", b'{"id": "v", "title": "T\\ud800", "date_published": "2024-05-01",'
         b' "url": "/v/"}'),
        ("list.json", b'[{"id": "l", "title": "T\\udfff", "date_published": "2024-05-01",'
         b' "url": "/l/"}]'),
        ("line.jsonl", b'{"id": "j", "title": "T", "date_published": "2024-05-01",'
         b' "url": "/j/", "_\\ud83d": "\\ude00"}\n'),
    ],
)  # fmt: skip
def test_lone_surrogates_are_removed_with_a_warning(site: Path, name: str, data: bytes) -> None:
    hostile_site(site, name, data)
    result = run(site, "build")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.stderr
    assert any(name in line and "XML cannot carry" in line for line in result.stderr.splitlines())
    assert_site_published(site)
    parsed = parse_file(data, name, name, CONFIG.records)
    assert len(parsed.articles) == 1
    for text in (parsed.articles[0].title, *(str(w) for w in parsed.warnings)):
        text.encode("utf-8")  # nothing the loader hands on fails to encode


def test_a_valid_surrogate_pair_is_kept() -> None:
    data = record(title="Smile \\ud83d\\ude00").replace(b"\\\\", b"\\")
    parsed = parse_file(data, "x.json", "x.json", CONFIG.records)
    assert parsed.articles[0].title == "Smile \U0001f600"
    assert parsed.warnings == []


@pytest.mark.parametrize(
    "fields",
    [
        {"content_html": '<p><a href="http://[::1">x</a> <a href="/rel">y</a></p>'},
        {"content_html": '<p><img src="//[::1/a.png"></p>'},
        {"id": "http://[::1"},
    ],
    ids=["content-absolute", "content-relative", "id"],
)
def test_a_malformed_ipv6_url_is_the_records_error(site: Path, fields: dict[str, Any]) -> None:
    fields = {"content_text": None, **fields}
    hostile_site(site, "ipv6.json", record(**fields))
    for command in ("check", "build"):
        result = run(site, command)
        lines = assert_one_clear_error(result, "ipv6.json")
        assert any("URL" in line for line in lines), lines
    assert "1 bad" in run(site, "check").stderr
    assert_site_published(site)


@pytest.mark.parametrize(
    ("body", "bad"),
    [
        ('<p>[1] a note</p><A HREF="http://[::1">x</A>', True),  # any case of the name
        ('<p>[1] a note</p><img Src = "//[::1/a.png">', True),
        ('<p>a "\u017frc" for src: [x]</p><img \u017frc="//[::1/a.png">', True),  # re.I folds
        ("<p>[1] a note, no link: href is a word here</p>", False),
        ('<p>[1] a note</p><a href="https://example.com/">x</a>', False),
        ("<p>[1] a note and nothing else</p>", False),
    ],
)
def test_a_body_link_urllib_cannot_read_is_found_whatever_else_it_holds(
    body: str, bad: bool
) -> None:
    data = record(content_text=None, content_html=body)
    parsed = parse_file(data, "x.json", "x.json", CONFIG.records, bodies=False)
    found = [e for e in parsed.errors if "link URL that cannot be read" in str(e)]
    assert bool(found) is bad, parsed.errors


@pytest.mark.parametrize(
    "body",
    [
        '<p>[1] a note</p><a HREF="//[::1/Page">x</a>',  # an ASCII body, searched lowered
        '<p>[1] a note, été</p><a HREF="//[::1/Page">x</a>',  # not ASCII: case-blind
    ],
)
def test_an_unreadable_link_is_named_as_written(body: str) -> None:
    data = record(content_text=None, content_html=body)
    parsed = parse_file(data, "x.json", "x.json", CONFIG.records, bodies=False)
    [error] = [e for e in parsed.errors if "link URL that cannot be read" in str(e)]
    assert error.reason.endswith("'//[::1/Page'"), error


def test_the_nfkc_delimiter_list_is_complete() -> None:
    import unicodedata

    from feedpub.records.guards import NFKC_DELIMITERS

    found = [
        chr(code)
        for code in range(0x80, 0x30000)
        if not 0xD800 <= code < 0xE000
        and any(c in unicodedata.normalize("NFKC", chr(code)) for c in "/?#@:")
    ]
    assert "".join(found) == NFKC_DELIMITERS


def test_a_json_lines_record_may_hold_a_unicode_line_separator() -> None:
    lines = [
        json.dumps({**GOOD, "id": f"r{n}", "title": "a\u2028b\x85c"}, ensure_ascii=False)
        for n in range(2)
    ]
    parsed = parse_file("\r\n".join(lines).encode(), "x.jsonl", "x.jsonl", CONFIG.records)
    assert parsed.errors == []
    assert [a.line for a in parsed.articles] == [1, 2]


# -- defect 3: what the loader accepts renders into valid feeds ---------------------------


@pytest.mark.parametrize(
    ("url", "published"),
    [
        ("https://example.com/a#b#c", "https://example.com/a#b%23c"),
        ("http://host:/", "http://host/"),  # xs:anyURI (libxml2) refuses an empty port
    ],
)
def test_a_url_is_published_as_xs_anyuri_accepts_it(url: str, published: str) -> None:
    parsed = parse_file(record(url=url), "x.json", "x.json", CONFIG.records)
    assert parsed.articles[0].url == published


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("title", "<![CDATA[ hello ]]>", "hello"),
        ("title", "  <![CDATA[<![CDATA[ twice ]]>]]>", "twice"),
        ("summary", "<![CDATA[ a summary ]]>", "a summary"),
        ("content_html", "<![CDATA[<p>body</p>]]>", "<p>body</p>"),
    ],
)
def test_a_cdata_wrapper_is_unwrapped_with_a_warning(field: str, value: str, shown: str) -> None:
    fields = {field: value, "content_text": None} if field == "content_html" else {field: value}
    parsed = parse_file(record(**fields), "x.json", "x.json", CONFIG.records)
    (article,) = parsed.articles
    held = {
        "title": article.title,
        "summary": article.summary,
        "content_html": article.content_html,
    }
    assert held[field] == shown
    assert any(w.field == field and "CDATA" in w.reason for w in parsed.warnings)


def test_a_summary_drawn_from_the_body_drops_a_leading_cdata_opener() -> None:
    parsed = parse_file(
        record(content_text="<![CDATA[ <![CDATA[ Body text"), "x.json", "x.json", CONFIG.records
    )
    assert parsed.articles[0].summary == "Body text"


def test_an_unclosed_cdata_marker_is_the_records_error() -> None:
    parsed = parse_file(record(title="<![CDATA[ never closed"), "x.json", "x.json", CONFIG.records)
    assert parsed.articles == []
    assert parsed.errors[0].field == "title"
    assert "CDATA" in parsed.errors[0].reason


def test_a_cdata_title_publishes_valid_feeds(site: Path) -> None:
    hostile_site(site, "cdata.json", record(title="<![CDATA[ hello ]]>", summary="<![CDATA[x"))
    assert_one_clear_error(run(site, "build"), "cdata.json")
    assert_site_published(site)
    hostile_site(site, "cdata.json", record(title="<![CDATA[ hello ]]>"))
    result = run(site, "build")
    assert result.exit_code == 0, result.stderr
    assert b"hello" in (site / "public" / "atom.xml").read_bytes()
    assert_site_published(site)


def test_a_huge_body_is_the_records_error_and_names_it(site: Path) -> None:
    hostile_site(site, "huge.json", record(content_text="x" * 12_000_000))
    for command in ("check", "build"):
        lines = assert_one_clear_error(run(site, command), "huge.json")
        assert any("max_record_bytes" in line and "'hostile'" in line for line in lines), lines
    assert_site_published(site)


@pytest.mark.parametrize(
    ("mime", "accepted"),
    [("audio/mpeg", True), ("audio/mp4; codecs=mp4a", False), ("audio/mp4;codecs=mp4a", True),
     ("http://[::1", False), ("a/b/c", False), ("/x", False), ("audio/", False)],
)  # fmt: skip
def test_an_attachment_type_is_a_media_type(mime: str, accepted: bool) -> None:
    attachment = {"url": "/a.mp3", "mime_type": mime}
    parsed = parse_file(record(attachments=[attachment]), "x.json", "x.json", CONFIG.records)
    assert bool(parsed.articles) is accepted


# -- defect 4: bounded work per record ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("categories", [f"c{n}" for n in range(21)], "max_categories"),
        ("authors", [f"a{n}" for n in range(21)], "max_authors"),
        (
            "attachments",
            [{"url": f"/a{n}.mp3", "mime_type": "audio/mpeg"} for n in range(21)],
            "max_attachments",
        ),
    ],
)
def test_a_record_over_a_limit_is_its_error(field: str, value: list[Any], key: str) -> None:
    parsed = parse_file(record(**{field: value}), "x.json", "x.json", CONFIG.records)
    assert parsed.articles == []
    (error,) = parsed.errors
    assert error.field == field and key in error.reason and "21" in error.reason
    at_limit = parse_file(record(**{field: value[:20]}), "x.json", "x.json", CONFIG.records)
    assert len(at_limit.articles) == 1, at_limit.errors


def test_limits_are_config_keys() -> None:
    config = parse_config(
        {
            "title": "Site",
            "link": "https://example.com/",
            "description": "News.",
            "max_categories": 2,
            "max_record_bytes": 500,
        },
        "test.toml",
    )
    three = parse_file(record(categories=["a", "b", "c"]), "x.json", "x.json", config.records)
    assert "max_categories (2)" in three.errors[0].reason
    big = parse_file(record(content_text="x" * 600), "x.json", "x.json", config.records)
    assert "max_record_bytes (500)" in big.errors[0].reason


def test_a_list_file_is_judged_per_record() -> None:
    config = parse_config(
        {
            "title": "Site",
            "link": "https://example.com/",
            "description": "News.",
            "max_record_bytes": 400,
        },
        "test.toml",
    )
    records = [{**GOOD, "id": f"r{n}"} for n in range(10)]
    records[4]["content_text"] = "x" * 500
    for name, data in (
        ("list.json", json.dumps(records).encode()),
        ("lines.jsonl", "\n".join(json.dumps(r) for r in records).encode()),
    ):
        parsed = parse_file(data, name, name, config.records)
        assert len(data) > 400
        assert [e.record for e in parsed.errors] == ["r4"]
        assert len(parsed.articles) == 9


@pytest.mark.parametrize(
    ("key", "value"),
    [("max_categories", -1), ("max_record_bytes", 0), ("max_record_bytes", 10**9)],
)
def test_a_bad_limit_is_a_config_error(key: str, value: int) -> None:
    from feedpub.errors import ConfigError

    raw = {"title": "Site", "link": "https://example.com/", "description": "N.", key: value}
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, "test.toml")
    assert caught.value.key == key


# -- defects 2 and 10: the walk ------------------------------------------------------------


def test_a_symlink_loop_is_reported_not_followed(site: Path) -> None:
    os.symlink(".", site / "articles" / "loop")
    os.symlink("self.json", site / "articles" / "self.json")
    for command in ("build", "check"):
        result = run(site, command)
        assert "Traceback" not in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_site_published(site)


def refuse_scandir(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` unreadable as chmod 000 makes it for anyone but root (tests run as root,
    who reads any folder)."""
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == folder:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_an_unreadable_folder_does_not_crash_the_build(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (site / "articles" / "private").mkdir()
    refuse_scandir(monkeypatch, site / "articles" / "private")
    for command in ("build", "check"):
        result = run(site, command)
        assert "Traceback" not in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert_site_published(site)


def walk(root: Path, *, parallel: bool = False) -> tuple[list[str], list[str]]:
    problems: list[WalkProblem] = []
    found = find_record_files(root, parallel=parallel, problems=problems)
    return [path for path, _, _ in found], [f"{p.relative}: {p.error}" for p in problems]


def make_tree(root: Path) -> None:
    for folder in ("a", "b/c"):
        (root / folder).mkdir(parents=True)
        (root / folder / "r.json").write_text("{}")


@pytest.mark.parametrize("parallel", [False, True])
def test_walk_reports_loops_and_follows_links_inside(tmp_path: Path, parallel: bool) -> None:
    root = tmp_path / "articles"
    make_tree(root)
    os.symlink("..", root / "b" / "c" / "up")  # to b: a loop
    os.symlink("../b", root / "a" / "to-b")  # to a sibling: read like a copy
    os.symlink("../a", root / "b" / "to-a")  # and back: a loop through two links
    os.symlink("r.json", root / "a" / "same.json")
    found, problems = walk(root, parallel=parallel)
    assert found == [
        "a/r.json",
        "a/same.json",
        "a/to-b/c/r.json",
        "b/c/r.json",
        "b/to-a/r.json",
        "b/to-a/same.json",
    ]
    assert problems == [
        f"{relative}: {root / relative}: is a symbolic link back to a folder it is in (a loop):"
        " not followed"
        for relative in ("a/to-b/c/up", "a/to-b/to-a", "b/c/up", "b/to-a/to-b")
    ]


def test_walk_refuses_links_that_leave_the_articles_folder(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    make_tree(root)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.json").write_text("{}")
    os.symlink(tmp_path / "outside", root / "out")
    os.symlink("../../outside/secret.json", root / "a" / "secret.json")
    os.symlink("missing.json", root / "a" / "broken.json")
    found, problems = walk(root)
    assert found == ["a/r.json", "b/c/r.json"]
    assert problems == [
        f"a/broken.json: {root}/a/broken.json: is a broken symbolic link (or a loop of links):"
        " skipped",
        f"a/secret.json: {root}/a/secret.json: is a symbolic link to"
        f" '{tmp_path}/outside/secret.json', outside the articles folder: not followed (copy or"
        " move what it points to into the articles folder)",
        f"out: {root}/out: is a symbolic link to '{tmp_path}/outside', outside the articles"
        " folder: not followed (copy or move what it points to into the articles folder)",
    ]


def test_an_articles_folder_reached_through_a_link_is_walked(tmp_path: Path) -> None:
    make_tree(tmp_path / "real")
    os.symlink("real", tmp_path / "articles")
    assert walk(tmp_path / "articles") == (["a/r.json", "b/c/r.json"], [])


def test_walk_skips_an_unreadable_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "articles"
    make_tree(root)
    refuse_scandir(monkeypatch, root / "b")
    assert walk(root) == (
        ["a/r.json"],
        [f"b/: {root}/b: cannot read this folder (Permission denied); its records are skipped"],
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 folder anyway")
def test_walk_skips_a_folder_without_permission(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    make_tree(root)
    (root / "b").chmod(0)
    try:
        assert walk(root)[0] == ["a/r.json"]
    finally:
        (root / "b").chmod(0o755)


def test_walk_reports_a_name_that_is_not_utf8(tmp_path: Path) -> None:
    root = tmp_path / "articles"
    make_tree(root)
    try:
        (root / os.fsdecode(b"caf\xe9.json")).write_text("{}")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    found, problems = walk(root)
    assert found == ["a/r.json", "b/c/r.json"]
    assert problems == [f"caf\udce9.json: {root}/caf\\xe9.json: file name is not UTF-8; rename it"]


def test_a_folder_that_turns_unreadable_is_reported_and_keeps_its_records(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(site, "build").exit_code == 0
    year = site / "articles" / "2022"
    before = (site / "public" / "rss.xml").read_bytes()
    refuse_scandir(monkeypatch, year)
    result = run(site, "build")
    assert result.exit_code == 1
    assert f"{year}: cannot read this folder (Permission denied)" in result.stderr
    # Not seen is not gone: the records under it stay published as they were.
    assert (site / "public" / "rss.xml").read_bytes() == before


def test_an_unreadable_folder_is_reported_and_its_records_kept(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(site, "build").exit_code == 0
    before = (site / "public" / "rss.xml").read_bytes()
    refuse_scandir(monkeypatch, site / "articles" / "2024")
    for command in ("build", "check"):
        result = run(site, command)
        assert result.exit_code == 1, result.stderr
        assert [line for line in result.stderr.splitlines() if "Permission denied" in line] == [
            f"{site / 'articles' / '2024'}: cannot read this folder (Permission denied); its"
            " records are skipped"
        ]
    # Unreadable is not deleted: the folder's records stay in the feeds.
    assert (site / "public" / "rss.xml").read_bytes() == before


def test_a_link_out_of_the_articles_folder_is_reported(site: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.json").write_bytes(record())
    os.symlink(outside, site / "articles" / "linked")
    result = run(site, "check")
    assert result.exit_code == 1
    assert "outside the articles folder: not followed" in result.stderr


def test_no_writable_temporary_folder_is_one_clear_error(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries go to documents through a temporary folder: where none can be made, the build
    says so (and how to choose another), without a traceback; the next build with one works."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(site / "no-such-folder"))
    result = run(site, "build")
    assert result.exit_code != 0 and "Traceback" not in result.stderr
    assert "set TMPDIR to a writable folder" in result.stderr
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert run(site, "build").exit_code == 0
    assert_site_published(site)
