"""The site config: every problem is exit 2 with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.config import Key, load_config, mask, parse_env_value, settings_table
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
    assert config.records.link == "https://example.com/"
    assert config.feed.feeds_url == "https://example.com/"
    assert config.syndication.limit == 50 and config.records.dayfirst is True
    assert config.feed.domain == "example.com"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('link = "https://e.com"\ndescription = "d"', "title", "required key is missing"),
        (GOOD.replace('"Site"', "3"), "title", "must be a string, not a whole number (3)"),
        (GOOD + "limit = true\n", "limit", "must be a whole number, not a boolean (true)"),
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
    assert "IST" in config.records.abbreviations


def test_non_utf8_config_is_a_config_error_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "feedpub.toml"
    path.write_bytes(GOOD.replace("Site", "Caf\xe9").encode("latin-1"))
    (tmp_path / "articles").mkdir()
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"feedpub: {path}: not UTF-8 text (byte 0xe9 at offset {GOOD.index('Site') + 3}); "
        "save the file as UTF-8\n"
    )


@pytest.mark.parametrize("limit", ["18446744073709551616", "10001", "-1"])
def test_limit_out_of_range_is_a_config_error(tmp_path: Path, limit: str) -> None:
    path = write(tmp_path, GOOD + f"limit = {limit}\n")
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {path}: limit: must be at ")
    assert result.stderr.count("\n") == 1
    assert load_config(write(tmp_path, GOOD + "limit = 10000\n")).syndication.limit == 10_000


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("timezon", "timezone"), ("titel", "title"), ("feed_url", "feeds_url"), ("Limit", "limit")],
)
def test_misspelt_key_suggests_the_closest(tmp_path: Path, typo: str, meant: str) -> None:
    path = write(tmp_path, GOOD + f"{typo} = 1\n")
    result = CliRunner().invoke(main, ["check", "--config", str(path)])
    assert result.exit_code == 2
    assert f"{path}: {typo}: unknown key; did you mean {meant!r}?" in result.stderr


def test_misspelt_author_key_suggests_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="did you mean 'email'") as info:
        load_config(write(tmp_path, GOOD + "author = { name = 'Desk', emial = 'd@e.com' }\n"))
    assert info.value.key == "author.emial"


def test_environment_overrides_the_file_and_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "limit = 10\n")
    environ = {
        "FEEDPUB_LIMIT": "20",
        "FEEDPUB_DAYFIRST": "false",
        "FEEDPUB_LANGUAGE": "en-US",
        "FEEDPUB_TIMEZONE_ABBREVIATIONS": "SGT=Asia/Singapore, IST=+05:30",
        "FEEDPUB_AUTHOR": '{"name": "Desk", "email": "desk@example.com"}',
    }
    config = load_config(path, environ=environ)
    assert (config.syndication.limit, config.records.dayfirst, config.feed.language) == (
        20,
        False,
        "en-US",
    )
    assert set(config.records.abbreviations) == {"SGT", "IST"}
    assert config.feed.author is not None and config.feed.author.email == "desk@example.com"
    # Without environ the library reads the file alone.
    assert load_config(path).syndication.limit == 10


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FEEDPUB_LIMIT", "many", "environment: FEEDPUB_LIMIT: must be a whole number, not 'many'"),
        ("FEEDPUB_DAYFIRST", "maybe", "environment: FEEDPUB_DAYFIRST: must be true or false"),
        ("FEEDPUB_LIMIT", "0", "environment: FEEDPUB_LIMIT (limit): must be at least 1"),
        ("FEEDPUB_TIMEZONE", "Asia/Atlantis", "environment: FEEDPUB_TIMEZONE (timezone): "),
        ("FEEDPUB_AUTHOR", "{oops", "environment: FEEDPUB_AUTHOR: not valid JSON"),
    ],
)
def test_bad_environment_value_names_the_variable(
    tmp_path: Path, variable: str, value: str, message: str
) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError):
        load_config(path, environ={variable: value})
    result = CliRunner().invoke(main, ["check", "--config", str(path)], env={variable: value})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {message}")


def test_empty_variable_counts_as_unset(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD + "limit = 7\n"), environ={"FEEDPUB_LIMIT": " "})
    assert config.syndication.limit == 7


def test_lists_read_as_json_or_commas() -> None:
    key = Key("hubs", "list", "test key")
    assert parse_env_value(key, "a, b,,c") == ["a", "b", "c"]
    assert parse_env_value(key, '["a,b", "c"]') == ["a,b", "c"]
    with pytest.raises(ConfigError, match="FEEDPUB_HUBS"):
        parse_env_value(key, "[oops")


def test_fingerprint_is_the_meaning_not_the_layer(tmp_path: Path) -> None:
    plain = load_config(write(tmp_path, GOOD))
    spelled_out = load_config(write(tmp_path, GOOD + "limit = 50\ndayfirst = true\n"))
    from_env = load_config(write(tmp_path, GOOD), environ={"FEEDPUB_LIMIT": "50"})
    assert plain.fingerprint == spelled_out.fingerprint == from_env.fingerprint
    changed = load_config(write(tmp_path, GOOD), environ={"FEEDPUB_LIMIT": "5"})
    file_changed = load_config(write(tmp_path, GOOD + "limit = 5\n"))
    assert changed.fingerprint == file_changed.fingerprint != plain.fingerprint


def test_environment_override_rerenders_the_feeds(site: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(main, ["build", "-q", "--config", str(site / "feedpub.toml")]).exit_code == 0
    )
    rss = (site / "public" / "rss.xml").read_bytes()
    result = runner.invoke(
        main, ["build", "-q", "--config", str(site / "feedpub.toml")], env={"FEEDPUB_LIMIT": "2"}
    )
    assert result.exit_code == 0
    assert (site / "public" / "rss.xml").read_bytes().count(b"<item>") == 2
    assert rss.count(b"<item>") > 2


def test_secrets_and_url_passwords_are_masked() -> None:
    assert mask("postgresql://news:s3cret@db/news") == "postgresql://news:***@db/news"
    assert mask("token", secret=True) == "***"
    assert mask("https://example.com/") == "https://example.com/"


def test_readme_table_lists_every_key() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert settings_table() in readme, (
        "regenerate the README table from feedpub.config.settings_table()"
    )


def test_a_new_key_is_one_registry_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import feedpub.config as config_module

    hubs = Key("hubs", "list", "WebSub hubs to ping", default=[])
    monkeypatch.setattr(config_module, "KEYS", (*config_module.KEYS, hubs))
    monkeypatch.setitem(config_module.KEY_BY_NAME, "hubs", hubs)
    path = write(tmp_path, GOOD)
    resolved = config_module.resolve_config(path, environ={"FEEDPUB_HUBS": "https://h.example/"})
    setting = {s.key.name: s for s in resolved.settings}["hubs"]
    assert setting.value == ["https://h.example/"] and setting.source.name == "FEEDPUB_HUBS"
    assert "`FEEDPUB_HUBS`" in config_module.settings_table()
    assert "# hubs = []" in config_module.config_template({})
    write(tmp_path, GOOD + "hubs = 'one'\n")
    with pytest.raises(ConfigError, match="hubs: must be a list"):
        config_module.load_config(path)
