"""Reading a document to validate: a file, an http(s) URL (bounded in time and size), or stdin."""

from __future__ import annotations

import http.client
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from http.client import HTTPMessage
from typing import IO, BinaryIO

from feedpub.deadline import Deadline
from feedpub.errors import Problem
from feedpub.validate.engine import validate_feed

__all__ = ["validate_source"]

_URL = re.compile(r"https?://", re.IGNORECASE)
_ANY_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_CHUNK = 64 * 1024
#: How urllib begins the reason of the error it raises for a redirect loop.
_LOOP = urllib.request.HTTPRedirectHandler.inf_msg


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
    """Follow redirects to http(s) URLs only: urllib would also follow one to ftp:, and
    reports one to file: as an HTTP error that reads like a redirect loop."""

    def http_error_302(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
    ) -> IO[bytes] | None:
        location = headers.get("Location") or headers.get("URI")
        if location is not None:
            target = urllib.parse.urljoin(req.full_url, location.strip())
            if not _URL.match(target):
                raise _ReadError(
                    f"refused a redirect (HTTP {code}) to {_shown(target)}: "
                    "only http(s) URLs are followed"
                )
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    timed_out = f"timed out after {timeout:g}s"
    with Deadline(timeout) as deadline:
        try:
            data = _fetch_within(url, deadline, max_bytes)
        except (OSError, http.client.HTTPException, _ReadError) as err:
            # A hung-up read fails in whatever way the moment it was cut gives (a body
            # cut short at the deadline is incomplete: the deadline is the cause).
            if deadline.expired.is_set():
                raise _ReadError(timed_out) from None
            if isinstance(err, http.client.HTTPException):
                raise _ReadError(_broken_response(err)) from None
            raise
    if deadline.expired.is_set():
        # A body cut short at the deadline may look complete: never use it.
        raise _ReadError(timed_out)
    return data


def _fetch_within(url: str, deadline: Deadline, max_bytes: int) -> bytes:
    timeout = deadline.seconds
    opener = urllib.request.build_opener(_HttpOnlyRedirects, *deadline.handlers())
    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": "feedpub-validate",
            "Accept": (
                "application/rss+xml, application/atom+xml, application/feed+json, "
                "application/xml;q=0.9, application/json;q=0.9, */*;q=0.1"
            ),
        },
    )
    try:
        # The socket timeout bounds connecting and each read; the deadline, the whole.
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise _ReadError(f"larger than {max_bytes} bytes (Content-Length {length})")
            data = _read_limited(response.read, max_bytes)
            # http.client ends a body early at the peer's hang-up without a word: the
            # bytes it still expected are left in ``length`` (None when chunked).
            if response.length:
                raise _ReadError(
                    f"incomplete body: the connection closed after {len(data)} of "
                    f"{length} bytes (Content-Length)"
                )
            return data
    except urllib.error.HTTPError as err:
        if 300 <= err.code < 400 and str(err.reason).startswith(_LOOP):
            # urllib's message for a loop spans three lines; this is the gist of it.
            raise _ReadError(
                f"redirect loop: gave up following redirects (last one: HTTP {err.code} "
                f"to {err.headers.get('Location', '?')!r})"
            ) from None
        raise _ReadError(f"HTTP {err.code} {_one_line(str(err.reason))}") from None
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, TimeoutError) or deadline.expired.is_set():
            raise _ReadError(f"timed out after {timeout:g}s") from None
        raise _ReadError(f"cannot fetch: {_one_line(str(reason))}") from None
    except TimeoutError:
        raise _ReadError(f"timed out after {timeout:g}s") from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _broken_response(err: http.client.HTTPException) -> str:
    """One line for a response http.client refuses: a header flood, an endless line, a
    chunked body cut short, something that is not HTTP."""
    if isinstance(err, http.client.IncompleteRead):
        return "incomplete body: the connection closed before the chunked body ended"
    if isinstance(err, http.client.BadStatusLine):
        return f"not an HTTP response (status line {_shown(str(err))})"
    # LineTooLong ("got more than 65536 bytes when reading header line") and the header
    # count ("got more than 100 headers") say what happened in their message.
    return f"response refused: {_one_line(str(err)) or type(err).__name__}"


def _shown(text: str, limit: int = 80) -> str:
    """``text`` quoted for a one-line message, cut at ``limit`` characters."""
    return repr(text if len(text) <= limit else text[:limit] + "...")
