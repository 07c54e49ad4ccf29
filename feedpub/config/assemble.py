"""The config's composition root: checked values from every layer, assembled into one frozen
:class:`SiteConfig` of each part's own settings (records, feeds, syndication, source, target).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from feedpub.config.keys import (
    KEYS,
    Key,
    check_known_keys,
    unknown_key_reason,
)
from feedpub.digest import digest_text
from feedpub.errors import ConfigError
from feedpub.model import Author, Format
from feedpub.output.formats import FORMATS
from feedpub.output.meta import (
    Announcing,
    FeedMeta,
    SettingProblem,
    Syndication,
    check_announcing,
    check_syndication,
    render_fingerprint,
)
from feedpub.output.pages import PageSettings
from feedpub.output.targets import out_problem
from feedpub.output.targets.settings import (
    TargetSettings,
    cache_control_problem,
    endpoint_problem,
)
from feedpub.records.allow_list import html_allow
from feedpub.records.content import strip_xml_illegal
from feedpub.records.language import is_language_tag
from feedpub.records.postgres_settings import PostgresSettings, postgres_settings
from feedpub.records.rules import RecordRules
from feedpub.records.urls import is_email, is_http_url
from feedpub.records.zones import zone_from_spec

if TYPE_CHECKING:
    from feedpub.config.layers import Source


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
    #: The target's own settings: the S3 endpoint, the headers objects get.
    target: TargetSettings = field(default_factory=TargetSettings)
    #: Where the records come from when not from files: a database (``source``, ``[source]``).
    source: PostgresSettings | None = None
    #: How long telling the WebSub hubs may take; when a hub owed too long is loud.
    announcing: Announcing = field(default_factory=Announcing)
    #: The pages for people beside the feeds: whether they are written, the zone they show.
    pages: PageSettings = field(default_factory=PageSettings)

    @property
    def feeds_fingerprint(self) -> str:
        """What a published document depends on besides its entries (see :mod:`.output.meta`)."""
        return render_fingerprint(self.feed, self.syndication)

    @property
    def published_fingerprint(self) -> str:
        """What everything published depends on besides the entries: the documents' settings
        and the pages' (a build whose last one had others plans again)."""
        return digest_text(self.feeds_fingerprint, self.pages.fingerprint())

    @property
    def fingerprint(self) -> str:
        """A digest of what the records and the documents depend on, whichever layer each
        value came from (``feedpub config`` shows it; the state keeps one per part)."""
        return digest_text(self.records.fingerprint(), self.feeds_fingerprint)


# -- what is published ----------------------------------------------------------------

ALL_FORMATS: tuple[Format, ...] = tuple(FORMATS)


def _syndication(values: Mapping[str, Any], checker: _Checker) -> Syndication:
    """The output formats, entries per feed, archives, size cap and hubs: checked by the
    part that owns them, with errors naming the layer each value came from."""
    try:
        return check_syndication(
            formats=values["formats"],
            hubs=values["hubs"],
            archive=values["archive"],
            limit=values["limit"],
            archive_categories=values["archive_categories"],
            max_bytes=values["max_bytes"],
        )
    except SettingProblem as problem:
        raise checker.error(problem.reason, problem.key) from None


def _announcing(values: Mapping[str, Any], checker: _Checker) -> Announcing:
    """The hubs' time bounds: checked by the part that owns them."""
    try:
        return check_announcing(
            hub_timeout=values["hub_timeout"], hub_warn_after=values["hub_warn_after"]
        )
    except SettingProblem as problem:
        raise checker.error(problem.reason, problem.key) from None


# -- where the records come from ------------------------------------------------------


def with_source_url(config: SiteConfig, url: str) -> SiteConfig:
    """``config`` reading its records from the database at ``url`` (``--source``,
    ``FEEDPUB_SOURCE``), with the ``[source]`` table's mapping if it has one."""
    source = config.source or PostgresSettings(url=None)
    return replace(config, source=source.with_url(url))


def _target(values: Mapping[str, Any], checker: _Checker) -> dict[str, Any]:
    """Where feeds go (``out``) and the target's own settings (``s3_endpoint_url``, the
    ``cache_control`` objects get), checked by the targets part.

    Errors name the layer each value came from (the file, a variable or a flag)."""
    out = values["out"]
    if out is not None:
        out = out.strip()
        problem = out_problem(out)
        if problem:
            raise checker.error(problem, "out")
    endpoint = values["s3_endpoint_url"]
    if endpoint is not None:
        endpoint = endpoint.strip()
        problem = endpoint_problem(endpoint)
        if problem:
            raise checker.error(problem, "s3_endpoint_url")
    cache_control = values["cache_control"]
    problem = cache_control_problem(cache_control)
    if problem:
        raise checker.error(problem, "cache_control")
    return {
        "out": out,
        "target": TargetSettings(endpoint_url=endpoint, cache_control=cache_control.strip()),
    }


# -- checking -----------------------------------------------------------------------------


#: What a value of each kind of key must be, as a message says it (TOML's words).
_EXPECTED = {
    "str": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "table": "a table",
    "name-or-table": "a string or a table",
}


def _toml_kind(value: Any) -> str:
    """What ``value`` is, in TOML's words, with the value itself: ``a string ('50')``."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    kind = {int: "a whole number", float: "a number", str: "a string", list: "a list"}.get(
        type(value)
    )
    if kind is None:
        kind = "a table" if isinstance(value, dict) else f"a {type(value).__name__}"
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return f"{kind} ({shown})"


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
            wanted = f"a {key.shape}" if key.shape else _EXPECTED[key.kind]
            raise self.error(f"must be {wanted}, not {_toml_kind(value)}", key.name)
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
            raise self.error(f"must be a string, not {_toml_kind(value)}", key)
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
            raise checker.error(
                f"required key is missing (expected {_EXPECTED[key.kind]})", key.name
            )
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
    syndication = _syndication(values, checker)
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
        html_allow=html_allow(values["html_allow"], path),
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
        announcing=_announcing(values, checker),
        pages=PageSettings(enabled=values["pages"], zone=zone, zone_name=zone_name),
        **_target(values, checker),
        source=postgres_settings(values["source"], path),
    )
