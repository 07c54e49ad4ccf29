"""How fresh ``feedpub watch`` keeps the feeds: from a record file written to the new
subscription documents published, and to the WebSub hub's receipt of the ping.

Usage::

    python benchmarks/freshness.py [--size 100000] [--seed 1] [--saves 50] [--burst 100]
                                   [--idle 300] [--recheck 300] [--archive month]

Reuses (or generates) ``benchmarks/corpus/N-SEED`` as ``run.py`` does, copies its articles into a
temporary folder, builds it once cold (archives on, a hub on 127.0.0.1 that records when each
ping arrives), then starts ``feedpub watch`` and:

1. saves ``--saves`` new stories one at a time (each written to a hidden temporary file and
   renamed into place, as editors save; a random pause of 0.3-1.0 s after each is published),
   timing from the rename to the moment ``rss.xml``, ``atom.xml`` and ``feed.json`` all show it
   (polled every 2 ms), and to the hub's receipt of the ping for ``rss.xml``;
2. saves ``--burst`` stories within one second and counts the builds the watcher ran for them,
   then checks that every one of them is published (the newest in the site feeds, the rest in
   the month's archive pages);
3. leaves the watcher idle for ``--idle`` seconds and samples its CPU time and resident memory
   (its periodic check every ``--recheck`` seconds, as ``feedpub watch --recheck``: a short one
   shows many rechecks' memory within a short idle time); memory a moment after each recheck
   is reported, between builds (or every 30 s without one).

It prints p50, p90, p99 and max of each latency, the builds for the burst, and the idle CPU share
and memory. The clock of the builds is ``--now`` (the stories are dated just before it).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

HERE = Path(__file__).resolve().parent
NOW = "2026-01-01T00:00:00Z"
FEEDS = ("rss.xml", "atom.xml", "feed.json")
TICKS = os.sysconf("SC_CLK_TCK")


class Hub:
    """A WebSub hub on 127.0.0.1 that only notes when each ``hub.url`` was pinged."""

    def __init__(self) -> None:
        self.received: list[tuple[float, str]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                arrived = time.time()
                length = int(self.headers.get("Content-Length", "0"))
                form = parse_qs(self.rfile.read(length).decode("ascii"))
                for url in form.get("hub.url", []):
                    hub.received.append((arrived, url))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def first_after(self, moment: float, url: str) -> float | None:
        times = [t for t, u in list(self.received) if u == url and t >= moment]
        return min(times) if times else None


#: The category of the new stories: one the corpus has (a new category re-renders every
#: document once, as any build would; that is not what a newsroom's save costs).
CATEGORY = ["Terkini"]


def story(number: int, minute: int) -> dict[str, object]:
    """A new story, dated ``minute`` minutes into 2025-12-31 (UTC): newer than the corpus."""
    return {
        "id": f"freshness-{number}",
        "title": f"Berita terkini nomor {number}",
        "url": f"https://berita.example.id/terkini/{number}/",
        "date_published": f"2025-12-31T{minute // 60:02d}:{minute % 60:02d}:00Z",
        "categories": CATEGORY,
        "content_text": "Isi berita terkini. " * 60,
    }


def save(folder: Path, record: dict[str, object]) -> float:
    """Write a record as an editor saves: a hidden temporary file, renamed; the rename's time."""
    temp = folder / f".{record['id']}.json.tmp"
    temp.write_text(json.dumps(record), encoding="utf-8")
    moment = time.time()
    temp.rename(folder / f"{record['id']}.json")
    return moment


def wait_published(out: Path, url: str, timeout: float = 120.0) -> float:
    """The first moment every subscription document of the site shows ``url``."""
    seen: dict[str, int] = {}
    showing: set[str] = set()
    deadline = time.time() + timeout
    while time.time() < deadline:
        for name in FEEDS:
            if name in showing:
                continue
            try:
                stamp = os.stat(out / name).st_mtime_ns
            except FileNotFoundError:
                continue
            if seen.get(name) != stamp:
                seen[name] = stamp
                if url in (out / name).read_text(encoding="utf-8"):
                    showing.add(name)
        if len(showing) == len(FEEDS):
            return time.time()
        time.sleep(0.002)
    sys.exit(f"not published within {timeout:g}s: {url}")


