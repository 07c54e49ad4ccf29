"""Where feeds are published: a local folder or S3-compatible object storage, behind one interface.

The pipeline asks a :class:`PublishTarget` what a feed path holds now, writes a
feed only when its bytes (or headers) changed, lists the feed paths that exist
and removes stale ones. :class:`LocalFolder` keeps today's atomic file writes;
:class:`feedpub.output.s3.S3Target` puts objects. Paths are always relative and
use ``/`` (``rss.xml``, ``category/<term>/atom.xml``).

Only :func:`open_target` knows both: it imports the S3 side (and boto3) only for
an ``s3://`` URL, so a local build never loads boto3.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol
from urllib.parse import urlsplit

from feedpub.errors import ConfigError
from feedpub.output.paths import FEED_FILES, is_feed_path
from feedpub.output.publish import remove_file, write_if_changed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig

__all__ = [
    "LocalFolder",
    "PublishTarget",
    "Stored",
    "endpoint_problem",
    "is_s3_url",
    "open_target",
    "split_s3_url",
]

#: Read when the config names no ``s3_endpoint_url`` (which FEEDPUB_S3_ENDPOINT_URL sets
#: through the config's layers): the AWS SDKs' own names for the same thing.
AWS_ENDPOINT_ENV = ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")


class Stored(NamedTuple):
    """What a path holds now, cheaply: its size and a stamp that changes when its bytes may have.

    The stamp is a file's mtime in nanoseconds, or an integer derived from an
    object's ETag; the build state keeps it to tell "as written" from "changed"."""

    size: int
    stamp: int


class PublishTarget(Protocol):
    """The operations the pipeline needs from wherever feeds are published."""

    def stored(self, path: str) -> Stored | None:
        """Size and stamp of what ``path`` holds now, or ``None`` when nothing is there."""
        ...

    def read(self, path: str) -> bytes | None:
        """The bytes ``path`` holds now, or ``None`` when nothing is there."""
        ...

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when ``path`` already holds exactly ``data`` (with these headers, where kept)."""
        ...

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """Publish ``data`` at ``path`` unless :meth:`holds` says it is there; return whether it
        was written and what the path holds now. Raises :class:`~feedpub.errors.PublishError`."""
        ...

    def remove(self, path: str) -> bool:
        """Remove what ``path`` holds; True when something was removed."""
        ...

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """Every path that holds a feed file now (``category/<term>/rss.xml`` and the like);
        archive pages only with ``archives`` where leaving them out saves work."""
        ...


class LocalFolder:
    """Feeds as files in a folder, each written atomically (:mod:`feedpub.output.publish`).

    A folder has no headers: the content type is what the web server in front says."""

    def __init__(self, root: Path) -> None:
        """Publish under ``root``."""
        self.root = root

    def stored(self, path: str) -> Stored | None:
        """Size and mtime of the file."""
        try:
            stat = (self.root / path).stat()
        except FileNotFoundError:
            return None
        return Stored(stat.st_size, stat.st_mtime_ns)

    def read(self, path: str) -> bytes | None:
        """The file's bytes."""
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None

    def holds(self, path: str, data: bytes, content_type: str) -> bool:
        """True when the file holds exactly ``data``."""
        return self.read(path) == data

    def write_if_changed(self, path: str, data: bytes, content_type: str) -> tuple[bool, Stored]:
        """Write the file atomically unless it holds ``data`` already."""
        # What this writer's own file holds, never what another writer may have put in place.
        written = write_if_changed(self.root / path, data)
        return written.changed, Stored(written.size, written.mtime_ns)

    def remove(self, path: str) -> bool:
        """Remove the file and the folders it leaves empty."""
        return remove_file(self.root / path, self.root)

    def feed_paths(self, *, archives: bool = True) -> list[str]:
        """The site's feed files and those under ``category/*/``, with their archive pages
        (``archive/*/``) when ``archives``: a folder of many pages costs a walk of each."""
        folders = [""]
        category = self.root / "category"
        if category.is_dir():
            folders.extend(f"category/{d.name}/" for d in sorted(category.iterdir()) if d.is_dir())
        if archives:
            for folder in list(folders):
                archive = self.root / folder / "archive"
                if archive.is_dir():
                    folders.extend(f"{folder}archive/{d.name}/" for d in archive.iterdir())
        return sorted(
            folder + name
            for folder in folders
            for name in FEED_FILES.values()
            if is_feed_path(folder + name) and (self.root / folder / name).is_file()
        )


def is_s3_url(out: str | Path) -> bool:
    """True when ``out`` names object storage (``s3://bucket/prefix/``), not a folder."""
    return isinstance(out, str) and out.lower().startswith("s3://")


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/a/b`` as ``("bucket", "a/b/")``; raises :class:`ValueError` when unusable."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "s3" or not parts.netloc:
        raise ValueError(f"must be s3://bucket/prefix/, not {url!r}")
    if "@" in parts.netloc:  # not echoed: it may hold a secret
        raise ValueError(
            "must be just s3://bucket/prefix/: credentials come from the AWS environment, "
            "never from a URL"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"must be just s3://bucket/prefix/, not {url!r}")
    prefix = parts.path.strip("/")
    if "//" in prefix:
        raise ValueError(f"has an empty folder name: {url!r}")
    return parts.netloc, prefix + "/" if prefix else ""


def endpoint_problem(url: str) -> str | None:
    """Why ``url`` cannot be an S3 endpoint, or ``None`` when it can."""
    parts = urlsplit(url)
    if "@" in parts.netloc:  # checked first: a message must never echo a secret
        return (
            "must not hold credentials: they come from the AWS environment variables, "
            "a profile or an instance role"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http(s) URL like https://minio.example:9000, not {url!r}"
    if parts.path.strip("/") or parts.query or parts.fragment:
        return f"must be the store's base URL (no path: the bucket goes in out), not {url!r}"
    return None


def _endpoint_url(config: SiteConfig) -> tuple[str, str] | None:
    """The S3 endpoint and where it was set: the config's ``s3_endpoint_url`` (from a flag,
    FEEDPUB_S3_ENDPOINT_URL or the file), then the AWS SDKs' variables; ``None``: AWS."""
    if config.s3_endpoint_url:
        return config.s3_endpoint_url, "s3_endpoint_url"
    for name in AWS_ENDPOINT_ENV:
        if os.environ.get(name):
            return os.environ[name], name
    return None


def open_target(out: str | Path, config: SiteConfig) -> PublishTarget:
    """The target ``out`` names: an ``s3://`` URL, else a local folder.

    Raises :class:`~feedpub.errors.ConfigError` for an unusable URL or endpoint, or when
    boto3 (the ``feedpub[s3]`` extra) is not installed."""
    if not is_s3_url(out):
        return LocalFolder(Path(out))
    assert isinstance(out, str)
    try:
        bucket, prefix = split_s3_url(out)
    except ValueError as exc:
        raise ConfigError(str(exc), path=out) from None
    try:
        from feedpub.output.s3 import S3Target
    except ImportError as exc:
        raise ConfigError(
            f"publishing to object storage needs boto3: pip install 'feedpub[s3]' ({exc})",
            path=out,
        ) from None
    endpoint = _endpoint_url(config)
    if endpoint is not None:
        problem = endpoint_problem(endpoint[0])
        if problem:
            raise ConfigError(problem, path=endpoint[1])
    return S3Target(
        bucket,
        prefix,
        endpoint_url=endpoint[0] if endpoint else None,
        cache_control=config.cache_control,
    )
