"""Bad records: each breach of the record contract gets its own clear message and exit code 1,
and every other record is still published."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedpub.cli import main

CONFIG = """
title = "Test Site"
link = "https://example.com/"
description = "Test feeds."
language = "id"
timezone = "Asia/Jakarta"
author = { name = "Desk", email = "desk@example.com" }
"""
NOW = "2026-01-01T00:00:00+07:00"
GOOD = {"title": "Good story", "date_published": "2022-12-02T10:00:00+07:00", "url": "/good/"}


def make_site(tmp_path: Path, files: dict[str, Any]) -> Path:
    (tmp_path / "feedpub.toml").write_text(CONFIG)
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.json").write_text(json.dumps(GOOD))
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (articles / name).write_text(text, encoding="utf-8")
    return tmp_path


def run_build(site: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(site / "feedpub.toml"),
            "--out",
            str(site / "public"),
            "--now",
            NOW,
            *extra,
        ],
    )


def record(**fields: Any) -> dict[str, Any]:
    base = {"title": "Bad story", "date_published": "2022-12-01", "url": "/bad/"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


BAD_RECORDS = [
    ("missing title", record(title=None), "title: is required"),
    ("empty title", record(title="  "), "title: must not be empty"),
    ("title not text", record(title=["x"]), "title: must be a string, not a list"),
    ("missing date", record(date_published=None), "date_published: is required"),
    ("unreadable date", record(date_published="sometime soon"), "date_published:"),
    ("unknown zone abbreviation", record(date_published="02/12/2022 10:00 EST"), "'EST'"),
    ("weekday contradicts date", record(date_published="Jumat(03/12/2022)"), "date_published:"),
    (
        "DST gap",
        record(date_published="2022-03-27 02:30", timezone="Europe/Berlin"),
        "date_published:",
    ),
    ("modified before published", record(date_modified="2022-11-30"), "date_modified: is earlier"),
    ("unknown timezone", record(timezone="Mars/Olympus"), "timezone:"),
    ("url with another scheme", record(url="javascript:alert(1)"), "url: must be an http(s) URL"),
    ("both bodies", record(content_html="<p>a</p>", content_text="a"), "content_text: give"),
    ("categories not a list", record(categories="Politik"), "categories: must be a list"),
    (
        "category without term",
        record(categories=[{"label": "X"}]),
        "categories[1].term: is required",
    ),
    (
        "attachment without type",
        record(attachments=[{"url": "/a.mp3"}]),
        "attachments[1].mime_type",
    ),
    (
        "negative attachment size",
        record(attachments=[{"url": "/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": -1}]),
        "attachments[1].size_in_bytes",
    ),
    ("bad language", record(language="Bahasa Indonesia"), "language: must be a BCP 47"),
    ("draft not boolean", record(draft="yes"), "draft: must be true or false"),
    ("author of wrong type", record(authors=[42]), "authors[1]: must be a name string"),
    ("nothing to show", record(url=None), "url: a record without a url needs"),
    ("not an object", [["a list in a list"]], "a record must be a JSON object"),
]


@pytest.mark.parametrize(
    ("case", "content", "expected"), BAD_RECORDS, ids=[c[0] for c in BAD_RECORDS]
)
def test_bad_record_is_reported_and_the_rest_published(
    tmp_path: Path, case: str, content: Any, expected: str
) -> None:
    site = make_site(tmp_path, {"bad.json": content})
    result = run_build(site, "-q")
    assert result.exit_code == 1, result.output
    assert expected in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(str(site / "articles" / "bad.json")), first
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    rss = (site / "public" / "rss.xml").read_text()
    assert "Good story" in rss
    assert "Bad story" not in rss


def test_jsonl_names_the_line_and_keeps_the_other_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", **record(title="First line story")}),
        "{not json",
        json.dumps(record(title="No id story")),
        json.dumps({"id": "d", **record(title="Fourth line story", date_published="2022-12-03")}),
    ]
    site = make_site(tmp_path, {"many.jsonl": "\n".join(lines) + "\n"})
    result = run_build(site, "-q")
    assert result.exit_code == 1
    jsonl = site / "articles" / "many.jsonl"
    assert f"{jsonl}:2: not valid JSON" in result.stderr
    assert f"{jsonl}:3: id: is required for each record of a list or a .jsonl file" in result.stderr
    rss = (site / "public" / "rss.xml").read_text()
    assert "First line story" in rss and "Fourth line story" in rss


def test_duplicate_id_keeps_the_first_record(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "a.json": {"id": "same", **record(title="Earlier file")},
            "b.json": {"id": "same", **record(title="Later file")},
        },
    )
    result = run_build(site, "-q")
    assert result.exit_code == 1
    assert "id: duplicate id, already used by a record in" in result.stderr
    rss = (site / "public" / "rss.xml").read_text()
    assert "Earlier file" in rss and "Later file" not in rss


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("date_publshed", "date_published"),
        ("catgories", "categories"),
        ("Summary", "summary"),
        ("tags", "categories"),
        ("author", "authors"),
    ],
)
def test_a_misspelt_field_suggests_the_closest_known_one(
    tmp_path: Path, name: str, meant: str
) -> None:
    site = make_site(tmp_path, {"typo.json": {**record(), name: "x"}})
    result = run_build(site)
    assert f"{name}: warning: unknown field, ignored; did you mean {meant!r}?" in result.stderr


def test_invalid_json_file_names_the_line(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"broken.json": '{\n  "title": "x",\n  oops\n}'})
    result = run_build(site, "-q")
    assert result.exit_code == 1
    assert f"{site / 'articles' / 'broken.json'}:3: not valid JSON" in result.stderr


def test_strict_publishes_nothing_when_a_record_is_bad(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"bad.json": record(title=None)})
    result = run_build(site, "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.stderr
    assert not (site / "public" / "rss.xml").exists()


def test_unknown_field_and_control_characters_are_warnings(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "odd.json": record(
                title="Odd\x07 story", subtitle="not in the contract", _x_cms={"a": 1}
            )
        },
    )
    result = run_build(site)
    assert result.exit_code == 0, result.stderr
    assert "subtitle: warning: unknown field, ignored" in result.stderr
    assert "title: warning: removed 1 character(s)" in result.stderr
    assert "_x_cms" not in result.stderr  # JSON Feed extension fields are allowed.
    assert "Odd story" in (site / "public" / "rss.xml").read_text()
    quiet = run_build(site, "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""


def test_check_reports_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {"bad.json": record(title=None, date_published="nope", language="?")},
    )
    result = CliRunner().invoke(main, ["check", "--config", str(site / "feedpub.toml")])
    assert result.exit_code == 1
    for field in ("title:", "date_published:", "language:"):
        assert field in result.stderr
    assert not (site / "public").exists()


def test_control_character_in_a_body_is_removed_with_one_warning(tmp_path: Path) -> None:
    site = make_site(
        tmp_path, {"odd.json": record(content_text="Isi\x0b berita.", categories=["A"])}
    )
    result = run_build(site)
    assert result.exit_code == 0, result.stderr
    warning = "content_text: warning: removed 1 character(s) that XML cannot carry"
    assert result.stderr.count(warning) == 1  # in three feeds, reported once
    assert "<p>Isi berita.</p>" in (site / "public" / "atom.xml").read_text().replace(
        "&lt;", "<"
    ).replace("&gt;", ">")


def test_records_in_a_list_need_ids_and_are_named_by_position(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"list.json": [{"id": "a", **record()}, record(title="Kedua")]})
    result = run_build(site, "-q")
    assert result.exit_code == 1
    expected = f"{site / 'articles' / 'list.json'}: id: is required for each record of a list"
    assert result.stderr.startswith(expected)
    assert "(record '#2')" in result.stderr
    assert "Bad story" in (site / "public" / "rss.xml").read_text()


def test_urls_with_spaces_and_non_ascii_are_percent_encoded(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "kafe.json": record(
                title="Kafe",
                url="/berita/ke-café/",
                image="https://cdn.example.com/foto kopi.jpg",
            )
        },
    )
    result = run_build(site, "-q")
    assert result.exit_code == 0, result.stderr
    rss = (site / "public" / "rss.xml").read_text()
    assert "<link>https://example.com/berita/ke-caf%C3%A9/</link>" in rss
    assert 'url="https://cdn.example.com/foto%20kopi.jpg"' in rss


def test_control_characters_anywhere_in_a_record_are_removed(tmp_path: Path) -> None:
    site = make_site(
        tmp_path,
        {
            "odd.json": record(
                id="odd\x01id",
                categories=["Seni\x07 Budaya", {"term": "x\x02", "label": "Ekonomi\x0b"}],
                authors=["Ana\x0c", {"name": "Budi\x1b", "email": "budi@example.com"}],
                attachments=[{"url": "/a.mp3", "mime_type": "audio/mpeg", "title": "Rekaman\x00"}],
            )
        },
    )
    result = run_build(site)
    assert result.exit_code == 0, result.stderr
    for name in ("id", "categories[1]", "categories[2].label", "authors[1]", "authors[2].name"):
        assert f"{name}: warning: removed 1 character(s) that XML cannot carry" in result.stderr
    atom = (site / "public" / "atom.xml").read_text()
    assert 'label="Seni Budaya"' in atom and "<name>Budi</name>" in atom


@pytest.mark.parametrize(
    "url",
    ["https://exa mple.com/x", "https://example.com:99999/", "https://[::1", "http://[zz]/"],
)
def test_a_url_no_reader_could_follow_is_one_error(tmp_path: Path, url: str) -> None:
    site = make_site(tmp_path, {"bad.json": record(url=url)})
    result = run_build(site, "-q")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 2  # the error and the summary: nothing else
    assert "url: must be an http(s) URL" in result.stderr
    assert "invalid" not in result.stderr.split(";")[0]  # no feed refused because of it


def test_quotes_and_stray_percent_signs_are_escaped(tmp_path: Path) -> None:
    site = make_site(tmp_path, {"odd.json": record(url='/a"b<c>/%zz/')})
    result = run_build(site, "-q")
    assert result.exit_code == 0, result.stderr
    assert (
        "<link>https://example.com/a%22b%3Cc%3E/%25zz/</link>"
        in (site / "public" / "rss.xml").read_text()
    )
