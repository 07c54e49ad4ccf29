"""Operators see their scheduled builds: the history, `feedpub status` and the metrics file."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families

from feedpub.cli import main
from feedpub.output.lock import build_lock
from feedpub.site import build_site, resolve_run
from feedpub.state import OwedHub
from feedpub.state.history import BuildRecord, History, read_history
from feedpub.status import SiteStatus, metrics_text, parse_duration, read_status

T0 = datetime(2026, 1, 1, tzinfo=UTC).timestamp()


def at(seconds: float) -> str:
    """The ISO time ``seconds`` after 2026-01-01T00:00:00Z."""
    return datetime.fromtimestamp(T0 + seconds, UTC).isoformat()


def build(site: Path, *args: str, now: float = 0) -> Any:
    config = ["--config", str(site / "feedpub.toml")]
    return CliRunner().invoke(main, ["build", *config, "--now", at(now), *args])


def status(site: Path, *args: str, now: float) -> Any:
    config = ["--config", str(site / "feedpub.toml")]
    return CliRunner().invoke(main, ["status", *config, "--now", at(now), *args])


def status_json(site: Path, now: float, *args: str) -> dict[str, Any]:
    result = status(site, "--json", *args, now=now)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def metrics(path: Path) -> dict[str, float]:
    """Every sample of a metrics file by name and labels, read with Prometheus' own parser."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(path.read_text()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[sample.name + (f"{{{labels}}}" if labels else "")] = sample.value
    return found


def break_output(site: Path) -> None:
    """A file where the category folder was: every later build fails to publish, the same way."""
    shutil.rmtree(site / "public" / "category")
    (site / "public" / "category").write_text("not a folder")
    record = {"title": "Baru", "url": "/baru/", "date_published": "2025-12-31T10:00:00+07:00"}
    (site / "articles" / "baru.json").write_text(json.dumps(record))


# -- parse_duration -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("45", 45)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "15 minutes", "-5m", "2x"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


# -- builds recorded, and feedpub status -------------------------------------------------


def test_status_says_how_the_last_build_went_and_how_old_its_success_is(site: Path) -> None:
    none = status(site, now=0)
    assert none.exit_code == 0
    assert "last run:     none recorded" in none.stdout
    assert not (site / ".feedpub").exists()  # status never creates or writes the state
    assert build(site, "-q", now=0).exit_code == 0
    result = status(site, now=3600)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("last run:     ok, started 2026-01-01T00:00:00Z, took ")
    assert lines[1].strip() == (
        "records 16 read, 16 changed, 0 bad; documents 45 written, 0 unchanged, 0 removed, "
        "0 invalid"
    )
    assert lines[2].startswith("last success: ended 2026-01-01T00:00:") and "(59m " in lines[2]
    data = status_json(site, 3600)
    assert data["last_run"]["outcome"] == "ok" and data["last_run"]["exit_code"] == 0
    assert data["last_run"]["records_read"] == 16 and data["last_run"]["documents_written"] == 45
    assert set(data["last_run"]["stage_seconds"]) == {
        "read",
        "plan",
        "render",
        "publish",
        "announce",
    }
    assert 3590 < data["last_success_age_seconds"] <= 3600
    assert data["failing_since"] is None and data["running"] is None


def test_max_age_is_a_probe(site: Path) -> None:
    never = status(site, "--max-age", "15m", now=0)
    assert never.exit_code == 1
    assert "no successful build recorded" in never.stderr
    assert build(site, "-q", now=0).exit_code == 0
    assert status(site, "--max-age", "15m", now=600).exit_code == 0
    stale = status(site, "--max-age", "15m", now=3600)
    assert stale.exit_code == 1 and "over --max-age 900s" in stale.stderr
    assert status_json(site, 3600, "--max-age", "1h30m")["stale"] is False
    bad = status(site, "--max-age", "soon", now=0)
    assert bad.exit_code == 2 and "not a duration" in bad.stderr


def test_a_repeated_failure_is_told_apart_from_a_new_one(site: Path) -> None:
    assert build(site, "-q", now=0).exit_code == 0
    break_output(site)
    assert build(site, "-q", now=60).exit_code == 1
    first = status_json(site, 61)
    assert first["last_run"]["outcome"] == "failed"
    assert "cannot publish" in first["last_run"]["error"]
    assert first["failing_since"] == "2026-01-01T00:01:00Z" and not first["failure_repeated"]
    assert build(site, "-q", now=120).exit_code == 1
    again = status_json(site, 121)
    assert again["failing_since"] == "2026-01-01T00:01:00Z" and again["failure_repeated"]
    text = status(site, now=180).stdout
    assert "failing since 2026-01-01T00:01:00Z (2m 0s; the same failure in the last run)" in text
    assert again["last_success"].startswith("2026-01-01T00:00:")
    (site / "public" / "category").unlink()
    assert build(site, "-q", now=240).exit_code == 0
    assert status_json(site, 241)["failing_since"] is None


