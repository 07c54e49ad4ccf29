"""``feedpub build`` and ``feedpub check``: a run's records to feeds, and what the run says."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import click

from feedpub import hints
from feedpub.cli.app import main
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
)
from feedpub.cli.cron import JsonCommand, emit_json, error_object, exit_with, write_metrics_file
from feedpub.errors import ConfigError, ExitCode, FeedpubError, RecordWarning
from feedpub.pipeline import BuildReport, current_time
from feedpub.pipeline.read import RECORDS_READ, Progress
from feedpub.pipeline.report import error_outcome
from feedpub.site import Run, build_site, check_site
from feedpub.state.history import BuildRecord

__all__ = ["build_command", "check_command", "print_problems", "summary_line"]

#: Below this many record files a progress bar would only flicker.
PROGRESS_MIN_FILES = 5000


def articles_checked(run: Run) -> Run:
    """``run``, whose articles folder must exist unless the records come from a database;
    else one line and exit 2."""
    try:
        return articles_found(run)
    except ConfigError as exc:
        fail(exc)


def articles_found(run: Run) -> Run:
    """As :func:`articles_checked`, raising the :class:`ConfigError` (exit 2) instead."""
    if run.reads_files and not run.articles_dir.is_dir():
        raise ConfigError(
            "articles folder not found (pass --articles DIR, "
            "or run `feedpub init` to start a site)",
            path=str(run.articles_dir),
        )
    return run


def _now_flag(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    """``--now`` read while the flags are parsed, so that a bad one is a usage error like any
    other (which ``--json`` reports as JSON)."""
    try:
        return now_value(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _first_mistakes(run: Run, report: BuildReport) -> list[RecordWarning]:
    """Warnings that explain what was not read: stray files, or no records at all."""
    found = hints.stray_record_files(run.articles_dir)
    if report.records_read == 0 and not report.errors:
        found.append(hints.empty_articles_hint(run.articles_dir))
    return found


def print_problems(report: BuildReport, quiet: bool) -> None:
    for error in report.errors:
        click.echo(str(error), err=True)
    for outcome in report.feeds:
        if outcome.action == "invalid":
            click.echo(
                f"{outcome.path}: invalid feed, not published (the previous file is kept)", err=True
            )
            for problem in outcome.problems:
                if problem.level == "error":
                    click.echo(f"  {problem}", err=True)
    for alert in report.alerts:  # shown under -q too: cron mail must carry them
        click.echo(str(alert), err=True)
    if not quiet:
        for warning in report.warnings:
            click.echo(str(warning), err=True)
        if report.index_note:  # why this build read every record again
            click.echo(f"feedpub: build cache {report.index_note}", err=True)
    if report.strict_withheld:
        click.echo(
            "feedpub: --strict: nothing was published because of the problems above", err=True
        )


def summary_line(report: BuildReport) -> str:
    would = "would be " if report.dry_run else ""
    return (
        f"feedpub: {report.records_read} records read, {report.records_changed} changed, "
        f"{report.records_bad} bad; feeds {would}written {report.count('written')}, "
        f"unchanged {report.count('unchanged')}, removed {report.count('removed')}, "
        f"invalid {report.count('invalid')}; {report.elapsed:.2f}s"
    )


def _print_dry_run(report: BuildReport) -> None:
    for outcome in report.feeds:
        if outcome.action in ("written", "removed", "invalid"):
            click.echo(f"{outcome.path}: would be {outcome.action}")
            for label, ids in (
                ("+", outcome.added),
                ("~", outcome.updated),
                ("-", outcome.removed),
            ):
                for entry_id in ids:
                    click.echo(f"  {label} {entry_id}")


def _progress_bar() -> tuple[Progress | None, Callable[[], None]]:
    """A progress callback drawing click's bars (count and ETA), only on a terminal; never in
    cron mail. Records read get a bar from PROGRESS_MIN_FILES files on; feeds written get
    one in a build that showed the records' bar (a large cold build)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    bar: Any = None
    shown: str | None = None

    def update(done: int, total: int, what: str = RECORDS_READ) -> None:
        nonlocal bar, shown
        if shown != what:
            if what == RECORDS_READ:
                if total < PROGRESS_MIN_FILES:
                    return
            elif shown is None:
                return  # no bar for the records: a build over before a bar would help
            finish()
            shown = what
            bar = click.progressbar(length=total, label=what, show_pos=True, file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    def finish() -> None:
        if bar is not None:
            bar.__exit__(None, None, None)

    return update, finish


#: The object ``build --json`` prints; a run stopped by an error prints it with null counts.
BUILD_JSON = BuildReport().summary()
#: The object ``check --json`` prints.
CHECK_JSON: dict[str, object] = {
    "exit_code": 0,
    "outcome": "ok",
    "error": None,
    "records_read": 0,
    "records_bad": 0,
    "errors": [],
    "warnings": [],
    "elapsed_seconds": 0.0,
}


def _stopped(
    error: FeedpubError,
    *,
    as_json: bool,
    quiet: bool,
    template: dict[str, object],
) -> NoReturn:
    """A run stopped by ``error``: its one line (none under ``-q`` when another build holds
    the lock, which is no failure: cron tries again) and the JSON object."""
    if not (quiet and error.exit_code == ExitCode.LOCKED):
        click.echo(f"feedpub: {error}", err=True)
    if as_json:
        emit_json(
            error_object(dict(template), int(error.exit_code), error_outcome(error), str(error))
        )
    exit_with(int(error.exit_code))


def _write_metrics(
    path: Path | None,
    state_dir: Path,
    clock: datetime,
    *,
    hubs: tuple[str, ...] = (),
    unrecorded: FeedpubError | None = None,
) -> None:
    """Write the metrics file, if one is asked for, from ``state_dir``'s history; a run
    stopped by ``unrecorded`` before it reached its state folder is added as the last run."""
    if path is None:
        return
    extra = None
    if unrecorded is not None:
        moment, code = clock.timestamp(), int(unrecorded.exit_code)
        extra = BuildRecord(0, moment, moment, error_outcome(unrecorded), code, str(unrecorded))
    write_metrics_file(path, state_dir, clock, extra=extra, hubs=hubs)


@main.command("build", cls=JsonCommand, json_template=BUILD_JSON)
@articles_option
@source_option
@out_option
@config_option
@state_option
@env_option("--full", is_flag=True, help="Ignore the index: re-read every record.")
@env_option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another build's lock before exiting 75.",
)
@env_option(
    "--now",
    metavar="ISO8601",
    callback=_now_flag,
    help="The clock, for previews and tests.",
)
@env_option("--strict", is_flag=True, help="Publish nothing if any record or feed is bad.")
@env_option(
    "--paranoid",
    is_flag=True,
    help="Validate every document whole too, not only its entries and frame (slower).",
)
@env_option("--dry-run", is_flag=True, help="Do everything but write; list what would change.")
@env_option("--no-ping", is_flag=True, help="Do not notify the WebSub hubs (the next run will).")
@env_option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout, whatever the exit code (see README).",
)
@env_option(
    "--metrics-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write Prometheus metrics here on every exit (node_exporter's textfile collector).",
)
@env_option("-q", "--quiet", is_flag=True, help="Print nothing unless something is wrong.")
@env_option("-v", "--verbose", is_flag=True, help="Print a line per feed written, and why.")
@set_option
def build_command(
    articles: Path | None,
    source: str | None,
    out: str | None,
    config_path: Path,
    state: Path | None,
    full: bool,
    wait: float,
    now: datetime | None,
    strict: bool,
    paranoid: bool,
    dry_run: bool,
    no_ping: bool,
    as_json: bool,
    metrics_file: Path | None,
    quiet: bool,
    verbose: bool,
    sets: tuple[str, ...],
) -> None:
    """Build the feeds from the records and publish the valid ones (RSS, Atom, JSON Feed)."""
    clock = now or current_time()
    stopped = partial(_stopped, as_json=as_json, quiet=quiet, template=BUILD_JSON)
    try:
        run = articles_found(
            resolve_checked(
                config_path, sets, articles=articles, out=out, state=state, source=source
            )
        )
    except FeedpubError as exc:
        # Not in the history (the run never reached its state folder): the metrics add it.
        guess = state if state is not None else config_path.parent / ".feedpub"
        _write_metrics(metrics_file, guess, clock, unrecorded=exc)
        stopped(exc)
    # The build records itself (a dry run does not: its metrics are the last real build's).
    recorded = partial(
        _write_metrics, metrics_file, run.state_dir, clock, hubs=run.config.syndication.hubs
    )
    progress, finish = _progress_bar()
    try:
        report = build_site(
            run,
            full=full,
            now=now,
            strict=strict,
            paranoid=paranoid,
            dry_run=dry_run,
            wait=wait,
            progress=progress,
            ping=not no_ping,
        )
    except FeedpubError as exc:
        finish()
        recorded()
        stopped(exc)
    finish()
    recorded()
    if not quiet and not as_json and run.reads_files:
        # Only when the warnings are shown: the scan costs a second walk of the folder.
        report.warnings.extend(_first_mistakes(run, report))
    print_problems(report, quiet)
    if verbose:
        for outcome in report.feeds:
            if outcome.action != "unchanged":
                click.echo(f"{outcome.path}: {outcome.action} ({outcome.reason})", err=True)
    if dry_run and not as_json:
        _print_dry_run(report)
    if as_json:
        emit_json(report.summary())
    elif not quiet or report.exit_code != ExitCode.OK:
        click.echo(summary_line(report), err=True)
    exit_with(int(report.exit_code))


@main.command("check", cls=JsonCommand, json_template=CHECK_JSON)
@articles_option
@source_option
@config_option
@env_option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print one JSON object on stdout, whatever the exit code (see README).",
)
@set_option
def check_command(
    articles: Path | None,
    source: str | None,
    config_path: Path,
    as_json: bool,
    sets: tuple[str, ...],
) -> None:
    """Check the records only, reporting every problem; write nothing."""
    stopped = partial(_stopped, as_json=as_json, quiet=False, template=CHECK_JSON)
    try:
        run = articles_found(resolve_checked(config_path, sets, articles=articles, source=source))
        report = check_site(run)
    except FeedpubError as exc:
        stopped(exc)
    if run.reads_files:
        report.warnings.extend(_first_mistakes(run, report))
    for error in report.errors:
        click.echo(str(error), err=True)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"feedpub: {report.records_read} records, {report.records_bad} bad", err=True)
    if as_json:
        summary = report.summary()
        emit_json({key: summary[key] for key in CHECK_JSON})
    exit_with(int(report.exit_code))
