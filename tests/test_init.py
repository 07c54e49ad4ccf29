"""`feedpub init`: a new site that builds and validates at once, never over existing files."""

from __future__ import annotations

import itertools
import json
import os
import re
import shlex
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedpub.cli import main
from feedpub.config import KEYS, load_config
from feedpub.scaffold import SiteAnswers, create_site, machine_zone

NOW = "2026-03-01T08:00:00+07:00"


def init(*args: str, stdin: str | None = None, zone: str | None = "Asia/Makassar") -> Result:
    # The machine's zone is injected: no test reads the machine's own.
    return CliRunner().invoke(
        main,
        ["init", "--now", NOW, *args],
        input=stdin,
        obj={"machine_zone": lambda: zone},
        prog_name="feedpub",
    )


def run(line: str) -> Result:
    words = shlex.split(line)
    assert words[0] == "feedpub"
    return CliRunner().invoke(main, words[1:], prog_name="feedpub")


def test_init_then_build_and_validate_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = init("site")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "feedpub: wrote site/feedpub.toml, site/articles/welcome.json"
    assert lines[1] == "next:"
    commands = [line.strip() for line in lines[2:]]
    assert commands == [
        "feedpub build --config site/feedpub.toml",
        "feedpub validate site/public/rss.xml site/public/atom.xml",
    ]
    built = run(commands[0] + f" --now {NOW}")
    assert built.exit_code == 0, built.stderr
    assert "1 records read, 1 changed, 0 bad" in built.stderr
    assert "warning" not in built.stderr
    validated = run(commands[1])
    assert validated.exit_code == 0, validated.stdout
    assert validated.stdout.splitlines()[-1] == "2 document(s): 0 error(s), 0 warning(s)"


def test_init_here_prints_commands_for_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = init()
    assert result.exit_code == 0
    assert result.stdout.splitlines()[2:] == [
        "  feedpub build",
        "  feedpub validate public/rss.xml public/atom.xml",
    ]
    assert run("feedpub check").exit_code == 0


def test_non_interactive_asks_nothing_and_uses_defaults(tmp_path: Path) -> None:
    result = init(str(tmp_path / "kabar-lampung"))
    assert result.exit_code == 0
    assert "?" not in result.stdout and ":" not in result.stdout.splitlines()[-1]
    config = load_config(tmp_path / "kabar-lampung" / "feedpub.toml")
    assert config.feed.title == "Kabar Lampung"
    assert config.records.link == "http://localhost:8000/"
    # Without a question the machine's zone is not used: scripts get the same file anywhere.
    assert config.records.timezone_name == "UTC"
    assert config.feed.language is None


def test_flags_make_it_scriptable(tmp_path: Path) -> None:
    result = init(
        str(tmp_path),
        "--title",
        "Kabar",
        "--link",
        "https://kabar.example/",
        "--timezone",
        "Asia/Jakarta",
        "--language",
        "id",
        "--description",
        "Berita.",
    )
    assert result.exit_code == 0, result.stderr
    config = load_config(tmp_path / "feedpub.toml")
    assert (
        config.feed.title,
        config.records.link,
        config.records.timezone_name,
        config.feed.language,
    ) == (
        "Kabar",
        "https://kabar.example/",
        "Asia/Jakarta",
        "id",
    )
    assert config.feed.description == "Berita."
    record = json.loads((tmp_path / "articles" / "welcome.json").read_text())
    assert record["date_published"] == "2026-03-01T08:00:00+07:00"


def test_answers_on_stdin(tmp_path: Path) -> None:
    answers = "Kabar\nnot a url\nhttps://kabar.example/\nMars/Olympus\n\nIndonesian\nid\n"
    result = init(str(tmp_path / "k"), "--ask", stdin=answers)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Site title [K]: " in out
    assert "Time zone [Asia/Makassar]: " in out  # the injected machine zone is offered
    assert "must be an absolute http(s) URL" in out
    assert "BCP 47" in out
    config = load_config(tmp_path / "k" / "feedpub.toml")
    assert (
        config.feed.title,
        config.records.link,
        config.records.timezone_name,
        config.feed.language,
    ) == (
        "Kabar",
        "https://kabar.example/",
        "Asia/Makassar",  # the empty answer took the default
        "id",
    )


