"""``feedpub init``: a commented feedpub.toml and one example record, asked or from flags."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from feedpub import scaffold
from feedpub.cli.app import main
from feedpub.cli.common import fail, parse_now, usage
from feedpub.config import parse_config
from feedpub.errors import ConfigError, FeedpubError

__all__ = ["init_command"]


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

    Writes DIRECTORY/feedpub.toml (every key, with its default or a marked example) and
    DIRECTORY/articles/welcome.json, then prints the next two commands.
    Asks for the title, link, time zone and language when standard input is
    a terminal; never replaces a file unless --force.
    """
    now = parse_now(now_text) or datetime.now(UTC)
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
        usage(f"--{exc.key}: {exc.reason}" if exc.key else str(exc))
    except FeedpubError as exc:
        fail(exc)
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
