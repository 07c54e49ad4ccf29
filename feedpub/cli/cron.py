"""What scheduled runs rely on: one JSON object on stdout on every exit (click's own usage
errors included) when it is asked for, and the metrics file written however a build ends."""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from feedpub import status as site_status
from feedpub.errors import ExitCode, FeedpubError
from feedpub.state.history import BuildRecord

__all__ = ["JsonCommand", "emit_json", "error_object", "exit_with", "write_metrics_file"]


def emit_json(data: dict[str, Any]) -> None:
    """Print ``data`` as the command's one JSON object on stdout."""
    click.echo(json.dumps(data, ensure_ascii=False))


def error_object(template: dict[str, Any], code: int, outcome: str, message: str) -> dict[str, Any]:
    """``template`` (the object a command prints when it runs) for a run that stopped on an
    error: its numbers ``null`` (nothing was counted), its lists empty, and the error said."""
    data: dict[str, Any] = {}
    for key, value in template.items():
        if isinstance(value, list):
            data[key] = []
        elif isinstance(value, dict):
            data[key] = {}
        elif isinstance(value, bool):
            data[key] = value
        else:
            data[key] = None
    data.update(exit_code=code, outcome=outcome, error=message)
    return data


def exit_with(code: int) -> NoReturn:
    """Leave with ``code``."""
    raise SystemExit(code)


def _json_wanted(args: Sequence[str], flags: Iterable[str], env: str | None) -> bool:
    for flag in flags:
        name, _, value = flag.partition("=")
        if value:  # an option with a value: "--format=json", or "--format json"
            if flag in args or (name, value) in itertools.pairwise(args):
                return True
        elif name in args:
            return True
    value = os.environ.get(env, "") if env else ""
    return value.lower() in ("1", "true", "yes", "on")


class JsonCommand(click.Command):
    """A command whose JSON flag (``json_flags``: ``--json``, ``--format=json``) means one JSON
    object on stdout on every exit: click's usage errors (an unknown option, a bad value) are
    raised before the command runs, so they are caught here."""

    def __init__(
        self,
        *args: Any,
        json_flags: tuple[str, ...] = ("--json",),
        json_env: str | None = "FEEDPUB_JSON",
        json_template: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.json_flags = json_flags
        self.json_env = json_env
        #: The object the command prints when it runs, whose shape an error keeps.
        self.json_template = json_template or {}

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        given = list(args)
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            if _json_wanted(given, self.json_flags, self.json_env):
                template = self.json_template
                emit_json(
                    error_object(template, int(ExitCode.USAGE), "failed", exc.format_message())
                )
            raise


def write_metrics_file(
    path: Path,
    state_dir: Path,
    now: datetime,
    *,
    extra: BuildRecord | None = None,
    hubs: Iterable[str] = (),
) -> bool:
    """Write the metrics file from ``state_dir``'s history, with ``extra`` as the last run
    when the history cannot hold it (a run stopped before it reached its state folder). A
    file that cannot be written is one line on stderr, even under ``-q``; returns whether it
    was written."""
    found = site_status.read_status(state_dir, now)
    if extra is not None:
        found = found.with_run(extra)
    try:
        site_status.write_metrics(path, found, hubs)
    except FeedpubError as exc:
        click.echo(f"feedpub: --metrics-file: {exc}", err=True)
        return False
    return True
