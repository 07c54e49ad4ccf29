"""What every command shares: errors to messages and exit codes, the options a run is
resolved from, and the clock.

Exit codes: 0 all good; 1 some records or feeds were bad (the good ones were
still published unless --strict); 2 usage or config error; 75 another build
holds the lock (EX_TEMPFAIL: cron simply tries again next time).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from feedpub import hints
from feedpub.config import ENV_PREFIX, KEYS, Source
from feedpub.errors import ExitCode, FeedpubError
from feedpub.site import Run, resolve_run

__all__ = [
    "articles_option",
    "config_option",
    "env_option",
    "fail",
    "now_value",
    "out_option",
    "parse_now",
    "resolve",
    "resolve_checked",
    "set_option",
    "source_option",
    "state_option",
    "usage",
]


def fail(error: FeedpubError) -> NoReturn:
    """Print ``error`` as one line and exit with its code."""
    click.echo(f"feedpub: {error}", err=True)
    sys.exit(int(error.exit_code))


def usage(message: str) -> NoReturn:
    """Print a usage problem and exit 2."""
    click.echo(f"feedpub: {message}", err=True)
    sys.exit(int(ExitCode.USAGE))


_ORIGINS = {ParameterSource.COMMANDLINE: "flag", ParameterSource.ENVIRONMENT: "env"}


def resolve(
    config_path: Path,
    sets: tuple[str, ...],
    *,
    articles: Path | None = None,
    out: str | None = None,
    state: Path | None = None,
    source: str | None = None,
) -> Run:
    """This command's run: its flags and FEEDPUB_* variables over the config file, resolved
    by the library's one front door; a problem is a one-line error and exit 2."""
    try:
        return resolve_checked(
            config_path, sets, articles=articles, out=out, state=state, source=source
        )
    except FeedpubError as exc:
        fail(exc)


def resolve_checked(
    config_path: Path,
    sets: tuple[str, ...],
    *,
    articles: Path | None = None,
    out: str | None = None,
    state: Path | None = None,
    source: str | None = None,
) -> Run:
    """As :func:`resolve`, raising the :class:`FeedpubError` (for a command that reports it
    its own way, as JSON for instance)."""
    _warn_unknown_environment()
    ctx = click.get_current_context()
    origins: dict[str, Source] = {}
    for name in ("articles", "out", "state", "source"):
        kind = _ORIGINS.get(ctx.get_parameter_source(name) or ParameterSource.DEFAULT)
        if kind is not None:
            option = f"--{name}" if kind == "flag" else ENV_PREFIX + name.upper()
            origins[name] = Source("flag" if kind == "flag" else "env", option)
    return resolve_run(
        config_path,
        environ=os.environ,
        sets=sets,
        articles=articles,
        out=out,
        state=state,
        source=source,
        origins=origins,
    )


def _known_env_names() -> set[str]:
    """Every FEEDPUB_* variable some command or config key reads."""
    names = {key.env for key in KEYS}
    root = click.get_current_context().find_root().command
    commands = getattr(root, "commands", {})
    for command in commands.values():
        for param in command.params:
            if isinstance(param.envvar, str):
                names.add(param.envvar)
    return names


def _warn_unknown_environment() -> None:
    # A misspelt variable is something wrong even under -q: it silently does nothing.
    for line in hints.unknown_environment(os.environ, _known_env_names()):
        click.echo(line, err=True)


def parse_now(value: str | None) -> datetime | None:
    """``--now`` as an aware datetime; ``None``: the build's own clock."""
    try:
        return now_value(value)
    except ValueError as exc:
        usage(f"--now: {exc}")


def now_value(value: str | None) -> datetime | None:
    """``--now`` as an aware datetime (``None``: not given); :class:`ValueError` saying what
    is wrong with it."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO 8601 date-time: {value!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"give an offset, like {value}+07:00 or {value}Z")
    return moment


def env_option(*names: str, **kwargs: Any) -> Callable[[Any], Any]:
    """A click option that can also come from ``FEEDPUB_<NAME>`` (shown in --help)."""
    long_name = next(n for n in names if n.startswith("--") and "/" not in n)
    kwargs.setdefault("envvar", ENV_PREFIX + long_name[2:].replace("-", "_").upper())
    kwargs.setdefault("show_envvar", True)
    return click.option(*names, **kwargs)


config_option = env_option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("feedpub.toml"),
    show_default=True,
    help="Site config file.",
)
articles_option = env_option(
    "--articles",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of article records [default: articles/ beside the config].",
)
source_option = env_option(
    "--source",
    metavar="URL",
    default=None,
    help="Read the records from this postgresql:// database instead of files"
    " [default: the config's source].",
)
out_option = env_option(
    "--out",
    metavar="DIR|s3://BUCKET/PREFIX/",
    default=None,
    help="Output folder or object storage [default: the config's out, else public/ beside it].",
)
state_option = env_option(
    "--state",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Index and lock folder [default: .feedpub/ beside the config].",
)
set_option = click.option(
    "--set",
    "sets",
    metavar="KEY=VALUE",
    multiple=True,
    help="Set a config key for this run, over the environment and the file (repeatable).",
)
