"""The benchmark's corpus generator: deterministic, valid records, and an oracle that is right.

The oracle (expected.tsv) is checked against a small date reader written here
from the format definitions, independent of the generator's own code.
"""

from __future__ import annotations

import csv
import email.utils
import importlib.util
import json
import re
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import pytest

GENERATE_PY = Path(__file__).resolve().parent.parent / "benchmarks" / "generate.py"
SITE_ZONE = "Asia/Jakarta"
N, SEED = 240, 7
FORMS = ("rfc3339", "iso-local", "rfc822", "numeric", "indonesian", "english", "site", "unix")


def _load_generate() -> ModuleType:
    # benchmarks/ is a folder of scripts, not a package: load the script by path.
    spec = importlib.util.spec_from_file_location("benchmark_generate", GENERATE_PY)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


generate = _load_generate()


# --- an independent reader for the date forms ------------------------------------------------

ZONES = {"WIB": 7, "WITA": 8, "WIT": 9, "UTC": 0, "GMT": 0}
ID_DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
ID_MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
EN_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
EN_MONTHS = "January February March April May June July August September October November December"
ZONE = r"(?: (?P<zone>WIB|WITA|WIT|UTC|GMT))?"
PATTERNS = {
    "rfc3339": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)",
    "iso-local": r"(?P<y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)"
    r"(?:[T ](?P<H>\d\d):(?P<M>\d\d)(?::(?P<S>\d\d))?)?",
    "rfc822": r"(?P<wd>[A-Z][a-z]{2}), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d (?:[+-]\d{4}|GMT)",
    "numeric": r"(?P<d>\d\d)/(?P<m>\d\d)/(?P<y>\d{4})(?: (?P<H>\d\d):(?P<M>\d\d)" + ZONE + ")?",
    "indonesian": r"(?P<wd>\w+), (?P<d>\d{1,2}) (?P<mn>\w+) (?P<y>\d{4}) (?P<H>\d\d):(?P<M>\d\d)"
    + ZONE,
    "english": r"(?P<wd>\w+), (?P<mn>\w+) (?P<d>\d{1,2}), (?P<y>\d{4}) (?P<h>\d{1,2}):(?P<M>\d\d)"
    r" (?P<half>AM|PM)" + ZONE,
    "site": r"(?P<wd>\w+)\((?P<d>\d\d)/(?P<m>\d\d)/(?P<y>\d{4})\)",
}


def read_date(value: str | int, record_zone: str | None) -> tuple[str, datetime]:
    """Return (form, aware instant) for a date_published value, or fail the test."""
    if isinstance(value, int):
        return "unix", datetime.fromtimestamp(value, UTC)
    found = [(f, m) for f, pattern in PATTERNS.items() if (m := re.fullmatch(pattern, value))]
    if len(found) != 1:
        pytest.fail(f"{value!r} matches {len(found)} date forms, not exactly one")
    form, match = found[0]
    if form == "rfc3339":
        return form, datetime.fromisoformat(value)
    if form == "rfc822":
        parsed = email.utils.parsedate_to_datetime(value)
        assert EN_DAYS[parsed.weekday()].startswith(match["wd"]), value
        return form, parsed
    fields = match.groupdict()
    if "mn" in fields:
        names = (ID_MONTHS if form == "indonesian" else EN_MONTHS).split()
        fields["m"] = str(names.index(fields["mn"]) + 1)
    hour = int(fields.get("H") or 0)
    if fields.get("h"):
        assert 1 <= int(fields["h"]) <= 12, f"{value!r}: a 12-hour clock runs 1 to 12"
        hour = int(fields["h"]) % 12 + (12 if fields["half"] == "PM" else 0)
    wall = datetime(
        int(fields["y"]),
        int(fields["m"]),
        int(fields["d"]),
        hour,
        int(fields.get("M") or 0),
        int(fields.get("S") or 0),
    )
    if fields.get("wd"):
        days = EN_DAYS if form == "english" else ID_DAYS
        assert days[wall.weekday()] == fields["wd"], f"{value!r}: weekday contradicts the date"
    if fields.get("zone"):
        return form, wall.replace(tzinfo=timezone(timedelta(hours=ZONES[fields["zone"]])))
    zone = ZoneInfo(record_zone or SITE_ZONE)
    early, late = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
    assert early.utcoffset() == late.utcoffset(), f"{value!r} in {zone}: no single instant"
    return form, early


@pytest.mark.parametrize(
    ("value", "record_zone", "instant"),
    [
        ("Jumat, 2 Desember 2022 14:30 WIB", None, "2022-12-02T07:30:00+00:00"),
        ("Fri, 02 Dec 2022 10:15:00 +0700", None, "2022-12-02T03:15:00+00:00"),
        ("02/12/2022 14:30 WITA", None, "2022-12-02T06:30:00+00:00"),
        ("05/03/2021", "Europe/Berlin", "2021-03-04T23:00:00+00:00"),
        ("Friday, December 2, 2022 2:30 PM", None, "2022-12-02T07:30:00+00:00"),
        ("Sunday, March 6, 2022 12:05 AM WIT", None, "2022-03-05T15:05:00+00:00"),
        ("Jumat(02/12/2022)", None, "2022-12-01T17:00:00+00:00"),
        ("2022-07-01 12:00", "America/New_York", "2022-07-01T16:00:00+00:00"),
        ("2022-12-02T03:15:00Z", "Asia/Tokyo", "2022-12-02T03:15:00+00:00"),
        (1669951800, None, "2022-12-02T03:30:00+00:00"),
    ],
)
def test_reader_of_this_test_knows_the_forms(
    value: str | int, record_zone: str | None, instant: str
) -> None:
    """Hand-computed cases, so the independent reader is itself checked."""
    assert read_date(value, record_zone)[1] == datetime.fromisoformat(instant)


