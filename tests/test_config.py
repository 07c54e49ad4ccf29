"""The site config: every problem is exit 2 with the key named."""

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
timezone = "Asia/Jakarta"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedpub.toml"
    path.write_text(text)
    (tmp_path / "articles").mkdir(exist_ok=True)
    return path


def test_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.link == "https://example.com/"
    assert config.feeds_url == "https://example.com/"
    assert config.limit == 50 and config.dayfirst is True
    assert config.domain == "example.com"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('link = "https://e.com"\ndescription = "d"', "title", "required key is missing"),
        (GOOD.replace('"Site"', "3"), "title", "must be a str, not int"),
        (GOOD + "limit = true\n", "limit", "must be a int"),
        (GOOD + "limit = 0\n", "limit", "must be at least 1"),
        (GOOD.replace("https://example.com", "example.com"), "link", "absolute http(s) URL"),
        (GOOD.replace("Asia/Jakarta", "Asia/Atlantis"), "timezone", ""),
        (
            GOOD + "[timezone_abbreviations]\nXYZ = 'Nowhere/City'\n",
            "timezone_abbreviations.XYZ",
            "",
        ),
        (GOOD + "colour = 'blue'\n", "colour", "unknown key"),
        (GOOD + "author = 5\n", "author", "must be a name string"),
        (GOOD + "language = 'Indonesian'\n", "language", "BCP 47"),
        (GOOD.replace('"Site"', '"Site\\u0007"'), "title", "control character"),
        (GOOD + "author = { name = 'Desk', email = 'desk' }\n", "author.email", "email address"),
        (GOOD + "author = { name = 'Desk', url = '/about' }\n", "author.url", "absolute"),
    ],
)
def test_bad_config_names_the_key_and_exits_2(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert reason in str(info.value)
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {path}: {key}: ")
    assert "Traceback" not in result.stderr


def test_missing_and_unparsable_config(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "config file not found" in result.stderr
    result = CliRunner().invoke(main, ["build", "--config", str(write(tmp_path, "title = ["))])
    assert result.exit_code == 2
    assert "not valid TOML" in result.stderr


def test_abbreviation_table_reaches_the_dates(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + "[timezone_abbreviations]\nIST = '+05:30'\n"))
    assert "IST" in config.abbreviations
