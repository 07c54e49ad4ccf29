"""Telling WebSub hubs that feeds changed (W3C WebSub, the publisher's side).

For each changed subscription document, a hub gets one form-encoded POST with
``hub.mode=publish`` and ``hub.url=<the document's self URL>``, the request
hubs have answered since PubSubHubbub 0.4. Any 2xx is success. A connection
error, a timeout, a 5xx or a 429 is tried again, a bounded number of times
with a doubling pause; any other answer is final. A hub that fails is not
tried further in this run: the feeds it was not told of are handed back, so
the build can remember them and tell the hub next time.

Nothing a hub does can hold a run longer than its bounds. Each request has one
deadline covering connecting, sending, the answer's headers and its body: a
socket timeout bounds each wait, and at the deadline a timer hangs the socket
up, which ends a read however slowly the hub drips bytes. The answer's body is
read up to 64 KiB at most. :func:`announce` tells every hub at once (one thread
each) and gives them all one shared deadline, which every request, pause and
retry stays inside; a hub still busy then (a name lookup that hangs) is left
behind, its feeds handed back as not told.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlencode

from feedpub.deadline import Deadline
from feedpub.version import __version__

__all__ = ["HubResult", "PingPolicy", "announce", "notify_hub"]

#: The most of an answer's body read: a hub has nothing to say in a publish answer.
_DRAIN = 64 * 1024
#: How long past the shared deadline :func:`announce` waits for a hub's thread to notice.
_GRACE = 0.5


@dataclass(frozen=True)
class PingPolicy:
    """How hard to try a hub: the deadline of one request (connect, headers and body
    together), attempts per feed, and the first pause between attempts (doubled after
    each); ``sleep`` is injectable so tests do not wait. The time all hubs of a run get
    together is :func:`announce`'s ``total``, and every request and pause stays inside it."""

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


def _post(hub: str, url: str, seconds: float) -> None:
    """One publish request that ends within ``seconds``, whatever the hub does; raises
    :class:`_Retry` or ``ValueError`` with the reason."""
    timed_out = f"no answer within {seconds:.3g}s"
    with Deadline(seconds) as cutoff:
        try:
            _send(hub, url, seconds, cutoff)
        except (OSError, http.client.HTTPException) as err:
            # A hung-up request fails in whatever way the moment it was cut gives.
            if cutoff.expired.is_set():
                raise _Retry(timed_out) from None
            raise _Retry(f"connection failed: {err}") from None
    if cutoff.expired.is_set():
        # Cut at the deadline, an answer may look whole (headers end at a hang-up): the hub
        # is told again rather than taken at a word it may not have said.
        raise _Retry(timed_out)


def _send(hub: str, url: str, seconds: float, cutoff: Deadline) -> None:
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
    opener = urllib.request.build_opener(_NoRedirects, *cutoff.handlers())
    try:
        response: IO[bytes]
        # The socket timeout bounds connecting and each read; the cutoff, the whole.
        # A body cut short is no error of its own: the deadline decides (see _post).
        with (
            opener.open(request, timeout=seconds) as response,
            contextlib.suppress(OSError, http.client.HTTPException),
        ):
            response.read(_DRAIN)
    except urllib.error.HTTPError as err:
        reason = " ".join(f"HTTP {err.code} {err.reason}".split())
        if err.code >= 500 or err.code == 429:
            raise _Retry(reason) from None
        raise ValueError(reason) from None
    except urllib.error.URLError as err:
        if isinstance(err.reason, TimeoutError) or cutoff.expired.is_set():
            raise _Retry(f"no answer within {seconds:.3g}s") from None
        raise _Retry(f"cannot connect: {err.reason}") from None
    except TimeoutError:
        raise _Retry(f"no answer within {seconds:.3g}s") from None


def notify_hub(
    hub: str,
    urls: Sequence[str],
    policy: PingPolicy | None = None,
    *,
    deadline: float | None = None,
) -> HubResult:
    """Tell ``hub`` that each of ``urls`` changed, in order, until all are told or it fails.

    ``deadline`` (a :func:`time.monotonic` time) ends it: no request runs past it, and a
    pause that would reach it is not taken."""
    policy = policy or PingPolicy()

    def left() -> float:
        return math.inf if deadline is None else deadline - time.monotonic()

    def stop(done: int, reason: str) -> HubResult:
        return HubResult(hub, tuple(urls[:done]), tuple(urls[done:]), reason)

    for done, url in enumerate(urls):
        pause = policy.backoff
        for attempt in range(1, max(policy.attempts, 1) + 1):
            budget = min(policy.timeout, left())
            if budget <= 0:
                return stop(done, "out of time for the hubs (hub_timeout)")
            try:
                _post(hub, url, budget)
                break
            except _Retry as err:
                if attempt >= policy.attempts:
                    return stop(done, str(err))
                if pause >= left():
                    return stop(done, f"{err}; out of time for the hubs (hub_timeout)")
                policy.sleep(pause)
                pause *= 2
            except ValueError as err:
                return stop(done, str(err))
    return HubResult(hub, tuple(urls), ())


def announce(
    owed: Mapping[str, Sequence[str]], policy: PingPolicy | None = None, *, total: float = 30.0
) -> list[HubResult]:
    """Tell every hub of its ``owed`` feed URLs, all hubs at once, within ``total`` seconds
    together (one slow hub never takes another's time); the results in ``owed``'s order."""
    deadline = time.monotonic() + total
    results: dict[str, HubResult] = {}
    lock = threading.Lock()

    def tell(hub: str, urls: Sequence[str]) -> None:
        try:
            result = notify_hub(hub, urls, policy, deadline=deadline)
        except Exception as exc:  # a hub must never fail the build
            result = HubResult(hub, (), tuple(urls), f"failed: {exc}")
        with lock:
            results[hub] = result

    threads = [
        threading.Thread(target=tell, args=(hub, urls), name=f"websub {hub}", daemon=True)
        for hub, urls in owed.items()
        if urls
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0.0) + _GRACE)
    with lock:
        return [
            results.get(hub)
            or HubResult(hub, (), tuple(urls), f"no answer within {total:g}s (hub_timeout)")
            for hub, urls in owed.items()
            if urls
        ]
