"""The renderers and validators loaded, their schemas parsed: imported by the fork server
that starts render workers (:data:`feedpub.parallel.FORK_SERVER_PRELOAD`), so that every
worker it forks has them; a worker that loads them itself spends about 0.3 s on it."""

from __future__ import annotations

from feedpub.heap import one_arena
from feedpub.output.meta import FeedMeta
from feedpub.pipeline.rendering import warm

__all__: list[str] = []

one_arena()  # the fork server's workers are the build's: one glibc arena, as it has
warm(FeedMeta("feedpub", "feedpub", "https://example.invalid/", "https://example.invalid/"))
