"""Orchestration: a build or a check, from records through the build state, plan, render and
validation to publishing, and the report of what happened.

Stages, each a module: :mod:`.read` (records into the state), :mod:`.plan` (which
feeds, which entries, what must be rendered), :mod:`.bodies` (the bodies they show, kept
between a watcher's builds by :mod:`.memo`), :mod:`.rendering` (render and validate, in
parallel), :mod:`.run` (publish, and the order of it all), :mod:`.report` (what happened).
"""

from __future__ import annotations

from feedpub.pipeline.memo import BodyMemo
from feedpub.pipeline.read import Progress
from feedpub.pipeline.report import BuildReport, FeedOutcome
from feedpub.pipeline.run import build, check, current_time

__all__ = ["BodyMemo", "BuildReport", "FeedOutcome", "Progress", "build", "check", "current_time"]
