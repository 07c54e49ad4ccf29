"""The site config: known keys, their layers (flag > environment > ``feedpub.toml`` > default),
read into a frozen :class:`SiteConfig`.

Every key is one :class:`Key` entry in :data:`KEYS`: its TOML shape, default, environment
variable (``FEEDPUB_<NAME>``), whether it is a secret, and a one-line doc. The layering, the
parsing of environment values, ``feedpub config``, the commented ``feedpub.toml`` that
``feedpub init`` writes and the README table all read that one registry, so a new key is one
entry here and a :class:`SiteConfig` field of the same name (plus, when it needs more than
a type and bounds check, a few lines in :func:`parse_config`).
"""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from feedpub.digest import digest_text
from feedpub.errors import ConfigError
from feedpub.model import Author, Format
from feedpub.output.formats import FORMATS
from feedpub.output.meta import FeedMeta, Syndication, render_fingerprint
from feedpub.records.content import strip_xml_illegal
from feedpub.records.language import is_language_tag
from feedpub.records.periods import ARCHIVE_PERIODS
from feedpub.records.postgres_settings import PostgresSettings, postgres_settings
from feedpub.records.rules import RecordRules
from feedpub.records.sanitise import REFUSED_ATTRIBUTES, REFUSED_TAGS, HtmlAllow, check_allow
from feedpub.records.urls import is_email, is_http_url, redacted_url
from feedpub.records.zones import zone_from_spec

__all__ = [
    "KEYS",
    "Key",
    "ResolvedConfig",
    "Setting",
    "SiteConfig",
    "load_config",
    "parse_assignments",
    "parse_config",
    "parse_env_value",
    "redacted_url",
    "resolve_config",
    "with_source_url",
]

DEFAULT_LIMIT = 50
#: Entries per feed at most: beyond this a feed is an archive dump no reader wants in one
#: fetch, and a typo (an extra zero or ten) would make every build crawl.
MAX_LIMIT = 10_000

#: The shape of a key's value, in TOML and in its environment variable:
#: ``list`` is a list of strings, ``table`` a TOML table (a section), ``name-or-table``
#: a string or an inline table.
Kind = Literal["str", "int", "float", "bool", "list", "table", "name-or-table"]

#: Where a setting's value came from, strongest first.
SourceKind = Literal["flag", "env", "file", "default"]

ENV_PREFIX = "FEEDPUB_"

#: Feeds change every few minutes; without a header a CDN may keep one for a day.
DEFAULT_CACHE_CONTROL = "public, max-age=300"

#: The largest max_record_bytes: lxml refuses a text node of 10,000,000 bytes or more, so a
#: bigger body could never be published, and would be refused with no record named.
RECORD_BYTES_CEILING = 8_000_000


@dataclass(frozen=True)
class Key:
    """One known config key: everything the layers, the docs and ``feedpub init`` need."""

    name: str
    kind: Kind
    doc: str
    #: The value when no layer sets it; ``None``: unset (see ``default_text``).
    default: Any = None
    #: Said instead of the default where there is none to write (``"the link"``).
    default_text: str = ""
    required: bool = False
    #: A secret (a password, a token, a database URL): masked wherever it is shown.
    secret: bool = False
    #: A value to show in the commented ``feedpub.toml`` when there is no default to show.
    example: Any = None
    minimum: int | None = None
    maximum: int | None = None
    #: For a string-or-table key: a string from the environment or a flag, where the file has
    #: a table, fills this member of it (``--source URL`` keeps the ``[source]`` mapping).
    string_member: str | None = None
    #: What a value must be, for messages, where the kind alone says too little.
    shape: str = ""

    @property
    def env(self) -> str:
        """The environment variable that sets this key."""
        return ENV_PREFIX + self.name.upper()


