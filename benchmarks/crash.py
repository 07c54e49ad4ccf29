"""Crash consistency: SIGKILL builds at random points and check what readers would see.

Usage::

    python benchmarks/crash.py --kills 50 --records 1500 --seed 1 [--archive month]
        [--formats rss,atom,json]

Not a CI test (it takes minutes). A seeded corpus (benchmarks/generate.py), published
with RFC 5005 archive pages (by month, categories' too) in every format unless told
otherwise, is built once; then, N times: some records are edited, added or removed (so feeds
change, appear and go), a ``feedpub build`` (full or incremental, alternately)
is started and killed with SIGKILL: two times in three after a random delay
within a build's duration, the third time as soon as a temporary file shows
(between a feed's write and its rename, a window random delays rarely hit).
After each kill it checks:

- every published document (``*.xml`` and ``feed.json``, archive pages included) is
  valid, and is either the version before the kill or the version a clean build of
  the new records publishes (nothing half-written);
- the next build (not killed) succeeds, leaves no ``.feedpub-tmp-*`` file
  behind, and publishes exactly what a clean build (fresh state and output
  folders) of the same records publishes: no stale document (one no clean build
  writes) and no empty folder is left.

It prints the counts; any non-zero count but "temp files right after a kill"
is a failure (exit 1).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate  # the sibling benchmarks/generate.py

from feedpub.output.paths import is_feed_path
from feedpub.output.publish import TEMP_PREFIX
from feedpub.validate import validate_feed

NOW = "2026-06-01T00:00:00+07:00"


@dataclass
class Counts:
    """What the runs found."""

    kills: int = 0
    aimed: int = 0
    killed_before_end: int = 0
    feeds_checked: int = 0
    corrupt_feeds: int = 0
    neither_old_nor_new: int = 0
    temp_files_after_kill: int = 0
    temp_files_after_next_build: int = 0
    next_build_failures: int = 0
    mismatches_with_clean_build: int = 0
    stale_after_next_build: int = 0
    empty_folders_after_next_build: int = 0
    notes: list[str] = field(default_factory=list)

    def failed(self) -> bool:
        return bool(
            self.corrupt_feeds
            or self.neither_old_nor_new
            or self.temp_files_after_next_build
            or self.next_build_failures
            or self.mismatches_with_clean_build
            or self.stale_after_next_build
            or self.empty_folders_after_next_build
        )


def feedpub(site: Path, out: Path, state: Path, *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "feedpub", "build", "-q", "--now", NOW]
    command += ["--config", str(site / "feedpub.toml"), "--out", str(out), "--state", str(state)]
    return subprocess.Popen([*command, *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def run_build(site: Path, out: Path, state: Path, *extra: str) -> tuple[int, str]:
    process = feedpub(site, out, state, *extra)
    _, stderr = process.communicate()
    return process.returncode, stderr.decode("utf-8", "replace")


def feeds(out: Path) -> dict[str, bytes]:
    """Every published document (temporary files aside), archive pages and every format
    included, by its path under ``out``."""
    if not out.is_dir():
        return {}
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and is_feed_path(p.relative_to(out).as_posix())
    }


def empty_folders(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())]


def temp_files(out: Path) -> list[Path]:
    return [p for p in out.rglob(f"{TEMP_PREFIX}*")] if out.is_dir() else []


def clean_build(site: Path) -> dict[str, bytes]:
    """What a build from nothing publishes for the records as they are now."""
    with tempfile.TemporaryDirectory() as scratch:
        out, state = Path(scratch) / "out", Path(scratch) / "state"
        code, stderr = run_build(site, out, state)
        if code not in (0, 1):
            raise SystemExit(f"a clean build failed ({code}): {stderr}")
        return feeds(out)


def edit(site: Path, rng: random.Random) -> None:
    """Change some records: titles (every feed showing them), categories (feeds come and go),
    a new record, a removed one."""
    files = sorted((site / "articles").rglob("*.json"))
    for path in rng.sample(files, min(len(files), rng.randint(1, 12))):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        record["title"] = f"{record.get('title', 'Judul')} ({rng.randint(0, 10**6)})"
        if rng.random() < 0.4:
            record["categories"] = [f"Crash {rng.randint(0, 30)}"]
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    if rng.random() < 0.5:
        new = site / "articles" / "crash" / f"new-{rng.randint(0, 10**9)}.json"
        new.parent.mkdir(exist_ok=True)
        record = {
            "title": "Baru",
            "url": f"/crash/{new.stem}/",
            "date_published": "2026-05-01 10:00",
            "categories": [f"Crash {rng.randint(0, 30)}"],
            "content_text": "Isi.",
        }
        new.write_text(json.dumps(record), encoding="utf-8")
    extra = sorted((site / "articles" / "crash").glob("*.json"))
    if extra and rng.random() < 0.4:
        rng.choice(extra).unlink()


def aim_at_a_write(process: subprocess.Popen[bytes], out: Path) -> bool:
    """Wait until the build has a temporary file open (between a write and its rename), or
    has ended; True when one was seen. Random delays rarely land in that window."""
    while process.poll() is None:
        if temp_files(out):
            return True
    return False


def invalid(data: bytes, source: str) -> bool:
    return any(p.level == "error" for p in validate_feed(data, source=source))


def check_after_kill(before: dict[str, bytes], new: dict[str, bytes], out: Path, c: Counts) -> None:
    for path, data in feeds(out).items():
        c.feeds_checked += 1
        if invalid(data, path):
            c.corrupt_feeds += 1
            c.notes.append(f"corrupt after a kill: {path}")
        elif data != before.get(path) and data != new.get(path):
            c.neither_old_nor_new += 1
            c.notes.append(f"neither the old nor the new version: {path}")


def configure(config: Path, archive: str, formats: list[str]) -> None:
    """Publish archive pages and ``formats`` (the generated config turns archives off)."""
    kept = [
        line
        for line in config.read_text(encoding="utf-8").splitlines()
        if line.split(" =")[0] not in ("archive", "archive_categories", "formats")
    ]
    keys = f"archive = {json.dumps(archive)}\narchive_categories = true\n"
    keys += f"formats = {json.dumps(formats)}\n"
    config.write_text(keys + "\n".join(kept) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="builds to kill (default 50)")
    parser.add_argument("--records", type=int, default=1500, help="corpus size (default 1500)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--archive",
        default="month",
        choices=["year", "month", "week", "day", "off"],
        help="archive pages (default month, the site's and every category's)",
    )
    parser.add_argument(
        "--formats", default="rss,atom,json", help="formats published (default rss,atom,json)"
    )
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        corpus = Path(scratch) / "corpus"
        generate(args.records, args.seed, corpus)
        site = Path(scratch) / "site"
        shutil.copytree(corpus, site)
        configure(site / "feedpub.toml", args.archive, args.formats.split(","))
        out, state = site / "public", site / ".feedpub"
        started = time.perf_counter()
        code, stderr = run_build(site, out, state)
        full_time = time.perf_counter() - started
        if code not in (0, 1):
            print(f"the first build failed ({code}): {stderr}", file=sys.stderr)
            return 1
        c = Counts()
        for number in range(args.kills):
            before = feeds(out)
            edit(site, rng)
            new = clean_build(site)
            extra = ("--full",) if number % 2 else ()
            process = feedpub(site, out, state, *extra)
            if number % 3 == 2:
                c.aimed += aim_at_a_write(process, out)
            else:
                time.sleep(rng.uniform(0, full_time * (1.1 if extra else 0.6)))
            process.send_signal(signal.SIGKILL)
            process.communicate()
            c.kills += 1
            c.killed_before_end += process.returncode == -signal.SIGKILL
            c.temp_files_after_kill += len(temp_files(out))
            check_after_kill(before, new, out, c)
            code, stderr = run_build(site, out, state)
            if code not in (0, 1) or "Traceback" in stderr:
                c.next_build_failures += 1
                c.notes.append(f"next build exited {code}: {stderr.strip()[-300:]}")
            left = temp_files(out)
            c.temp_files_after_next_build += len(left)
            published = feeds(out)
            stale = sorted(set(published) - set(new))
            c.stale_after_next_build += len(stale)
            if stale:
                c.notes.append(f"kill {number}: stale after the next build: {stale[:3]}")
            empty = empty_folders(out)
            c.empty_folders_after_next_build += len(empty)
            if empty:
                c.notes.append(f"kill {number}: empty folders after the next build: {empty[:3]}")
            if published != new:
                c.mismatches_with_clean_build += 1
                c.notes.append(f"kill {number}: the next build differs from a clean build")
    print(f"builds killed:                     {c.kills} ({c.killed_before_end} before they ended)")
    print(f"  of them while writing a feed:    {c.aimed}")
    print(f"feeds checked after a kill:        {c.feeds_checked}")
    print(f"corrupt (invalid) feeds:           {c.corrupt_feeds}")
    print(f"feeds neither old nor new:         {c.neither_old_nor_new}")
    print(f"temp files right after a kill:     {c.temp_files_after_kill}")
    print(f"temp files after the next build:   {c.temp_files_after_next_build}")
    print(f"next builds that failed:           {c.next_build_failures}")
    print(f"next builds unlike a clean build:  {c.mismatches_with_clean_build}")
    print(f"stale documents after next build:  {c.stale_after_next_build}")
    print(f"empty folders after next build:    {c.empty_folders_after_next_build}")
    for note in c.notes[:20]:
        print(f"  {note}")
    return 1 if c.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