# --- the generated corpus ---------------------------------------------------------------------


def _records(corpus: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted((corpus / "articles").rglob("*")):
        if path.suffix == ".jsonl":
            lines = path.read_text(encoding="utf-8").splitlines()
            records += [json.loads(line) for line in lines]
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            records += data if isinstance(data, list) else [data]
    return records


def _expected(corpus: Path) -> dict[str, dict[str, str]]:
    with open(corpus / "expected.tsv", encoding="utf-8", newline="") as stream:
        return {row["id"]: row for row in csv.DictReader(stream, delimiter="\t")}


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / f"{N}-{SEED}"
    assert generate.generate(N, SEED, out) is True
    return out


def test_same_seed_gives_the_same_bytes(corpus: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    generate.generate(N, SEED, again)
    assert _tree(again) == _tree(corpus)


def test_another_seed_gives_another_corpus(corpus: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    generate.generate(N, SEED + 1, other)
    assert _expected(other) != _expected(corpus)


def test_existing_corpus_is_reused_and_a_foreign_one_refused(corpus: Path) -> None:
    before = _tree(corpus)
    assert generate.generate(N, SEED, corpus) is False
    assert _tree(corpus) == before
    with pytest.raises(FileExistsError):
        generate.generate(N + 1, SEED, corpus)


def test_cli_writes_then_reuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    assert generate.main(["12", "--seed", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    assert generate.main(["12", "--seed", "3", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith("reusing ")
    assert len(_records(out)) == 12


def test_records_are_valid_and_realistic(corpus: Path) -> None:
    records = _records(corpus)
    assert len(records) == N
    assert len({r["id"] for r in records}) == N
    assert len({r["url"] for r in records}) == N
    for record in records:
        assert record["url"].startswith("https://"), record["id"]
        assert record["title"].strip()
        assert 1 <= len(record["authors"]) <= 3
        assert 1 <= len(record["categories"]) <= 3
        assert ("content_text" in record) != ("content_html" in record)
        body = record.get("content_text") or record["content_html"]
        assert 1000 <= len(body.encode()) <= 6500, record["id"]
        if "timezone" in record:
            ZoneInfo(record["timezone"])
    assert any(r.get("draft") is True for r in records)
    assert any("content_html" in r for r in records)
    assert any(r.get("timezone", "").startswith(("Europe/", "America/")) for r in records)
    labels = {c if isinstance(c, str) else c["label"] for r in records for c in r["categories"]}
    assert len(labels) >= 40  # a long tail of categories, not a handful


def test_layout_mixes_single_files_jsonl_and_lists(corpus: Path) -> None:
    paths = [p.relative_to(corpus / "articles") for p in (corpus / "articles").rglob("*.json*")]
    singles = [p for p in paths if re.fullmatch(r"\d{4}/\d\d/[^/]+\.json", p.as_posix())]
    assert len(singles) > 0.9 * N
    assert any(p.suffix == ".jsonl" for p in paths)
    assert any(p.suffix == ".json" and p not in singles for p in paths)
    config = (corpus / "feedpub.toml").read_text(encoding="utf-8")
    assert 'timezone = "Asia/Jakarta"' in config
    assert "dayfirst = true" in config


@pytest.mark.parametrize("form", FORMS)
def test_expected_instants_agree_with_an_independent_reading(corpus: Path, form: str) -> None:
    expected = _expected(corpus)
    checked = 0
    for record in _records(corpus):
        row = expected[record["id"]]
        if row["form"] != form:
            continue
        read_form, instant = read_date(record["date_published"], record.get("timezone"))
        assert read_form == form, record["date_published"]
        meant = datetime.strptime(row["published_utc"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert instant == meant, (record["id"], record["date_published"])
        if form != "unix":
            minutes = int((instant.utcoffset() or timedelta(0)).total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            written = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            assert row["offset"] == written, record["date_published"]
        assert datetime(2015, 12, 31, tzinfo=UTC) <= meant < datetime(2026, 1, 1, tzinfo=UTC)
        assert row["url"] == record["url"]
        checked += 1
    assert checked >= 3, f"too few {form} dates to mean anything"


def test_numeric_dates_include_ones_where_day_and_month_can_swap(corpus: Path) -> None:
    expected = _expected(corpus).values()
    numeric = [row["date_published"] for row in expected if row["form"] == "numeric"]
    swappable = [v for v in numeric if int(v[:2]) <= 12 and v[:2] != v[3:5]]
    assert len(swappable) >= 0.2 * len(numeric) > 0