#: Every key ``feedpub.toml`` may hold, in the order the docs and ``feedpub init`` show them.
KEYS: tuple[Key, ...] = (
    Key("title", "str", "the site's name", required=True, example="My News"),
    Key(
        "description",
        "str",
        "one line saying what the site publishes",
        required=True,
        example="Latest articles from My News.",
    ),
    Key(
        "link",
        "str",
        "the site's base URL (absolute http/https)",
        required=True,
        example="https://news.example.com/",
    ),
    Key("language", "str", "BCP 47 tag of the feeds, like `id` or `en-US`", example="en"),
    Key("timezone", "str", "IANA zone for dates written without an offset", default="UTC"),
    Key(
        "author",
        "name-or-table",
        "the feeds' author: a name, or `{ name, email, url }`",
        default_text="the site's title",
        shape="name string or a table with name/email/url",
        example={"name": "The Newsroom", "email": "desk@news.example.com"},
    ),
    Key(
        "limit",
        "int",
        f"entries per feed (1 to {MAX_LIMIT:,})",
        default=DEFAULT_LIMIT,
        minimum=1,
        maximum=MAX_LIMIT,
    ),
    Key("dayfirst", "bool", "`02/12/2022` is 2 December (false: February 12)", default=True),
    Key(
        "feeds_url",
        "str",
        "where the output folder is served, for the feeds' self links",
        default_text="the link",
        example="https://news.example.com/feeds/",
    ),
    Key(
        "timezone_abbreviations",
        "table",
        'extra zone abbreviations: `SGT = "Asia/Singapore"`, `IST = "+05:30"`',
        default={},
        example={"SGT": "Asia/Singapore"},
    ),
    Key(
        "html_allow",
        "table",
        "HTML a site trusts beyond the safe list: `tags`, `attributes.<tag>`, `hosts.<tag>`"
        " (see [Safe HTML](#safe-html))",
        default={},
        example={"tags": ["iframe"], "hosts": {"iframe": ["www.youtube-nocookie.com"]}},
    ),
    # What is published: formats, WebSub hubs, RFC 5005 archives (see _syndication).
    Key(
        "formats",
        "list",
        "the formats every feed is published in: `rss`, `atom`, `json` (at least one)",
        default=["rss", "atom", "json"],
    ),
    Key(
        "hubs",
        "list",
        "WebSub hubs told of every changed subscription document (http(s) URLs)",
        default=[],
        example=["https://pubsubhubbub.appspot.com/"],
    ),
    Key(
        "archive",
        "str",
        "RFC 5005 archive pages by `year`, `month`, `week` or `day`, or `off`",
        default="month",
    ),
    Key(
        "archive_categories",
        "bool",
        "archive category feeds too (false: only the site feed)",
        default=True,
    ),
    Key(
        "source",
        "name-or-table",
        "read records from PostgreSQL, not files: a `postgresql://` URL, or a `[source]` table"
        " (see [Past one machine](#past-one-machine))",
        default_text="the files under articles/",
        secret=True,
        string_member="url",
        shape="postgresql:// URL or a [source] table",
        example="postgresql://feedpub@db.example/news",
    ),
    Key(
        "max_bytes",
        "int",
        "the largest a subscription document may be, in bytes: one over it leaves out its"
        " oldest entries until it fits (archive pages keep them)",
        default_text="no cap",
        minimum=1024,
        example=524288,
    ),
    # Bounds on the work one record may cause: a record over one is that record's error.
    Key(
        "max_categories",
        "int",
        "categories one record may have",
        default=20,
        minimum=0,
        maximum=10_000,
    ),
    Key("max_authors", "int", "authors one record may have", default=20, minimum=0, maximum=10_000),
    Key(
        "max_attachments",
        "int",
        "attachments one record may have",
        default=20,
        minimum=0,
        maximum=10_000,
    ),
    Key(
        "max_record_bytes",
        "int",
        f"bytes one record's source may take (at most {RECORD_BYTES_CEILING:,})",
        default=1_000_000,
        minimum=1,
        maximum=RECORD_BYTES_CEILING,
    ),
    # Where feeds go, and the headers object storage gives them (see "Past one machine").
    Key(
        "out",
        "str",
        "where feeds go when `--out` is not given: a folder (relative to the config's) or"
        " `s3://bucket/prefix/`",
        default_text="public/ beside the config",
        example="s3://news-feeds/feeds/",
    ),
    Key(
        "s3_endpoint_url",
        "str",
        "an S3-compatible store's base URL (MinIO, Ceph, R2); credentials never go here",
        default_text="AWS, or AWS_ENDPOINT_URL",
        example="https://minio.example:9000",
    ),
    Key(
        "cache_control",
        "str",
        "the `Cache-Control` each object gets (object storage only)",
        default=DEFAULT_CACHE_CONTROL,
    ),
)

