"""What the builds of a site did, for operators and monitoring: ``feedpub status`` and the
metrics file (``feedpub build --metrics-file``).

Both read the state folder only (its build history, the watcher's mark and, for the hubs and
the next embargoed entry, the cache), without the lock and without writing, so they work while
a build runs. A run that failed before it
found its state folder (a config error) is not in the history; the CLI adds it itself.

The metrics follow Prometheus' text format as node_exporter's textfile collector reads it
(gauges, no timestamps, one file written atomically), made by ``prometheus_client``.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from feedpub.output.publish import write_if_changed
from feedpub.state import BuildState, OwedHub
from feedpub.state.history import OUTCOMES, BuildRecord, read_history
from feedpub.state.watcher import WatcherMark, read_mark

__all__ = [
    "METRIC_PREFIX",
    "SiteStatus",
    "metrics_text",
    "next_embargo",
    "parse_duration",
    "read_status",
    "write_metrics",
]

METRIC_PREFIX = "feedpub_"
_STAGES = ("read", "plan", "render", "publish", "announce")
_RECORDS = ("read", "changed", "bad")
_DOCUMENTS = ("written", "unchanged", "removed", "invalid", "withheld")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``15m``, ``2h``, ``1d``, ``1w`` or a sum like ``1h30m``; a bare
    number is seconds. Raises :class:`ValueError` naming what was wrong."""
    spec = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", spec):
        return float(spec)
    if not spec or _DURATION.sub("", spec):
        raise ValueError(f"not a duration: {text!r} (say 90s, 15m, 2h or 1d)")
    return float(sum(float(n) * _UNITS[unit] for n, unit in _DURATION.findall(spec)))


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat().replace("+00:00", "Z")


def _ago(seconds: float) -> str:
    """``seconds`` as a person reads it: 42s, 5m 3s, 2h 5m, 3d 4h."""
    whole = int(max(seconds, 0))
    for size, unit, smaller, small_unit in ((86400, "d", 3600, "h"), (3600, "h", 60, "m")):
        if whole >= size:
            return f"{whole // size}{unit} {whole % size // smaller}{small_unit}"
    return f"{whole // 60}m {whole % 60}s" if whole >= 60 else f"{whole}s"


