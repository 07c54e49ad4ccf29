"""What a build did, per output file and overall: the value the CLI prints and monitoring reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from feedpub.errors import ExitCode, FeedpubError, Problem, RecordError, RecordWarning

__all__ = ["BuildReport", "FeedOutcome", "HubOutcome", "error_outcome", "outcome_of"]


def outcome_of(code: ExitCode) -> str:
    """How a run that exits ``code`` ended, in one word: "ok" (0), "problems" (1: bad records
    or documents, the good ones published unless --strict), "locked-out" (75) or "failed"."""
    return {
        ExitCode.OK: "ok",
        ExitCode.PROBLEMS: "problems",
        ExitCode.LOCKED: "locked-out",
    }.get(code, "failed")


def error_outcome(error: FeedpubError) -> str:
    """How a run stopped by ``error`` ended: "locked-out" (another build held the lock,
    exit 75), else "failed" (whatever its exit code)."""
    return "locked-out" if error.exit_code == ExitCode.LOCKED else "failed"


@dataclass(slots=True)
class FeedOutcome:
    """What happened (or, in a dry run, would happen) to one output file, and why."""

    path: str
    action: str  # "written", "unchanged", "removed", "invalid", "withheld"
    reason: str = ""
    # Tuples, empty ones shared: four empty lists a document were 16 MB at 1,000,000 records.
    problems: tuple[Problem, ...] = ()
    #: The ids of the entries it gains, changes and loses: worked out in a dry run only.
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass
class HubOutcome:
    """What one WebSub hub was told in a build, and what it is still owed."""

    hub: str
    announced: int = 0
    #: Feed URLs it has still not been told of, and since when the oldest is owed.
    owed: int = 0
    owed_since: float | None = None
    #: Why it was not told of them all (the last answer or error), if it was asked.
    error: str | None = None

    def summary(self) -> dict[str, object]:
        """The outcome as plain data (part of the ``--json`` output)."""
        since = None
        if self.owed_since is not None:
            since = datetime.fromtimestamp(self.owed_since, UTC).isoformat().replace("+00:00", "Z")
        return {
            "hub": self.hub,
            "announced": self.announced,
            "owed": self.owed,
            "owed_since": since,
            "error": self.error,
        }


@dataclass
class BuildReport:
    """Everything a build did, for the CLI to print and for monitoring to read."""

    records_read: int = 0
    records_changed: int = 0
    records_bad: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)
    feeds: list[FeedOutcome] = field(default_factory=list)
    elapsed: float = 0.0
    dry_run: bool = False
    strict_withheld: bool = False
    index_note: str | None = None
    #: Feed URLs WebSub hubs were told of, summed over hubs; and those still owed to them.
    announced: int = 0
    unannounced: int = 0
    #: Per hub that was owed anything: what it was told, what it is still owed, since when.
    hubs: list[HubOutcome] = field(default_factory=list)
    #: Seconds spent telling the hubs (after the build's lock was released).
    hub_seconds: float = 0.0
    #: What must be seen even under ``-q`` (a hub owed announcements for too long); warnings
    #: are for a reader at a terminal, alerts for the one reading cron mail.
    alerts: list[RecordWarning] = field(default_factory=list)
    #: Seconds spent in each stage (read, plan, render, publish, announce), as measured.
    stages: dict[str, float] = field(default_factory=dict)

    def count(self, action: str) -> int:
        """How many output files ended (or would end) with ``action``."""
        return sum(1 for outcome in self.feeds if outcome.action == action)

    @property
    def exit_code(self) -> ExitCode:
        """0 when every record and feed was good, else 1."""
        if self.errors or self.count("invalid") or self.strict_withheld:
            return ExitCode.PROBLEMS
        return ExitCode.OK

    def summary(self) -> dict[str, object]:
        """The report as plain data (the ``--json`` output)."""
        return {
            "exit_code": int(self.exit_code),
            "outcome": outcome_of(self.exit_code),
            "error": None,
            "dry_run": self.dry_run,
            "records_read": self.records_read,
            "records_changed": self.records_changed,
            "records_bad": self.records_bad,
            "feeds_written": self.count("written"),
            "feeds_unchanged": self.count("unchanged"),
            "feeds_removed": self.count("removed"),
            "feeds_invalid": self.count("invalid"),
            "feeds_withheld": self.count("withheld"),
            "errors": [str(e) for e in self.errors],
            "warnings": [str(w) for w in self.warnings],
            "index": self.index_note,
            "feeds_announced": self.announced,
            "feeds_unannounced": self.unannounced,
            "hubs": [hub.summary() for hub in self.hubs],
            "hub_seconds": round(self.hub_seconds, 3),
            "alerts": [str(a) for a in self.alerts],
            "elapsed_seconds": round(self.elapsed, 3),
            "stage_seconds": {name: round(s, 3) for name, s in self.stages.items()},
        }