KEY_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}


@dataclass(frozen=True)
class SiteConfig:
    """Everything feedpub needs to know about the site it publishes for, one value per part.

    Each part owns its settings and their meaning: :class:`RecordRules` (how records are
    read), :class:`FeedMeta` and :class:`Syndication` (what is published, and how), the
    source's and the target's. This module only reads the layers and assembles them.
    """

    #: What decides a record's meaning once loaded.
    records: RecordRules
    #: What every document says about the site.
    feed: FeedMeta
    #: Formats, entries per feed, archives, size cap, WebSub hubs.
    syndication: Syndication
    #: Where feeds go when ``--out`` is not given: a folder (relative to the config's) or s3:// URL.
    out: str | None = None
    #: The S3-compatible store's base URL (MinIO, Ceph, R2); ``None``: AWS, or the environment's.
    s3_endpoint_url: str | None = None
    #: The ``Cache-Control`` every object gets (object storage only; a folder has no headers).
    cache_control: str = DEFAULT_CACHE_CONTROL
    #: Where the records come from when not from files: a database (``source``, ``[source]``).
    source: PostgresSettings | None = None

    @property
    def feeds_fingerprint(self) -> str:
        """What a published document depends on besides its entries (see :mod:`.output.meta`)."""
        return render_fingerprint(self.feed, self.syndication)

    @property
    def fingerprint(self) -> str:
        """A digest of what the records and the documents depend on, whichever layer each
        value came from (``feedpub config`` shows it; the state keeps one per part)."""
        return digest_text(self.records.fingerprint(), self.feeds_fingerprint)


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


# -- what is published ----------------------------------------------------------------

ALL_FORMATS: tuple[Format, ...] = tuple(FORMATS)


def _syndication(values: Mapping[str, Any], checker: _Checker) -> dict[str, Any]:
    """The output formats, WebSub hubs and archive keys, as :class:`SiteConfig` fields."""
    formats = values["formats"]
    if not formats:
        raise checker.error(f"needs at least one format (of {', '.join(ALL_FORMATS)})", "formats")
    for value in formats:
        if value not in ALL_FORMATS:
            raise checker.error(
                f"unknown format {value!r} (known: {', '.join(ALL_FORMATS)})", "formats"
            )
    for hub in values["hubs"]:
        if not is_http_url(hub):
            raise checker.error(f"each hub must be an absolute http(s) URL, not {hub!r}", "hubs")
    archive = values["archive"].strip()
    if archive not in (*ARCHIVE_PERIODS, "off"):
        raise checker.error(
            f"must be one of {', '.join(ARCHIVE_PERIODS)} or off, not {archive!r}", "archive"
        )
    return {
        "limit": values["limit"],
        "archive_categories": values["archive_categories"],
        "max_bytes": values["max_bytes"],
        "archive": None if archive == "off" else archive,
        # Listed in a fixed order, once each, whatever order the config names them in.
        "formats": tuple(f for f in ALL_FORMATS if f in formats),
        # A hub is told once per feed, even when the config lists it twice.
        "hubs": tuple(dict.fromkeys(values["hubs"])),
    }


# -- where the records come from ------------------------------------------------------


def with_source_url(config: SiteConfig, url: str) -> SiteConfig:
    """``config`` reading its records from the database at ``url`` (``--source``,
    ``FEEDPUB_SOURCE``), with the ``[source]`` table's mapping if it has one."""
    source = config.source or PostgresSettings(url=None)
    return replace(config, source=source.with_url(url))


# -- where feeds go ---------------------------------------------------------------------

#: Words that mark a key as a secret: those never live in feedpub.toml.
_SECRET_WORDS = ("secret", "password", "access_key", "token", "credential")