@dataclass(frozen=True)
class SiteStatus:
    """The builds of one state folder as seen at ``now`` (seconds since the epoch)."""

    now: float
    #: The runs the history holds, newest first.
    runs: tuple[BuildRecord, ...] = ()
    #: What each hub has not been told of yet, and since when (``None``: no readable cache).
    owed: dict[str, OwedHub] | None = field(default_factory=dict)
    #: The mark of the ``feedpub watch`` that publishes this site, if one ever marked it.
    watcher: WatcherMark | None = None
    #: When the next embargoed entry falls due (as the last build saw it), if any.
    next_embargo: float | None = None

    @property
    def watching(self) -> bool:
        """Whether a ``feedpub watch`` runs for this site now (a fresh heartbeat, a live pid)."""
        return self.watcher is not None and self.watcher.alive(self.now)

    def with_run(self, run: BuildRecord) -> SiteStatus:
        """This status with ``run`` as the newest (a run the history could not record)."""
        return replace(self, runs=(run, *self.runs))

    @property
    def running(self) -> BuildRecord | None:
        """The build under way (or killed, until the next one takes the lock), if any."""
        return next((r for r in self.runs if r.outcome == "running"), None)

    @property
    def last(self) -> BuildRecord | None:
        """The newest run that ended, however (locked out included)."""
        return next((r for r in self.runs if r.outcome != "running"), None)

    @property
    def last_build(self) -> BuildRecord | None:
        """The newest run that ran (took the lock) and ended: what it read and wrote."""
        return next((r for r in self.runs if r.outcome not in ("running", "locked-out")), None)

    @property
    def last_success(self) -> BuildRecord | None:
        """The newest run that ended "ok" (exit 0)."""
        return next((r for r in self.runs if r.outcome == "ok"), None)

    @property
    def success_age(self) -> float | None:
        """Seconds since the last success ended (``None``: there was none)."""
        success = self.last_success
        return None if success is None else self.now - (success.ended or success.started)

    def stale(self, max_age: float) -> bool:
        """Whether the last success is older than ``max_age`` seconds, or there was none."""
        age = self.success_age
        return age is None or age > max_age

    def summary(self) -> dict[str, object]:
        """The status as plain data (``feedpub status --json``)."""
        last, built, success = self.last, self.last_build, self.last_success
        streak = built if built is not None and built.failing_since is not None else None
        return {
            "now": _iso(self.now),
            "running": None if self.running is None else {"started": _iso(self.running.started)},
            "last_run": _run_data(last),
            "last_build": _run_data(built),
            "last_success": None if success is None else _iso(success.ended),
            "last_success_age_seconds": None
            if self.success_age is None
            else round(self.success_age, 3),
            "failing_since": None if streak is None else _iso(streak.failing_since),
            "failure_repeated": streak is not None and streak.repeated,
            "watcher": _watcher_data(self.watcher, self.now),
            "next_embargo": _iso(self.next_embargo),
            "hubs_owed": None
            if self.owed is None
            else {
                hub: {"urls": list(owed.urls), "since": _iso(owed.since)}
                for hub, owed in sorted(self.owed.items())
            },
        }

    def lines(self) -> list[str]:
        """The status as lines for a person."""
        lines: list[str] = []
        if self.running is not None:
            lines.append(
                f"running:      a build started {_iso(self.running.started)} "
                f"({_ago(self.now - self.running.started)} ago) has not ended (or was killed)"
            )
        last = self.last
        if last is None:
            lines.append("last run:     none recorded")
        else:
            lines.append(f"last run:     {_run_line(last, self.now)}")
            if last.error:
                lines.append(f"              {last.error}")
        built = self.last_build
        if built is not None and built is not last:
            lines.append(f"last build:   {_run_line(built, self.now)}")
        if built is not None and built.counts:
            c = built.counts
            lines.append(
                f"              records {c.get('records_read', 0)} read, "
                f"{c.get('records_changed', 0)} changed, {c.get('records_bad', 0)} bad; documents "
                f"{c.get('documents_written', 0)} written, {c.get('documents_unchanged', 0)} "
                f"unchanged, {c.get('documents_removed', 0)} removed, "
                f"{c.get('documents_invalid', 0)} invalid"
            )
        if built is not None and built.failing_since is not None:
            same = "the same failure" if built.repeated else "first seen"
            lines.append(
                f"failing since {_iso(built.failing_since)} "
                f"({_ago(self.now - built.failing_since)}; {same} in the last run)"
            )
        success = self.last_success
        if success is None:
            lines.append("last success: none recorded")
        else:
            age = _ago(self.success_age or 0.0)
            lines.append(f"last success: ended {_iso(success.ended)} ({age} ago)")
        watcher = self.watcher
        if watcher is not None:
            beat = f"last heartbeat {_ago(self.now - watcher.heartbeat)} ago"
            if self.watching:
                lines.append(
                    f"watcher:      running, pid {watcher.pid} on {watcher.host}"
                    f" ({watcher.source}), started {_iso(watcher.started)},"
                    f" {watcher.builds} builds, {beat}"
                )
            else:
                lines.append(f"watcher:      gone (pid {watcher.pid} on {watcher.host}, {beat})")
        if self.next_embargo is not None:
            lines.append(f"next embargo: {_iso(self.next_embargo)}")
        if self.owed is None:
            lines.append("hubs:         unknown (no readable build state)")
        for hub, owed in sorted((self.owed or {}).items()):
            if owed.urls:
                lines.append(
                    f"hub {hub}: owed {len(owed.urls)} feed URL(s) since {_iso(owed.since)}"
                    f" ({_ago(self.now - owed.since)} ago)"
                )
        return lines


def _run_data(run: BuildRecord | None) -> dict[str, object] | None:
    if run is None:
        return None
    return {
        "started": _iso(run.started),
        "ended": _iso(run.ended),
        "outcome": run.outcome,
        "exit_code": run.exit_code,
        "error": run.error,
        **run.counts,
        "stage_seconds": run.stages,
    }


def _watcher_data(watcher: WatcherMark | None, now: float) -> dict[str, object] | None:
    if watcher is None:
        return None
    return {
        "alive": watcher.alive(now),
        "pid": watcher.pid,
        "host": watcher.host,
        "source": watcher.source,
        "started": _iso(watcher.started),
        "heartbeat": _iso(watcher.heartbeat),
        "heartbeat_age_seconds": round(now - watcher.heartbeat, 3),
        "builds": watcher.builds,
    }


def _run_line(run: BuildRecord, now: float) -> str:
    took = "" if run.ended is None else f", took {run.ended - run.started:.2f}s"
    end = run.ended if run.ended is not None else run.started
    return f"{run.outcome}, started {_iso(run.started)}{took} ({_ago(now - end)} ago)"


