"""The stat floor of a no-change run: a bare ``os.scandir`` walk that stats every file.

Usage::

    python benchmarks/statfloor.py ARTICLES_DIR [--repeat 3]

A no-change ``feedpub build`` must at least list every folder and stat every
record file (that is how it knows nothing changed); this measures that alone,
in one process, keeping nothing but a count, and prints the best of a few runs
as wall and CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence


def walk(root: str) -> int:
    """Stat every file under ``root`` (following no links); return how many there were."""
    count = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                else:
                    entry.stat()
                    count += 1
    return count


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``statfloor.py ARTICLES_DIR [--repeat N]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    best_wall = best_cpu = float("inf")
    count = 0
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        count = walk(args.articles)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(
        f"{count} files: stat floor {best_wall:.3f}s wall, {best_cpu:.3f}s CPU"
        f" (best of {args.repeat})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
