"""What the pages for people add to a build: files, bytes and time, pages on against pages off.

Usage::

    python benchmarks/pages.py [--size 1000] [--seed 1]

Reuses (or generates) ``benchmarks/corpus/N-SEED`` as ``run.py`` does, then builds it cold
twice, each in its own process with a fresh output folder and state: with ``pages = false``
and with the pages on (the default). It prints the files and bytes each output holds, what
the pages add (in all, per page, and per 1,000 records), the cold build times, and the time
of a no-change build with pages on. Outputs live in a temporary folder, removed after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = "2026-01-01T00:00:00Z"


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"failed ({done.returncode}): {' '.join(command)}\n{done.stderr[-2000:]}")
    return elapsed


def _files(root: Path) -> dict[str, int]:
    """Every published file under ``root`` (not the owner marker) and its size."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):
                path = os.path.join(folder, name)
                found[os.path.relpath(path, root)] = os.stat(path).st_size
    return found


def main() -> int:
    """Build the corpus with pages off and on, and print what the pages add."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = HERE / "corpus" / f"{args.size}-{args.seed}"
    generate = [sys.executable, str(HERE / "generate.py"), str(args.size)]
    subprocess.run([*generate, "--seed", str(args.seed), "--out", str(corpus)], check=True)
    with tempfile.TemporaryDirectory(prefix="feedpub-pages-") as scratch:
        work = Path(scratch)
        results: dict[str, tuple[float, dict[str, int]]] = {}
        for name, pages in (("off", "false"), ("on", "true")):
            command = [
                sys.executable, "-m", "feedpub", "build", "-q",
                "--config", str(corpus / "feedpub.toml"),
                "--articles", str(corpus / "articles"),
                "--out", str(work / f"out-{name}"),
                "--state", str(work / f"state-{name}"),
                "--now", NOW, "--set", f"pages={pages}",
            ]  # fmt: skip
            results[name] = (_timed(command), _files(work / f"out-{name}"))
        again = _timed(command)  # the last one: pages on, nothing changed
    (off_time, off), (on_time, on) = results["off"], results["on"]
    pages = {path: size for path, size in on.items() if path.endswith(".html")}
    assert set(on) - set(off) == set(pages), "pages on must add the pages and nothing else"
    per_thousand = 1000 / args.size
    print(f"records: {args.size:,} (seed {args.seed})")
    print(f"pages off: {len(off):,} files, {sum(off.values()):,} bytes, cold {off_time:.2f} s")
    print(f"pages on:  {len(on):,} files, {sum(on.values()):,} bytes, cold {on_time:.2f} s")
    added = sum(pages.values())
    print(
        f"the pages: {len(pages):,} files, {added:,} bytes"
        f" ({added / max(len(pages), 1):,.0f} bytes a page on average;"
        f" the directory {pages.get('index.html', 0):,} bytes)"
    )
    print(
        f"per 1,000 records: {len(pages) * per_thousand:,.1f} files,"
        f" {added * per_thousand:,.0f} bytes"
        f" (+{100 * added / max(sum(off.values()), 1):.1f}% of the output's bytes)"
    )
    print(f"no-change build with pages on: {again:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
