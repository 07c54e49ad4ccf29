"""The ``feedpub`` command: a thin layer turning flags into library calls, errors into exit codes.

Exit codes: 0 all good; 1 some records or feeds were bad (the good ones were
still published unless --strict); 2 usage or config error; 75 another build
holds the lock (EX_TEMPFAIL: cron simply tries again next time).

Every option that a run may want from its environment has an ``envvar``
``FEEDPUB_<NAME>`` (see :func:`env_option`); config keys get theirs from
:data:`feedpub.config.KEYS`. Flags win over the environment, which wins over
``feedpub.toml``, which wins over the defaults.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from click.core import ParameterSource

from feedpub import hints, scaffold
from feedpub.config import (
    ENV_PREFIX,
    KEY_BY_NAME,
    KEYS,
    ResolvedConfig,
    SiteConfig,
    describe_default,
    parse_assignments,
    parse_config,
    resolve_config,
    toml_value,
    with_source_url,
)
from feedpub.errors import ConfigError, ExitCode, FeedpubError, RecordWarning
from feedpub.output.target import is_s3_url, split_s3_url
from feedpub.pipeline import BuildReport, build, check
from feedpub.pipeline.read import RECORDS_READ, Progress
from feedpub.version import __version__

__all__ = ["EXAMPLES", "main"]

#: Below this many record files a progress bar would only flicker.
PROGRESS_MIN_FILES = 5000


def _fail(error: FeedpubError) -> NoReturn:
    click.echo(f"feedpub: {error}", err=True)
    sys.exit(int(error.exit_code))


def _usage(message: str) -> NoReturn:
    click.echo(f"feedpub: {message}", err=True)
    sys.exit(int(ExitCode.USAGE))


def _resolve(path: Path, sets: tuple[str, ...]) -> ResolvedConfig:
    """The layered config of this run: --set flags, FEEDPUB_* variables, the file, defaults."""
    _warn_unknown_environment()
    try:
        return resolve_config(path, environ=os.environ, overrides=parse_assignments(sets))
    except FeedpubError as exc:
        _fail(exc)


def _config(path: Path, sets: tuple[str, ...], source: str | None = None) -> SiteConfig:
    """The run's config; ``--source URL`` replaces the source's URL (its mapping stays)."""
    config = _resolve(path, sets).config
    try:
        return with_source_url(config, source) if source else config
    except FeedpubError as exc:
        _fail(exc)


def _known_env_names() -> set[str]:
    """Every FEEDPUB_* variable some command or config key reads."""
    names = {key.env for key in KEYS}
    for command in main.commands.values():
        for param in command.params:
            if isinstance(param.envvar, str):
                names.add(param.envvar)
    return names


def _warn_unknown_environment() -> None:
    # A misspelt variable is something wrong even under -q: it silently does nothing.
    for line in hints.unknown_environment(os.environ, _known_env_names()):
        click.echo(line, err=True)


def _articles_dir(folder: Path, config: SiteConfig | None = None) -> Path:
    """The articles folder, which must exist unless the records come from a database."""
    if (config is None or config.source is None) and not folder.is_dir():
        _usage(
            f"{folder}: articles folder not found (pass --articles DIR, "
            "or run `feedpub init` to start a site)"
        )
    return folder


def _first_mistakes(articles_dir: Path, report: BuildReport) -> list[RecordWarning]:
    """Warnings that explain what was not read: stray files, or no records at all."""
    found = hints.stray_record_files(articles_dir)
    if report.records_read == 0 and not report.errors:
        found.append(hints.empty_articles_hint(articles_dir))
    return found


def _out(out: str | None, config: SiteConfig, config_path: Path) -> str | Path:
    """``--out`` (relative to here), else the config's ``out`` (relative to it), else public/."""
    if out is not None and is_s3_url(out):
        try:
            split_s3_url(out)
        except ValueError as exc:
            _usage(f"--out: {exc}")
        return out
    if out is not None:
        if Path(out).is_file():
            _usage(f"--out: {out} is a file, not a folder")
        return Path(out)
    if config.out is not None:
        return config.out if is_s3_url(config.out) else config_path.parent / config.out
    return config_path.parent / "public"


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


