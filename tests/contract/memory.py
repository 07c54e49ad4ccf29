"""An in-memory publish target: an implementation of the seam and the contract suite's double.

Like httpx's ``MockTransport``, :class:`MemoryTarget` is a real :class:`PublishTarget`
(the pipeline publishes to it as to a folder or a bucket) that also keeps a log of what
was done to it, so a test can count writes and removals without a filesystem or a server.
:class:`KillAfter` wraps any target and stops a build after a number of publish calls, the
way a SIGKILL would: with an exception no ``except Exception`` catches.
"""

from __future__ import annotations

import itertools
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, NamedTuple

from feedpub.output.paths import is_document_path, is_feed_path
from feedpub.output.targets import PublishTarget, Stored

__all__ = ["KillAfter", "Killed", "MemoryTarget", "Operation"]


class Operation(NamedTuple):
    """One change the target made: ``("write", path)`` or ``("remove", path)``."""

    action: str
    path: str


class _Object(NamedTuple):
    data: bytes
    content_type: str
    stamp: int


def _is_archive_page(path: str) -> bool:
    return is_feed_path(path) and (path.startswith("archive/") or "/archive/" in path)


class MemoryTarget(PublishTarget):
    """Documents in a dict, with the content type each was given (as object storage keeps it).

    Every write that changes a document gets a new stamp (as a file gets a new mtime), and
    ``log`` lists every write and removal in order. ``feed_paths(archives=False)`` leaves
    archive pages out, as the protocol allows and a folder does: the cheapest legal answer,
    so the pipeline is tested against it rather than against a generous one.
    """

    def __init__(self) -> None:
        """An empty target."""
        self.objects: dict[str, _Object] = {}
        self.log: list[Operation] = []
        self._stamps = itertools.count(1)

    def session(self, state_dir: Path | None, *, dry_run: bool) -> AbstractContextManager[None]:
        """Memory has no owner to check and nothing to claim."""
        return nullcontext()

    def headers(self) -> str:
        """Content types are kept, and each format's is fixed: nothing to send again."""
        return ""

    def recover(self) -> None:
        """Every write is whole: nothing is ever left half done."""

    def batched(self) -> AbstractContextManager[None]:
        """Every write is in place when it returns: nothing to share."""
        return nullcontext()

    def stored(self, path: str) -> Stored | None:
        """Size and stamp of the document at ``path``."""
        found = self.objects.get(path)
        return None if found is None else Stored(len(found.data), found.stamp)

    def read(self, path: str) -> bytes | None:
        """The document's bytes."""
        found = self.objects.get(path)
        return None if found is None else found.data

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when ``path`` holds ``data`` with ``content_type``."""
        found = self.objects.get(path)
        return found is not None and (found.data, found.content_type) == (data, content_type)

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """Store ``data`` unless it is there already (with the same content type)."""
        if not is_document_path(path):
            raise AssertionError(f"the pipeline wrote a path no feed or page has: {path!r}")
        if self.holds(path, data, content_type):
            found = self.objects[path]
            return False, Stored(len(data), found.stamp)
        stamp = next(self._stamps)
        self.objects[path] = _Object(data, content_type, stamp)
        self.log.append(Operation("write", path))
        return True, Stored(len(data), stamp)

    def remove(self, path: str) -> bool:
        """Forget the document; True when there was one."""
        removed = self.objects.pop(path, None) is not None
        if removed:
            self.log.append(Operation("remove", path))
        return removed

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """Every document's path; archive pages only with ``archives``."""
        return sorted(p for p in self.objects if archives or not _is_archive_page(p))

    def documents(self) -> dict[str, bytes]:
        """Every document's bytes, by path."""
        return {path: found.data for path, found in sorted(self.objects.items())}

    def content_types(self) -> dict[str, str]:
        """The content type each document was stored with."""
        return {path: found.content_type for path, found in sorted(self.objects.items())}


class Killed(BaseException):
    """The build was killed: a ``BaseException``, so that no ``except Exception`` survives it."""


class KillAfter:
    """``inner``, killing the build at its publish call number ``calls + 1``.

    Whatever else the pipeline asks of a target (lifecycle hooks, say) is handed to
    ``inner`` unchanged, so the wrapped target behaves as ``inner`` until the kill."""

    def __init__(self, inner: PublishTarget, calls: int) -> None:
        """Let ``calls`` publish calls through, then raise :class:`Killed`."""
        self.inner = inner
        self.calls = calls
        self.made = 0

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet: a copy being unpickled (a render worker's)
            raise AttributeError(name)
        return getattr(self.inner, name)

    def stored(self, path: str) -> Stored | None:
        """As ``inner``."""
        return self.inner.stored(path)

    def read(self, path: str) -> bytes | None:
        """As ``inner``."""
        return self.inner.read(path)

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """As ``inner``."""
        return self.inner.holds(path, data, content_type)

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """As ``inner``, until the kill."""
        if self.made == self.calls:
            raise Killed(f"killed before publish call {self.made + 1} ({path})")
        self.made += 1
        return self.inner.write_if_changed(path, data, content_type)

    def adopt(self, path: str, staged: Any) -> tuple[bool, Stored]:
        """As ``inner``, until the kill (putting in place what a render worker wrote for a
        folder is its publish call)."""
        if self.made == self.calls:
            raise Killed(f"killed before publish call {self.made + 1} ({path})")
        self.made += 1
        result: tuple[bool, Stored] = self.inner.adopt(path, staged)  # type: ignore[attr-defined]
        return result

    def remove(self, path: str) -> bool:
        """As ``inner``, until the kill (a removal is a publish call too)."""
        if self.made == self.calls:
            raise Killed(f"killed before publish call {self.made + 1} (removing {path})")
        self.made += 1
        return self.inner.remove(path)

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """As ``inner``."""
        return self.inner.feed_paths(archives=archives)
