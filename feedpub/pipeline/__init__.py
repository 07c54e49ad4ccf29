"""Orchestration: a build or a check, from records through the cache, plan, render and
validation to publishing, and the report of what happened."""

from __future__ import annotations

from feedpub.pipeline.build import BuildReport, FeedOutcome, build, check

__all__ = ["BuildReport", "FeedOutcome", "build", "check"]