def test_bad_records_are_a_problems_streak(site: Path) -> None:
    (site / "articles" / "rusak.json").write_text('{"title": "Rusak"}')
    assert build(site, "-q", now=0).exit_code == 1
    assert build(site, "-q", now=60).exit_code == 1
    data = status_json(site, 61)
    assert data["last_run"]["outcome"] == "problems" and data["last_run"]["records_bad"] == 1
    assert data["failing_since"] == "2026-01-01T00:00:00Z" and data["failure_repeated"]
    assert data["last_success"] is None


def test_status_answers_while_a_build_holds_the_lock(site: Path) -> None:
    assert build(site, "-q", now=0).exit_code == 0
    with build_lock(site / ".feedpub"), History(site / ".feedpub") as history:
        history.begin(T0 + 100)  # what a build does once it holds the lock
        result = status(site, "--max-age", "1h", now=130)
        data = status_json(site, 130)
    assert result.exit_code == 0
    assert result.stdout.startswith(
        "running:      a build started 2026-01-01T00:01:40Z (30s ago) has not ended"
    )
    assert data["running"] == {"started": "2026-01-01T00:01:40Z"}
    assert data["last_run"]["outcome"] == "ok"


def test_locked_out_run_is_recorded_and_keeps_the_last_build(site: Path) -> None:
    assert build(site, "-q", now=0).exit_code == 0
    with build_lock(site / ".feedpub"):
        assert build(site, "-q", now=60).exit_code == 75
    data = status_json(site, 61)
    assert data["last_run"]["outcome"] == "locked-out" and data["last_run"]["exit_code"] == 75
    assert data["last_build"]["outcome"] == "ok" and data["last_build"]["documents_written"] == 45
    assert data["last_success"].startswith("2026-01-01T00:00:")


def test_history_survives_a_rebuilt_cache(site: Path) -> None:
    assert build(site, "-q", now=0).exit_code == 0
    (site / ".feedpub" / "index.sqlite3").write_bytes(b"garbage" * 1000)
    assert build(site, "-q", now=60).exit_code == 0
    assert build(site, "-q", "--full", "--set", "title=Another", now=120).exit_code == 0
    runs = read_history(site / ".feedpub")
    assert [r.started - T0 for r in runs] == [120, 60, 0]


def test_dry_run_records_nothing(site: Path) -> None:
    assert build(site, "-q", "--dry-run", now=0).exit_code == 0
    assert read_history(site / ".feedpub") == []


def test_hubs_owed_are_shown(site: Path) -> None:
    hub = "http://127.0.0.1:9/hub"
    assert build(site, "-q", "--no-ping", "--set", f'hubs=["{hub}"]', now=0).exit_code == 0
    data = status_json(site, 10)
    assert sorted(data["hubs_owed"]) == [hub]
    owed = data["hubs_owed"][hub]
    assert len(owed["urls"]) == 33  # the site's and ten categories' documents, 3 formats each
    assert owed["since"] == "2026-01-01T00:00:00Z"  # the build's clock (--now)
    shown = status(site, now=10).stdout
    assert f"hub {hub}: owed 33 feed URL(s) since 2026-01-01T00:00:00Z (10s ago)" in shown


# -- the metrics file ---------------------------------------------------------------------


