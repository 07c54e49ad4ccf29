"""A PostgreSQL row gets the guards a record file gets (issue 18): a value nested past what a
record needs, or a row over ``max_record_bytes``, is that row's one-line error at ``table:id``,
and every other row still publishes, exactly as the same records as files would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from feedpub.config import load_config
from feedpub.records.loader import parse_file
from tests.conftest import SAMPLE_ARTICLES
from tests.pg_records import sample_records
from tests.test_postgres_source import SEED, Site, _tree

pytestmark = pytest.mark.postgres


def _sample_without_seed(tmp_path: Path) -> Path:
    """The sample as files, without the seed record's file."""
    folder = tmp_path / "without-seed"
    shutil.copytree(SAMPLE_ARTICLES, folder)
    (folder / f"{SEED}.json").unlink()
    return folder


def _check_one_bad_row(site: Site, tmp_path: Path, seed_text: str, reason: str) -> None:
    report = site.build()
    assert report.exit_code == 1, [str(e) for e in report.errors]
    (error,) = report.errors
    assert str(error).startswith(f"{site.table}:{SEED}: ")
    assert reason in str(error) and "\n" not in str(error)
    published = _tree(site.root / "public")
    assert SEED not in published["rss.xml"].decode()
    # Every other row publishes: the feeds are those of the other records as files.
    assert published == site.files_build(_sample_without_seed(tmp_path), "files")
    # The same record as a file is refused for the same reason.
    as_file = parse_file(
        seed_text.encode(), "x.json", "x.json", load_config(site.config_path).records
    )
    assert as_file.articles == [] and reason in str(as_file.errors[0])
    # The bad row is told again by the next run, which reads nothing.
    assert [str(e) for e in site.build().errors] == [str(error)]


def test_a_row_nested_thousands_deep_is_that_rows_error(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    deep = "[" * 5000 + "]" * 5000
    site.db.execute(
        f"UPDATE {site.table} SET categories = %s::jsonb,"
        " updated_at = updated_at + interval '1 day' WHERE id = %s",
        [deep, SEED],
    )
    seed = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}[SEED]
    as_file = json.dumps({**seed, "categories": None}).replace(
        '"categories": null', f'"categories": {deep}'
    )
    _check_one_bad_row(site, tmp_path, as_file, "nested more than 32 levels deep")


def test_a_row_nested_past_the_record_limit_is_that_rows_error(
    tmp_path: Path, postgres: Any
) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    seed = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}[SEED]
    nested: Any = "bottom"
    for _ in range(40):
        nested = [nested]
    site.put(seed | {"categories": nested})
    _check_one_bad_row(
        site, tmp_path, json.dumps(seed | {"categories": nested}), "nested more than 32 levels"
    )


def test_a_row_over_max_record_bytes_is_that_rows_error(tmp_path: Path, postgres: Any) -> None:
    site = Site(tmp_path, postgres)
    site.load_sample()
    seed = {str(r["id"]): r for r in sample_records(SAMPLE_ARTICLES)}[SEED]
    huge = {k: v for k, v in seed.items() if k != "content_html"} | {
        "content_text": "x" * 5_000_000
    }
    site.put(huge)
    _check_one_bad_row(site, tmp_path, json.dumps(huge), "more than max_record_bytes (1,000,000)")
