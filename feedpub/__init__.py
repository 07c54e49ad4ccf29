"""feedpub: publish RSS 2.0 and Atom 1.0 feeds from structured article records."""

from __future__ import annotations

from feedpub.config import SiteConfig, load_config
from feedpub.errors import (
    ConfigError,
    DateError,
    ExitCode,
    FeedpubError,
    FeedValidationError,
    InitError,
    LockedError,
    Problem,
    PublishError,
    RecordError,
    RecordWarning,
    SharedOutputError,
    StateError,
)
from feedpub.model import Article, Attachment, Author, Category
from feedpub.pipeline import BuildReport, FeedOutcome, build
from feedpub.site import Run, build_site, check_site, resolve_run
from feedpub.version import __version__

__all__ = [
    "Article",
    "Attachment",
    "Author",
    "BuildReport",
    "Category",
    "ConfigError",
    "DateError",
    "ExitCode",
    "FeedOutcome",
    "FeedValidationError",
    "FeedpubError",
    "InitError",
    "LockedError",
    "Problem",
    "PublishError",
    "RecordError",
    "RecordWarning",
    "Run",
    "SharedOutputError",
    "SiteConfig",
    "StateError",
    "__version__",
    "build",
    "build_site",
    "check_site",
    "load_config",
    "resolve_run",
]
