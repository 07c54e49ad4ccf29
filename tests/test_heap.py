"""The ``feedpub`` command keeps its threads in one arena of glibc's allocator (feedpub/heap.py):
a build's threads each grew an arena of their own to their own peak, and memory one thread
freed was never reused by another.

glibc gives a thread an arena of its own on its first ``malloc``, up to its limit, and
``malloc_stats()`` lists every arena on stderr; each case runs in a fresh interpreter, so that
the test process's own arenas do not count.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedpub import heap
from feedpub.cli import main

_THREADS = textwrap.dedent(
    """
    import ctypes, sys, threading
    from feedpub import heap
    if sys.argv[1] == "one":
        assert heap.one_arena()
    ready = threading.Barrier(4)
    def work():
        ready.wait()  # all four alive at once
        bytearray(1 << 16)  # a block from malloc, not from Python's small-object allocator
    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ctypes.CDLL(None).malloc_stats()
    """
)


def arenas(setting: str) -> int:
    """How many arenas a process made whose four threads each allocated a block."""
    done = subprocess.run(
        [sys.executable, "-c", _THREADS, setting], capture_output=True, text=True, check=True
    )
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


def glibc() -> None:
    if sys.platform != "linux" or not hasattr(__import__("ctypes").CDLL(None), "malloc_stats"):
        pytest.skip("glibc only")


def test_one_arena_keeps_every_thread_in_the_main_arena() -> None:
    glibc()
    assert arenas("default") > 1  # the threads' own: what the setting is for
    assert arenas("one") == 1


def test_the_command_asks_for_one_arena_before_it_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(heap, "one_arena", lambda: asked.append("asked") or True)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["config"])  # any command; this one ends at once
    assert result.exit_code == 2, result.output  # no feedpub.toml here
    assert asked == ["asked"]
