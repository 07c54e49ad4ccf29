"""``feedpub status``: what the last builds did, read from the state folder, for operators and
probes; it never builds and never takes the lock, so it answers while a build runs."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from feedpub.cli.app import main
from feedpub.cli.common import (
    config_option,
    env_option,
    now_value,
    resolve_checked,
    set_option,
    state_option,
)
from feedpub.cli.cron import JsonCommand, emit_json, error_object, exit_with
from feedpub.errors import ExitCode, FeedpubError
from feedpub.pipeline import current_time
from feedpub.status import SiteStatus, parse_duration, read_status

__all__ = ["status_command"]

#: ``--max-age``: the last success is older, or there is none (Nagios: WARNING; any probe that
#: reads "non-zero is bad" sees it). A usage or config error is 2, as for every command.
STALE = ExitCode.PROBLEMS


def _duration(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _now(ctx: click.Context, param: click.Parameter, value: str | None) -> datetime | None:
    try:
        return now_value(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


#: The object ``status --json`` prints (with null values when it could not look).
STATUS_JSON = {**SiteStatus(0.0).summary(), "max_age_seconds": None, "stale": False}


@main.command("status", cls=JsonCommand, json_template=STATUS_JSON)
@config_option
@state_option
@click.option(
    "--max-age",
    metavar="DURATION",
    callback=_duration,
    help="Exit 1 when the last successful build ended longer ago than this (90s, 15m, 2h, "
    "1d), or there was none.",
)
@env_option("--now", metavar="ISO8601", callback=_now, help="The clock, for tests.")
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@set_option
def status_command(
    config_path: Path,
    state: Path | None,
    max_age: float | None,
    now: datetime | None,
    as_json: bool,
    sets: tuple[str, ...],
) -> None:
    """When the last build ran and how it ended, what it wrote, what the hubs are owed, and
    how old the last success is. Reads the state folder only: never builds, never waits."""
    try:
        run = resolve_checked(config_path, sets, state=state)
    except FeedpubError as exc:
        click.echo(f"feedpub: {exc}", err=True)
        if as_json:
            emit_json(error_object(STATUS_JSON, int(exc.exit_code), "failed", str(exc)))
        exit_with(int(exc.exit_code))
    found = read_status(run.state_dir, now or current_time())
    stale = max_age is not None and found.stale(max_age)
    if as_json:
        emit_json({**found.summary(), "max_age_seconds": max_age, "stale": stale})
    else:
        for line in found.lines():
            click.echo(line)
        if stale:
            age = found.success_age
            said = "no successful build recorded" if age is None else f"{age:.0f}s ago"
            click.echo(
                f"feedpub: STALE: last success {said}, over --max-age {max_age:g}s", err=True
            )
    exit_with(int(STALE if stale else ExitCode.OK))
