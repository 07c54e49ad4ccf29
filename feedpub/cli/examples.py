"""Two or three real examples per command, shown at the end of its ``--help``."""

from __future__ import annotations

import click

__all__ = ["EXAMPLES", "attach_examples"]


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
        (
            "feedpub build -q --wait 50 --metrics-file feedpub.prom",
            "from cron: silent unless something is wrong; metrics for node_exporter",
        ),
        ("FEEDPUB_OUT=/tmp/feeds feedpub build --dry-run", "preview another output folder"),
    ],
    "links": [
        ("feedpub links", "the <link> tags for the site feed, for a page's <head>"),
        ("feedpub links --category ekonomi", "a category's, for its section pages"),
        ("feedpub links --format json", "as data, for a CMS template"),
    ],
    "status": [
        ("feedpub status", "when the last build ran, how it ended, what it wrote"),
        ("feedpub status --max-age 2h", "a probe: exit 1 when no build succeeded for 2 hours"),
        ("feedpub status --json", "the same for tools"),
    ],
    "check": [
        ("feedpub check", "every problem in every record"),
        ("feedpub check --articles articles/2024", "just one folder"),
        ("feedpub check --json", "one JSON object on stdout, whatever the exit code"),
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
    "watch": [
        ("feedpub watch", "publish within seconds of each save (cron can stay, as a safety net)"),
        (
            "feedpub watch --print-trigger --source postgresql://db.example/news",
            "the SQL that makes PostgreSQL notify the watcher of each change",
        ),
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


def attach_examples(main: click.Group) -> None:
    """Put each command's examples at the end of its help."""
    main.epilog = _examples_epilog(EXAMPLES[""])
    for name, command in main.commands.items():
        if name in EXAMPLES:
            command.epilog = _examples_epilog(EXAMPLES[name])