def read_status(state_dir: Path, now: datetime) -> SiteStatus:
    """The builds of ``state_dir`` as they stand, read without the lock and without writing."""
    owed: dict[str, OwedHub] | None = None
    due: float | None = None
    state = BuildState.reader(state_dir)
    if state is not None:
        try:
            owed = state.owed()
            last = state.last_build()
            due = None if last is None else last.next_due
        except sqlite3.DatabaseError:
            owed = None  # a cache of another shape, or being rebuilt: no answer now
        finally:
            state.close()
    history = tuple(read_history(state_dir))
    return SiteStatus(now.timestamp(), history, owed, read_mark(state_dir), due)


def next_embargo(state_dir: Path) -> datetime | None:
    """When the next entry withheld for its future date falls due, as the last build that
    wrote saw it (``None``: none is withheld, or there is no readable state). Read without
    the lock: ``feedpub watch`` wakes then."""
    state = BuildState.reader(state_dir)
    if state is None:
        return None
    try:
        last = state.last_build()
    except sqlite3.DatabaseError:
        return None
    finally:
        state.close()
    if last is None or last.next_due is None:
        return None
    return datetime.fromtimestamp(last.next_due, UTC)


def metrics_text(status: SiteStatus, hubs: Iterable[str] = ()) -> bytes:
    """The status as Prometheus text (node_exporter textfile convention): a 0 timestamp
    means never; the per-stage and count gauges are those of the last build that ran
    (a run locked out changes only the last run's gauges)."""
    registry = CollectorRegistry(auto_describe=True)

    def gauge(name: str, text: str, labels: tuple[str, ...] = ()) -> Gauge:
        return Gauge(METRIC_PREFIX + name, text, labels, registry=registry)

    last, built, success = status.last, status.last_build, status.last_success
    gauge("last_success_timestamp_seconds", "When the last build that exited 0 ended.").set(
        0 if success is None else (success.ended or success.started)
    )
    gauge("last_run_timestamp_seconds", "When the last run ended (locked out included).").set(
        0 if last is None else (last.ended or last.started)
    )
    gauge("last_run_duration_seconds", "How long the last run took.").set(
        0 if last is None or last.ended is None else last.ended - last.started
    )
    gauge("last_run_exit_code", "The last run's exit code.").set(
        -1 if last is None or last.exit_code is None else last.exit_code
    )
    outcome = gauge("last_run_outcome", "1 for how the last run ended, else 0.", ("outcome",))
    for name in OUTCOMES[1:]:
        outcome.labels(name).set(1 if last is not None and last.outcome == name else 0)
    streak = None if built is None else built.failing_since
    gauge(
        "failing_since_timestamp_seconds",
        "When the last build's failure streak began (the same failure each run); 0: not failing.",
    ).set(0 if streak is None else streak)
    counts = {} if built is None else built.counts
    stages = gauge(
        "last_build_stage_seconds", "Seconds the last build spent per stage.", ("stage",)
    )
    for name in _STAGES:
        stages.labels(name).set(0 if built is None else built.stages.get(name, 0.0))
    records = gauge(
        "last_build_records", "Records the last build read, changed, found bad.", ("state",)
    )
    for name in _RECORDS:
        records.labels(name).set(counts.get(f"records_{name}", 0))
    documents = gauge(
        "last_build_documents", "Documents per action in the last build.", ("action",)
    )
    for name in _DOCUMENTS:
        documents.labels(name).set(counts.get(f"documents_{name}", 0))
    gauge("watcher_up", "1 while a feedpub watch runs for this site (fresh heartbeat).").set(
        1 if status.watching else 0
    )
    gauge(
        "watcher_heartbeat_timestamp_seconds", "The watcher's last heartbeat; 0: never marked."
    ).set(0 if status.watcher is None else status.watcher.heartbeat)
    owed = gauge("hub_announcements_owed", "Feed URLs a WebSub hub is owed.", ("hub",))
    since = gauge(
        "hub_owed_since_timestamp_seconds",
        "Since when the oldest URL a WebSub hub is owed has waited; 0: owed nothing.",
        ("hub",),
    )
    for hub in sorted({*hubs, *(status.owed or {})}):
        waiting = (status.owed or {}).get(hub)
        owed.labels(hub).set(0 if waiting is None else len(waiting.urls))
        since.labels(hub).set(0 if waiting is None or not waiting.urls else waiting.since)
    return generate_latest(registry)


def write_metrics(path: Path, status: SiteStatus, hubs: Iterable[str] = ()) -> None:
    """Write the metrics file atomically (a temporary file beside it, then a rename: the
    collector reads the old file or the new one). Raises
    :class:`~feedpub.errors.PublishError`."""
    write_if_changed(path, metrics_text(status, hubs))
