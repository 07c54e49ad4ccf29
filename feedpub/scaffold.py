"""A new site in one step (``feedpub init``): a commented ``feedpub.toml`` and an example record.

The files are written only after every answer has been checked as the config
would check it, so the new site builds and validates at once; nothing that
exists is replaced unless asked (``force``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.config import config_template, parse_config
from feedpub.errors import InitError, PublishError
from feedpub.output.publish import write_if_changed
from feedpub.records import RECORD_SUFFIXES

__all__ = [
    "CONFIG_NAME",
    "EXAMPLE_RECORD",
    "NewSite",
    "SiteAnswers",
    "check_answers",
    "create_site",
    "machine_zone",
]

CONFIG_NAME = "feedpub.toml"
#: The example record, under ``articles/``.
EXAMPLE_RECORD = "welcome.json"
#: A link that works before the site has a home: where ``python3 -m http.server`` serves.
PREVIEW_LINK = "http://localhost:8000/"


@dataclass(frozen=True)
class SiteAnswers:
    """What ``feedpub init`` asks: the few keys a site must or usually sets."""

    title: str
    link: str = PREVIEW_LINK
    timezone: str = "UTC"
    language: str | None = None
    description: str | None = None

    def values(self) -> dict[str, Any]:
        """The config keys these answers set."""
        values: dict[str, Any] = {
            "title": self.title,
            "description": self.description or f"Latest articles from {self.title}.",
            "link": self.link,
            "timezone": self.timezone,
        }
        if self.language:
            values["language"] = self.language
        return values

    @classmethod
    def for_folder(cls, directory: Path) -> SiteAnswers:
        """The answers given when nothing is asked: the folder's name as the title."""
        name = directory.resolve().name.replace("-", " ").replace("_", " ").strip()
        return cls(title=name.title() if name else "News")


@dataclass(frozen=True)
class NewSite:
    """What ``create_site`` wrote and what to run next."""

    written: tuple[Path, ...]
    #: Set when articles/ already held records, so no example was added.
    kept_articles: bool
    next_commands: tuple[str, ...]


def check_answers(answers: SiteAnswers) -> None:
    """Raise :class:`~feedpub.errors.ConfigError` naming the key if an answer is not valid."""
    parse_config(answers.values(), "answers")


def machine_zone(
    environ: Mapping[str, str] | None = None,
    localtime: Path = Path("/etc/localtime"),
    timezone_file: Path = Path("/etc/timezone"),
) -> str | None:
    """The machine's IANA zone name (``TZ``, then ``/etc/timezone``, then ``/etc/localtime``).

    None when it cannot be told (a bare offset ``TZ``, a copied localtime file).
    """
    environ = os.environ if environ is None else environ
    candidates = [environ.get("TZ", "").lstrip(":")]
    with contextlib.suppress(OSError, UnicodeDecodeError):
        candidates.append(timezone_file.read_text(encoding="utf-8").strip())
    try:
        target = os.readlink(localtime)
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    except OSError:
        pass
    for name in candidates:
        if name and _is_zone_name(name):
            return name
    return None


def _is_zone_name(name: str) -> bool:
    from zoneinfo import ZoneInfo

    if name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def example_record(answers: SiteAnswers, now: datetime) -> dict[str, Any]:
    """The example article: published ``now`` in the site's zone, saying how to go on."""
    config = parse_config(answers.values(), "answers")
    published = now.astimezone(config.records.timezone).isoformat(timespec="seconds")
    return {
        "title": f"Welcome to {config.feed.title}",
        "date_published": published,
        "categories": ["Announcements"],
        "content_text": (
            f"This is the first article of {config.feed.title}.\n\n"
            "Each article is a JSON file under articles/ (a .json file holds one record or "
            "a list, a .jsonl file one record per line). Edit this one or add your own, then "
            "run `feedpub build` again: the feeds in public/ follow."
        ),
    }


def create_site(
    directory: Path, answers: SiteAnswers, *, now: datetime, force: bool = False
) -> NewSite:
    """Write ``feedpub.toml`` and ``articles/welcome.json`` in ``directory``.

    Raises :class:`InitError` (nothing written) when one of them exists and ``force``
    is not given, and :class:`~feedpub.errors.ConfigError` for a bad answer. An
    ``articles/`` folder that already holds records is left as it is.
    """
    check_answers(answers)
    config_path = directory / CONFIG_NAME
    articles = directory / "articles"
    record_path = articles / EXAMPLE_RECORD
    has_records = _holds_records(articles)
    targets = [config_path] if has_records else [config_path, record_path]
    if not force:
        for target in targets:
            if target.exists():
                raise InitError(
                    str(target), "already exists; pass --force to overwrite it (nothing written)"
                )
    if directory.exists() and not directory.is_dir():
        raise InitError(str(directory), "is not a folder")
    header = (
        "feedpub site config: `feedpub build` turns articles/ into feeds in public/.\n"
        "A key left commented out shows its default (uncommenting it changes nothing),\n"
        'unless it comes under "example (not the default)": that is a value to adapt.'
    )
    contents = {config_path: config_template(answers.values(), header).encode()}
    if not has_records:
        record = example_record(answers, now)
        contents[record_path] = (json.dumps(record, ensure_ascii=False, indent=2) + "\n").encode()
    written = []
    for target, data in contents.items():
        try:
            write_if_changed(target, data)
        except PublishError as exc:
            raise InitError(str(target), f"cannot write: {exc.reason}") from None
        written.append(target)
    return NewSite(
        written=tuple(written), kept_articles=has_records, next_commands=next_commands(directory)
    )


def next_commands(directory: Path) -> tuple[str, ...]:
    """The two commands that build the new site and check its feeds, run from here."""
    if directory.resolve() == Path.cwd().resolve():
        return ("feedpub build", "feedpub validate public/rss.xml public/atom.xml")
    config = shlex.quote(str(directory / CONFIG_NAME))
    feeds = " ".join(
        shlex.quote(str(directory / "public" / name)) for name in ("rss.xml", "atom.xml")
    )
    return (f"feedpub build --config {config}", f"feedpub validate {feeds}")


def _holds_records(articles: Path) -> bool:
    """True when ``articles`` already has a record file anywhere under it."""
    if not articles.is_dir():
        return False
    for _root, folders, files in os.walk(articles):
        folders[:] = [f for f in folders if not f.startswith(".")]
        if any(not f.startswith(".") and f.endswith(RECORD_SUFFIXES) for f in files):
            return True
    return False
