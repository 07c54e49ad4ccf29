"""The config keys saying where feeds go: ``out``, ``s3_endpoint_url``, ``cache_control``;
credentials are refused, whatever they are called."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.config import DEFAULT_CACHE_CONTROL, load_config
from feedpub.errors import ConfigError
from tests.test_config import GOOD, write


def test_defaults_publish_to_a_folder(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.out is None and config.target.endpoint_url is None
    assert config.target.cache_control == DEFAULT_CACHE_CONTROL == "public, max-age=300"


def test_keys_are_read(tmp_path: Path) -> None:
    text = GOOD + (
        'out = "s3://news-feeds/site/"\n'
        's3_endpoint_url = "https://minio.example:9000"\n'
        'cache_control = "max-age=60, stale-while-revalidate=30"\n'
    )
    config = load_config(write(tmp_path, text))
    assert config.out == "s3://news-feeds/site/"
    assert config.target.endpoint_url == "https://minio.example:9000"
    assert config.target.cache_control == "max-age=60, stale-while-revalidate=30"


@pytest.mark.parametrize(
    ("line", "key", "reason"),
    [
        ('aws_secret_access_key = "abc"', "aws_secret_access_key", "credentials never go in"),
        ('aws_access_key_id = "AKIA"', "aws_access_key_id", "credentials never go in"),
        ('s3_session_token = "x"', "s3_session_token", "credentials never go in"),
        ('password = "x"', "password", "credentials never go in"),
        ('out = "s3://"', "out", "must be s3://bucket/prefix/"),
        ('out = "s3://key:secret@bucket/feeds/"', "out", "never from a URL"),
        ('out = "gs://bucket/feeds/"', "out", "a folder or an s3://bucket/prefix/ URL"),
        ("out = 5", "out", "must be a str"),
        ('s3_endpoint_url = "minio:9000"', "s3_endpoint_url", "must be an http(s) URL"),
        ('s3_endpoint_url = "https://k:s@minio:9000"', "s3_endpoint_url", "must not hold cred"),
        ('s3_endpoint_url = "https://minio:9000/bucket"', "s3_endpoint_url", "no path"),
        ('cache_control = "max-age=60\\nX-Evil: 1"', "cache_control", "printable ASCII"),
    ],
)
def test_bad_publishing_keys_exit_2_naming_the_key(
    tmp_path: Path, line: str, key: str, reason: str
) -> None:
    path = write(tmp_path, GOOD + line + "\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key and reason in str(info.value)
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {path}: {key}: ")
    assert "abc" not in result.stderr and "secret@" not in result.stderr  # never echoed


def test_a_folder_out_is_relative_to_the_config(site: Path, tmp_path: Path) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace("limit = 50", 'limit = 50\nout = "www/feeds"'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = CliRunner().invoke(main, ["build", "--config", str(config), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (site / "www/feeds/rss.xml").is_file() and not (site / "public").exists()


def test_out_flag_wins_over_the_config(site: Path, tmp_path: Path) -> None:
    config = site / "feedpub.toml"
    config.write_text(config.read_text().replace("limit = 50", 'limit = 50\nout = "s3://x/y/"'))
    out = tmp_path / "here"
    result = CliRunner().invoke(main, ["build", "--config", str(config), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.stderr
    assert (out / "atom.xml").is_file()


def test_a_bad_out_flag_is_a_usage_error(site: Path) -> None:
    config = str(site / "feedpub.toml")
    result = CliRunner().invoke(main, ["build", "--config", config, "--out", "s3:///feeds/"])
    assert result.exit_code == 2
    assert result.stderr == "feedpub: --out: must be s3://bucket/prefix/, not 's3:///feeds/'\n"
    (site / "file").write_text("")
    result = CliRunner().invoke(main, ["build", "--config", config, "--out", str(site / "file")])
    assert result.exit_code == 2
    assert "is a file, not a folder" in result.stderr


def test_a_bad_endpoint_in_the_environment_names_the_variable(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("boto3")
    monkeypatch.setenv("FEEDPUB_S3_ENDPOINT_URL", "https://key:hunter2@minio:9000")
    config = str(site / "feedpub.toml")
    result = CliRunner().invoke(main, ["build", "--config", config, "--out", "s3://feeds/x/"])
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "feedpub: environment: FEEDPUB_S3_ENDPOINT_URL (s3_endpoint_url): must not hold credentials"
    )
    assert "hunter2" not in result.stderr
