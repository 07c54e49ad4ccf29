"""Rendered feeds kept on disk until all are known valid (``--strict``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import BinaryIO

from feedpub.errors import Problem
from feedpub.pipeline.plan import PlannedFeed
from feedpub.pipeline.rendering import RenderedFeed

__all__ = ["Spool"]


class Spool:
    """Rendered feeds kept on disk until all are known valid (``--strict``): one feed's
    bytes in memory at a time, however many feeds there are."""

    def __init__(self) -> None:
        self._file: BinaryIO = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._feeds: list[tuple[PlannedFeed, int, int, tuple[Problem, ...], int]] = []

    def add(self, rendered: RenderedFeed) -> None:
        """Keep a rendered feed."""
        offset = self._file.seek(0, 2)
        self._file.write(rendered.data)
        self._feeds.append(
            (rendered.feed, offset, len(rendered.data), rendered.problems, rendered.dropped)
        )

    def feeds(self) -> Iterator[RenderedFeed]:
        """The kept feeds, in the order they were added."""
        for feed, offset, size, problems, dropped in self._feeds:
            self._file.seek(offset)
            yield RenderedFeed(feed, self._file.read(size), problems, dropped)

    def close(self) -> None:
        """Drop the spool file."""
        self._file.close()
