"""The source keys of feedpub.toml, the --source flag, and files never needing the driver."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub.cli import main
from feedpub.config import load_config, with_source_url
from feedpub.errors import ConfigError
from tests.conftest import SAMPLE_ARTICLES, SAMPLE_CONFIG

BASE = 'title = "Site"\nlink = "https://example.com"\ndescription = "News."\n'


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedpub.toml"
    path.write_text(BASE + text)
    return path


def test_a_url_alone_takes_every_default(tmp_path: Path) -> None:
    config = load_config(config_with(tmp_path, 'source = "postgresql://news@db/news"\n'))
    assert config.source is not None
    assert config.source.url == "postgresql://news@db/news"
    assert config.source.table == "articles" and config.source.query is None
    assert config.source.changed == "updated_at"
    assert config.source.column("title") == "title"


def test_a_source_table_maps_columns(tmp_path: Path) -> None:
    text = (
        '[source]\ntable = "cms.stories"\nchanged = "edited_at"\n'
        '[source.columns]\nid = "story_id"\ntitle = "headline"\n'
    )
    config = load_config(config_with(tmp_path, text))
    assert config.source is not None and config.source.url is None
    assert config.source.table == "cms.stories" and config.source.changed == "edited_at"
    assert config.source.column("id") == "story_id" and config.source.column("url") == "url"
    digest = load_config(config_with(tmp_path, "[source]\nchanged = false\n")).source
    assert digest is not None and digest.changed is None
    moved = with_source_url(config, "postgresql://news:pw@db/news")
    assert moved.source is not None and moved.source.table == "cms.stories"
    assert moved.source.url == "postgresql://news:pw@db/news"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        ('source = "mysql://db/news"\n', "source", "must be a postgresql:// URL"),
        ("source = 3\n", "source", "must be a postgresql:// URL or a [source] table"),
        ('[source]\nhost = "db"\n', "source.host", "unknown key"),
        ('[source]\ntable = "a"\nquery = "SELECT 1"\n', "source.query", "not both"),
        ("[source.columns]\nheadline = 'title'\n", "source.columns.headline", "not a record"),
        ("[source.columns]\ntitle = 3\n", "source.columns.title", "must be a column name"),
    ],
)
def test_bad_source_keys_are_config_errors(
    tmp_path: Path, text: str, key: str, reason: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config_with(tmp_path, text))
    assert caught.value.key == key and reason in caught.value.reason


def test_a_password_is_never_shown(tmp_path: Path) -> None:
    path = config_with(tmp_path, 'source = "mysql://u:s3cret@db/news"\n')
    result = CliRunner().invoke(main, ["build", "--config", str(path)])
    assert result.exit_code == 2
    assert "s3cret" not in result.stderr and "mysql://u:***@db/news" in result.stderr
    flag = CliRunner().invoke(
        main, ["check", "--config", str(config_with(tmp_path, "")), "--source", "http://x"]
    )
    assert flag.exit_code == 2
    assert (
        flag.stderr == "feedpub: <config>: --source: must be a postgresql:// URL, not 'http://x'\n"
    )


def test_files_never_import_the_driver(tmp_path: Path) -> None:
    shutil.copy(SAMPLE_CONFIG, tmp_path / "feedpub.toml")
    shutil.copytree(SAMPLE_ARTICLES, tmp_path / "articles")
    config = str(tmp_path / "feedpub.toml")
    script = (
        "import sys; from click.testing import CliRunner; from feedpub.cli import main;"
        f"r = CliRunner().invoke(main, ['build', '-q', '--config', {config!r}]);"
        "assert r.exit_code == 0, r.output; print('psycopg' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_without_the_driver_a_database_source_says_what_to_install(tmp_path: Path) -> None:
    path = config_with(tmp_path, 'source = "postgresql://news@127.0.0.1:1/news"\n')
    # A path entry that makes "import psycopg" fail, as on a machine without the extra.
    (tmp_path / "psycopg").mkdir()
    (tmp_path / "psycopg" / "__init__.py").write_text("raise ImportError('no', name='psycopg')")
    script = (
        f"import sys; sys.path.insert(0, {str(tmp_path)!r});"
        "from click.testing import CliRunner; from feedpub.cli import main;"
        f"r = CliRunner().invoke(main, ['build', '--config', {str(path)!r}]);"
        "print(r.exit_code); print(r.stderr, end='')"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout == (
        "2\nfeedpub: <config>: source: reading records from PostgreSQL needs psycopg:"
        " pip install 'feedpub[postgres]'\n"
    ), done.stderr
