"""A document assembled from parts: its frame (the bytes before, between and after its entries)
and each entry's bytes, rendered once and shown by every document that shows the entry.

A renderer gives a frame for a planned document without its entries, and each entry's bytes
as that document would carry them (``output/render.py`` for RSS and Atom, ``output/jsonfeed.py``
for JSON Feed); :meth:`Frame.page` joins them into exactly the bytes the renderer gives for the
whole document (``tests/test_assembly.py`` holds the two to each other).

A frame takes two facts from its entries (:class:`FrameFacts`): when the newest of them changed
(the document's own date) and whether one names its people in Dublin Core (RSS then declares
its namespace). Kept beside a published document with the length of its head, they let its
frame be rendered anew around the entries it already carries (``pipeline/reframing.py``).
A subscription document's framing keeps each entry too (:class:`KeptEntry`: what its bytes
are made of, their length, its facts), so that a document showing some of the same entries
(a new ``limit``, a new story at the top) cuts them from the published bytes instead of
rendering them again (``pipeline/cutting.py``). An archive page's keeps the fingerprint of its
entries (:attr:`Framing.fingerprint`), so that the page of a longer period (a new ``archive``) is
the entries of the shorter periods' pages it covers, joined in one new frame (:func:`joined`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

__all__ = ["Frame", "FrameFacts", "Framing", "KeptEntry", "joined", "newest_facts"]

#: An archive page's fingerprint as the state keeps it: its entries, and two sums.
_FINGERPRINT = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")


@dataclass(frozen=True)
class FrameFacts:
    """What a document's frame takes from its entries."""

    #: The newest instant one of its entries changed, in that entry's own offset.
    updated: datetime
    #: One of its entries names its people with ``dc:creator`` (RSS declares the namespace).
    dublin_core: bool = False

    def text(self) -> str:
        """The facts as one line of text (no space inside), read back by :meth:`parse`."""
        return f"{self.updated.isoformat()}/{int(self.dublin_core)}"

    @classmethod
    def parse(cls, text: str) -> FrameFacts:
        """The facts :meth:`text` wrote (the same instant, at the same offset).

        Raises ValueError for text it did not write."""
        moment, _, flag = text.rpartition("/")
        updated = datetime.fromisoformat(moment)
        if updated.tzinfo is None or flag not in ("0", "1"):
            raise ValueError(f"not frame facts: {text!r}")
        return cls(updated, flag == "1")


@dataclass(frozen=True)
class KeptEntry:
    """One entry of a published subscription document, as its framing keeps it."""

    #: A digest of what its bytes are made of (``PlannedFeed.entry_keys``): equal, they are.
    key: str
    #: How many bytes it is.
    length: int
    #: What the frame takes from it (:func:`~feedpub.output.render.entry_facts`).
    updated: datetime
    dublin_core: bool
    #: A digest of its entry id: no two entries of a document may share one.
    ident: str

    def text(self) -> str:
        """The entry as text without a space or a ``;``, read back by :meth:`parse`."""
        moment = self.updated.isoformat()
        return f"{self.key},{self.length},{moment},{int(self.dublin_core)},{self.ident}"

    @classmethod
    def parse(cls, text: str) -> KeptEntry:
        """The entry :meth:`text` wrote. Raises ValueError for text it did not write."""
        key, length, moment, flag, ident = text.split(",")
        updated = datetime.fromisoformat(moment)
        if not key or updated.tzinfo is None or flag not in ("0", "1") or int(length) < 0:
            raise ValueError(f"not a kept entry: {text!r}")
        return cls(key, int(length), updated, flag == "1", ident)


