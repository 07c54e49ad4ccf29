"""`feedpub links`: autodiscovery tags that match the feeds a build publishes."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.output.formats import FORMATS

FEEDS_URL = "https://altumnews.com/feeds/"


def _run(site: Path, *args: str) -> object:
    return CliRunner().invoke(main, ["links", "--config", str(site / "feedpub.toml"), *args])


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag == "link"
        self.found.append(dict(attrs))


def _parsed(html: str) -> list[dict[str, str | None]]:
    parser = _Links()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("term", [None, "ekonomi"])
def test_each_link_names_a_published_feed_by_its_own_title(site: Path, term: str | None) -> None:
    build = CliRunner().invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")])
    assert build.exit_code == 0
    result = _run(site, *(["--category", term] if term else []))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    links = _parsed(result.stdout)  # type: ignore[attr-defined]
    assert [link["type"] for link in links] == [spec.media_type for spec in FORMATS.values()]
    for link, spec in zip(links, FORMATS.values(), strict=True):
        assert link["rel"] == "alternate"
        href = link["href"] or ""
        assert href.startswith(FEEDS_URL)
        published = site / "public" / href.removeprefix(FEEDS_URL)
        assert published.is_file(), href
        data = published.read_bytes()
        title = (
            json.loads(data)["title"]
            if spec.syntax == "json"
            else feedparser.parse(data).feed.title
        )
        assert link["title"] == f"{title} ({spec.label})"


def test_json_carries_the_same_links(site: Path) -> None:
    html_links = _parsed(_run(site).stdout)  # type: ignore[attr-defined]
    data = json.loads(_run(site, "--format", "json").stdout)  # type: ignore[attr-defined]
    assert [{k: d[k] for k in ("rel", "type", "title", "href")} for d in data] == html_links


def test_only_the_formats_the_config_publishes(site: Path) -> None:
    result = _run(site, "--set", 'formats=["atom"]')
    assert [link["type"] for link in _parsed(result.stdout)] == [  # type: ignore[attr-defined]
        "application/atom+xml"
    ]


def test_a_title_with_markup_is_escaped(site: Path) -> None:
    result = _run(site, "--set", 'title=Kabar "Lampung" & <Sekitarnya>')
    [first, *_] = _parsed(result.stdout)  # type: ignore[attr-defined]
    assert first["title"] == 'Kabar "Lampung" & <Sekitarnya> (RSS)'


def test_an_unknown_category_or_no_build_yet_is_one_line(site: Path) -> None:
    before = _run(site, "--category", "ekonomi")
    assert before.exit_code == 2  # type: ignore[attr-defined]
    assert "run `feedpub build` first" in before.stderr  # type: ignore[attr-defined]
    assert before.stderr.count("\n") == 1  # type: ignore[attr-defined]
    CliRunner().invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")])
    unknown = _run(site, "--category", "nope")
    assert unknown.exit_code == 2  # type: ignore[attr-defined]
    assert "no category 'nope' (categories: ekonomi," in unknown.stderr  # type: ignore[attr-defined]
