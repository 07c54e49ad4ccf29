"""Every key ``feedpub.toml`` may hold: its TOML shape, default, environment variable
(``FEEDPUB_<NAME>``), whether it is a secret, and a one-line doc.

The layering, the parsing of environment values, ``feedpub config``, the commented
``feedpub.toml`` that ``feedpub init`` writes and the README table all read this one
registry, so a new key is one entry here (plus its check where the part that owns it
assembles its settings, in :mod:`.assemble`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from feedpub.errors import ConfigError
from feedpub.output.targets.settings import DEFAULT_CACHE_CONTROL
from feedpub.records.rules import RECORD_BYTES_CEILING

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
        "hub_timeout",
        "float",
        "seconds one build spends on all WebSub hubs together, every request, retry and pause"
        " inside (each request also ends after 10 s)",
        default=30.0,
    ),
    Key(
        "hub_warn_after",
        "float",
        "seconds a hub may be owed announcements before every build warns of it, even with `-q`",
        default=3600.0,
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
        "pages",
        "bool",
        "write pages for people: the directory of feeds (`index.html`) and a page behind each"
        " feed (`feed/`, `category/<term>/`)",
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


def unknown_key_reason(name: str, known: list[str]) -> str:
    """``unknown key`` and, when one is close, the key that was probably meant."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key{hint} (known keys: {', '.join(sorted(known))})"


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


def check_known_keys(raw: Mapping[str, Any], path: str) -> None:
    """Raise :class:`ConfigError` for the first unknown key, suggesting the closest known one
    (a key that looks like a credential is told where credentials go instead)."""
    refuse_credentials(raw, path)
    unknown = sorted(set(raw) - set(KEY_BY_NAME))
    if unknown:
        raise ConfigError(
            unknown_key_reason(unknown[0], list(KEY_BY_NAME)), path=path, key=unknown[0]
        )