def refuse_credentials(raw: Mapping[str, Any], path: str) -> None:
    """A key that looks like a credential is refused by name, whatever it is: credentials
    come from the AWS environment variables, a profile or an instance role."""
    for key in raw:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ConfigError(
                "credentials never go in feedpub.toml: use AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, a profile (AWS_PROFILE) or an instance role",
                path=path,
                key=key,
            )


def _publishing(values: Mapping[str, Any], checker: _Checker) -> dict[str, Any]:
    """Where feeds go (``out``, ``s3_endpoint_url``) and the ``cache_control`` objects get.

    Errors name the layer each value came from (the file, a variable or a flag)."""
    from feedpub.output.target import endpoint_problem, is_s3_url, split_s3_url

    checked: dict[str, Any] = {}
    out = values["out"]
    if out is not None:
        out = out.strip()
        if is_s3_url(out):
            try:
                split_s3_url(out)
            except ValueError as exc:
                raise checker.error(str(exc), "out") from None
        elif "://" in out:
            raise checker.error(
                f"must be a folder or an s3://bucket/prefix/ URL, not {out!r}", "out"
            )
        checked["out"] = out
    endpoint = values["s3_endpoint_url"]
    if endpoint is not None:
        problem = endpoint_problem(endpoint.strip())
        if problem:
            raise checker.error(problem, "s3_endpoint_url")
        checked["s3_endpoint_url"] = endpoint.strip()
    cache_control = values["cache_control"]
    if cache_control is not None:
        if not (cache_control.isascii() and cache_control.isprintable()):
            raise checker.error(
                "must be printable ASCII, like 'public, max-age=300'", "cache_control"
            )
        checked["cache_control"] = cache_control.strip()
    return checked


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


# -- the HTML allow-list ---------------------------------------------------------------

_HTML_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9:_.-]*\Z")
_HOST_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?\Z")