def cpu_seconds(pid: int) -> float:
    """User + system seconds of ``pid`` and its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(fields[i]) for i in (11, 12, 13, 14)) / TICKS


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def show(name: str, values: list[float]) -> None:
    print(
        f"{name:34} n={len(values):3}  p50 {percentile(values, 0.5):6.3f}  "
        f"p90 {percentile(values, 0.9):6.3f}  p99 {percentile(values, 0.99):6.3f}  "
        f"max {max(values):6.3f}  mean {statistics.fmean(values):6.3f} s"
    )


def main() -> int:
    """Run the freshness benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--saves", type=int, default=50)
    parser.add_argument("--burst", type=int, default=100)
    parser.add_argument("--idle", type=float, default=300.0, help="seconds idle to sample")
    parser.add_argument("--recheck", type=float, default=300.0, help="the watcher's --recheck")
    parser.add_argument("--archive", default="month", choices=["off", "year", "month"])
    parser.add_argument("-v", "--verbose", action="store_true", help="print the watch's log")
    args = parser.parse_args()
    corpus = HERE / "corpus" / f"{args.size}-{args.seed}"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(args.size), "--seed", str(args.seed),
         "--out", str(corpus)],
        check=True,
    )  # fmt: skip
    hub = Hub()
    work = Path(tempfile.mkdtemp(prefix="feedpub-freshness-", dir=HERE / "corpus"))
    watch = None
    try:
        text = (corpus / "feedpub.toml").read_text().replace('archive = "off"', "")
        config = work / "feedpub.toml"
        config.write_text(f'archive = "{args.archive}"\nhubs = ["{hub.url}"]\n' + text)
        articles, out, state = work / "articles", work / "out", work / "state"
        shutil.copytree(corpus / "articles", articles)
        first_record = next((articles / "2025").rglob("*.json"))
        CATEGORY[:] = json.loads(first_record.read_text(encoding="utf-8"))["categories"][:1]
        new = articles / "terkini"
        new.mkdir()
        common = ["--config", str(config), "--articles", str(articles), "--out", str(out)]
        common += ["--state", str(state), "--now", NOW]
        started = time.perf_counter()
        cold = subprocess.run(
            [sys.executable, "-m", "feedpub", "build", "-q", *common], check=False
        )
        if cold.returncode not in (0, 1):
            sys.exit(f"the cold build failed ({cold.returncode})")
        print(f"== N = {args.size}, seed {args.seed}, archive = {args.archive!r} ==")
        print(f"cold build (before watching)       {time.perf_counter() - started:8.2f} s")
        log = work / "watch.log"
        with log.open("w") as stderr:
            watch = subprocess.Popen(
                [sys.executable, "-m", "feedpub", "watch", *common, "--recheck", str(args.recheck)],
                stderr=stderr,
            )
        while "start:" not in log.read_text():
            if watch.poll() is not None:
                sys.exit(f"feedpub watch exited {watch.returncode}:\n{log.read_text()}")
            time.sleep(0.05)
        site_feed = "https://berita.example.id/feeds/rss.xml"

        published, announced = [], []
        for number in range(args.saves):
            record = story(number, number)
            written = save(new, record)
            up = wait_published(out, str(record["url"]))
            published.append(up - written)
            deadline = time.time() + 30
            while (got := hub.first_after(written, site_feed)) is None and time.time() < deadline:
                time.sleep(0.002)
            if got is None:
                sys.exit(f"the hub heard nothing of save {number} within 30s")
            announced.append(got - written)
            time.sleep(random.uniform(0.3, 1.0))
        show("written -> documents published", published)
        show("written -> hub received the ping", announced)
        builds_taken = [
            float(line.rsplit("; ", 1)[1].rstrip("s\n"))
            for line in log.read_text().splitlines()
            if " change: " in line
        ]
        show("the builds themselves (watch's log)", builds_taken)
        # Where the builds' time went: the history's seconds per stage, mean over these builds.
        from feedpub.state.history import read_history

        runs = read_history(state)[: len(builds_taken)]
        stages = sorted({name for run in runs for name in run.stages})
        print(
            "mean seconds per stage:            "
            + ", ".join(
                f"{name} {statistics.fmean(run.stages.get(name, 0.0) for run in runs):.3f}"
                for name in stages
            )
        )
        if args.verbose:
            print(log.read_text())

        before = log.read_text().count(" change: ")
        first = args.saves
        burst_started = time.time()
        for number in range(first, first + args.burst):
            save(new, story(number, number))
            time.sleep(max(0.0, burst_started + (number - first + 1) / args.burst - time.time()))
        took = time.time() - burst_started
        newest = story(first + args.burst - 1, first + args.burst - 1)
        wait_published(out, str(newest["url"]))
        time.sleep(3.0)  # any build still to come for the burst
        builds = log.read_text().count(" change: ") - before
        month = out / "archive" / "2025-12"
        shown = "".join(
            (folder / name).read_text(encoding="utf-8")
            for folder in (out, month)
            for name in FEEDS
            if (folder / name).exists()
        )
        missing = [n for n in range(first, first + args.burst) if f"/terkini/{n}/" not in shown]
        print(
            f"burst of {args.burst} saves in {took:.2f} s: {builds} builds; "
            f"{args.burst - len(missing)} of {args.burst} stories published"
            + (f" (missing: {missing[:5]} ...)" if missing else "")
        )

        if args.idle > 0:
            time.sleep(5.0)  # let the last heartbeat and the page cache settle
            cpu0, wall0 = cpu_seconds(watch.pid), time.monotonic()
            rechecks = log.read_text().count(" recheck: ")
            memory = [rss_mib(watch.pid)]
            # Sampled after each recheck is reported (between builds, not in the middle of one:
            # a moment later, when the build has been collected), or every 30 s when none
            # comes; each recheck's sample is printed.
            seen, sampled = rechecks, time.monotonic()
            at_rechecks: list[str] = []
            while time.monotonic() - wall0 < args.idle:
                time.sleep(0.2)
                done = log.read_text().count(" recheck: ")
                if done > seen:
                    time.sleep(min(1.0, args.recheck / 4))
                if done > seen or time.monotonic() - sampled >= 30.0:
                    memory.append(rss_mib(watch.pid))
                    if done > seen:
                        at_rechecks.append(f"{done - rechecks}: {memory[-1]:.1f}")
                    seen, sampled = done, time.monotonic()
            share = (cpu_seconds(watch.pid) - cpu0) / (time.monotonic() - wall0)
            print(
                f"idle {args.idle:g} s: {share * 100:.3f}% of one core; RSS "
                f"{memory[0]:.1f} -> {memory[-1]:.1f} MiB (min {min(memory):.1f}, "
                f"max {max(memory):.1f}, {len(memory)} samples; {seen - rechecks} rechecks)"
            )
            print(f"RSS (MiB) after each recheck, from {memory[0]:.1f}: " + ", ".join(at_rechecks))
        watch.terminate()
        print(f"watch exited {watch.wait(600)} on SIGTERM")
    finally:
        if watch is not None and watch.poll() is None:
            watch.kill()
            watch.wait()
        hub.server.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
