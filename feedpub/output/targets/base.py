"""What every target is to the pipeline: :class:`PublishTarget`, and :class:`Stored`."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

if TYPE_CHECKING:
    from feedpub.output.publish import Staged

__all__ = ["PublishTarget", "Staging", "Stored"]


class Stored(NamedTuple):
    """What a path holds now, cheaply: its size and a stamp that changes when its bytes may have.

    The stamp is a file's mtime in nanoseconds, or an integer derived from an
    object's ETag; the build state keeps it to tell "as written" from "changed"."""

    size: int
    stamp: int


class PublishTarget(Protocol):
    """The operations the pipeline needs from wherever feeds are published.

    Paths are relative and use ``/`` (``rss.xml``, ``category/<term>/archive/2024/atom.xml``).
    The pipeline never asks which target it has: what one kind needs around a build (a
    folder's owner marker, the temporary files a killed writer left) happens in its hooks,
    :meth:`session` and :meth:`recover`."""

    def session(self, state_dir: Path | None, *, dry_run: bool) -> AbstractContextManager[None]:
        """Held around a whole build, under its lock, before the state is opened. Raises
        :class:`~feedpub.errors.SharedOutputError` when another state folder publishes here;
        what the target remembers of its publisher is written only when the build succeeded
        (and not in a dry run)."""
        ...

    def headers(self) -> str:
        """A digest of the headers this target gives what it stores besides the bytes (content
        types, ``Cache-Control``), ``""`` for one that keeps none: when it changes, the build
        sends every unchanged document again, parsing and rendering nothing."""
        ...

    def recover(self) -> None:
        """A build (holding the lock) is about to publish: clear what a killed or failed writer
        left half done (temporary files, folders it made and left empty). Never raises."""
        ...

    def batched(self) -> AbstractContextManager[None]:
        """Held around a run of writes that may share their trip to the disk: each is in place
        (and durable) when the block ends, in the order written, or, if the block raises,
        those not yet in place are dropped and their paths keep what they held."""
        ...

    def stored(self, path: str) -> Stored | None:
        """Size and stamp of what ``path`` holds now, or ``None`` when nothing is there."""
        ...

    def read(self, path: str) -> bytes | None:
        """The bytes ``path`` holds now, or ``None`` when nothing is there."""
        ...

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when ``path`` already holds exactly ``data`` (with these headers, where kept)."""
        ...

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """Publish ``data`` at ``path`` unless :meth:`holds` says it is there; return whether it
        was written and what the path holds now. Raises :class:`~feedpub.errors.PublishError`."""
        ...

    def remove(self, path: str) -> bool:
        """Remove what ``path`` holds (and any folder that leaves empty); True when something
        was removed."""
        ...

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """Every path that holds a document now, by feedpub's names, in every format; archive
        pages may be left out without ``archives`` where listing them costs a walk."""
        ...


@runtime_checkable
class Staging(Protocol):
    """A target whose documents other processes may write for it (a folder): a render worker
    writes a document's new bytes beside its path (:meth:`stage`, in the worker, on the
    target it inherited) and the publishing process puts them in place in its order
    (:meth:`adopt`), so that no document's bytes travel back to the publisher. An object
    store's client stays in one process: it is not one of these."""

    def stage(self, path: str, data: bytes, name: str, *, held: bytes | None = None) -> Staged:
        """Write ``data`` beside ``path`` in the temporary file ``name`` (the publisher's,
        :func:`~feedpub.output.publish.staged_name`), unless ``path`` holds it already
        (``held``: the bytes the caller just read from ``path``, not read again). Raises
        :class:`OSError`."""
        ...

    def adopt(self, path: str, staged: Staged) -> tuple[bool, Stored]:
        """Put what :meth:`stage` wrote in place at ``path``, as ``write_if_changed`` would (in
        a batch: when it is flushed): whether it was written, what ``path`` holds. Raises
        :class:`~feedpub.errors.PublishError`."""
        ...

    def unstage(self, path: str, name: str) -> None:
        """Remove what :meth:`stage` may have written beside ``path`` as ``name`` (nothing
        there: nothing done). Never raises."""
        ...
