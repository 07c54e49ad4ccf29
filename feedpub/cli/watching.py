"""``feedpub watch``: the build of ``feedpub build``, run again within a second or two of each
change (file events, or PostgreSQL's ``NOTIFY``), until SIGTERM or Ctrl-C.

The loop is the library's (:class:`feedpub.watch.Watcher`); this command resolves the run,
takes the lock through :func:`feedpub.records.changes.open_changes`, prints a line per build and
turns the first SIGTERM/SIGINT into a clean stop (the build under way finishes; a second signal
abandons it, and the atomic writes leave no temporary file).
"""

from __future__ import annotations

import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import click

import feedpub.pipeline.run as running
from feedpub.cli.app import main
from feedpub.cli.building import articles_found, print_problems, summary_line
from feedpub.cli.common import (
    articles_option,
    config_option,
    env_option,
    fail,
    now_value,
    out_option,
    resolve_checked,
    set_option,
    source_option,
    state_option,
    usage,
)
from feedpub.cli.cron import exit_with, write_metrics_file
from feedpub.errors import ExitCode, FeedpubError
from feedpub.pipeline import BuildReport
from feedpub.records.changes import DEFAULT_CHANNEL, notify_trigger, open_changes
from feedpub.records.urls import redacted_url
from feedpub.site import Run
from feedpub.watch import LONGEST_SETTLE, Watcher, WatchSettings

__all__ = ["watch_command"]