def _paths(
    config_path: Path, articles: Path | None, out: str | None, state: Path | None
) -> tuple[Path, Path, Path]:
    """The articles, output and state folders: as given, else beside the config."""
    base = config_path.parent
    return (
        articles if articles is not None else base / "articles",
        Path(out) if out is not None else base / "public",
        state if state is not None else base / ".feedpub",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedpub")
def main() -> None:
    """Publish RSS 2.0 and Atom 1.0 feeds from article records.

    Settings come from flags, then FEEDPUB_* environment variables, then
    feedpub.toml, then defaults; `feedpub config` shows which won.
    """


@main.command("build")
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
@env_option("--now", "now_text", metavar="ISO8601", help="The clock, for previews and tests.")
@env_option("--strict", is_flag=True, help="Publish nothing if any record or feed is bad.")
@env_option("--dry-run", is_flag=True, help="Do everything but write; list what would change.")
@env_option("--no-ping", is_flag=True, help="Do not notify the WebSub hubs (the next run will).")
@env_option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout.")
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
    now_text: str | None,
    strict: bool,
    dry_run: bool,
    no_ping: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
    sets: tuple[str, ...],
) -> None:
    """Build the feeds from the records and publish the valid ones."""
    config = _config(config_path, sets, source)
    articles_dir, _, state_dir = _paths(config_path, articles, None, state)
    _articles_dir(articles_dir, config)
    now = _parse_now(now_text)
    progress, finish = _progress_bar()
    try:
        report = build(
            articles_dir,
            _out(out, config, config_path),
            config,
            state_dir=state_dir,
            full=full,
            now=now,
            strict=strict,
            dry_run=dry_run,
            wait=wait,
            progress=progress,
            ping=not no_ping,
        )
    except FeedpubError as exc:
        _fail(exc)
    finally:
        finish()
    if not quiet and not as_json and config.source is None:
        # Only when the warnings are shown: the scan costs a second walk of the folder.
        report.warnings.extend(_first_mistakes(articles_dir, report))
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
@set_option
def check_command(
    articles: Path | None, source: str | None, config_path: Path, sets: tuple[str, ...]
) -> None:
    """Check the records only, reporting every problem; write nothing."""
    config = _config(config_path, sets, source)
    articles_dir = _articles_dir(_paths(config_path, articles, None, None)[0], config)
    try:
        report = check(articles_dir, config)
    except FeedpubError as exc:
        _fail(exc)
    if config.source is None:
        report.warnings.extend(_first_mistakes(articles_dir, report))
    for error in report.errors:
        click.echo(str(error), err=True)
    for warning in report.warnings:
        click.echo(str(warning), err=True)
    click.echo(f"feedpub: {report.records_read} records, {report.records_bad} bad", err=True)
    sys.exit(int(report.exit_code))


