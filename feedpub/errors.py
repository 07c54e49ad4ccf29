"""The errors a feedpub user can cause, and the exit code each one maps to.

Exception tree::

    FeedpubError                  base class; never raised itself
    ├── RecordError               an article record breaks the record contract
    │   └── DateError             a date cannot be read, or reads to no single instant
    ├── ConfigError               feedpub.toml is missing, unreadable or has a bad key
    ├── FeedValidationError       a rendered or given feed fails its schema or a rule
    ├── PublishError              a feed file cannot be written or removed
    ├── StateError                the state folder's cache cannot be written (disk full)
    ├── SharedOutputError         another state folder already publishes to the output folder
    ├── InitError                 ``feedpub init`` would replace a file, or cannot write one
    ├── SourceError               the records' database cannot be reached or read
    └── LockedError               another build holds the state directory's lock

Every error carries its context as attributes and renders as one line,
``path[:line]: field: reason``, so cron mail stays readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = [
    "ConfigError",
    "DateError",
    "ExitCode",
    "FeedValidationError",
    "FeedpubError",
    "InitError",
    "LockedError",
    "Problem",
    "PublishError",
    "RecordError",
    "RecordWarning",
    "SharedOutputError",
    "SourceError",
    "StateError",
]


class ExitCode(IntEnum):
    """Exit codes of the ``feedpub`` command, documented for cron operators."""

    OK = 0
    #: Some records or feeds were bad; the good ones were still published (unless --strict).
    PROBLEMS = 1
    #: Usage or configuration error: nothing was attempted.
    USAGE = 2
    #: Another build holds the lock (EX_TEMPFAIL): try again later.
    LOCKED = 75


def describe(
    reason: str,
    path: str | None,
    line: int | None,
    record: str | None,
    field: str | None,
    level: str | None = None,
) -> str:
    """One line in the ``path[:line]: field: [level: ]reason (record 'id')`` form."""
    where = path or "<record>"
    if line is not None:
        where += f":{line}"
    parts = [where]
    if field:
        parts.append(field)
    if level:
        parts.append(level)
    text = ": ".join(parts) + ": " + reason
    if record:
        text += f" (record {record!r})"
    return text


class FeedpubError(Exception):
    """Base class of every error feedpub raises for something a user can fix."""

    exit_code: ExitCode = ExitCode.PROBLEMS


class RecordError(FeedpubError):
    """Raised when an article record breaks the record contract.

    ``path`` is the file (as given, usually relative to the articles directory's
    parent), ``line`` the line in a ``.jsonl`` file, ``record`` the record's id or
    ``#N`` for the N-th record of a list, ``field`` the offending field.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.line = line
        self.record = record
        self.field = field

    def located(
        self,
        *,
        path: str | None = None,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ) -> RecordError:
        """Return a copy of this error with the missing context filled in."""
        return type(self)(
            self.reason,
            path=self.path or path,
            line=self.line or line,
            record=self.record or record,
            field=self.field or field,
        )

    def __str__(self) -> str:
        return describe(self.reason, self.path, self.line, self.record, self.field)


class DateError(RecordError):
    """Raised when a date field cannot be read, names an unknown zone, or
    falls in a DST gap, or its written weekday contradicts the date."""


class ConfigError(FeedpubError):
    """Raised when the site config is missing, unreadable, or a key is missing or mistyped."""

    exit_code = ExitCode.USAGE

    def __init__(self, reason: str, *, path: str | None = None, key: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path
        self.key = key

    def __str__(self) -> str:
        parts = [self.path or "<config>"]
        if self.key:
            parts.append(self.key)
        return ": ".join(parts) + ": " + self.reason


@dataclass(frozen=True)
class RecordWarning:
    """Something odd about a record that does not keep it out of the feeds."""

    reason: str
    path: str | None = None
    line: int | None = None
    record: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return describe(self.reason, self.path, self.line, self.record, self.field, "warning")


@dataclass(frozen=True)
class Problem:
    """One finding of the validator: where, how bad, which rule, and what."""

    source: str
    line: int | None
    level: str  # "error" or "warning"
    rule: str
    message: str
    path: str | None = None  # XPath of the offending node, when known

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        at = f" [{self.path}]" if self.path else ""
        return f"{where}: {self.level}: {self.message} ({self.rule}){at}"


class FeedValidationError(FeedpubError):
    """Raised when a feed fails its schema or one of the rules a schema cannot express."""

    def __init__(self, feed: str, problems: list[Problem]) -> None:
        self.feed = feed
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        errors = [p for p in self.problems if p.level == "error"]
        head = f"{self.feed}: invalid feed, not published ({len(errors)} error(s))"
        return "\n".join([head, *(f"  {p}" for p in errors)])


class PublishError(FeedpubError):
    """Raised when a feed file cannot be written, replaced or removed."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: cannot publish: {reason}")
        self.path = path
        self.reason = reason


class StateError(FeedpubError):
    """Raised when the build cache in the state folder cannot be written (the disk is full).

    Feeds already published stay valid; the cache is only a cache, so the next
    build once there is room repairs whatever this one could not record.
    """

    def __init__(self, state_dir: str, reason: str) -> None:
        super().__init__(f"{state_dir}: {reason}")
        self.state_dir = state_dir
        self.reason = reason


class SharedOutputError(FeedpubError):
    """Raised when the output folder is claimed by another state folder that still exists.

    Two state folders publishing to one output folder would each take the
    other's files for its own; use one state folder per output folder.
    """

    exit_code = ExitCode.USAGE

    def __init__(self, out_dir: str, claimed_by: str, state_dir: str) -> None:
        super().__init__(
            f"{out_dir}: already published by the state folder {claimed_by}, not {state_dir}; "
            "use that --state for this --out (or another --out), or, if that state folder is "
            f"retired, delete it or {out_dir}/.feedpub-state"
        )
        self.out_dir = out_dir
        self.claimed_by = claimed_by
        self.state_dir = state_dir


class InitError(FeedpubError):
    """Raised when ``feedpub init`` would replace a file, or cannot write one."""

    exit_code = ExitCode.USAGE

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path


class SourceError(FeedpubError):
    """Raised when the database the records come from cannot be reached, or refuses a query.

    Nothing is published by that run; the next one tries again. A mapping that
    names a column the source lacks is a :class:`ConfigError` instead.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason

    def __reduce__(self) -> tuple[type[SourceError], tuple[str, str]]:
        # Raised in a render worker (its own connection), it travels back pickled.
        return (type(self), (self.source, self.reason))


class LockedError(FeedpubError):
    """Raised when another feedpub build holds the lock on the state directory."""

    exit_code = ExitCode.LOCKED

    def __init__(self, lock_path: str, waited: float) -> None:
        super().__init__(
            f"{lock_path}: another feedpub build is running (waited {waited:g}s); "
            "try again later or pass --wait SECONDS"
        )
        self.lock_path = lock_path
        self.waited = waited
