"""Being told when the records change, for ``feedpub watch``: no polling of a folder or table.

A :class:`ChangeSource` answers "did anything change?" within a timeout, and holds the site's
lock for as long as it is open (the state folder's ``flock``, or the database's advisory lock on
its own session), so that a cron job kept as a safety net exits 75 while it runs and takes over
when it dies. For a folder, the kernel's file events (inotify, through ``watchfiles``, an
optional extra); for a database, its own notifications (PostgreSQL's ``LISTEN``, in
:mod:`feedpub.records.postgres`). Either may miss an event (an inotify queue overflow, a
notification sent while the connection was down): the watcher checks everything now and then
anyway, and a reconnected source says that something may have changed.

A folder's events also name the files that changed (:meth:`ChangeSource.take`): a build for
them looks at those files alone, not at the whole folder, unless the events leave a doubt (a
folder moved, a name that is not a record file's, too many at once, polling).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

from feedpub.errors import ConfigError
from feedpub.records.postgres_settings import PostgresSettings
from feedpub.records.registry import row_source_class
from feedpub.records.rules import RecordRules
from feedpub.records.walk import RECORD_SUFFIXES

__all__ = [
    "DEFAULT_CHANNEL",
    "ChangeSource",
    "FolderChanges",
    "is_record_change",
    "notify_trigger",
    "open_changes",
]

#: The notification channel the trigger signals and the watcher listens on.
DEFAULT_CHANNEL = "feedpub"
#: How long the folder watcher gathers a burst of events before it reports them (ms): short, the
#: watcher's own quiet period does the real coalescing.
_EVENT_STEP_MS = 50
_EVENT_DEBOUNCE_MS = 200
#: Polling, only when the kernel refuses more inotify watches (max_user_watches reached).
_POLL_MS = 500
#: After watchfiles gave up on an event, the pause before watching again (seconds).
_RESUME_AFTER = 0.2
#: More files named than this between two builds, and the build walks the folder instead of
#: looking at each (a walk of 100,000 files costs about as much as 2,000 lookups by name).
MOST_NAMED = 2000


class ChangeSource(Protocol):
    """What ``feedpub watch`` needs from wherever the records live."""

    #: What it watches, for the watcher's mark ("folder", "PostgreSQL").
    kind: str

    @property
    def ready(self) -> bool:
        """Whether it listens and holds the site's lock: a build may run now."""
        ...

    def wait(self, timeout: float) -> bool:
        """Block up to ``timeout`` seconds; True as soon as something may have changed (a
        record was written, or events may have been missed while reconnecting)."""
        ...

    def lend(self) -> AbstractContextManager[bool]:
        """Around each build: True when the build may count on this source's hold on the lock
        (it cannot be lost while the process lives), False when the build must take the lock
        itself (the source lends it for the build's duration)."""
        ...

    def take(self) -> frozenset[str] | None:
        """The record files (relative posix paths, as the walk names them) that changed since
        the last call, forgotten here as they are handed over; ``None`` when it cannot say
        (anything else may have changed too: the build looks at everything)."""
        ...


def is_record_change(root: Path, path: str) -> bool:
    """Whether an event on ``path`` may touch a record: a ``.json``/``.jsonl`` file, or a name
    without a suffix (a folder moved or removed), never anything hidden (editors' temporary
    and swap files, feedpub's own), as the walk reads them."""
    try:
        relative = Path(path).relative_to(root)
    except ValueError:
        return False
    if any(part.startswith(".") for part in relative.parts):
        return False
    name = relative.name
    return name.endswith(RECORD_SUFFIXES) or "." not in name