@main.command("validate")
@click.argument("sources", nargs=-1)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per finding; json: one JSON object for tools.",
)
@click.option("--strict", is_flag=True, help="Warnings fail the run too (exit 1).")
@click.option(
    "--rules", "show_rules", is_flag=True, help="List the rules (spec or advice) and exit."
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds a URL may take in all, headers and body.",
)
def validate_command(
    sources: tuple[str, ...], output_format: str, strict: bool, show_rules: bool, timeout: float
) -> None:
    """Validate RSS 2.0, Atom 1.0 or JSON Feed 1.1 documents: files, http(s) URLs, or - for
    standard input.

    Breaking a specification is an error; breaking publishing advice is a warning.
    Exit 1 when there are errors (or warnings, with --strict).
    """
    from feedpub.validate import RULES, validate_source

    if show_rules:
        rules = list(RULES.values())
        if output_format == "json":
            click.echo(json.dumps([vars(rule) for rule in rules], indent=2))
        else:
            width = max(len(rule.id) for rule in rules)
            for rule in rules:
                click.echo(f"{rule.id:<{width}}  {rule.kind:<6}  {rule.formats:<13}  {rule.checks}")
        return
    if not sources:
        _usage("validate: give a file, an http(s) URL or - (or --rules)")
    problems = []
    for source in sources:
        stdin = sys.stdin.buffer if source == "-" else None
        problems += validate_source(source, stdin=stdin, timeout=timeout)
    errors = sum(problem.level == "error" for problem in problems)
    warnings = len(problems) - errors
    if output_format == "json":
        found = [vars(problem) for problem in problems]
        summary = {"documents": len(sources), "errors": errors, "warnings": warnings}
        click.echo(json.dumps({**summary, "problems": found}, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(sources)} document(s): {errors} error(s), {warnings} warning(s)")
    failed = errors or (strict and warnings)
    sys.exit(int(ExitCode.PROBLEMS if failed else ExitCode.OK))


@main.command("serve")
@env_option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@env_option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@out_option
@env_option(
    "--build",
    "rebuild",
    is_flag=True,
    help="Build first, and again whenever a record or the config changes.",
)
@articles_option
@config_option
@state_option
@set_option
def serve_command(
    host: str,
    port: int,
    out: str | None,
    rebuild: bool,
    articles: Path | None,
    config_path: Path,
    state: Path | None,
    sets: tuple[str, ...],
) -> None:
    """Serve the feeds over HTTP, with the headers a web server should send, for previews."""
    from feedpub.serve import Rebuilder, feed_server, serve_forever

    articles_dir, out_dir, state_dir = _paths(config_path, articles, out, state)
    rebuilder = None
    if rebuild:
        _config(config_path, sets)  # a bad config is a usage error before anything listens

        def report_build(report: BuildReport) -> None:
            _print_problems(report, quiet=False)
            click.echo(_summary_line(report), err=True)

        rebuilder = Rebuilder(
            _articles_dir(articles_dir),
            config_path,
            out_dir,
            state_dir=state_dir,
            now=lambda: datetime.now(UTC),
            on_report=report_build,
            on_error=lambda error: click.echo(f"feedpub: {error}", err=True),
        )
        rebuilder.check()
    if not out_dir.is_dir():
        _usage(f"{out_dir}: output folder not found (run feedpub build first, or pass --build)")
    try:
        server = feed_server(out_dir, host, port)
    except OSError as exc:
        _usage(f"cannot listen on {host}:{port}: {exc.strerror or exc}")
    click.echo(
        f"feedpub: serving {out_dir} at http://{host}:{server.port}/ (Ctrl-C to stop)",
        err=True,
    )
    try:
        serve_forever(server, rebuilder)
    except KeyboardInterrupt:  # Ctrl-C is how a preview ends: no traceback, exit 0
        pass
    finally:
        server.server_close()


_SOURCE_NAMES = {
    ParameterSource.COMMANDLINE: "flag",
    ParameterSource.ENVIRONMENT: "env",
}


def _option_settings(ctx: click.Context) -> dict[str, dict[str, Any]]:
    """``build``'s options as a build run now would see them: value, and flag/env/default."""
    # A build context made here reads the environment exactly as `feedpub build` would.
    build_ctx = build_command.make_context("build", [], parent=ctx.parent)
    config_path: Path = ctx.params["config_path"]
    paths = dict(
        zip(
            ("articles", "out", "state"),
            _paths(config_path, ctx.params["articles"], ctx.params["out"], ctx.params["state"]),
            strict=True,
        )
    )
    shown: dict[str, dict[str, Any]] = {}
    for param in build_command.params:
        if not isinstance(param.envvar, str) or param.name is None:
            continue
        name = param.name
        own = ctx if name in ctx.params else build_ctx  # options `config` shares with `build`
        source = own.get_parameter_source(name)
        kind = _SOURCE_NAMES.get(source, "default") if source is not None else "default"
        value: Any = paths.get(name, own.params[name])
        origin = {"flag": param.opts[-1], "env": param.envvar}.get(kind, "")
        label = max(param.opts, key=len).lstrip("-")
        shown[label] = {
            "value": str(value) if isinstance(value, Path) else value,
            "source": kind,
            "from": origin,
        }
    return shown


@main.command("config")
@config_option
@articles_option
@out_option
@state_option
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON on stdout.")
@click.pass_context
def config_command(
    ctx: click.Context,
    config_path: Path,
    articles: Path | None,
    out: Path | None,
    state: Path | None,
    sets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show the effective settings and where each came from.

    Each config key and build option, with its source: flag, env (a FEEDPUB_*
    variable), file (feedpub.toml) or default. Secrets, such as the password
    in a database URL, are masked.
    """
    resolved = _resolve(config_path, sets)
    keys: dict[str, dict[str, Any]] = {}
    for setting in resolved.settings:
        keys[setting.key.name] = {
            "value": setting.shown(),
            "source": setting.source.kind,
            "from": setting.source.name,
        }
    options = _option_settings(ctx)
    if as_json:
        document = {
            "config_file": options.pop("config"),
            "keys": keys,
            "options": options,
            "fingerprint": resolved.config.fingerprint,
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    config_file = options.pop("config")
    origin = f" {config_file['from']}" if config_file["from"] else ""
    click.echo(f"config file: {config_file['value']} ({config_file['source']}{origin})")
    rows: list[tuple[str, str, str]] = []
    entries = [(name, item, True) for name, item in keys.items()]
    entries += [(name, item, False) for name, item in options.items()]
    for name, item, is_key in entries:
        value = item["value"]
        if value is None and is_key:
            text = f"({describe_default(KEY_BY_NAME[name])})"
        elif value is None:
            text = "(none)"
        elif isinstance(value, str) and not is_key:
            text = value  # a path: shown as the shell would take it
        else:
            text = toml_value(value)
        # The file is named once above; a variable or flag is named after its value.
        if item["source"] in ("env", "flag"):
            text += f"  ({item['from']})"
        rows.append((name, item["source"], text))
    width = max(len(name) for name, _, _ in rows)
    for name, source, text in rows:
        click.echo(f"{name:<{width}}  {source:<7}  {text}")


@main.command("init")
@click.argument(
    "directory", default=".", required=False, type=click.Path(path_type=Path, file_okay=False)
)
@click.option("--title", metavar="TITLE", help="The site's name [default: the folder's name].")
@click.option(
    "--link", metavar="URL", help=f"The site's base URL [default: {scaffold.PREVIEW_LINK}]."
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="IANA zone for dates without an offset [asked: the machine's; else UTC].",
)
@click.option(
    "--language", metavar="TAG", help="BCP 47 tag of the feeds, like id or en-US [default: none]."
)
@click.option("--description", help="One line about the site [default: from the title].")
@click.option("--force", is_flag=True, help="Overwrite feedpub.toml and the example record.")
@click.option(
    "--ask/--no-ask",
    default=None,
    help="Ask for what no flag gave, even when standard input is not a terminal "
    "[default: ask only on a terminal].",
)
@click.option("--now", "now_text", metavar="ISO8601", help="The example record's date.")
@click.pass_context
def init_command(
    ctx: click.Context,
    directory: Path,
    title: str | None,
    link: str | None,
    timezone: str | None,
    language: str | None,
    description: str | None,
    force: bool,
    ask: bool | None,
    now_text: str | None,
) -> None:
    """Start a site: a commented feedpub.toml and one example record.

    Writes DIRECTORY/feedpub.toml (every key, with its default) and
    DIRECTORY/articles/welcome.json, then prints the next two commands.
    Asks for the title, link, time zone and language when standard input is
    a terminal; never replaces a file unless --force.
    """
    now = _parse_now(now_text)
    base = scaffold.SiteAnswers.for_folder(directory)
    if ask is None:
        ask = sys.stdin.isatty()
    given = {"title": title, "link": link, "timezone": timezone, "language": language}
    if ask:
        # The machine's zone is only looked up to offer it; tests inject it through ctx.obj.
        zone_finder = (ctx.obj or {}).get("machine_zone", scaffold.machine_zone)
        defaults = {
            "title": base.title,
            "link": base.link,
            "timezone": zone_finder() or "UTC",
            "language": "",
        }
        for name, prompt in (
            ("title", "Site title"),
            ("link", "Site link (its base URL)"),
            ("timezone", "Time zone"),
            ("language", "Language (a BCP 47 tag like en or id; empty for none)"),
        ):
            if given[name] is None:
                given[name] = _ask(prompt, name, defaults[name])
    answers = scaffold.SiteAnswers(
        title=given["title"] or base.title,
        link=given["link"] or base.link,
        timezone=given["timezone"] or base.timezone,
        language=given["language"] or None,
        description=description,
    )
    try:
        site = scaffold.create_site(directory, answers, now=now, force=force)
    except ConfigError as exc:
        _usage(f"--{exc.key}: {exc.reason}" if exc.key else str(exc))
    except FeedpubError as exc:
        _fail(exc)
    click.echo("feedpub: wrote " + ", ".join(str(path) for path in site.written))
    if site.kept_articles:
        click.echo(f"feedpub: {directory / 'articles'} already holds records: no example added")
    click.echo("next:")
    for command in site.next_commands:
        click.echo(f"  {command}")


def _ask(prompt: str, name: str, default: str) -> str:
    """Prompt until the answer passes the config's own check of that key."""

    def check_answer(text: str) -> str:
        text = text.strip()
        if name == "language" and not text:
            return ""
        trial = {**scaffold.SiteAnswers(title="x").values(), name: text}
        try:
            parse_config(trial, "answer")
        except ConfigError as exc:
            raise click.BadParameter(exc.reason) from None
        return text

    answer: str = click.prompt(
        prompt, default=default, show_default=bool(default), value_proc=check_answer
    )
    return answer


#: Two or three real examples per command, shown at the end of its --help; a test runs
#: each one in a copy of the sample site, so keep them runnable there.
EXAMPLES: dict[str, list[tuple[str, str]]] = {
    "": [
        ("feedpub init news && cd news", "start a site"),
        ("feedpub build", "build the feeds"),
        ("feedpub config", "see the settings in force"),
    ],
    "build": [
        ("feedpub build", "build articles/ into public/"),
        ("feedpub build -q --wait 50", "from cron: silent unless something is wrong"),
        ("FEEDPUB_OUT=/tmp/feeds feedpub build --dry-run", "preview another output folder"),
    ],
    "check": [
        ("feedpub check", "every problem in every record"),
        ("feedpub check --articles articles/2024", "just one folder"),
    ],
    "validate": [
        ("feedpub validate public/rss.xml public/atom.xml", "the feeds a build wrote"),
        ("feedpub validate - < public/atom.xml", "a document on standard input"),
    ],
    "config": [
        ("feedpub config", "each setting and where it came from"),
        ("FEEDPUB_LIMIT=20 feedpub config --json", "as JSON, with an override"),
        ("feedpub config --set timezone=Asia/Jakarta", "try a value without editing the file"),
    ],
    "serve": [
        ("feedpub serve", "preview public/ at http://127.0.0.1:8000/"),
        ("feedpub serve --build --port 8080", "rebuild as records change, on another port"),
    ],
    "init": [
        ("feedpub init news", "a new site in news/ (asks on a terminal)"),
        (
            "feedpub init news --title 'Kabar Lampung' --link https://kabar.example/",
            "scripted: flags instead of questions",
        ),
        ("feedpub init --force --timezone Asia/Jakarta", "here, replacing feedpub.toml"),
    ],
}


def _examples_epilog(examples: list[tuple[str, str]]) -> str:
    # \b keeps click from re-wrapping the lines.
    lines = ["Examples:", "", "\b"]
    for command, what in examples:
        lines.append(f"  $ {command}")
        lines.append(f"    {what}")
    return "\n".join(lines)


def _attach_examples() -> None:
    main.epilog = _examples_epilog(EXAMPLES[""])
    for name, command in main.commands.items():
        if name in EXAMPLES:
            command.epilog = _examples_epilog(EXAMPLES[name])


_attach_examples()
