"""Rendering and validating the planned feeds, in order, in worker processes when there are many.

Workers are forked after the articles are loaded, so they inherit them and
only small specs travel to them; each feed comes back as bytes and findings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from feedpub.errors import Problem
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.paths import FeedLinks
from feedpub.parallel import ordered_map
from feedpub.pipeline.plan import PlannedFeed

if TYPE_CHECKING:
    from feedpub.config import SiteConfig

__all__ = ["PARALLEL_MIN_FEEDS", "RenderedFeed", "render_feeds", "validate_feed"]

#: Below this many feeds to render, worker processes cost more than they save.
PARALLEL_MIN_FEEDS = 48
_GROUP = 8  # feeds per job

#: A feed to render, as sent to a worker: (term, format, path, rids of its entries, links).
_Spec = tuple[str | None, Format, str, list[int], FeedLinks]


@dataclass(frozen=True)
class RenderedFeed:
    """A planned feed rendered: its bytes and what validation found in them."""

    feed: PlannedFeed
    data: bytes
    problems: tuple[Problem, ...]

    @property
    def valid(self) -> bool:
        """True when validation found no error (warnings allowed)."""
        return not any(p.level == "error" for p in self.problems)


def _render_group(shared: dict[str, Any], specs: list[_Spec]) -> list[tuple[bytes, list[Problem]]]:
    """Render and validate a few feeds (one job) from the articles loaded before the fork."""
    # feedgen, lxml and the schemas load only when a feed is rendered, not on a no-change run.
    from feedpub.output.jsonfeed import render_json_feed
    from feedpub.output.render import render_feed

    config: SiteConfig = shared["config"]
    categories: dict[str, Category] = shared["categories"]
    articles: dict[int, Article] = shared["articles"]
    results = []
    for term, fmt, path, rids, links in specs:
        plan = FeedPlan(categories.get(term or ""), tuple(articles[rid] for rid in rids))
        data = (
            render_json_feed(plan, config, links)
            if fmt == "json"
            else render_feed(plan, config, fmt, links)
        )
        results.append((data, validate_feed(data, source=path)))
    return results


def validate_feed(data: bytes, source: str) -> list[Problem]:
    """Validate a rendered feed of any format: XML with :func:`feedpub.validate.validate_feed`,
    JSON Feed with the few checks of :func:`_check_json_feed`.

    The one place rendering asks for validation, so that a full JSON Feed validator in
    :mod:`feedpub.validate` can take over by changing this function alone.
    """
    if data.lstrip()[:1] == b"{":
        return _check_json_feed(data, source)
    from feedpub.validate import validate_feed as validate_xml

    return validate_xml(data, source=source)


_JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def _check_json_feed(data: bytes, source: str) -> list[Problem]:
    """The JSON Feed 1.1 members feedpub relies on: it parses, has the version, a title and
    items, and every item has a unique non-empty id, an absolute url if any, and a body."""
    problems: list[Problem] = []

    def error(pointer: str, rule: str, message: str) -> None:
        problems.append(Problem(source, None, "error", rule, message, pointer))

    try:
        feed = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        error("", "json", f"not JSON: {exc}")
        return problems
    if not isinstance(feed, dict):
        error("", "schema", "a JSON Feed is an object")
        return problems
    if feed.get("version") != _JSON_FEED_VERSION:
        error("/version", "schema", f"version must be {_JSON_FEED_VERSION!r}")
    if not isinstance(feed.get("title"), str) or not feed["title"]:
        error("/title", "schema", "title is required and must be a string")
    for key in ("home_page_url", "feed_url"):
        if key in feed and not _absolute(feed[key]):
            error(f"/{key}", "absolute-url", f"{key} must be an absolute http(s) URL")
    items = feed.get("items")
    if not isinstance(items, list):
        error("/items", "schema", "items is required and must be an array")
        return problems
    seen: set[str] = set()
    for index, item in enumerate(items):
        at = f"/items/{index}"
        if not isinstance(item, dict):
            error(at, "schema", "an item is an object")
            continue
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id:
            error(f"{at}/id", "schema", "id is required and must be a non-empty string")
        elif item_id in seen:
            error(f"{at}/id", "unique-id", f"id {item_id!r} is used by an earlier item")
        else:
            seen.add(item_id)
        if "url" in item and not _absolute(item["url"]):
            error(f"{at}/url", "absolute-url", "url must be an absolute http(s) URL")
        if not any(isinstance(item.get(k), str) for k in ("content_html", "content_text")):
            error(at, "schema", "an item needs content_html or content_text")
    return problems


def _absolute(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def render_feeds(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: dict[int, Article],
    feeds: list[PlannedFeed],
) -> Iterator[RenderedFeed]:
    """Render and validate ``feeds``, yielding each in order as it is done."""
    specs: list[_Spec] = [
        (f.term, f.fmt, f.path, [e.rid for e in f.entries], f.links) for f in feeds
    ]
    groups = [specs[i : i + _GROUP] for i in range(0, len(specs), _GROUP)]
    shared = {"config": config, "categories": categories, "articles": articles}
    done = 0
    for results in ordered_map(
        _render_group, groups, shared, min_jobs=-(-PARALLEL_MIN_FEEDS // _GROUP)
    ):
        for data, problems in results:
            yield RenderedFeed(feeds[done], data, tuple(problems))
            done += 1