def _names(value: Any, pattern: re.Pattern[str], path: str, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError("must be a list of names", path=path, key=key)
    names = tuple(sorted({v.strip().lower() for v in value}))
    what = "host name (no scheme or path)" if pattern is _HOST_NAME else "tag or attribute name"
    for name in names:
        if not pattern.match(name):
            raise ConfigError(f"not a {what}: {name!r}", path=path, key=key)
    return names


def _html_allow(table: Mapping[str, Any] | None, path: str) -> HtmlAllow:
    """``[html_allow]``: tags, attributes per tag and hosts per tag a site trusts in bodies."""
    if not table:
        return HtmlAllow()
    unknown = set(table) - {"tags", "attributes", "hosts"}
    if unknown:
        raise ConfigError(
            "unknown key (known: tags, attributes, hosts)",
            path=path,
            key=f"html_allow.{sorted(unknown)[0]}",
        )
    tags = _names(table.get("tags", []), _HTML_NAME, path, "html_allow.tags")
    refused = sorted(set(tags) & REFUSED_TAGS)
    if refused:
        raise ConfigError(
            f"{refused[0]} cannot be allowed: nothing makes it safe in a feed",
            path=path,
            key="html_allow.tags",
        )
    per_tag = {}
    for section in ("attributes", "hosts"):
        value = table.get(section, {})
        if not isinstance(value, dict):
            raise ConfigError(
                "must be a table of tag = [names]", path=path, key=f"html_allow.{section}"
            )
        pattern = _ATTRIBUTE_NAME if section == "attributes" else _HOST_NAME
        per_tag[section] = tuple(
            (tag.lower(), _names(names, pattern, path, f"html_allow.{section}.{tag}"))
            for tag, names in sorted(value.items())
        )
    for tag, names in per_tag["attributes"]:
        bad = [n for n in names if n.startswith("on") or n in REFUSED_ATTRIBUTES]
        if bad:
            raise ConfigError(
                f"{bad[0]} cannot be allowed: it runs code or restyles the reader's page",
                path=path,
                key=f"html_allow.attributes.{tag}",
            )
    allow = HtmlAllow(tags=tags, attributes=per_tag["attributes"], hosts=per_tag["hosts"])
    problem = check_allow(allow)
    if problem:
        raise ConfigError(problem, path=path, key="html_allow")
    return allow


# -- layering -----------------------------------------------------------------------------


def unknown_key_reason(name: str, known: list[str]) -> str:
    """``unknown key`` and, when one is close, the key that was probably meant."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (known keys: {', '.join(sorted(known))})"


def _read_toml(path: Path) -> dict[str, Any]:
    shown = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        folder = "" if path.parent == Path() else f" {path.parent}"
        raise ConfigError(
            f"config file not found (run `feedpub init{folder}` to create one, "
            "or pass --config FILE)",
            path=shown,
        ) from None
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


def check_known_keys(raw: Mapping[str, Any], path: str) -> None:
    """Raise :class:`ConfigError` for the first unknown key, suggesting the closest known one
    (a key that looks like a credential is told where credentials go instead)."""
    refuse_credentials(raw, path)
    unknown = sorted(set(raw) - set(KEY_BY_NAME))
    if unknown:
        raise ConfigError(
            unknown_key_reason(unknown[0], list(KEY_BY_NAME)), path=path, key=unknown[0]
        )


# -- checking -----------------------------------------------------------------------------


class _Checker:
    """Type and value checks, with errors naming the layer each value came from."""

    def __init__(self, path: str, sources: Mapping[str, Source]) -> None:
        self.path = path
        self.sources = sources

    def error(self, reason: str, key: str) -> ConfigError:
        top = key.split(".", 1)[0]
        source = self.sources.get(top)
        if source is not None and source.kind == "env":
            return ConfigError(reason, path="environment", key=f"{source.name} ({key})")
        if source is not None and source.kind == "flag":
            return ConfigError(reason, path=source.name, key=key)
        return ConfigError(reason, path=self.path, key=key)

    def typed(self, key: Key, value: Any) -> Any:
        """``value`` if it has ``key``'s kind (and bounds), else a :class:`ConfigError`."""
        expected: dict[str, tuple[type, ...]] = {
            "str": (str,),
            "int": (int,),
            "float": (int, float),
            "bool": (bool,),
            "list": (list,),
            "table": (dict,),
            "name-or-table": (str, dict),
        }
        # bool is an int subclass: do not let `limit = true` pass as a number.
        if not isinstance(value, expected[key.kind]) or (
            key.kind in ("int", "float") and isinstance(value, bool)
        ):
            names = " or ".join(t.__name__ for t in expected[key.kind])
            if key.shape:
                names = key.shape
            raise self.error(f"must be a {names}, not {type(value).__name__} ({value!r})", key.name)
        checked: Any = value  # isinstance against a tuple of types narrows to object
        if isinstance(checked, str):
            self.text(checked, key.name)
        if key.kind == "list":
            for item in checked:
                if not isinstance(item, str):
                    raise self.error(f"must be a list of strings, not holding {item!r}", key.name)
                self.text(item, key.name)
        if key.kind == "int":
            if key.minimum is not None and checked < key.minimum:
                raise self.error(f"must be at least {key.minimum}, not {checked}", key.name)
            if key.maximum is not None and checked > key.maximum:
                raise self.error(f"must be at most {key.maximum:,}, not {checked}", key.name)
        return checked

    def text(self, value: str, key: str) -> str:
        if not value.strip():
            raise self.error("must not be empty", key)
        if strip_xml_illegal(value)[1]:
            raise self.error("holds a control character, which no feed can carry", key)
        return value

    def string(self, table: Mapping[str, Any], name: str, key: str) -> str | None:
        value = table.get(name)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(f"must be a str, not {type(value).__name__} ({value!r})", key)
        return self.text(value, key).strip()

    def url(self, value: str, key: str) -> str:
        if not is_http_url(value):
            raise self.error(f"must be an absolute http(s) URL, not {value!r}", key)
        return value if value.endswith("/") else value + "/"

    def zone(self, spec: str, key: str) -> tzinfo:
        try:
            return zone_from_spec(spec)
        except ValueError as exc:
            raise self.error(str(exc), key) from None

    def author(self, value: str | dict[str, Any] | None) -> Author | None:
        if value is None:
            return None
        if isinstance(value, str):
            return Author(name=value.strip())
        known = ["name", "email", "url"]
        for unknown in value:
            if unknown not in known:
                raise self.error(unknown_key_reason(unknown, known), f"author.{unknown}")
        name = self.string(value, "name", "author.name")
        if name is None:
            raise self.error("required key is missing (expected a str)", "author.name")
        email = self.string(value, "email", "author.email")
        if email is not None and not is_email(email):
            raise self.error("must be an email address", "author.email")
        url = self.string(value, "url", "author.url")
        if url is not None and not is_http_url(url):
            raise self.error(f"must be an absolute http(s) URL, not {url!r}", "author.url")
        return Author(name=name, email=email, url=url)


def parse_config(
    raw: Mapping[str, Any], path: str, *, sources: Mapping[str, Source] | None = None
) -> SiteConfig:
    """Turn a parsed TOML table (or layered values) into a :class:`SiteConfig`.

    Raises :class:`ConfigError` naming the key and, through ``sources``, the layer the bad
    value came from (the file at ``path`` when no source is given).
    """
    check_known_keys(raw, path)
    checker = _Checker(path, sources or {})
    values: dict[str, Any] = {}
    for key in KEYS:
        if key.name in raw:
            values[key.name] = checker.typed(key, raw[key.name])
        elif key.required:
            raise checker.error(f"required key is missing (expected a {key.kind})", key.name)
        else:
            values[key.name] = key.default
    link = checker.url(values["link"].strip(), "link")
    language = values["language"]
    if language is not None and not is_language_tag(language.strip()):
        raise checker.error(
            f"must be a BCP 47 language tag like 'id' or 'en-US', not {language!r}", "language"
        )
    zone_name = values["timezone"].strip()
    abbreviations: dict[str, tzinfo] = {}
    for name, spec in values["timezone_abbreviations"].items():
        where = f"timezone_abbreviations.{name}"
        if not isinstance(spec, str) or not name.isalpha():
            raise checker.error(
                "must map a letters-only abbreviation to an IANA zone or offset string", where
            )
        abbreviations[name.upper()] = checker.zone(spec, where)
    feeds_url = values["feeds_url"]
    zone = checker.zone(zone_name, "timezone")
    syndication = Syndication(**_syndication(values, checker))
    records = RecordRules(
        link=link,
        timezone=zone,
        timezone_name=zone_name,
        dayfirst=values["dayfirst"],
        abbreviations=abbreviations,
        archive=syndication.archive,
        max_categories=values["max_categories"],
        max_authors=values["max_authors"],
        max_attachments=values["max_attachments"],
        max_record_bytes=values["max_record_bytes"],
        html_allow=_html_allow(values["html_allow"], path),
    )
    feed = FeedMeta(
        title=values["title"].strip(),
        description=values["description"].strip(),
        link=link,
        feeds_url=checker.url(feeds_url.strip(), "feeds_url") if feeds_url else link,
        language=language.strip() if language else None,
        author=checker.author(values["author"]),
    )
    return SiteConfig(
        records=records,
        feed=feed,
        syndication=syndication,
        **_publishing(values, checker),
        source=postgres_settings(values["source"], path),
    )


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


def config_template(values: Mapping[str, Any], header: str = "") -> str:
    """A commented ``feedpub.toml``: every key with its doc and default; ``values`` are set.

    A key not in ``values`` is written commented out, with its default (or an example
    when it has none), so uncommenting it is a valid edit.
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
        target.append(f"# {key.doc}")
        target.append(f"# default: {default}; environment: {key.env}")
        if key.name in values:
            value, comment = values[key.name], ""
        else:
            has_default = key.default is not None and key.default != {}
            value = key.default if has_default else key.example
            comment = "# "
            if value is None:
                continue
        if key.kind == "table":
            target.append(f"{comment}[{key.name}]")
            target.extend(f"{comment}{_toml_key(k)} = {toml_value(v)}" for k, v in value.items())
        else:
            target.append(f"{comment}{key.name} = {toml_value(value)}")
    return "\n".join(lines + tables).lstrip("\n") + "\n"
