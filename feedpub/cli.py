"""The ``feedpub`` command: a thin layer turning flags into library calls, errors into exit codes.

Exit codes: 0 all good; 1 some records or feeds were bad (the good ones were
still published unless --strict); 2 usage or config error; 75 another build
holds the lock (EX_TEMPFAIL: cron simply tries again next time).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click

from feedpub.config import SiteConfig, load_config, with_source_url
from feedpub.errors import ExitCode, FeedpubError
from feedpub.pipeline import BuildReport, build, check
from feedpub.version import __version__

__all__ = ["main"]

#: Below this many record files a progress bar would only flicker.
PROGRESS_MIN_FILES = 5000


def _fail(error: FeedpubError) -> NoReturn:
    click.echo(f"feedpub: {error}", err=True)
    sys.exit(int(error.exit_code))


def _usage(message: str) -> NoReturn:
    click.echo(f"feedpub: {message}", err=True)
    sys.exit(int(ExitCode.USAGE))


def _config(path: Path, source: str | None = None) -> SiteConfig:
    try:
        config = load_config(path)
        return with_source_url(config, source) if source else config
    except FeedpubError as exc:
        _fail(exc)


def _articles_dir(articles: Path | None, config_path: Path, config: SiteConfig) -> Path:
    folder = articles if articles is not None else config_path.parent / "articles"
    if config.source is None and not folder.is_dir():
        _usage(f"{folder}: articles folder not found (pass --articles DIR)")
    return folder


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        _usage(f"--now: not an ISO 8601 date-time: {value!r}")
    if moment.tzinfo is None:
        _usage(f"--now: give an offset, like {value}+07:00 or {value}Z")
    return moment


def _print_problems(report: BuildReport, quiet: bool) -> None:
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
    if not quiet:
        for warning in report.warnings:
            click.echo(str(warning), err=True)
    if report.strict_withheld:
        click.echo(
            "feedpub: --strict: nothing was published because of the problems above", err=True
        )


def _summary_line(report: BuildReport) -> str:
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


def _progress_bar() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress callback drawing click's bar, only on a terminal; never in cron mail."""
    if not sys.stderr.isatty():
        return None, lambda: None
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if total < PROGRESS_MIN_FILES:
            return
        if bar is None:
            bar = click.progressbar(length=total, label="reading records", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)

    def finish() -> None:
        if bar is not None:
            bar.__exit__(None, None, None)

    return update, finish


config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("feedpub.toml"),
    show_default=True,
    help="Site config file.",
)
articles_option = click.option(
    "--articles",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder of article records [default: articles/ beside the config].",
)
source_option = click.option(
    "--source",
    envvar="FEEDPUB_SOURCE",
    metavar="URL",
    default=None,
    help="Read the records from this postgresql:// database instead of files"
    " [env: FEEDPUB_SOURCE; default: the config's source].",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """Publish RSS 2.0 and Atom 1.0 feeds from article records."""


@main.command("build")
@articles_option
@source_option
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Output folder [default: public/ beside the config].",
)
@config_option
@click.option(
    "--state",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Index and lock folder [default: .feedpub/ beside the config].",
)
@click.option("--full", is_flag=True, help="Ignore the index: re-read every record.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds to wait for another build's lock before exiting 75.",
)
@click.option("--now", "now_text", metavar="ISO8601", help="The clock, for previews and tests.")
@click.option("--strict", is_flag=True, help="Publish nothing if any record or feed is bad.")
@click.option("--dry-run", is_flag=True, help="Do everything but write; list what would change.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something is wrong.")
@click.option("-v", "--verbose", is_flag=True, help="Print a line per feed written, and why.")
def build_command(
    articles: Path | None,
    source: str | None,
    out: Path | None,
    config_path: Path,
    state: Path | None,
    full: bool,
    wait: float,
    now_text: str | None,
    strict: bool,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Build the feeds from the records and publish the valid ones."""
    config = _config(config_path, source)
    articles_dir = _articles_dir(articles, config_path, config)
    now = _parse_now(now_text)
    progress, finish = _progress_bar()
    try:
        report = build(
            articles_dir,
            out if out is not None else config_path.parent / "public",
            config,
            state_dir=state if state is not None else config_path.parent / ".feedpub",
            full=full,
            now=now,
            strict=strict,
            dry_run=dry_run,
            wait=wait,
            progress=progress,
        )
    except FeedpubError as exc:
        _fail(exc)
    finally:
        finish()
    _print_problems(report, quiet)
    if verbose:
        for outcome in report.feeds:
            if outcome.action != "unchanged":
                click.echo(f"{outcome.path}: {outcome.action} ({outcome.reason})", err=True)
    if dry_run and not as_json:
        _print_dry_run(report)
    if as_json:
        click.echo(json.dumps(report.summary(), ensure_ascii=False))
    elif not quiet or report.exit_code != ExitCode.OK:
        click.echo(_summary_line(report), err=True)
    sys.exit(int(report.exit_code))


@main.command("check")
@articles_option
@source_option
@config_option
def check_command(articles: Path | None, source: str | None, config_path: Path) -> None:
    """Check the records only, reporting every problem; write nothing."""
    config = _config(config_path, source)
    try:
        report = check(_articles_dir(articles, config_path, config), config)
    except FeedpubError as exc:
        _fail(exc)
    for error in report.errors:
        click.echo(str(error), err=True)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"feedpub: {report.records_read} records, {report.records_bad} bad", err=True)
    sys.exit(int(report.exit_code))


@main.command("validate")
@click.argument("sources", nargs=-1, required=True)
def validate_command(sources: tuple[str, ...]) -> None:
    """Validate RSS 2.0 or Atom 1.0 documents: files, http(s) URLs, or - for standard input."""
    from feedpub.validate import validate_source

    errors = warnings = 0
    for source in sources:
        stdin = sys.stdin.buffer if source == "-" else None
        for problem in validate_source(source, stdin=stdin):
            click.echo(str(problem))
            if problem.level == "error":
                errors += 1
            else:
                warnings += 1
    click.echo(f"{len(sources)} document(s): {errors} error(s), {warnings} warning(s)")
    sys.exit(int(ExitCode.PROBLEMS if errors else ExitCode.OK))
