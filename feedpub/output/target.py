"""The names ``config.py`` and ``cli.py`` import from here until they import them from
:mod:`feedpub.output.targets`, where targets now live (then this module goes)."""

from __future__ import annotations

from pathlib import Path

from feedpub.output.targets import (
    PublishTarget,
    Stored,
    endpoint_problem,
    open_target,
    scheme_of,
    split_s3_url,
)
from feedpub.output.targets.local import LocalFolder

__all__ = [
    "LocalFolder",
    "PublishTarget",
    "Stored",
    "endpoint_problem",
    "is_s3_url",
    "open_target",
    "split_s3_url",
]


def is_s3_url(out: str | Path) -> bool:
    """True when ``out`` names object storage (``s3://bucket/prefix/``), not a folder."""
    return scheme_of(out) == "s3"