class FolderChanges:
    """A folder's file events (inotify through ``watchfiles``), gathered by a thread of its own
    into one flag the watcher waits on."""

    kind = "folder"

    def __init__(self, root: Path, log: Callable[[str], None]) -> None:
        """Watch ``root`` once :meth:`start` is called; ``log`` hears what goes wrong."""
        self.root = root.absolute()  # events name absolute paths
        self._log = log
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # The files named since the last take; None: unknown (before the first take, after a
        # folder's event or too many, for good once polling).
        self._named: set[str] | None = None
        self._named_lock = threading.Lock()
        self._polling = False

    @property
    def ready(self) -> bool:
        """A folder is always there to build from (the lock is held while this is open)."""
        return True

    def start(self) -> None:
        """Start watching (the extra is imported here: a missing one is a one-line error)."""
        try:
            from watchfiles import watch
        except ImportError:
            raise ConfigError(
                "feedpub watch needs watchfiles for a folder: pip install 'feedpub[watch]'",
                path=str(self.root),
            ) from None
        started = threading.Event()
        self._thread = threading.Thread(
            target=self._watch, args=(watch, started), name="feedpub-watch-files", daemon=True
        )
        self._thread.start()
        started.wait()

    def _watch(self, watch: Callable[..., Iterator[Any]], started: threading.Event) -> None:
        root = str(self.root)
        polling = False
        while not self._stop.is_set():
            try:
                changes = watch(
                    root,
                    watch_filter=lambda _change, path: is_record_change(self.root, path),
                    step=_EVENT_STEP_MS,
                    debounce=_EVENT_DEBOUNCE_MS,
                    stop_event=self._stop,
                    raise_interrupt=False,
                    force_polling=polling,
                    poll_delay_ms=_POLL_MS,
                )
                started.set()
                for batch in changes:
                    self._note(path for _change, path in batch)
                    self._changed.set()
                return
            except RuntimeError as exc:
                # watchfiles cannot hand over an event it cannot name (a file name that is not
                # UTF-8), and ends the watch: whatever else that batch held is unknown, so the
                # next build walks the folder (which reports the name), and watching resumes.
                started.set()
                self._log(f"file events in {root} were lost ({exc}): watching again")
                with self._named_lock:
                    self._named = None
                self._changed.set()
                self._stop.wait(_RESUME_AFTER)
            except OSError as exc:
                started.set()
                if polling:
                    self._log(f"cannot watch {root}: {exc}; only the periodic check is left")
                    return
                # Out of inotify watches: polling costs more, and misses nothing.
                self._log(f"cannot watch {root} for events ({exc}): polling it instead")
                polling = True
                with self._named_lock:
                    self._polling = True  # the walk is the build's to do, every time
                    self._named = None
                self._changed.set()

    def _note(self, paths: Iterable[str]) -> None:
        """Gather the files a batch of events names; a folder (or any name that is not a
        record file's) or too many, and the next build walks the folder."""
        with self._named_lock:
            for path in paths:
                if self._named is None:
                    return
                relative = Path(path).relative_to(self.root)  # the filter kept only those
                if not relative.name.endswith(RECORD_SUFFIXES) or len(self._named) >= MOST_NAMED:
                    self._named = None
                else:
                    self._named.add(relative.as_posix())

    def take(self) -> frozenset[str] | None:
        """The record files named since the last call (``None``: see :meth:`_note`; before
        the first call, and when polling)."""
        with self._named_lock:
            named, self._named = self._named, None if self._polling else set()
        return None if named is None else frozenset(named)

    def lend(self) -> AbstractContextManager[bool]:
        """The state folder's ``flock`` goes only with the process: builds count on it."""
        return nullcontext(True)

    def wait(self, timeout: float) -> bool:
        """True as soon as a record file may have changed since the last call."""
        if self._changed.wait(max(timeout, 0.0)):
            self._changed.clear()
            return True
        return False

    def close(self) -> None:
        """Stop the watching thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)


@contextmanager
def open_changes(
    articles_dir: Path,
    state_dir: Path,
    settings: PostgresSettings | None,
    rules: RecordRules,
    *,
    wait: float = 0.0,
    channel: str = DEFAULT_CHANNEL,
    log: Callable[[str], None] = lambda _line: None,
) -> Iterator[ChangeSource]:
    """The change source of the records ``settings`` name (a database) or of ``articles_dir``,
    holding the site's lock until the block ends (waiting up to ``wait`` seconds for it, then
    :class:`~feedpub.errors.LockedError`, exit 75): the state folder's ``flock`` for files, the
    database's advisory lock for rows, the same locks ``feedpub build`` takes."""
    if settings is None:
        from feedpub.output.lock import build_lock

        with build_lock(state_dir, wait):
            folder = FolderChanges(articles_dir, log)
            folder.start()
            try:
                yield folder
            finally:
                folder.close()
        return
    if settings.url is None:
        raise ConfigError(
            "no database URL: give source.url, FEEDPUB_SOURCE or --source", key="source.url"
        )
    with row_source_class(settings.url).listen(settings, rules, channel, wait, log) as listener:
        yield listener


def notify_trigger(settings: PostgresSettings, channel: str = DEFAULT_CHANNEL) -> str:
    """The SQL that makes the database tell ``feedpub watch`` of every change to the rows."""
    if settings.url is None:
        raise ConfigError(
            "no database URL: give source.url, FEEDPUB_SOURCE or --source", key="source.url"
        )
    text: str = row_source_class(settings.url).notify_trigger(settings, channel)
    return text