@dataclass(frozen=True)
class Framing:
    """What a published document's frame can be found again by: kept beside its bytes, so
    that the same entries are framed anew (a new title, say) without rendering them."""

    #: A digest of what its entries' bytes are made of (the records, the labels they show,
    #: the format, feedpub's version): equal, the entries' bytes are equal.
    body: str
    #: How many bytes come before its first entry; ``-1``: it shows none.
    head: int
    facts: FrameFacts
    #: Each of its entries, in order (a subscription document's; none kept for an archive
    #: page, which would make the state as large as the archive).
    entries: tuple[KeptEntry, ...] = ()
    #: An archive page's: the fingerprint of its entries (``ArchivePage.fingerprint``: how
    #: many, and two sums of numbers taken from their records' digests), and a digest of what
    #: else they were made of (``PlannedFeed.shape``); ``""``: not kept.
    fingerprint: str = ""
    shape: str = ""

    def text(self) -> str:
        """One line for the state, read back by :meth:`parse`."""
        line = f"{self.body} {self.head} {self.facts.text()}"
        listed = ";".join(e.text() for e in self.entries)
        if self.fingerprint:
            return f"{line} {listed} {self.fingerprint}:{self.shape}"
        return f"{line} {listed}" if listed else line

    @classmethod
    def parse(cls, text: str) -> Framing | None:
        """The framing :meth:`text` wrote; ``None`` for anything else (nothing kept)."""
        parts = text.split(" ")
        if len(parts) not in (3, 4, 5) or not parts[0]:
            return None
        try:
            listed = parts[3] if len(parts) > 3 else ""
            fingerprint, _, shape = parts[4].partition(":") if len(parts) == 5 else ("", "", "")
            if (len(parts) == 4 and not listed) or (
                len(parts) == 5 and not (_FINGERPRINT.fullmatch(fingerprint) and shape)
            ):
                return None
            entries = tuple(map(KeptEntry.parse, listed.split(";"))) if listed else ()
            facts = FrameFacts.parse(parts[2])
            return cls(parts[0], int(parts[1]), facts, entries, fingerprint, shape)
        except ValueError:
            return None

    def places(self, separator: bytes) -> list[tuple[int, int]]:
        """Where each kept entry's bytes are in the document (start, end), its entries joined
        by ``separator`` (its format's)."""
        found: list[tuple[int, int]] = []
        start = self.head
        for entry in self.entries:
            found.append((start, start + entry.length))
            start += entry.length + len(separator)
        return found

    def reframe(self, data: bytes, frame: Frame) -> tuple[bytes, Framing] | None:
        """The document this framing was kept for (``data``) with its entries in ``frame``,
        and the framing of the result; ``None`` if ``data`` cannot be that document."""
        if self.head < 0:
            return frame.empty, self
        tail = frame.tail
        if len(data) < self.head + len(tail) or not data.endswith(tail):
            return None
        entries = memoryview(data)[self.head : len(data) - len(tail)]  # not copied till joined
        return frame.page([entries]), replace(self, head=len(frame.head))


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

    def page(self, entries: Sequence[bytes | memoryview]) -> bytes:
        """The document showing ``entries`` (each as its format's renderer gave it), in order:
        their bytes copied once (a document of 100,000 records' archives is 57 KB on average,
        and a new title joins 3.7 GB of them)."""
        if not entries:
            return self.empty
        parts: list[bytes | memoryview] = [self.separator] * (2 * len(entries) + 1)
        parts[1::2] = entries
        parts[0], parts[-1] = self.head, self.tail
        return b"".join(parts)

    def size(self, entries: Sequence[bytes | memoryview]) -> int:
        """``len(self.page(entries))``, without joining them."""
        if not entries:
            return len(self.empty)
        return (
            len(self.head)
            + sum(map(len, entries))
            + len(self.separator) * (len(entries) - 1)
            + len(self.tail)
        )


def joined(
    documents: Sequence[tuple[Framing, bytes]], frame: Frame, body: str, fingerprint: str
) -> tuple[bytes, Framing] | None:
    """The entries of several published documents (each with the framing kept for it), in
    their order, in ``frame``: what rendering their entries whole in one document gives, when
    its entries are theirs in that order. ``body`` and ``fingerprint`` are its new framing's (its
    ``shape`` is theirs); ``frame`` is rendered from :func:`newest_facts` of theirs. ``None``
    if one of the bytes cannot be the document its framing was kept for, or shows none."""
    tail, parts = frame.tail, []
    for framing, data in documents:
        if framing.head < 0 or len(data) < framing.head + len(tail) or not data.endswith(tail):
            return None
        parts.append(memoryview(data)[framing.head : len(data) - len(tail)])
    if not parts:
        return None
    facts = newest_facts([framing.facts for framing, _ in documents])
    shape = documents[0][0].shape
    return frame.page(parts), Framing(body, len(frame.head), facts, (), fingerprint, shape)


def newest_facts(facts: Sequence[FrameFacts]) -> FrameFacts:
    """What the frame of a document takes from the entries of several, in order: the newest
    instant (the first of equals, as each document's own facts took it from its entries)."""
    newest = max((f.updated for f in facts), key=lambda d: d.timestamp())
    return FrameFacts(newest, any(f.dublin_core for f in facts))
