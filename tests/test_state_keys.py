"""The state is keyed by what each stored thing depends on: records by the record rules,
documents by what renders them. A setting that shapes neither discards nothing."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

import feedpub
from feedpub.cli import main
from feedpub.site import resolve_run


def _build(site: Path, *sets: str, environ: dict[str, str] | None = None) -> feedpub.BuildReport:
    run = resolve_run(site / "feedpub.toml", sets=list(sets), environ=environ)
    report = feedpub.build_site(run)
    assert report.exit_code == feedpub.ExitCode.OK, report.errors
    return report


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_an_s3_header_on_a_folder_build_parses_and_writes_nothing(site: Path) -> None:
    first = _build(site)
    assert first.records_changed == first.records_read > 0
    before = _mtimes(site / "public")
    again = _build(site, "cache_control=public, max-age=60")
    assert again.records_changed == 0
    assert again.count("written") == 0 and again.count("removed") == 0
    assert _mtimes(site / "public") == before


def test_a_new_title_renders_every_document_and_parses_no_record(site: Path) -> None:
    first = _build(site)
    again = _build(site, "title=Kabar Baru")
    assert again.records_changed == 0, "a title is no part of a record's meaning"
    assert again.count("written") == first.count("written")
    assert feedparser.parse((site / "public/atom.xml").read_bytes()).feed.title == "Kabar Baru"
    assert _build(site, "title=Kabar Baru").count("written") == 0


def test_a_record_rule_change_parses_again(site: Path) -> None:
    _build(site)
    again = _build(site, "max_authors=19")
    assert again.records_changed == again.records_read


@pytest.mark.parametrize("password", ["first", "rotated"])
def test_a_database_password_takes_no_part_in_any_fingerprint(site: Path, password: str) -> None:
    plain = resolve_run(site / "feedpub.toml").config
    from_env = resolve_run(
        site / "feedpub.toml",
        environ={"FEEDPUB_SOURCE": f"postgresql://news:{password}@db.example/news"},
    ).config
    from_flag = resolve_run(
        site / "feedpub.toml", source=f"postgresql://news:{password}@db.example/news"
    ).config
    for config in (from_env, from_flag):
        assert config.records.fingerprint() == plain.records.fingerprint()
        assert config.feeds_fingerprint == plain.feeds_fingerprint


def test_config_shows_what_each_change_would_cost(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(site)

    def prints(*sets: str) -> dict[str, str]:
        args = ["config", "--json", *(f"--set={s}" for s in sets)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        fingerprints: dict[str, str] = json.loads(result.output)["fingerprints"]
        return fingerprints

    plain = prints()
    assert prints("title=Other") == {**plain, "feeds": prints("title=Other")["feeds"]}
    assert prints("title=Other")["feeds"] != plain["feeds"]
    assert prints("cache_control=no-cache")["headers"] != plain["headers"]
    assert prints("cache_control=no-cache")["records"] == plain["records"]
    assert prints("timezone=Asia/Makassar")["records"] != plain["records"]
