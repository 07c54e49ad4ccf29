"""One run: build, check, serve, `feedpub config` and the library resolve a run the same way."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from click.testing import CliRunner

import feedpub
from feedpub.cli import main
from feedpub.site import resolve_run
from tests.conftest import TEST_CLOCK
from tests.test_websub import PROXY_VARIABLES, Hub, with_hubs

FUTURE = "articles/2031/embargo.json"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    server = Hub()
    yield server
    server.stop()


def _items(feed: Path) -> int:
    return len(feedparser.parse(feed.read_bytes()).entries)


def _serve_once(monkeypatch: pytest.MonkeyPatch, site: Path, *args: str) -> Any:
    """Run `feedpub serve` in ``site`` up to the point it would serve forever."""
    monkeypatch.setattr("feedpub.serve.serve_forever", lambda server, rebuilder: None)
    monkeypatch.chdir(site)
    return CliRunner().invoke(main, ["serve", "--port", "0", *args])


def test_serve_build_honours_set_as_build_does(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _serve_once(monkeypatch, site, "--build", "--set", "limit=2")
    assert result.exit_code == 0, result.output
    assert _items(site / "public" / "rss.xml") == 2


def test_serve_serves_the_folder_the_config_names_as_build_writes(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = site / "feedpub.toml"
    config.write_text('out = "elsewhere"\n' + config.read_text())
    result = _serve_once(monkeypatch, site, "--build")
    assert result.exit_code == 0, result.output
    assert (site / "elsewhere" / "rss.xml").is_file()
    assert not (site / "public").exists()
    assert f"serving {Path('elsewhere')}" in result.output or "serving elsewhere" in result.output


def test_serve_refuses_object_storage_in_one_line(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _serve_once(monkeypatch, site, "--out", "s3://news-feeds/feeds/")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "s3://news-feeds/feeds/" in result.output and "folder" in result.output


def test_a_preview_never_pings_the_hubs_unless_asked(
    site: Path, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    with_hubs(site, hub.url)
    result = _serve_once(monkeypatch, site, "--build")
    assert result.exit_code == 0, result.output
    assert hub.requests == []
    (site / "articles" / "2022" / "12").joinpath("extra.json").write_text(
        json.dumps(
            {
                "id": "extra",
                "title": "Extra",
                "url": "/extra/",
                "date_published": "2022-12-03T10:00:00+07:00",
                "content_text": "x",
            }
        )
    )
    result = _serve_once(monkeypatch, site, "--build", "--ping")
    assert result.exit_code == 0, result.output
    assert hub.urls(), "--ping tells the hubs"


def test_config_masks_a_database_password_from_the_environment(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)
    monkeypatch.setenv("FEEDPUB_SOURCE", "postgresql://reader:hunter2secret@db.example/news")
    for args in (["config"], ["config", "--json"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "hunter2secret" not in result.output
        assert "reader:***@db.example" in result.output


def test_config_shows_the_out_build_writes_to(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = site / "feedpub.toml"
    config.write_text('out = "elsewhere"\n' + config.read_text())
    monkeypatch.chdir(site)
    result = CliRunner().invoke(main, ["config", "--json"])
    document = json.loads(result.output)
    assert document["options"]["out"] == {
        "value": "elsewhere",
        "source": "file",
        "from": "feedpub.toml",
    }


def _embargoed(site: Path) -> None:
    path = site / FUTURE
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "title": "Embargoed",
                "url": "/embargo/",
                "date_published": "2031-01-01T08:00:00+07:00",
                "content_text": "Not yet.",
            }
        )
    )


def test_the_library_withholds_future_stories_as_the_command_does(site: Path) -> None:
    _embargoed(site)
    run = resolve_run(site / "feedpub.toml")
    report = feedpub.build_site(run)  # no `now`: the clock (pinned in tests), as the CLI
    assert report.exit_code == feedpub.ExitCode.OK
    titles = [e.title for e in feedparser.parse((site / "public/atom.xml").read_bytes()).entries]
    assert "Embargoed" not in titles
    assert datetime(2031, 1, 1, tzinfo=UTC) > TEST_CLOCK
    feedpub.build_site(run, now=datetime(2031, 1, 2, tzinfo=UTC))
    titles = [e.title for e in feedparser.parse((site / "public/atom.xml").read_bytes()).entries]
    assert "Embargoed" in titles


def test_the_low_level_build_defaults_to_the_clock_too(site: Path) -> None:
    _embargoed(site)
    config = feedpub.load_config(site / "feedpub.toml")
    feedpub.build(site / "articles", site / "public", config)
    titles = [e.title for e in feedparser.parse((site / "public/rss.xml").read_bytes()).entries]
    assert "Embargoed" not in titles
