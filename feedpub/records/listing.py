"""A listing of record files, sorted by path, kept compact: a million files in ~50 MB, not ~200.

A walk finds every file once, and a cold build hands every one of them to the
parser: held as a list of ``(path, size, mtime_ns)`` tuples, a million files cost
the parent ~200 MB, and every forked worker carries that too. :class:`Listing`
keeps the paths as one UTF-8 buffer and the numbers in arrays, and gives the
tuples back one at a time or a chunk at a time.
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

__all__ = ["Found", "Listing"]

#: A file found: (relative posix path, size, mtime_ns).
Found = tuple[str, int, int]


class Listing:
    """Record "files" as ``(path, size, mtime_ns)`` in the order they were appended (sorted by
    path wherever the build state compares them)."""

    __slots__ = ("_ends", "_mtimes", "_paths", "_sizes")

    def __init__(self, entries: Iterable[Found] = ()) -> None:
        """A listing of ``entries``."""
        self._paths = bytearray()
        self._ends = array("Q")  # where each path ends in _paths
        self._sizes = array("q")
        self._mtimes = array("q")
        for relative, size, mtime_ns in entries:
            self.append(relative, size, mtime_ns)

    def append(self, relative: str, size: int, mtime_ns: int) -> None:
        """Add one file."""
        self._paths += relative.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._paths))
        self._sizes.append(size)
        self._mtimes.append(mtime_ns)

    def extend(self, other: Listing) -> None:
        """Add every file of ``other``, after these."""
        base = len(self._paths)
        self._paths += other._paths
        self._ends.extend(end + base for end in other._ends)
        self._sizes.extend(other._sizes)
        self._mtimes.extend(other._mtimes)

    def __len__(self) -> int:
        return len(self._ends)

    def __bool__(self) -> bool:
        return bool(self._ends)

    def _path(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._paths[start : self._ends[index]].decode("utf-8", "surrogatepass")

    def __getitem__(self, index: int) -> Found:
        if not -len(self) <= index < len(self):
            raise IndexError("listing index out of range")
        index %= len(self)
        return self._path(index), self._sizes[index], self._mtimes[index]

    def __iter__(self) -> Iterator[Found]:
        paths, sizes, mtimes = self._paths, self._sizes, self._mtimes
        start = 0
        for index, end in enumerate(self._ends):
            yield paths[start:end].decode("utf-8", "surrogatepass"), sizes[index], mtimes[index]
            start = end

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Listing):
            return (self._paths, self._ends, self._sizes, self._mtimes) == (
                other._paths,
                other._ends,
                other._sizes,
                other._mtimes,
            )
        if isinstance(other, list):
            return list(self) == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Listing({list(self)!r})"

    def chunks(self, size: int) -> Sequence[list[Found]]:
        """The files as consecutive lists of ``size`` (the last may be shorter), each made only
        when it is asked for: a cold build's chunks never all exist at once."""
        return _Chunks(self, size)

    def digest(self) -> str:
        """A short digest of every path, size and mtime, in order (equal listings, equal digest)."""
        hasher = hashlib.blake2b(digest_size=16)
        for part in (self._paths, self._ends, self._sizes, self._mtimes):
            hasher.update(part)
        return hasher.hexdigest()


class _Chunks(Sequence[list[Found]]):
    """A listing as lazily made chunks (see :meth:`Listing.chunks`)."""

    def __init__(self, listing: Listing, size: int) -> None:
        self._listing = listing
        self._size = size

    def __len__(self) -> int:
        return -(-len(self._listing) // self._size)

    @overload
    def __getitem__(self, index: int) -> list[Found]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[list[Found]]: ...

    def __getitem__(self, index: int | slice) -> list[Found] | Sequence[list[Found]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError("chunk index out of range")
        index %= len(self)
        start = index * self._size
        stop = min(start + self._size, len(self._listing))
        return [self._listing[i] for i in range(start, stop)]

    def __iter__(self) -> Iterator[list[Found]]:
        chunk: list[Found] = []
        for found in self._listing:
            chunk.append(found)
            if len(chunk) == self._size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