def test_ask_without_a_machine_zone_offers_utc(tmp_path: Path) -> None:
    result = init(
        str(tmp_path),
        "--ask",
        "--title",
        "T",
        "--link",
        "https://t.example/",
        stdin="\n\n",
        zone=None,
    )
    assert result.exit_code == 0, result.stderr
    assert "Site title" not in result.stdout  # given by flag, not asked
    assert "Time zone [UTC]: " in result.stdout
    assert load_config(tmp_path / "feedpub.toml").records.timezone_name == "UTC"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--link", "kabar.example"], "feedpub: --link: must be an absolute http(s) URL"),
        (["--timezone", "Mars/Olympus"], "feedpub: --timezone: "),
        (["--language", "Indonesian"], "feedpub: --language: must be a BCP 47 language tag"),
    ],
)
def test_bad_flag_is_exit_2_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = init(str(tmp_path / "s"), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not (tmp_path / "s").exists()


def test_never_overwrites_unless_forced(tmp_path: Path) -> None:
    assert init(str(tmp_path)).exit_code == 0
    config = tmp_path / "feedpub.toml"
    config.write_text(config.read_text() + "# my edit\n")
    result = init(str(tmp_path), "--title", "Other")
    assert result.exit_code == 2
    assert result.stderr == (
        f"feedpub: {config}: already exists; pass --force to overwrite it (nothing written)\n"
    )
    assert config.read_text().endswith("# my edit\n")
    record = tmp_path / "articles" / "welcome.json"
    record.write_text(record.read_text().replace("Welcome", "Hello"))
    config.unlink()
    result = init(str(tmp_path))  # a config again, and the records stay as they are
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == f"feedpub: wrote {config}"
    assert "Hello" in record.read_text()
    result = init(str(tmp_path), "--title", "Other", "--force")
    assert result.exit_code == 0
    assert load_config(config).feed.title == "Other"


def test_existing_records_are_kept_and_no_example_added(tmp_path: Path) -> None:
    (tmp_path / "articles" / "2024").mkdir(parents=True)
    story = tmp_path / "articles" / "2024" / "story.json"
    story.write_text('{"title": "x"}')
    result = init(str(tmp_path))
    assert result.exit_code == 0
    assert "already holds records: no example added" in result.stdout
    assert sorted(p.name for p in (tmp_path / "articles").rglob("*")) == ["2024", "story.json"]


def test_template_lists_every_key_and_its_defaults_are_true(tmp_path: Path) -> None:
    create_site(tmp_path, SiteAnswers(title="T"), now=_now())
    text = (tmp_path / "feedpub.toml").read_text()
    for key in KEYS:
        assert re.search(rf"^(# )?\[?{key.name}\]?( = |$)", text, re.M), key.name
        assert key.env in text
    # Uncommenting a key that has a default changes nothing: the defaults shown are the real ones.
    commented = {k.name for k in KEYS if k.default is not None and k.default != {}}
    lines = []
    for line in text.splitlines():
        name = line[2:].split(" = ", 1)[0]
        lines.append(line[2:] if line.startswith("# ") and name in commented else line)
    uncommented = tmp_path / "uncommented.toml"
    uncommented.write_text("\n".join(lines))
    assert set(tomllib.loads(uncommented.read_text())) >= commented
    assert (
        load_config(uncommented).fingerprint == load_config(tmp_path / "feedpub.toml").fingerprint
    )


def test_template_marks_examples_and_carries_no_markdown_links(tmp_path: Path) -> None:
    create_site(tmp_path, SiteAnswers(title="T"), now=_now())
    lines = (tmp_path / "feedpub.toml").read_text().splitlines()
    by_name = {key.name: key for key in KEYS}
    example = "# example (not the default):"
    marked = set()
    for above, line in itertools.pairwise(lines):
        match = re.fullmatch(r"# (?:\[(\w+)\]|(\w+) = .*)", line)
        name = match and (match.group(1) or match.group(2))
        if not name or name not in by_name:
            continue
        key = by_name[name]
        has_default = key.default is not None and key.default != {}
        # A commented value is either the default or marked as an example, never mistaken.
        assert (above == example) is not has_default, line
        if above == example:
            marked.add(name)
    assert {"out", "source", "s3_endpoint_url", "feeds_url", "html_allow"} <= marked
    assert not [line for line in lines if re.search(r"\]\(#?[^)]*\)", line)]
    assert '(see "Safe HTML" in the README)' in "\n".join(lines)


def test_machine_zone_reads_tz_then_files(tmp_path: Path) -> None:
    missing = tmp_path / "none"
    assert machine_zone({"TZ": ":Asia/Jakarta"}, missing, missing) == "Asia/Jakarta"
    assert machine_zone({"TZ": "not/a zone"}, missing, missing) is None
    timezone_file = tmp_path / "timezone"
    timezone_file.write_text("Europe/Berlin\n")
    assert machine_zone({}, missing, timezone_file) == "Europe/Berlin"
    localtime = tmp_path / "localtime"
    os.symlink("/usr/share/zoneinfo/America/Lima", localtime)
    assert machine_zone({}, localtime, missing) == "America/Lima"


def _now() -> datetime:
    return datetime.fromisoformat(NOW)


def test_inside_articles_suggests_the_site_above_not_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_site(tmp_path, SiteAnswers(title="T"), now=_now())
    monkeypatch.chdir(tmp_path / "articles")
    result = CliRunner().invoke(main, ["build"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"feedpub: feedpub.toml: config file not found: {tmp_path / 'articles'} is the "
        "articles folder of the site above; run feedpub there (cd ..) or pass "
        "--config ../feedpub.toml\n"
    )
    # Elsewhere (no config one level up), starting a site is still the advice.
    (tmp_path / "feedpub.toml").unlink()
    assert "run `feedpub init` to create one" in CliRunner().invoke(main, ["check"]).stderr