def _now_flag(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    try:
        return now_value(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _channel(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", value):
        raise click.BadParameter(f"{value!r}: lower-case letters, digits and _, at most 63")
    return value


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _clock(start: datetime | None) -> Callable[[], datetime]:
    """The builds' clock: the build's own (``pipeline.current_time``), or ``--now`` at start,
    running on from there."""
    if start is None:
        return lambda: running.current_time()
    began = time.monotonic()
    return lambda: start + timedelta(seconds=time.monotonic() - began)


@main.command("watch")
@articles_option
@source_option
@out_option
@config_option
@state_option
@env_option(
    "--quiet-period",
    type=click.FloatRange(min=0, max=LONGEST_SETTLE),
    metavar="SECONDS",
    default=0.1,
    show_default=True,
    help="Seconds without another change before a burst of saves is built (at most "
    "1s after the first).",
)
@env_option(
    "--recheck",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    default=300.0,
    show_default=True,
    help="Seconds between full checks when nothing was heard (catches a missed event).",
)
@env_option(
    "--wait",
    type=click.FloatRange(min=0),
    metavar="SECONDS",
    default=60.0,
    show_default=True,
    help="Seconds to wait at start for another build's lock before exiting 75.",
)
@env_option(
    "--now",
    metavar="ISO8601",
    callback=_now_flag,
    help="The clock at start (it runs on from there), for previews and tests.",
)
@env_option("--strict", is_flag=True, help="Publish nothing from a build where anything is bad.")
@env_option(
    "--paranoid",
    is_flag=True,
    help="Validate every document whole too, not only its entries and frame (slower).",
)
@env_option("--no-ping", is_flag=True, help="Do not notify the WebSub hubs.")
@env_option(
    "--metrics-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write Prometheus metrics here after each build and heartbeat.",
)
@env_option(
    "--channel",
    default=DEFAULT_CHANNEL,
    metavar="NAME",
    show_default=True,
    callback=_channel,
    help="PostgreSQL: the NOTIFY channel to listen on (the trigger's).",
)
@click.option(
    "--print-trigger",
    is_flag=True,
    help="PostgreSQL: print the SQL of the trigger that notifies the watcher, and exit.",
)
@env_option("-q", "--quiet", is_flag=True, help="Print nothing unless something is wrong.")
@env_option("-v", "--verbose", is_flag=True, help="Print a line per feed written, and why.")
@set_option
def watch_command(
    articles: Path | None,
    source: str | None,
    out: str | None,
    config_path: Path,
    state: Path | None,
    quiet_period: float,
    recheck: float,
    wait: float,
    now: datetime | None,
    strict: bool,
    paranoid: bool,
    no_ping: bool,
    metrics_file: Path | None,
    channel: str,
    print_trigger: bool,
    quiet: bool,
    verbose: bool,
    sets: tuple[str, ...],
) -> None:
    """Publish within seconds of each change: build now, then again whenever a record is
    saved (file events, or PostgreSQL's NOTIFY) or a scheduled entry falls due, holding the
    build lock (cron exits 75 meanwhile) until SIGTERM or Ctrl-C."""
    try:
        run = articles_found(
            resolve_checked(
                config_path, sets, articles=articles, out=out, state=state, source=source
            )
        )
    except FeedpubError as exc:
        fail(exc)
    if print_trigger:
        if run.config.source is None:
            usage("--print-trigger: the records are files here; it is for a --source database")
        try:
            click.echo(notify_trigger(run.config.source, channel), nl=False)
        except FeedpubError as exc:
            fail(exc)
        exit_with(int(ExitCode.OK))
    clock = _clock(now)
    stop = threading.Event()
    abandon = threading.Event()

    def checkpoint() -> None:
        # The second signal's KeyboardInterrupt can land where Python swallows it (an at-fork
        # hook, a finaliser): the build then stops at its next record or document instead.
        if abandon.is_set():
            raise KeyboardInterrupt

    def log(line: str) -> None:
        click.echo(f"{_stamp(clock())} feedpub watch: {line}", err=True)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            abandon.set()
            raise KeyboardInterrupt  # the second: abandon the build under way
        stop.set()
        # Straight to the descriptor: the signal may land while stderr's buffer is in use.
        line = f"{_stamp(clock())} feedpub watch: {signal.Signals(signum).name}: stopping"
        os.write(2, (line + " (a build under way finishes first)\n").encode())

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    unraisable = sys.unraisablehook

    def swallowed(info: Any) -> None:
        # Where Python swallows the second signal's KeyboardInterrupt, it would print it as
        # "Exception ignored"; the checkpoint stops the build instead, so say nothing.
        if not isinstance(info.exc_value, KeyboardInterrupt):
            unraisable(info)

    sys.unraisablehook = swallowed
    try:
        code = _watch(
            run,
            clock,
            stop,
            log,
            WatchSettings(
                quiet=quiet_period,
                recheck=recheck,
                strict=strict,
                paranoid=paranoid,
                ping=not no_ping,
            ),
            checkpoint=checkpoint,
            wait=wait,
            channel=channel,
            metrics_file=metrics_file,
            quiet=quiet,
            verbose=verbose,
        )
    except KeyboardInterrupt:
        log("stopped; the build under way was abandoned (the next one redoes it)")
        code = 130
    finally:
        sys.unraisablehook = unraisable
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    exit_with(code)


def _watch(
    run: Run,
    clock: Callable[[], datetime],
    stop: threading.Event,
    log: Callable[[str], None],
    settings: WatchSettings,
    *,
    checkpoint: Callable[[], None],
    wait: float,
    channel: str,
    metrics_file: Path | None,
    quiet: bool,
    verbose: bool,
) -> int:
    """Hold the lock and watch until ``stop``; the exit code."""
    hubs = run.config.syndication.hubs

    def metrics() -> None:
        if metrics_file is not None:
            write_metrics_file(metrics_file, run.state_dir, clock(), hubs=hubs)

    def on_report(report: BuildReport, why: str, moment: datetime) -> None:
        print_problems(report, quiet)
        if verbose:
            for outcome in report.feeds:
                if outcome.action != "unchanged":
                    click.echo(f"{outcome.path}: {outcome.action} ({outcome.reason})", err=True)
        if not quiet or report.exit_code != ExitCode.OK:
            line = summary_line(report).removeprefix("feedpub: ")
            click.echo(f"{_stamp(moment)} feedpub watch: {why}: {line}", err=True)

    def on_error(error: FeedpubError, why: str, moment: datetime) -> None:
        click.echo(f"{_stamp(moment)} feedpub watch: {why}: {error}", err=True)

    try:
        with open_changes(
            run.articles_dir,
            run.state_dir,
            run.config.source,
            run.config.records,
            wait=wait,
            channel=channel,
            log=log,
        ) as changes:
            if not quiet:
                where = run.config.source.url if run.config.source else run.articles_dir
                log(f"watching {changes.kind} {_shown(where)}, holding the build lock")
            watcher = Watcher(
                run,
                changes,
                clock,
                stop,
                settings,
                on_report=on_report,
                on_error=on_error,
                on_beat=metrics,
                checkpoint=checkpoint,
            )
            builds = watcher.watch()
    except FeedpubError as exc:
        if not (quiet and exc.exit_code == ExitCode.LOCKED):
            click.echo(f"feedpub: {exc}", err=True)
        metrics()
        return int(exc.exit_code)
    metrics()
    if not quiet:
        log(f"stopped; builds run: {builds}")
    return int(ExitCode.OK)


def _shown(where: Any) -> str:
    return redacted_url(where) if isinstance(where, str) else str(where)