def test_metrics_file_after_a_build_a_lockout_and_a_failure(site: Path) -> None:
    prom = site / "metrics" / "feedpub.prom"
    prom.parent.mkdir()
    assert build(site, "-q", "--metrics-file", str(prom), now=0).exit_code == 0
    ok = metrics(prom)
    success = ok["feedpub_last_success_timestamp_seconds"]
    assert T0 < success < T0 + 60
    assert ok["feedpub_last_run_outcome{outcome=ok}"] == 1
    assert ok["feedpub_last_run_outcome{outcome=failed}"] == 0
    assert ok["feedpub_last_run_exit_code"] == 0
    assert ok["feedpub_last_build_records{state=read}"] == 16
    assert ok["feedpub_last_build_documents{action=written}"] == 45  # 33 feeds, 12 pages
    assert ok["feedpub_failing_since_timestamp_seconds"] == 0
    for stage in ("read", "plan", "render", "publish", "announce"):
        assert ok[f"feedpub_last_build_stage_seconds{{stage={stage}}}"] >= 0
    assert ok["feedpub_last_build_stage_seconds{stage=render}"] > 0
    assert [p.name for p in prom.parent.iterdir()] == ["feedpub.prom"]  # no temporary left

    with build_lock(site / ".feedpub"):
        locked = build(site, "-q", "--metrics-file", str(prom), now=60)
    assert locked.exit_code == 75 and locked.stderr == ""
    out = metrics(prom)
    assert out["feedpub_last_run_outcome{outcome=locked-out}"] == 1
    assert out["feedpub_last_run_exit_code"] == 75
    assert out["feedpub_last_success_timestamp_seconds"] == success  # untouched
    assert out["feedpub_last_build_documents{action=written}"] == 45  # the last build's
    assert T0 + 60 <= out["feedpub_last_run_timestamp_seconds"] < T0 + 120

    break_output(site)
    assert build(site, "-q", "--metrics-file", str(prom), now=120).exit_code == 1
    failed = metrics(prom)
    assert failed["feedpub_last_run_outcome{outcome=failed}"] == 1
    assert failed["feedpub_failing_since_timestamp_seconds"] == T0 + 120
    assert failed["feedpub_last_success_timestamp_seconds"] == success


def test_metrics_file_on_a_config_error_counts_the_run(site: Path) -> None:
    prom = site / "feedpub.prom"
    assert build(site, "-q", now=0).exit_code == 0
    (site / "feedpub.toml").write_text((site / "feedpub.toml").read_text() + "\nlimit = 'x'\n")
    result = build(site, "-q", "--metrics-file", str(prom), now=60)
    assert result.exit_code == 2
    found = metrics(prom)
    assert found["feedpub_last_run_outcome{outcome=failed}"] == 1
    assert found["feedpub_last_run_exit_code"] == 2
    assert found["feedpub_last_run_timestamp_seconds"] == T0 + 60
    assert T0 < found["feedpub_last_success_timestamp_seconds"] < T0 + 60  # from the history


def test_metrics_file_that_cannot_be_written_is_one_line(site: Path) -> None:
    (site / "taken").write_text("a file where a folder must go")
    result = build(site, "-q", "--metrics-file", str(site / "taken" / "feedpub.prom"), now=0)
    assert result.exit_code == 0
    assert (
        result.stderr.startswith("feedpub: --metrics-file: ") and "Traceback" not in result.stderr
    )
    assert result.stderr.count("\n") == 1


def test_metrics_name_every_hub_configured_and_owed() -> None:
    run = BuildRecord(1, T0, T0 + 2, "ok", 0)
    found = SiteStatus(T0 + 10, (run,), {"https://a.example/hub": OwedHub(("u1", "u2"), T0)})
    families = {
        f.name: f
        for f in text_string_to_metric_families(metrics_text(found, ["https://b/"]).decode())
    }
    owed = {s.labels["hub"]: s.value for s in families["feedpub_hub_announcements_owed"].samples}
    assert owed == {"https://a.example/hub": 2, "https://b/": 0}
    since = families["feedpub_hub_owed_since_timestamp_seconds"].samples
    assert {s.labels["hub"]: s.value for s in since} == {
        "https://a.example/hub": T0,
        "https://b/": 0,
    }


def test_read_status_without_a_state_folder(tmp_path: Path) -> None:
    found = read_status(tmp_path / "none", datetime(2026, 1, 1, tzinfo=UTC))
    assert found.runs == () and found.owed is None and found.stale(60)
    assert not (tmp_path / "none").exists()


def test_status_during_a_real_build(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import feedpub.pipeline.run as pipeline_run

    reading, release = threading.Event(), threading.Event()
    real = pipeline_run._note_records

    def slow(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline_run, "_note_records", slow)
    run = resolve_run(site / "feedpub.toml", environ={})
    # The library, not the CLI: CliRunner swaps sys.stdout, which two threads must not share.
    builder = threading.Thread(target=lambda: build_site(run, now=datetime.fromtimestamp(T0, UTC)))
    builder.start()
    try:
        assert reading.wait(30)
        during = status_json(site, 5)
        probe = status(site, "--max-age", "1h", now=5)
    finally:
        release.set()
        builder.join(30)
    assert during["running"] == {"started": "2026-01-01T00:00:00Z"}
    assert during["last_run"] is None
    assert probe.exit_code == 1  # nothing succeeded yet
    assert status_json(site, 60)["last_run"]["outcome"] == "ok"
