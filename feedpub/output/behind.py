"""Work done behind the writer: handed, one piece at a time, to one thread that stays for the
next piece (``output/publish.py``'s ``Batch`` flushes each 256 files there while the next are
written)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["Behind"]

T = TypeVar("T")


class Behind(Generic[T]):
    """Runs ``work(piece)`` for each piece handed to it, one at a time, on one thread, started
    at the first hand-off and kept until :meth:`close`. (A thread started for each flush made
    the writer wait for it to come up: 0.66 s over the 255 flushes of a new title at 100,000
    records, the writer's thread busy and each new thread waiting its turn at the
    interpreter.)"""

    def __init__(self, work: Callable[[T], None], name: str) -> None:
        self._work = work
        self._name = name
        self._pieces: queue.SimpleQueue[tuple[T] | None] = queue.SimpleQueue()
        self._idle = threading.Event()
        self._idle.set()
        self._failure: BaseException | None = None
        self._thread: threading.Thread | None = None

    def hand(self, piece: T) -> None:
        """Start ``work(piece)`` behind; the piece before must be done (:meth:`wait`)."""
        self._idle.clear()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self._thread.start()
        self._pieces.put((piece,))

    def wait(self) -> BaseException | None:
        """Wait for the piece under way, if any; what it raised, if it failed (once)."""
        self._idle.wait()
        failure, self._failure = self._failure, None
        return failure

    def close(self) -> BaseException | None:
        """Wait for the piece under way and end the thread; what the piece raised, if any."""
        failure = self.wait()
        if self._thread is not None:
            self._pieces.put(None)
            self._thread.join()
            self._thread = None
        return failure

    def _run(self) -> None:
        while (held := self._pieces.get()) is not None:
            try:
                self._work(held[0])
            except BaseException as exc:  # the writer's thread raises it (wait, close)
                self._failure = exc
            finally:
                self._idle.set()
