"""A document assembled from parts: its frame (the bytes before, between and after its entries)
and each entry's bytes, rendered once and shown by every document that shows the entry.

A renderer gives a frame for a planned document without its entries, and each entry's bytes
as that document would carry them (``output/render.py`` for RSS and Atom, ``output/jsonfeed.py``
for JSON Feed); :meth:`Frame.page` joins them into exactly the bytes the renderer gives for the
whole document (``tests/test_assembly.py`` holds the two to each other).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["Frame"]


@dataclass(frozen=True)
class Frame:
    """A document without its entries."""

    #: The bytes before the first entry.
    head: bytes
    #: The bytes after the last entry.
    tail: bytes
    #: The whole document when it shows no entry.
    empty: bytes
    #: The bytes between two entries.
    separator: bytes = b""

    def page(self, entries: Sequence[bytes]) -> bytes:
        """The document showing ``entries`` (each as its format's renderer gave it), in order."""
        if not entries:
            return self.empty
        return self.head + self.separator.join(entries) + self.tail

    def size(self, entries: Sequence[bytes]) -> int:
        """``len(self.page(entries))``, without joining them."""
        if not entries:
            return len(self.empty)
        return (
            len(self.head)
            + sum(map(len, entries))
            + len(self.separator) * (len(entries) - 1)
            + len(self.tail)
        )
