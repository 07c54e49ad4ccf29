"""The config keys of issue 8 (formats, hubs, archives): defaults, and every bad value is
exit 2 with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.config import load_config
from feedpub.errors import ConfigError

GOOD = """
title = "Site"
link = "https://example.com"
description = "News."
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedpub.toml"
    path.write_text(text)
    (tmp_path / "articles").mkdir(exist_ok=True)
    return path


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.syndication.formats == ("rss", "atom", "json")
    assert config.syndication.hubs == ()
    assert config.syndication.archive == "month" and config.syndication.archive_categories is True


def test_archive_off_and_site_only(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + 'archive = "off"\narchive_categories = false\n'))
    assert config.syndication.archive is None and config.syndication.archive_categories is False
    assert load_config(write(tmp_path, GOOD + 'archive = "week"\n')).syndication.archive == "week"


def test_hubs_keep_their_order_once_each(tmp_path: Path) -> None:
    text = GOOD + 'hubs = ["https://b.example/hub", "http://a.example/", "https://b.example/hub"]\n'
    config = load_config(write(tmp_path, text))
    assert config.syndication.hubs == ("https://b.example/hub", "http://a.example/")


def test_formats_are_kept_in_one_order_once_each(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + 'formats = ["json", "rss", "json"]\n'))
    assert config.syndication.formats == ("rss", "json")


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ("formats = []\n", "formats", "at least one format"),
        ('formats = ["rss", "html"]\n', "formats", "unknown format 'html'"),
        ('formats = "rss"\n', "formats", "must be a list"),
        ("formats = [1]\n", "formats", "must be a list of strings, not holding 1"),
        ('hubs = "https://hub.example/"\n', "hubs", "must be a list"),
        ('hubs = ["hub.example"]\n', "hubs", "absolute http(s) URL, not 'hub.example'"),
        ('hubs = ["ftp://hub.example/"]\n', "hubs", "absolute http(s) URL"),
        ("hubs = [3]\n", "hubs", "must be a list of strings, not holding 3"),
        ('archive = "monthly"\n', "archive", "one of year, month, week, day or off"),
        ("archive = false\n", "archive", "must be a str"),
        (
            'archive_categories = "no"\n',
            "archive_categories",
            "must be true or false, not a string ('no')",
        ),
    ],
)
def test_bad_values_name_the_key_and_exit_2(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    path = write(tmp_path, GOOD + text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert reason in str(info.value)
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {path}: {key}: ")
