"""Telling the WebSub hubs what a build changed, after the build let go of its lock.

Under the lock, the build owes each hub every subscription document it writes or removes
(:meth:`BuildState.owe_hubs`, remembered at once, so a build killed later forgets nothing) and
takes stock of all a hub is owed (:func:`owed_now`). Then it releases the lock, and only then
talks to the hubs (:func:`announce_owed`), within the run's ``hub_timeout``; the next build
can start meanwhile. What the hubs accepted is cleared in the stored state afterwards
(:func:`~feedpub.state.record_deliveries`): a URL the next build owed again in the meantime
stays owed, so a change is announced twice at worst, never lost.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from feedpub.errors import RecordWarning
from feedpub.pipeline.report import BuildReport, HubOutcome
from feedpub.state import BuildState, OwedUrl, record_deliveries

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.websub import HubResult, PingPolicy

__all__ = ["announce_owed", "owed_now"]


def owed_now(
    state: BuildState, config: SiteConfig, report: BuildReport, *, dry_run: bool
) -> dict[str, list[OwedUrl]]:
    """Under the lock, after publishing: what each configured hub is owed now (nothing for a
    dry run or a run ``--strict`` stopped: those tell no hub). Hubs no longer configured
    are forgotten."""
    if dry_run:
        return {}
    hubs = config.syndication.hubs
    state.forget_hubs(hubs)
    if not hubs or report.strict_withheld:
        return {}
    owed = state.owed_urls()
    return {hub: owed[hub] for hub in hubs if owed.get(hub)}


def announce_owed(
    report: BuildReport,
    owed: Mapping[str, Sequence[OwedUrl]],
    config: SiteConfig,
    *,
    state_dir: Path | None,
    ping: bool,
    policy: PingPolicy | None,
    now: float,
) -> None:
    """Tell each hub what it is ``owed`` (without the lock), record in ``state_dir`` what it
    accepted, and report per hub; a hub owed for longer than ``hub_warn_after`` by ``now``
    is an alert. ``ping=False`` only reports what is owed."""
    if not owed:
        return
    if not ping:
        for hub, urls in owed.items():
            _note(report, HubOutcome(hub, 0, len(urls), min(u.since for u in urls)))
        return
    from feedpub.output.websub import announce  # urllib loads only when a hub is asked

    started = time.perf_counter()
    results = announce(
        {hub: [u.url for u in urls] for hub, urls in owed.items()},
        policy,
        total=config.announcing.total,
    )
    report.hub_seconds = time.perf_counter() - started
    delivered: dict[str, list[OwedUrl]] = {}
    for result in results:
        by_url = {u.url: u for u in owed[result.hub]}
        delivered[result.hub] = [by_url[url] for url in result.delivered]
        left = [by_url[url] for url in result.pending]
        outcome = HubOutcome(
            result.hub,
            len(result.delivered),
            len(left),
            min((u.since for u in left), default=None),
            result.error,
        )
        _note(report, outcome)
        _complain(report, result, outcome, now, config.announcing.warn_after)
    told = sum(len(urls) for urls in delivered.values())
    if told and state_dir is not None and not record_deliveries(state_dir, delivered):
        report.warnings.append(
            RecordWarning(
                f"the hubs were told of {told} feed(s), but the build state was busy or "
                "replaced meanwhile: the next build tells them again",
                path=str(state_dir),
                field="websub",
            )
        )


def _note(report: BuildReport, outcome: HubOutcome) -> None:
    report.hubs.append(outcome)
    report.announced += outcome.announced
    report.unannounced += outcome.owed


def _complain(
    report: BuildReport, result: HubResult, outcome: HubOutcome, now: float, warn_after: float
) -> None:
    """A hub that was not told of everything is a warning; one owed for too long, an alert."""
    if result.error is None or outcome.owed_since is None:
        return
    age = now - outcome.owed_since
    if age >= warn_after:
        since = datetime.fromtimestamp(outcome.owed_since, UTC).strftime("%Y-%m-%d %H:%M UTC")
        report.alerts.append(
            RecordWarning(
                f"{outcome.owed} feed(s) not announced since {since} ({_duration(age)}; "
                f"hub_warn_after is {_duration(warn_after)}): {result.error}; "
                "the next build tries again",
                path=result.hub,
                field="websub",
            )
        )
        return
    report.warnings.append(
        RecordWarning(
            f"{outcome.owed} changed feed(s) not announced ({result.error}); "
            "the next build announces them",
            path=result.hub,
            field="websub",
        )
    )


def _duration(seconds: float) -> str:
    """``seconds`` as a person says it: 45 s, 12 min, 3 h 5 min, 2 days 4 h."""
    whole = max(int(seconds), 0)
    if whole < 120:
        return f"{whole} s"
    minutes, _ = divmod(whole, 60)
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h" if hours else f"{days} days"
