"""Benchmark builds with RFC 5005 archives on, against the same corpus with archives off.

Usage::

    python benchmarks/archives.py [--size 100000] [--seed 1] [--archive month]

Reuses (or generates) ``benchmarks/corpus/N-SEED`` as ``run.py`` does, then times, each in its
own process: the archives-off cold build, a plain ``cp -r`` of an archives-on output folder, and
the archives-on cold, no-change, one-changed, one-new and new-label (a record with a category
label no other record has) builds, then a change of the site's ``title`` (every document shows
it, no record does), a new ``cache_control`` (a folder keeps no headers: nothing to write) and
a new ``limit`` (only subscription documents show it: <= 1/10 of cold, as a one-record change),
then a longer ``archive`` period (``month`` to ``year``: the year pages are the month pages
joined, every archive file written or removed; held to a new title's 1/4). It prints the
cold target of issue 10 (archives-on cold <= 3x (archives-off cold + cp -r)), the incremental
ratios against the archives-on cold build, the files and bytes the cold build wrote, the files
each incremental run touched, and documents written per second. Outputs live in a temporary
folder, removed after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = "2026-01-01T00:00:00Z"


#: CPU seconds (user + system) of each command _timed ran, workers included, in order: on a
#: shared machine they move far less than wall time.
CPU: list[float] = []


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command: list[str]) -> tuple[float, str]:
    started, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    CPU.append(_children_cpu() - cpu)
    if done.returncode not in (0, 1):
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            stat = os.stat(os.path.join(folder, name))
            found[os.path.join(folder, name)] = (stat.st_size, stat.st_mtime_ns)
    return found


def main() -> int:
    """Run the archive benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--archive", default="month", choices=["year", "month", "week", "day"])
    args = parser.parse_args()
    corpus = HERE / "corpus" / f"{args.size}-{args.seed}"
    subprocess.run(
        [sys.executable, str(HERE / "generate.py"), str(args.size), "--seed", str(args.seed),
         "--out", str(corpus)],
        check=True,
    )  # fmt: skip
    work = Path(tempfile.mkdtemp(prefix="feedpub-archives-", dir=HERE / "corpus"))
    try:
        text = (corpus / "feedpub.toml").read_text().replace('archive = "off"', "")
        config_off, config_on = work / "off.toml", work / "on.toml"
        config_off.write_text('archive = "off"\n' + text)  # before any [table]
        config_on.write_text(f'archive = "{args.archive}"\n' + text)
        articles = work / "articles"
        shutil.copytree(corpus / "articles", articles)
        on_out, on_state = work / "out-on", work / "state-on"

        def feedpub(config: Path, out: Path, state: Path) -> tuple[float, dict[str, object]]:
            elapsed, stdout = _timed(
                [sys.executable, "-m", "feedpub", "build", "--articles", str(articles),
                 "--config", str(config), "--out", str(out), "--state", str(state),
                 "--now", NOW, "--json", "-q"]
            )  # fmt: skip
            summary: dict[str, object] = json.loads(stdout)
            return elapsed, summary

        def step() -> tuple[float, float, int, int]:
            """An archives-on rebuild: its wall and CPU time, how many output files it
            touched and how many records it parsed."""
            before = _tree(on_out)
            elapsed, summary = feedpub(config_on, on_out, on_state)
            after = _tree(on_out)
            touched = sum(
                1 for path in before.keys() | after.keys() if before.get(path) != after.get(path)
            )
            return elapsed, CPU[-1], touched, int(str(summary.get("records_changed", 0)))

        off_cold, _ = feedpub(config_off, work / "out-off", work / "state-off")
        on_cold, cold = feedpub(config_on, on_out, on_state)
        on_cold_cpu = CPU[-1]
        files = _tree(on_out)
        entries = _entries(on_out)
        copy, _ = _timed(["cp", "-r", str(on_out), str(work / "copy")])
        steps = {"no-change": step()}
        newest = max(articles.rglob("*.json"), key=lambda path: path.name)
        record = json.loads(newest.read_text())
        if isinstance(record, dict):
            record["title"] = str(record.get("title", "")) + " (diperbarui)"
            newest.write_text(json.dumps(record, ensure_ascii=False))
        steps["one-change"] = step()
        (articles / "2025" / "benchmark-new.json").write_text(
            json.dumps(
                {"title": "Berita baru", "date_published": "2025-12-31T12:00:00+07:00",
                 "url": "/2025/12/berita-baru/", "content_text": "Isi."}
            )
        )  # fmt: skip
        steps["one-new"] = step()
        # Issue 21: a category label no other record has must cost what any one record does.
        (articles / "2025" / "benchmark-new-label.json").write_text(
            json.dumps(
                {"title": "Label baru", "date_published": "2025-12-31T13:00:00+07:00",
                 "url": "/2025/12/label-baru/", "content_text": "Isi.",
                 "categories": ["Kategori Yang Belum Pernah Ada"]}
            )
        )  # fmt: skip
        steps["new-label"] = step()
        # Issue 21: a setting every document shows (the site's title: no record is parsed), and
        # one no file shows (a folder keeps no headers: nothing is written).
        config_on.write_text(
            config_on.read_text().replace('\ntitle = "', '\ntitle = "Edisi Baru: ', 1)
        )
        steps["title"] = step()
        config_on.write_text('cache_control = "max-age=60"\n' + config_on.read_text())
        steps["cache_control"] = step()
        # A setting only the subscription documents show: the archive pages are left alone.
        limit = re.sub(r"(?m)^limit = \d+$", "limit = 60", config_on.read_text(), count=1)
        if limit == config_on.read_text():
            sys.exit("the corpus's config names no limit")
        config_on.write_text(limit)
        steps["limit"] = step()
        # A longer archive period: its pages are the published shorter ones joined, no entry
        # rendered; the shorter ones are removed (every archive file touched).
        longer = {"day": "month", "week": "year", "month": "year"}.get(args.archive)
        if longer is not None:
            now = config_on.read_text()
            was = f'archive = "{args.archive}"'
            config_on.write_text(now.replace(was, f'archive = "{longer}"'))
            steps[f"archive={longer}"] = step()

        written = sum(size for size, _ in files.values())
        print(f"== N = {args.size}, seed {args.seed}, archive = {args.archive!r} ==")
        print(f"archives-off cold build       {off_cold:8.2f} s")
        print(f"cp -r of the archives-on out  {copy:8.2f} s")
        print(
            f"archives-on cold build        {on_cold:8.2f} s  (CPU {on_cold_cpu:.2f} s;"
            f" {cold['feeds_written']} documents)"
        )
        print(
            f"  wrote {len(files):,} files, {written / 2**20:,.1f} MiB;"
            f" {int(str(cold['feeds_written'])) / on_cold:,.0f} documents a second"
        )
        shown, rendered = entries
        print(
            f"  {shown:,} entries shown; {rendered:,} rendered (each once per format),"
            f" {rendered / on_cold:,.0f} a second; {int(str(cold['feeds_written'])):,}"
            f" documents assembled, {int(str(cold['feeds_written'])) / on_cold:,.0f} a second"
        )
        bound = 3 * (off_cold + copy)
        verdict = "PASS" if on_cold <= bound else "FAIL"
        print(f"cold / 3x(off cold + cp -r)   {on_cold / bound:8.2f}  <= 1.00  {verdict}")
        # A new archive rewrites every archive file, as a new title does: the same bound.
        targets = {"no-change": 1 / 20, "title": 1 / 4, "cache_control": 1 / 20}
        targets.update((name, 1 / 4) for name in steps if name.startswith("archive="))
        for name, (seconds, cpu, touched, parsed) in steps.items():
            target = targets.get(name, 1 / 10)
            ratio = seconds / on_cold
            result = "PASS" if ratio <= target else "FAIL"
            print(
                f"{name:<14}{seconds:6.2f} s  / cold {ratio:5.3f} <= {target:.3f} {result}"
                f"  (CPU {cpu:.2f} s, / cold {cpu / on_cold_cpu:.3f})  files touched: {touched}"
                f", records parsed: {parsed}"
            )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _entries(out: Path) -> tuple[int, int]:
    """Entries in every document under ``out`` (RSS items, Atom entries, JSON Feed items), and
    the distinct ones by format: each is rendered once, whatever number of documents show it."""
    count = 0
    distinct: set[tuple[str, bytes]] = set()
    for path in out.rglob("*"):
        if path.suffix == ".xml":
            data = path.read_bytes()
            if path.name == "rss.xml":
                ids = re.findall(rb"<guid[^>]*>([^<]*)</guid>", data)
            else:  # the first <id> after each entry's start tag is the entry's
                ids = [part.split(b"<id>", 1)[1].split(b"</id>", 1)[0]
                       for part in re.split(rb"<entry[ >]", data)[1:]]  # fmt: skip
            count += len(ids)
            distinct.update((path.name, i) for i in ids)
        elif path.suffix == ".json":
            items = json.loads(path.read_bytes()).get("items", [])
            count += len(items)
            distinct.update((path.name, str(item["id"]).encode()) for item in items)
    return count, len(distinct)


if __name__ == "__main__":
    raise SystemExit(main())
