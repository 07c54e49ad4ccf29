"""``feedpub validate``: anyone's RSS, Atom or JSON Feed documents against the specifications."""

from __future__ import annotations

import json
import sys

import click

from feedpub.cli.app import main
from feedpub.cli.common import usage
from feedpub.cli.cron import JsonCommand, emit_json, error_object
from feedpub.errors import ExitCode
from feedpub.pipeline.report import outcome_of

__all__ = ["validate_command"]


#: The object ``validate --format json`` prints; on a usage error, with null counts.
VALIDATE_JSON: dict[str, object] = {
    "exit_code": 0,
    "outcome": "ok",
    "error": None,
    "documents": 0,
    "errors": 0,
    "warnings": 0,
    "problems": [],
}


@main.command(
    "validate",
    cls=JsonCommand,
    json_flags=("--format=json",),
    json_env=None,
    json_template=VALIDATE_JSON,
)
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
        message = "validate: give a file, an http(s) URL or - (or --rules)"
        if output_format == "json":
            emit_json(error_object(VALIDATE_JSON, int(ExitCode.USAGE), "failed", message))
        usage(message)
    problems = []
    for source in sources:
        stdin = sys.stdin.buffer if source == "-" else None
        problems += validate_source(source, stdin=stdin, timeout=timeout)
    errors = sum(problem.level == "error" for problem in problems)
    warnings = len(problems) - errors
    failed = errors or (strict and warnings)
    code = ExitCode.PROBLEMS if failed else ExitCode.OK
    if output_format == "json":
        found = [vars(problem) for problem in problems]
        summary = {
            "exit_code": int(code),
            "outcome": outcome_of(code),
            "error": None,
            "documents": len(sources),
            "errors": errors,
            "warnings": warnings,
        }
        click.echo(json.dumps({**summary, "problems": found}, indent=2, ensure_ascii=False))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(sources)} document(s): {errors} error(s), {warnings} warning(s)")
    sys.exit(int(code))
