"""What a cron operator relies on: the lock, scheduled entries, dry runs, reports and exit codes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from feedpub.cli import main
from feedpub.output.lock import build_lock
from feedpub.site import build_site, resolve_run

NOW = "2026-01-01T00:00:00+07:00"


def feedpub(site: Path, *args: str, now: str = NOW) -> Any:
    return CliRunner().invoke(
        main, ["build", "--config", str(site / "feedpub.toml"), "--now", now, *args]
    )


def add_record(site: Path, name: str, **fields: Any) -> Path:
    path = site / "articles" / f"{name}.json"
    record = {"title": name.title(), "url": f"/{name}/", "categories": ["Jadwal"], **fields}
    path.write_text(json.dumps(record))
    return path


def test_second_build_exits_75_with_one_line(site: Path) -> None:
    with build_lock(site / ".feedpub"):
        result = feedpub(site)
    assert result.exit_code == 75
    assert result.stderr.count("\n") == 1
    assert "another feedpub build is running" in result.stderr
    assert not (site / "public").exists()


def test_lock_exit_is_silent_under_quiet(site: Path) -> None:
    # Overlapping cron runs are no failure: under -q they must not send mail (exit 75 still).
    with build_lock(site / ".feedpub"):
        result = feedpub(site, "-q")
    assert result.exit_code == 75
    assert result.stderr == "" and result.stdout == ""


def _one_json(result: Any) -> dict[str, Any]:
    assert result.stdout.count("\n") == 1, result.stdout
    data: dict[str, Any] = json.loads(result.stdout)
    assert data["exit_code"] == result.exit_code
    return data


def test_json_prints_one_object_on_every_exit_code(site: Path) -> None:
    ok = _one_json(feedpub(site, "--json", "-q"))
    assert ok["outcome"] == "ok" and ok["error"] is None and ok["records_read"] == 16
    with build_lock(site / ".feedpub"):
        locked = _one_json(feedpub(site, "--json", "-q"))
    assert locked["exit_code"] == 75 and locked["outcome"] == "locked-out"
    assert "another feedpub build is running" in locked["error"]
    assert locked["records_read"] is None and locked["errors"] == []
    assert set(locked) == set(ok)
    missing = CliRunner().invoke(main, ["build", "--json", "--config", str(site / "nope.toml")])
    config = _one_json(missing)
    assert config["exit_code"] == 2 and config["outcome"] == "failed"
    assert "nope.toml: config file not found" in config["error"]
    assert "config file not found" in missing.stderr  # the line for cron mail stays
    for bad in (["--wait", "soon"], ["--no-such-flag"]):
        usage = _one_json(feedpub(site, "--json", *bad))
        assert usage["exit_code"] == 2 and usage["error"] and set(usage) == set(ok)
    shutil.rmtree(site / "public" / "category")
    (site / "public" / "category").write_text("a file where a folder must go")
    add_record(site, "baru", date_published="2025-12-31T10:00:00+07:00")
    failed = _one_json(feedpub(site, "--json", "-q"))
    assert failed["exit_code"] == 1 and failed["outcome"] == "failed"
    assert "cannot publish" in failed["error"]


def test_json_from_the_environment_covers_usage_errors(site: Path) -> None:
    result = CliRunner().invoke(
        main,
        ["build", "--config", str(site / "feedpub.toml"), "--wait", "x"],
        env={"FEEDPUB_JSON": "1"},
    )
    assert _one_json(result)["exit_code"] == 2


def test_check_prints_one_json_object(site: Path) -> None:
    def check(*args: str) -> Any:
        return CliRunner().invoke(main, ["check", "--json", *args])

    config = ["--config", str(site / "feedpub.toml")]
    good = _one_json(check(*config))
    assert good == {
        "exit_code": 0,
        "outcome": "ok",
        "error": None,
        "records_read": 16,
        "records_bad": 0,
        "errors": [],
        "warnings": [],
        "elapsed_seconds": good["elapsed_seconds"],
    }
    (site / "articles/rusak.json").write_text('{"title": "Rusak"}')
    bad = _one_json(check(*config))
    assert bad["exit_code"] == 1 and bad["outcome"] == "problems" and bad["records_bad"] == 1
    assert len(bad["errors"]) == 2
    missing = _one_json(check("--config", str(site / "nope.toml")))
    assert missing["exit_code"] == 2 and missing["records_read"] is None
    assert set(missing) == set(good)
    no_articles = _one_json(check(*config, "--articles", str(site / "none")))
    assert no_articles["exit_code"] == 2 and "articles folder not found" in no_articles["error"]


def test_wait_outlasts_a_short_lock(site: Path) -> None:
    held = threading.Event()

    def hold() -> None:
        with build_lock(site / ".feedpub"):
            held.set()
            time.sleep(0.3)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait()
    result = feedpub(site, "-q", "--wait", "10")
    thread.join()
    assert result.exit_code == 0, result.stderr


def test_killed_holder_leaves_no_stale_lock(site: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from feedpub.output.lock import build_lock\n"
        "with build_lock(Path(sys.argv[1])):\n    print('locked', flush=True); time.sleep(60)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(site / ".feedpub")],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        assert feedpub(site, "-q").exit_code == 75
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        holder.kill()
        holder.wait(timeout=10)
        if holder.stdout is not None:
            holder.stdout.close()
    assert feedpub(site, "-q").exit_code == 0


def test_future_entry_appears_exactly_when_due(site: Path) -> None:
    add_record(site, "terjadwal", date_published="2026-01-01T09:00:00+07:00")
    before = feedpub(site, "-q", now="2026-01-01T08:59:59+07:00")
    assert before.exit_code == 0
    rss = (site / "public/rss.xml").read_text()
    assert "Terjadwal" not in rss
    assert "<lastBuildDate>Fri, 17 May 2024 08:00:00 +0000</lastBuildDate>" in rss  # no leak
    assert not (site / "public/category/jadwal").exists()
    due = feedpub(site, "-q", now="2026-01-01T02:00:00Z")  # the same instant as 09:00 +07:00
    assert due.exit_code == 0
    rss = (site / "public/rss.xml").read_text()
    assert "Terjadwal" in rss
    assert "<lastBuildDate>Thu, 01 Jan 2026 09:00:00 +0700</lastBuildDate>" in rss
    assert (site / "public/category/jadwal/atom.xml").exists()


def test_dry_run_writes_nothing_and_lists_changes(site: Path) -> None:
    feedpub(site, "-q")
    before = {p: p.read_bytes() for p in (site / "public").rglob("*.xml")}
    add_record(site, "kabar", date_published="2025-12-31T10:00:00+07:00")
    result = feedpub(site, "--dry-run")
    assert result.exit_code == 0
    assert {p: p.read_bytes() for p in (site / "public").rglob("*.xml")} == before
    assert "rss.xml: would be written\n  + kabar\n" in result.stdout
    assert "category/jadwal/atom.xml: would be written\n  + kabar\n" in result.stdout
    # main and jadwal, in all three formats (every feed of the sample fits in its
    # subscription document: complete, no archive pages), and the pages for people: theirs
    # and the directory
    assert "would be written 9" in result.stderr
    assert "category/jadwal/index.html: would be written" in result.stdout
    after = feedpub(site, "-q")  # a real run after a dry run still publishes it
    assert after.exit_code == 0 and "Kabar" in (site / "public/rss.xml").read_text()


def test_only_a_dry_run_s_report_lists_the_entries_ids(site: Path) -> None:
    """A build's report names no entry of a document it wrote: it would hold every id of
    every document to the end of a large build (11 MB at 100,000 records with archives)."""
    run = resolve_run(site / "feedpub.toml")
    now = datetime.fromisoformat(NOW)
    build_site(run, now=now, ping=False)
    add_record(site, "kabar", date_published="2025-12-31T10:00:00+07:00")
    dry = {o.path: o for o in build_site(run, now=now, ping=False, dry_run=True).feeds}
    assert dry["rss.xml"].action == "written" and dry["rss.xml"].added == ("kabar",)
    real = {o.path: o for o in build_site(run, now=now, ping=False).feeds}
    assert real["rss.xml"].action == "written"
    assert [o.added + o.updated + o.removed for o in real.values()] == [()] * len(real)


def test_url_published_under_another_id_warns_and_strict_fails(site: Path) -> None:
    first = add_record(site, "lama", date_published="2025-12-30T10:00:00+07:00", id="lama-1")
    assert feedpub(site, "-q").exit_code == 0
    record = json.loads(first.read_text())
    record["id"] = "lama-2"
    first.write_text(json.dumps(record))
    strict = feedpub(site, "--strict")
    assert strict.exit_code == 1
    assert "readers will show this article twice" in strict.stderr
    assert "lama-1" in (site / "public/rss.xml").read_text()  # nothing published
    loose = feedpub(site)
    assert loose.exit_code == 0
    assert "url: warning: was published before as id 'lama-1', now as 'lama-2'" in loose.stderr
    assert "lama-2" in (site / "public/rss.xml").read_text()


def test_json_summary_for_monitoring(site: Path) -> None:
    (site / "articles/rusak.json").write_text('{"title": "Rusak"}')
    result = feedpub(site, "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 1
    assert summary["records_read"] == 17
    assert summary["records_changed"] == 17
    assert summary["records_bad"] == 1
    assert summary["feeds_written"] == 45  # 33 feed documents, 12 pages for people
    assert summary["feeds_unchanged"] == summary["feeds_removed"] == summary["feeds_invalid"] == 0
    rusak = site / "articles" / "rusak.json"
    assert summary["errors"] == [
        f"{rusak}: date_published: is required (the date the article was published)",
        f"{rusak}: url: a record without a url needs content_html, content_text or summary",
    ]
    assert isinstance(summary["elapsed_seconds"], float)
    again = json.loads(feedpub(site, "--json").stdout)
    assert again["records_changed"] == 0 and again["feeds_unchanged"] == 45


def test_default_summary_quiet_and_verbose(site: Path) -> None:
    first = feedpub(site)
    assert first.exit_code == 0 and first.stdout == ""
    assert first.stderr.startswith("feedpub: 16 records read, 16 changed, 0 bad; feeds written 45,")
    assert feedpub(site, "-q").stderr == ""
    add_record(site, "baru", date_published="2025-12-31T10:00:00+07:00")
    verbose = feedpub(site, "-v")
    assert "rss.xml: written (entries, labels or config changed)" in verbose.stderr
    assert "category/jadwal/rss.xml: written (new)" in verbose.stderr


def test_bad_now_is_a_usage_error(site: Path) -> None:
    result = feedpub(site, now="tomorrow")
    assert result.exit_code == 2 and "--now" in result.stderr
    result = feedpub(site, now="2026-01-01T00:00:00")
    assert result.exit_code == 2 and "offset" in result.stderr


def test_unusable_state_folder_is_a_usage_error(site: Path) -> None:
    (site / "not-a-folder").write_text("")
    state = site / "not-a-folder" / "state"
    result = feedpub(site, "--state", str(state))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"feedpub: {state}: cannot use the state folder: Not a dir")


def test_unwritable_output_is_reported_without_a_traceback(site: Path) -> None:
    (site / "public").mkdir()
    (site / "public" / "category").write_text("a file where a folder must go")
    result = feedpub(site, "-q")
    assert result.exit_code == 1
    assert "cannot publish" in result.stderr and "Traceback" not in result.stderr
    (site / "public" / "category").unlink()
    assert feedpub(site, "-q").exit_code == 0  # and the next run recovers


def test_file_in_place_of_a_published_folder_is_one_line(site: Path) -> None:
    assert feedpub(site, "-q").exit_code == 0
    shutil.rmtree(site / "public" / "category")
    (site / "public" / "category").write_text("a file where a folder must go")
    # In no category: the category feeds are planned as they were, so their files are looked at.
    add_record(site, "baru", date_published="2025-12-31T10:00:00+07:00", categories=[])
    result = feedpub(site, "-q")
    assert result.exit_code == 1, result.output
    assert "cannot publish" in result.stderr and "Traceback" not in result.stderr


def test_serve_build_without_articles_is_still_one_line(site: Path) -> None:
    # build and check report a missing articles folder their own way now; serve keeps its line.
    config = ["--config", str(site / "feedpub.toml"), "--articles", str(site / "none")]
    result = CliRunner().invoke(main, ["serve", "--build", *config])
    assert result.exit_code == 2
    assert result.stderr == (
        f"feedpub: {site / 'none'}: articles folder not found (pass --articles DIR, "
        "or run `feedpub init` to start a site)\n"
    )
