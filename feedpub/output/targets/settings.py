"""The targets' own settings and their checks: a light module (no boto3, no config).

:class:`TargetSettings` is what opening a target needs besides its URL. The
checks are plain functions returning a problem (``None``: fine), so that the
config can word each one as an error naming the layer the value came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from feedpub.digest import digest_text
from feedpub.output.paths import CONTENT_TYPES

__all__ = [
    "DEFAULT_CACHE_CONTROL",
    "TargetSettings",
    "cache_control_problem",
    "endpoint_problem",
    "s3_url_problem",
    "split_s3_url",
]

#: The ``Cache-Control`` each object gets when the config names none.
DEFAULT_CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class TargetSettings:
    """What a target needs besides its URL: the object store's endpoint (``None``: the AWS
    SDKs' own variables, else AWS) and the ``Cache-Control`` objects get."""

    endpoint_url: str | None = None
    cache_control: str = DEFAULT_CACHE_CONTROL

    def headers_fingerprint(self) -> str:
        """What the stored uploads depend on besides their bytes: the headers each gets
        (content types and ``Cache-Control``). Not the endpoint: where a store is says
        nothing about what it holds."""
        types = (f"{fmt}\x1e{kind}" for fmt, kind in sorted(CONTENT_TYPES.items()))
        return digest_text(*types, self.cache_control)


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


def s3_url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a bucket and prefix, or ``None`` when it can."""
    try:
        split_s3_url(url)
    except ValueError as exc:
        return str(exc)
    return None


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


def cache_control_problem(value: str) -> str | None:
    """Why ``value`` cannot be a ``Cache-Control`` header, or ``None`` when it can."""
    if not (value.isascii() and value.isprintable()):
        return "must be printable ASCII, like 'public, max-age=300'"
    return None
