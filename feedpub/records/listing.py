"""A listing of record files, sorted by path, kept compact: a million files in ~27 MB, not ~200.

A walk finds every file once, and a cold build hands every one of them to the
parser: held as a list of ``(path, size, mtime_ns)`` tuples, a million files cost
the parent ~200 MB, and every forked worker carries that too. :class:`Listing`
keeps them in blocks of :data:`BLOCK` files, each block's paths and numbers
zlib-compressed (sorted paths share long prefixes: a third of their size), and
gives the tuples back one block at a time.
"""

from __future__ import annotations

import hashlib
import zlib
from array import array
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["BLOCK", "Found", "Listing"]

#: A file found: (relative posix path, size, mtime_ns).
Found = tuple[str, int, int]
#: Files per compressed block.
BLOCK = 2048

# A block as stored: the zlib of its paths joined by NUL (which no file name or database
# text holds), and the zlib of its sizes then its mtimes (int64 each).
_Block = tuple[bytes, bytes]


def _encode(paths: list[str]) -> bytes:
    return "\0".join(paths).encode("utf-8", "surrogatepass")


class Listing:
    """Record "files" as ``(path, size, mtime_ns)``, in the order they were appended (sorted by
    path wherever the build state compares them)."""

    __slots__ = ("_blocks", "_count", "_hashed", "_mtimes", "_paths", "_sizes", "_streams")

    def __init__(self, entries: Iterable[Found] = ()) -> None:
        """A listing of ``entries``."""
        self._blocks: list[_Block] = []
        self._count = 0
        # The open block, not compressed yet.
        self._paths: list[str] = []
        self._sizes = array("q")
        self._mtimes = array("q")
        self._digest_from(0)
        for relative, size, mtime_ns in entries:
            self.append(relative, size, mtime_ns)

    def _digest_from(self, hashed: int) -> None:
        # The digest's three streams (paths, sizes, mtimes), fed every block before ``hashed``.
        self._streams = [hashlib.blake2b(digest_size=16) for _ in range(3)]
        self._hashed = hashed

    def __getstate__(self) -> tuple[object, ...]:
        return self._blocks, self._count, self._paths, self._sizes, self._mtimes

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._blocks, self._count, self._paths, self._sizes, self._mtimes = state
        self._digest_from(0)

    def append(self, relative: str, size: int, mtime_ns: int) -> None:
        """Add one file."""
        self._paths.append(relative)
        self._sizes.append(size)
        self._mtimes.append(mtime_ns)
        self._count += 1
        if len(self._paths) == BLOCK:
            self._seal()

    def _seal(self) -> None:
        if self._paths:
            numbers = self._sizes.tobytes() + self._mtimes.tobytes()
            self._blocks.append((zlib.compress(_encode(self._paths), 1), zlib.compress(numbers, 1)))
            self._paths, self._sizes, self._mtimes = [], array("q"), array("q")

    def extend(self, other: Listing) -> None:
        """Add every file of ``other``, after these (its blocks are taken as they are).

        The blocks are digested now: a parallel walk extends with each folder while the
        workers walk the next, so the digest costs the wait, not the run."""
        self._seal()
        self._blocks.extend(other._blocks)
        self._paths = list(other._paths)
        self._sizes = array("q", other._sizes)
        self._mtimes = array("q", other._mtimes)
        self._count += other._count
        self._catch_up()

    def _catch_up(self) -> None:
        """Feed the digest's streams every sealed block not fed yet."""
        paths_stream, sizes_stream, mtimes_stream = self._streams
        for paths, numbers in self._blocks[self._hashed :]:
            names = zlib.decompress(paths)
            values = zlib.decompress(numbers)
            split = 8 * (names.count(b"\0") + 1)
            paths_stream.update(names + b"\0")
            sizes_stream.update(values[:split])
            mtimes_stream.update(values[split:])
        self._hashed = len(self._blocks)

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def _parts(self) -> Iterator[tuple[list[str], array[int], array[int]]]:
        """Each block as (paths, sizes, mtimes), the open one last."""
        for paths, numbers in self._blocks:
            names = zlib.decompress(paths).decode("utf-8", "surrogatepass").split("\0")
            values = array("q")
            values.frombytes(zlib.decompress(numbers))
            yield names, values[: len(names)], values[len(names) :]
        if self._paths:
            yield self._paths, self._sizes, self._mtimes

    def __iter__(self) -> Iterator[Found]:
        for paths, sizes, mtimes in self._parts():
            yield from zip(paths, sizes, mtimes, strict=True)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Listing):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Listing({list(self)!r})"

    def chunks(self, size: int) -> _Chunks:
        """The files as consecutive lists of ``size`` (the last may be shorter), each made only
        when the one before has been taken: a cold build's chunks never all exist at once."""
        return _Chunks(self, size)

    def digest(self) -> str:
        """A short digest of every path, size and mtime in order: equal listings, equal digest,
        however they were put together."""
        self._catch_up()
        streams = [stream.copy() for stream in self._streams]
        if self._paths:
            streams[0].update(_encode(self._paths) + b"\0")
            streams[1].update(self._sizes)
            streams[2].update(self._mtimes)
        return hashlib.blake2b(
            b"".join(stream.digest() for stream in streams), digest_size=16
        ).hexdigest()


class _Chunks:
    """A listing as lazily made chunks (see :meth:`Listing.chunks`): a sized iterable."""

    def __init__(self, listing: Listing, size: int) -> None:
        self._listing = listing
        self._size = size

    def __len__(self) -> int:
        return -(-len(self._listing) // self._size)

    def __iter__(self) -> Iterator[list[Found]]:
        chunk: list[Found] = []
        for found in self._listing:
            chunk.append(found)
            if len(chunk) == self._size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
