"""The layers a setting may come from (flag > environment > ``feedpub.toml`` > default), read
into values with their sources, then checked and assembled by :func:`.assemble.parse_config`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedpub.config.assemble import SiteConfig, parse_config
from feedpub.config.keys import (
    KEY_BY_NAME,
    KEYS,
    Key,
    SourceKind,
    check_known_keys,
    unknown_key_reason,
)
from feedpub.config.show import mask
from feedpub.errors import ConfigError


@dataclass(frozen=True)
class Source:
    """Where one setting came from: the layer and, for messages, its name there."""

    kind: SourceKind
    #: The file's path, the variable's name, or the flag.
    name: str


@dataclass(frozen=True)
class Setting:
    """One key's effective value and where it came from."""

    key: Key
    value: Any
    source: Source

    def shown(self) -> Any:
        """The value as it may be printed: secrets and URL passwords masked."""
        return mask(self.value, secret=self.key.secret)


@dataclass(frozen=True)
class ResolvedConfig:
    """The config a run uses, with every key's value and source (for ``feedpub config``)."""

    config: SiteConfig
    settings: tuple[Setting, ...]
    path: str


# -- values from the environment ----------------------------------------------------------

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_env_value(key: Key, text: str, *, origin: tuple[str, str] | None = None) -> Any:
    """Read an environment variable's text as ``key``'s kind; :class:`ConfigError` naming it.

    ints and floats as written; bools as true/false, 1/0, yes/no, on/off; lists as a JSON
    array or comma-separated; tables as a JSON object or ``NAME=VALUE`` pairs separated by
    commas; a ``name-or-table`` as a JSON object when it starts with ``{``, else a string.
    """
    text = text.strip()
    where, name = origin or ("environment", key.env)

    def bad(expected: str) -> ConfigError:
        return ConfigError(f"must be {expected}, not {text!r}", path=where, key=name)

    if key.kind == "str":
        return text
    if key.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise bad("a whole number") from None
    if key.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise bad("a number") from None
    if key.kind == "bool":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise bad("true or false (or 1/0, yes/no, on/off)")
    if key.kind == "list":
        if text.startswith("["):
            value = _json(text, where, name)
            if not isinstance(value, list):
                raise bad("a JSON array or comma-separated values")
            return value
        return [part.strip() for part in text.split(",") if part.strip()]
    if key.kind == "table":
        if text.startswith("{"):
            value = _json(text, where, name)
            if not isinstance(value, dict):
                raise bad("a JSON object or NAME=VALUE pairs")
            return value
        table: dict[str, str] = {}
        for pair in filter(None, (part.strip() for part in text.split(","))):
            name, sep, spec = pair.partition("=")
            if not sep or not name.strip():
                raise bad("a JSON object or NAME=VALUE pairs separated by commas")
            table[name.strip()] = spec.strip()
        return table
    # name-or-table
    return _json(text, where, name) if text.startswith("{") else text


def _json(text: str, where: str, name: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(f"not valid JSON: {exc}", path=where, key=name) from None


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` strings (the ``--set`` flags) as config values, each read by its key's kind
    as its environment variable would be; :class:`ConfigError` for an unknown key."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep:
            raise ConfigError("expected KEY=VALUE", path="--set", key=item)
        key = KEY_BY_NAME.get(name)
        if key is None:
            raise ConfigError(unknown_key_reason(name, list(KEY_BY_NAME)), path="--set", key=name)
        values[name] = parse_env_value(key, text, origin=("--set", name))
    return values


# -- layering -----------------------------------------------------------------------------


def _missing_config(path: Path) -> str:
    """Why ``path`` is missing and what to do: run from the site when this is its
    articles/ folder (a config waits one level up), else start a site."""
    here = path.absolute().parent
    above = here.parent / path.name
    if here.name == "articles" and above.is_file():
        return (
            f"config file not found: {here} is the articles folder of the site above; "
            f"run feedpub there (cd ..) or pass --config {os.path.relpath(above)}"
        )
    folder = "" if path.parent == Path() else f" {path.parent}"
    return (
        f"config file not found (run `feedpub init{folder}` to create one, or pass --config FILE)"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(_missing_config(path), path=shown) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", path=shown) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8",
            path=shown,
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=shown) from None
    except RecursionError:
        raise ConfigError("not valid TOML: nested too deeply", path=shown) from None


def _into_table(key: Key, value: Any, in_file: Mapping[str, Any]) -> Any:
    """``value`` for ``key``, a string merged into the file's table where the key says so."""
    table = in_file.get(key.name)
    if key.string_member and isinstance(value, str) and isinstance(table, dict):
        return {**table, key.string_member: value}
    return value


def resolve_config(
    path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> ResolvedConfig:
    """Read ``path`` and layer it: ``overrides`` (flags) > ``environ`` > the file > defaults.

    ``environ`` is usually ``os.environ``; only its ``FEEDPUB_<KEY>`` variables are read
    (an empty one counts as unset, as in click). ``overrides`` maps key names to values
    of the key's kind. Every problem is a :class:`ConfigError` naming the key and the
    layer it came from.
    """
    shown = str(path)
    overrides = overrides or {}
    environ = environ or {}
    for name in overrides:
        if name not in KEY_BY_NAME:
            raise ConfigError(unknown_key_reason(name, list(KEY_BY_NAME)), path="--set", key=name)
    in_file = _read_toml(path)
    check_known_keys(in_file, shown)
    values: dict[str, Any] = {}
    sources: dict[str, Source] = {}
    for key in KEYS:
        text = environ.get(key.env, "")
        if key.name in overrides:
            values[key.name] = _into_table(key, overrides[key.name], in_file)
            sources[key.name] = Source("flag", "--set")
        elif text.strip():
            values[key.name] = _into_table(key, parse_env_value(key, text), in_file)
            sources[key.name] = Source("env", key.env)
        elif key.name in in_file:
            values[key.name] = in_file[key.name]
            sources[key.name] = Source("file", shown)
        else:
            sources[key.name] = Source("default", "")
    config = parse_config(values, shown, sources=sources)
    settings = tuple(
        Setting(key, values.get(key.name, key.default), sources[key.name]) for key in KEYS
    )
    return ResolvedConfig(config=config, settings=settings, path=shown)


def load_config(
    path: Path,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> SiteConfig:
    """Read and check ``feedpub.toml``; every problem is a :class:`ConfigError` naming the key.

    Pass ``environ=os.environ`` to honour ``FEEDPUB_*`` variables as the command does.
    """
    return resolve_config(path, environ=environ, overrides=overrides).config
