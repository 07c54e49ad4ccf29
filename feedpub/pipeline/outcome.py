"""How a build ended, for the build history: its outcome, its numbers, the time per stage, and
what its failure was (a signature, so that the same failure run after run is one streak)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

from feedpub.digest import digest_text
from feedpub.errors import ExitCode, FeedpubError, StateError
from feedpub.pipeline.report import BuildReport, error_outcome, outcome_of
from feedpub.state.history import BuildRecord, History

__all__ = ["STAGES", "Recorder", "StageClock", "counts_of", "outcome_of"]

T = TypeVar("T")

#: The stages a build spends its time in, in order (``BuildReport.stages``).
STAGES = ("read", "plan", "render", "publish", "announce")


class StageClock:
    """Adds the time spent in each stage to ``stages`` (seconds, by stage name)."""

    def __init__(self, stages: dict[str, float]) -> None:
        self.stages = stages

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Count the time the block takes as ``name``'s."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - started)

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` more for ``name``."""
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    def timed(self, name: str, items: Iterator[T]) -> Iterator[T]:
        """``items``, the time taken to produce each counted as ``name``'s (a render
        generator's work happens in its ``next``); closing this closes ``items``."""
        try:
            while True:
                with self.stage(name):
                    try:
                        item = next(items)
                    except StopIteration:
                        return
                yield item
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()


def counts_of(report: BuildReport) -> dict[str, int]:
    """A report's numbers, as the history, ``feedpub status`` and the metrics name them."""
    return {
        "records_read": report.records_read,
        "records_changed": report.records_changed,
        "records_bad": report.records_bad,
        **{f"documents_{action}": report.count(action) for action in _ACTIONS},
        "hub_urls_announced": report.announced,
        "hub_urls_owed": report.unannounced,
    }


_ACTIONS = ("written", "unchanged", "removed", "invalid", "withheld")


def _problems_signature(report: BuildReport) -> str:
    """What a run with problems found, as one digest: the same bad records and invalid
    documents give the same signature, whatever the order they were met in."""
    lines = sorted(str(error) for error in report.errors)
    lines += sorted(f"invalid {o.path}" for o in report.feeds if o.action == "invalid")
    if report.strict_withheld:
        lines.append("--strict withheld")
    return digest_text(*lines)


class Recorder:
    """Writes one build into its state folder's history: a row when the build takes the lock,
    completed when it ends, however it ends. ``state_dir=None`` (an in-memory state, or a dry
    run) records nothing."""

    def __init__(self, state_dir: Path | None, started: float) -> None:
        self.state_dir = state_dir
        self.started = started
        self.run_id: int | None = None
        self.history: History | None = None

    def begin(self) -> None:
        """The build holds the lock now. A history that cannot be written here (a full disk)
        does not stop the build: the cache then says why, and the end is recorded if it can."""
        if self.state_dir is None:
            return
        with suppress(sqlite3.Error, OSError):
            # Kept open until the end: one connection, one checkpoint (fsync) per build.
            self.history = History(self.state_dir)
            self.run_id = self.history.begin(self.started)

    def finished(self, report: BuildReport) -> None:
        """The build ran to its end; a history that cannot be written (a full disk) is a
        :class:`StateError`, since monitoring would otherwise say something false."""
        code = report.exit_code
        signature = _problems_signature(report) if code != ExitCode.OK else None
        record = BuildRecord(
            0,
            self.started,
            self.started + report.elapsed,
            outcome_of(code),
            int(code),
            None,
            signature,
            counts=counts_of(report),
            stages={name: round(report.stages.get(name, 0.0), 6) for name in STAGES},
        )
        try:
            self._store(record)
        except (sqlite3.Error, OSError) as exc:
            raise StateError(str(self.state_dir), f"cannot record the build: {exc}") from None

    def failed(self, error: BaseException, elapsed: float) -> None:
        """The build stopped on ``error``; recorded as well as can be (the error itself is
        what the caller reports, so a history that cannot be written is left as it is)."""
        code: int | None
        if isinstance(error, FeedpubError):
            code, outcome, message = int(error.exit_code), error_outcome(error), str(error)
        elif isinstance(error, Exception):  # a bug: Python exits 1 with its traceback
            code, outcome, message = 1, "failed", f"{type(error).__name__}: {error}"
        else:  # KeyboardInterrupt, SystemExit
            code, outcome, message = None, "interrupted", f"stopped ({type(error).__name__})"
        record = BuildRecord(
            0,
            self.started,
            self.started + elapsed,
            outcome,
            code,
            message,
            digest_text(message) if outcome == "failed" else None,
        )
        with suppress(sqlite3.Error, OSError):  # the build's own error is the one to report
            self._store(record)

    def _store(self, record: BuildRecord) -> None:
        if self.state_dir is None:
            return
        history, self.history = self.history, None
        with history if history is not None else History(self.state_dir) as open_history:
            open_history.finish(self.run_id, record)
