"""Settings as people see them: masked values, the README table, the commented template."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from feedpub.config.keys import KEYS, Key

# -- showing ------------------------------------------------------------------------------

MASK = "***"


def mask(value: Any, *, secret: bool = False) -> Any:
    """``value`` safe to print: a secret is masked, a URL's password is masked anywhere."""
    if isinstance(value, str):
        parts = urlsplit(value) if "://" in value else None
        if parts is not None and parts.password:
            netloc = parts.netloc.rsplit("@", 1)
            user = netloc[0].split(":", 1)[0]
            return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{netloc[1]}"))
        return MASK if secret else value
    if isinstance(value, Mapping):
        return {k: mask(v, secret=secret) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, secret=secret) for v in value]
    return MASK if secret and value is not None else value


def describe_default(key: Key) -> str:
    """The default as the docs say it."""
    if key.required:
        return "required"
    if key.default_text:
        return key.default_text
    if key.default is None:
        return "none"
    return toml_value(key.default) if key.default != {} else "none"


def settings_table() -> str:
    """The README's Markdown table of every key: default, environment variable, meaning.

    The README continues the table with the command-line options' rows.
    """
    lines = ["| setting | default | environment | meaning |", "|---|---|---|---|"]
    for key in KEYS:
        name = f"`[{key.name}]`" if key.kind == "table" else f"`{key.name}`"
        default = describe_default(key)
        default = default if default in ("required", "none") or key.default_text else f"`{default}`"
        secret = " (secret: masked when shown)" if key.secret else ""
        lines.append(f"| {name} | {default} | `{key.env}` | {key.doc}{secret} |")
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """``value`` written as a TOML value (inline tables for mappings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a TOML basic string, except that TOML forbids a raw DEL.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _toml_key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "").isalnum() and name.isascii()
    return name if bare else toml_value(name)


#: The line above a commented-out example value in the template: it is not the default.
EXAMPLE = "# example (not the default):"

_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def plain_doc(doc: str) -> str:
    """A key's doc without Markdown links: a README section's name is quoted, a URL kept."""

    def unlink(match: re.Match[str]) -> str:
        text, target = match.group(1), match.group(2)
        return f'"{text}" in the README' if target.startswith("#") else f"{text} ({target})"

    return _MARKDOWN_LINK.sub(unlink, doc)


def config_template(values: Mapping[str, Any], header: str = "") -> str:
    """A commented ``feedpub.toml``: every key with its doc and default; ``values`` are set.

    A key not in ``values`` is written commented out, with its default, so uncommenting it
    changes nothing; a key without one gets an example instead, under an ``EXAMPLE`` line so
    that nobody takes it for the default (uncommenting ``out = "s3://..."`` would publish to
    S3). The docs lose their Markdown links, which only make sense in the README.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    lines.append("# Every key can also come from the environment (FEEDPUB_<KEY>), which wins over")
    lines.append("# this file; `feedpub config` shows the effective settings and their sources.")
    tables: list[str] = []
    for key in KEYS:
        target = tables if key.kind == "table" else lines
        target.append("")
        default = describe_default(key)
        target.append(f"# {plain_doc(key.doc)}")
        target.append(f"# default: {default}; environment: {key.env}")
        if key.name in values:
            value, comment = values[key.name], ""
        else:
            has_default = key.default is not None and key.default != {}
            value = key.default if has_default else key.example
            comment = "# "
            if value is None:
                continue
            if not has_default:
                target.append(EXAMPLE)
        if key.kind == "table":
            target.append(f"{comment}[{key.name}]")
            target.extend(f"{comment}{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        else:
            target.append(f"{comment}{key.name} = {toml_value(value)}")
    return "\n".join(lines + tables).lstrip("\n") + "\n"
