"""``feedpub links``: the autodiscovery ``<link>`` tags for a site's pages, from its config."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from feedpub.cli.app import main
from feedpub.cli.common import config_option, fail, resolve, set_option, state_option
from feedpub.discovery import feed_links, links_html
from feedpub.errors import FeedpubError

__all__ = ["links_command"]


@main.command("links")
@config_option
@state_option
@click.option(
    "--category",
    "term",
    metavar="TERM",
    help="A category's feeds (its term, as in category/TERM/) [default: the site's].",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["html", "json"]),
    default="html",
    show_default=True,
    help="html: <link> tags for a page's <head>; json: the same as data for a template.",
)
@set_option
def links_command(
    config_path: Path,
    state: Path | None,
    term: str | None,
    output_format: str,
    sets: tuple[str, ...],
) -> None:
    """Print the autodiscovery tags (RSS, Atom, JSON Feed) a site's pages should carry.

    For the site feed, or with --category for one category's feeds (known from the
    last build). Paste them into a template's <head>, or include the command's output.
    """
    run = resolve(config_path, sets, state=state)
    try:
        links = feed_links(run, term)
    except FeedpubError as exc:
        fail(exc)
    if output_format == "json":
        click.echo(json.dumps([asdict(link) for link in links], ensure_ascii=False, indent=2))
    else:
        click.echo(links_html(links), nl=False)
