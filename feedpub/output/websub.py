"""Telling WebSub hubs that feeds changed (W3C WebSub, the publisher's side).

For each changed subscription document, a hub gets one form-encoded POST with
``hub.mode=publish`` and ``hub.url=<the document's self URL>``, the request
hubs have answered since PubSubHubbub 0.4. Any 2xx is success. A connection
error, a timeout, a 5xx or a 429 is tried again, a bounded number of times
with a doubling pause; any other answer is final. A hub that fails is not
tried further in this run: the feeds it was not told of are handed back, so
the build can remember them and tell the hub next time.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from typing import IO
from urllib.parse import urlencode

from feedpub.version import __version__

__all__ = ["HubResult", "PingPolicy", "notify_hub"]

_DRAIN = 64 * 1024


@dataclass(frozen=True)
class PingPolicy:
    """How hard to try a hub: per-request timeout, attempts per feed, and the first pause
    between attempts (doubled after each); ``sleep`` is injectable so tests do not wait."""

    timeout: float = 10.0
    attempts: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class HubResult:
    """What one hub was told: the feed URLs it accepted, those it was not told of, and why."""

    hub: str
    delivered: tuple[str, ...]
    pending: tuple[str, ...]
    error: str | None = None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A hub that redirects a publish POST is misconfigured: urllib would resend it as a GET."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class _Retry(Exception):
    """An answer worth another try (the hub may be back in a moment)."""


def _post(opener: urllib.request.OpenerDirector, hub: str, url: str, timeout: float) -> None:
    """One publish request; raises :class:`_Retry` or ``ValueError`` with the reason."""
    body = urlencode({"hub.mode": "publish", "hub.url": url}).encode("ascii")
    request = urllib.request.Request(
        hub,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": f"feedpub/{__version__}",
        },
    )
    try:
        response: IO[bytes]
        with opener.open(request, timeout=timeout) as response:
            response.read(_DRAIN)
    except urllib.error.HTTPError as err:
        reason = f"HTTP {err.code} {err.reason}".rstrip()
        if err.code >= 500 or err.code == 429:
            raise _Retry(reason) from None
        raise ValueError(reason) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError):
            raise _Retry(f"timed out after {timeout:g}s") from None
        raise _Retry(f"cannot connect: {err.reason}") from None
    except TimeoutError:
        raise _Retry(f"timed out after {timeout:g}s") from None
    except (OSError, HTTPException) as err:
        raise _Retry(f"connection failed: {err}") from None


def notify_hub(hub: str, urls: Sequence[str], policy: PingPolicy | None = None) -> HubResult:
    """Tell ``hub`` that each of ``urls`` changed, in order, until all are told or it fails."""
    policy = policy or PingPolicy()
    opener = urllib.request.build_opener(_NoRedirects)
    for done, url in enumerate(urls):
        pause = policy.backoff
        for attempt in range(1, max(policy.attempts, 1) + 1):
            try:
                _post(opener, hub, url, policy.timeout)
                break
            except _Retry as err:
                if attempt >= policy.attempts:
                    return HubResult(hub, tuple(urls[:done]), tuple(urls[done:]), str(err))
                policy.sleep(pause)
                pause *= 2
            except ValueError as err:
                return HubResult(hub, tuple(urls[:done]), tuple(urls[done:]), str(err))
    return HubResult(hub, tuple(urls), ())
