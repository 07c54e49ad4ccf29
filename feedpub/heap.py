"""The C heap under Python: how many arenas glibc keeps, and giving its free pages back.

Large Python objects (a record's body, a rendered document, a pickled result) are allocated by
the C library, not by Python's own small-object allocator. glibc gives each thread an arena of
its own on the thread's first allocation, up to eight per core (four threads made five arenas
here: tests/test_heap.py), and never moves a block between arenas: memory a thread freed in its
arena is reused only by allocations landing in that arena. A build's threads (the pool's result
thread unpickling what the workers send back, the threads writing and removing files behind the
publishing loop) each made an arena and grew it to their own peak; at 100,000 records with
archives on, the build's largest process peaked at 307 MiB with them and 211 MiB with one arena
(benchmarks/README.md).

Both settings are process-wide, so the library does not make them behind its callers' backs:
the ``feedpub`` command asks for one arena (:func:`one_arena`) before any of its threads starts,
and the watcher gives the free pages back after each build (:func:`trim`). Where the C library
is not glibc (musl, macOS), both do nothing.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from functools import cache

__all__ = ["one_arena", "trim"]

#: glibc's ``M_ARENA_MAX`` parameter of ``mallopt``.
_M_ARENA_MAX = -8


@cache
def _glibc(name: str, *argtypes: type) -> Callable[..., int] | None:
    try:
        function = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError, TypeError):  # no C library to ask (Windows), or no such call
        return None
    function.argtypes = list(argtypes)
    function.restype = ctypes.c_int
    return function  # type: ignore[no-any-return]


def one_arena() -> bool:
    """Have every thread of this process (and of the workers it forks) allocate from glibc's
    main arena; call it before the threads start. True when the C library took the setting."""
    mallopt = _glibc("mallopt", ctypes.c_int, ctypes.c_int)
    return mallopt is not None and mallopt(_M_ARENA_MAX, 1) == 1


def trim() -> None:
    """glibc's ``malloc_trim(0)``: the C heap's free pages at its top and between its blocks
    go back to the system."""
    call = _glibc("malloc_trim", ctypes.c_size_t)
    if call is not None:
        call(0)
