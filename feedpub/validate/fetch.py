"""Reading a document to validate: a file, an http(s) URL (bounded in time and size), or stdin."""

from __future__ import annotations

import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.client import HTTPMessage
from typing import IO, BinaryIO

from feedpub.errors import Problem
from feedpub.validate.engine import validate_feed

__all__ = ["validate_source"]

_URL = re.compile(r"https?://", re.IGNORECASE)
_ANY_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 64 * 1024


def validate_source(
    source: str,
    *,
    stdin: BinaryIO | None = None,
    timeout: float = 10.0,
    max_bytes: int = 10 * 1024 * 1024,
) -> list[Problem]:
    """Read a feed from a file path, an http(s) URL, or '-' (stdin), and validate it.

    A document that cannot be read (missing file, HTTP error, timeout, more than
    ``max_bytes``) is reported as one ``fetch`` error rather than raised. URLs
    are fetched with urllib, waiting at most ``timeout`` seconds in all.
    """
    name = "<stdin>" if source == "-" else source
    try:
        if source == "-":
            data = _read_limited((stdin or sys.stdin.buffer).read, max_bytes)
        elif _URL.match(source):
            data = _fetch(source, timeout, max_bytes)
        elif _ANY_URL.match(source):
            raise _ReadError(
                f"unsupported URL scheme in {source!r}; give a file path, an http(s) URL or '-'"
            )
        else:
            with open(source, "rb") as file:
                data = _read_limited(file.read, max_bytes)
    except _ReadError as err:
        return [Problem(name, None, "error", "fetch", str(err))]
    except OSError as err:
        return [Problem(name, None, "error", "fetch", f"cannot read: {err.strerror or err}")]
    return validate_feed(data, name)


class _ReadError(Exception):
    """A document could not be read whole; the message says why."""


def _read_limited(read: Callable[[int], bytes], max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise _ReadError(f"larger than {max_bytes} bytes; not read further")
        chunks.append(chunk)
    return b"".join(chunks)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only: urllib would also follow one to ftp:."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not _URL.match(newurl):
            raise _ReadError(f"redirected to {newurl!r}, which is not an http(s) URL")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    opener = urllib.request.build_opener(_HttpOnlyRedirects)
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "feedpub-validate",
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1",
        },
    )
    # urllib's timeout bounds each socket operation; the deadline bounds a
    # server that trickles the body out slowly.
    deadline = time.monotonic() + timeout
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _ReadError(f"larger than {max_bytes} bytes (Content-Length {length})")

            def read(size: int) -> bytes:
                if time.monotonic() > deadline:
                    raise _ReadError(f"timed out after {timeout:g}s")
                chunk: bytes = response.read(size)
                return chunk

            return _read_limited(read, max_bytes)
    except urllib.error.HTTPError as err:
        raise _ReadError(f"HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError):
            raise _ReadError(f"timed out after {timeout:g}s") from None
        raise _ReadError(f"cannot fetch: {reason}") from None
    except TimeoutError:
        raise _ReadError(f"timed out after {timeout:g}s") from None
