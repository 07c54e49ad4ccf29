"""Where feeds are published, chosen by the output's URL scheme from one table, :data:`TARGETS`.

A plain path is a local folder (:mod:`.local`); ``s3://bucket/prefix/`` is S3-compatible
object storage (:mod:`.s3`, the one boto3 user). Each entry names the module that opens
it, imported only when such an output is opened (a local build never loads boto3), the
check of its URL's shape (run by the config without importing that module), and the
extra to install when the module's dependencies are missing.

Adding a target is one module (a :class:`PublishTarget` and an ``open_url(out, settings)``)
and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from feedpub.errors import ConfigError
from feedpub.output.targets.base import PublishTarget, Stored
from feedpub.output.targets.settings import (
    DEFAULT_CACHE_CONTROL,
    TargetSettings,
    cache_control_problem,
    endpoint_problem,
    s3_url_problem,
    split_s3_url,
)

__all__ = [
    "DEFAULT_CACHE_CONTROL",
    "TARGETS",
    "PublishTarget",
    "Stored",
    "TargetKind",
    "TargetSettings",
    "cache_control_problem",
    "endpoint_problem",
    "is_url",
    "open_target",
    "out_problem",
    "split_s3_url",
]

Opener = Callable[[str | Path, TargetSettings], PublishTarget]


def _any_path(out: str) -> str | None:
    return None


@dataclass(frozen=True)
class TargetKind:
    """One kind of target: what its outputs look like and how one is opened."""

    #: How messages name an output of this kind ("a folder", "an s3://bucket/prefix/ URL").
    shown: str
    #: The module holding ``open_url(out, settings)``, imported only to open one.
    module: str
    #: Why an output's text cannot name one of these (``None``: it can); needs no import.
    url_problem: Callable[[str], str | None] = _any_path
    #: What the module needs that feedpub does not install by itself, and the extra that does.
    needs: str | None = None
    extra: str | None = None
    #: How the install message names what this kind does.
    doing: str = "publishing there"


#: Every kind of target, by URL scheme (``""``: a plain path).
TARGETS: dict[str, TargetKind] = {
    "": TargetKind("a folder", "feedpub.output.targets.local"),
    "s3": TargetKind(
        "an s3://bucket/prefix/ URL",
        "feedpub.output.targets.s3",
        s3_url_problem,
        needs="boto3",
        extra="s3",
        doing="publishing to object storage",
    ),
}


def scheme_of(out: str | Path) -> str:
    """The URL scheme ``out`` names, lower-cased; ``""`` for a path."""
    if isinstance(out, Path):
        return ""
    scheme, separator, _ = out.partition("://")
    return scheme.lower() if separator else ""


def is_url(out: str | Path) -> bool:
    """True when ``out`` is a URL (object storage and the like), not a folder: a folder is
    relative to where it was given, a URL is not."""
    return scheme_of(out) != ""


def out_problem(out: str) -> str | None:
    """Why ``out`` names no target feedpub can publish to, or ``None`` when it names one."""
    kind = TARGETS.get(scheme_of(out))
    if kind is None:
        kinds = " or ".join(k.shown for k in TARGETS.values())
        return f"must be {kinds}, not {out!r}"
    return kind.url_problem(out)


def open_target(out: str | Path, settings: TargetSettings) -> PublishTarget:
    """The target ``out`` names, from :data:`TARGETS`.

    Raises :class:`~feedpub.errors.ConfigError` for an unusable URL or setting, or when
    what the target needs (its extra) is not installed."""
    kind = TARGETS.get(scheme_of(out))
    problem = out_problem(str(out)) if isinstance(out, str) else None
    if kind is None or problem is not None:
        raise ConfigError(problem or f"unusable output {out!r}", path=str(out))
    try:
        module = importlib.import_module(kind.module)
    except ImportError as exc:
        if kind.extra is None:
            raise
        raise ConfigError(
            f"{kind.doing} needs {kind.needs}: pip install 'feedpub[{kind.extra}]' ({exc})",
            path=str(out),
        ) from None
    opener = cast(Opener, module.open_url)
    return opener(out, settings)
