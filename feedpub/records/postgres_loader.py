"""Render workers' reads of a PostgreSQL source: each on a session of its own, in the build's
snapshot (see :mod:`feedpub.records.postgres`, which makes these)."""

from __future__ import annotations

import multiprocessing.util
import os
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from typing import TYPE_CHECKING, Any

import psycopg

from feedpub.errors import SourceError

if TYPE_CHECKING:
    from feedpub.model import Article
    from feedpub.records.parse import WantedRecord
    from feedpub.records.postgres import PostgresSource
    from feedpub.records.postgres_settings import PostgresSettings
    from feedpub.records.rules import RecordRules

__all__ = ["PostgresLoader", "close_worker_session", "first_line"]


def first_line(exc: BaseException) -> str:
    """The first line of a driver's error, for a one-line message."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PostgresLoader:
    """Reads wanted rows' full articles in any process: in the one that made it, on the build's
    own session; in a render worker (it pickles without that session), on a connection of the
    worker's own, opened once and kept for its life, in the build's exported snapshot."""

    __slots__ = ("_local", "_pid", "opener", "rules", "settings", "snapshot")

    def __init__(
        self,
        settings: PostgresSettings,
        rules: RecordRules,
        snapshot: str,
        local: PostgresSource | None,
        opener: type[PostgresSource],
    ) -> None:
        self.settings = settings
        self.rules = rules
        self.snapshot = snapshot
        self._local = local
        self._pid = os.getpid()
        #: The source class a worker connects with (``PostgresSource``; given, not imported,
        #: since that module makes these).
        self.opener = opener

    def __reduce__(self) -> tuple[type[PostgresLoader], tuple[Any, ...]]:
        return (PostgresLoader, (self.settings, self.rules, self.snapshot, None, self.opener))

    def __call__(self, wanted: Sequence[WantedRecord]) -> dict[int, Article]:
        """The articles of ``wanted`` rows, by key (one changed or gone is left out)."""
        local = self._local if self._pid == os.getpid() else None  # never a parent's session
        source = local if local is not None else _worker_source(self)
        try:
            return source.load(self.rules, wanted)
        except psycopg.Error as exc:
            raise SourceError(f"{source.url} ({source.name})", first_line(exc)) from None


#: This process's own session for :class:`PostgresLoader`: (snapshot, source, what closes it).
_WORKER: list[tuple[str, PostgresSource, ExitStack]] = []


def _worker_source(loader: PostgresLoader) -> PostgresSource:
    """This process's session in ``loader``'s snapshot: opened at the first call, closed when
    the process ends (or a later build's snapshot replaces it)."""
    if _WORKER and _WORKER[0][0] == loader.snapshot:
        return _WORKER[0][1]
    close_worker_session()
    stack = ExitStack()
    try:
        source = stack.enter_context(loader.opener.connect(loader.settings, loader.rules))
        source.take_snapshot(loader.snapshot)
    except BaseException:
        stack.close()
        raise
    if not _WORKER_FINALIZER:
        # Run as a worker process ends normally (multiprocessing's own exit), so that the
        # server sees the session closed rather than dropped.
        _WORKER_FINALIZER.append(
            multiprocessing.util.Finalize(None, close_worker_session, exitpriority=0)
        )
    _WORKER.append((loader.snapshot, source, stack))
    return source


_WORKER_FINALIZER: list[multiprocessing.util.Finalize] = []


def close_worker_session() -> None:
    """Close this process's own session, if it opened one (a worker's end does)."""
    while _WORKER:
        _, _, stack = _WORKER.pop()
        with suppress(psycopg.Error, SourceError, OSError):  # ending: nothing was to be written
            stack.close()
