"""``feedpub config``: the effective settings of a run and where each came from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource

from feedpub.cli.app import main
from feedpub.cli.building import build_command
from feedpub.cli.common import (
    articles_option,
    config_option,
    out_option,
    resolve,
    set_option,
    source_option,
    state_option,
)
from feedpub.config import KEY_BY_NAME, describe_default, mask, toml_value
from feedpub.site import PATH_OPTIONS

__all__ = ["config_command"]

_SOURCE_NAMES = {
    ParameterSource.COMMANDLINE: "flag",
    ParameterSource.ENVIRONMENT: "env",
}


def _build_options(ctx: click.Context) -> dict[str, dict[str, Any]]:
    """``build``'s other options as a build run now would see them: value, and env/default."""
    # A build context made here reads the environment exactly as `feedpub build` would.
    build_ctx = build_command.make_context("build", [], parent=ctx.parent)
    shown: dict[str, dict[str, Any]] = {}
    for param in build_command.params:
        if not isinstance(param.envvar, str) or param.name is None:
            continue
        if param.name in (*PATH_OPTIONS, "config_path"):
            continue  # the run's places: resolved with the config, shown from the run
        own = ctx if param.name in ctx.params else build_ctx
        source = own.get_parameter_source(param.name)
        kind = _SOURCE_NAMES.get(source, "default") if source is not None else "default"
        origin = {"flag": param.opts[-1], "env": param.envvar}.get(kind, "")
        label = max(param.opts, key=len).lstrip("-")
        value = mask(own.params[param.name])
        shown[label] = {"value": value, "source": kind, "from": origin}
    return shown


@main.command("config")
@config_option
@articles_option
@source_option
@out_option
@state_option
@set_option
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON on stdout.")
@click.pass_context
def config_command(
    ctx: click.Context,
    config_path: Path,
    articles: Path | None,
    source: str | None,
    out: str | None,
    state: Path | None,
    sets: tuple[str, ...],
    as_json: bool,
) -> None:
    """Show the effective settings and where each came from.

    Each config key, the run's places (articles, out, state, source) as `feedpub
    build` resolves them, and build's other options, with their source: flag, env
    (a FEEDPUB_* variable), file (feedpub.toml) or default. Secrets, such as the
    password in a database URL, are masked.
    """
    run = resolve(config_path, sets, articles=articles, out=out, state=state, source=source)
    keys: dict[str, dict[str, Any]] = {}
    options: dict[str, dict[str, Any]] = {}
    for name, value, origin in run.shown_keys():
        keys[name] = {"value": value, "source": origin.kind, "from": origin.name}
    for name, value, origin in run.shown_places():
        options[name] = {"value": value, "source": origin.kind, "from": origin.name}
    options.update(_build_options(ctx))
    config_source = ctx.get_parameter_source("config_path")
    config_kind = _SOURCE_NAMES.get(config_source, "default") if config_source else "default"
    config_file = {
        "value": str(config_path),
        "source": config_kind,
        "from": {"flag": "--config", "env": "FEEDPUB_CONFIG"}.get(config_kind, ""),
    }
    if as_json:
        document = {
            "config_file": config_file,
            "keys": keys,
            "options": options,
            "fingerprint": run.config.fingerprint,
            # What a change costs: a new records fingerprint parses every record again, a new
            # feeds fingerprint plans every feed again (and makes each document whose own part
            # of it changed: output/meta.py), a new headers one sends them again.
            "fingerprints": {
                "records": run.config.records.fingerprint(),
                "feeds": run.config.feeds_fingerprint,
                "headers": run.config.target.headers_fingerprint(),
            },
        }
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    origin_text = f" {config_file['from']}" if config_file["from"] else ""
    click.echo(f"config file: {config_file['value']} ({config_file['source']}{origin_text})")
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
    for name, source_kind, text in rows:
        click.echo(f"{name:<{width}}  {source_kind:<7}  {text}")
