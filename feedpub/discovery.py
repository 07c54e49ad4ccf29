"""Autodiscovery: the ``<link rel="alternate">`` tags a site's own pages carry so that browsers
and feed readers find its feeds, for the site feed or one category's (``feedpub links``).

Titles are the feeds' own (the site's title, or ``title: label`` for a category, as the
documents say), followed by the format as people know it; addresses are where the documents
are published (``feeds_url``), in the formats the config publishes.
"""

from __future__ import annotations

import sqlite3

from feedpub.errors import ConfigError
from feedpub.model import Category
from feedpub.output.autodiscovery import FeedLink, links_html, subscription_links
from feedpub.site import Run
from feedpub.state import BuildState

__all__ = ["FeedLink", "feed_links", "links_html"]


def feed_links(run: Run, term: str | None = None) -> list[FeedLink]:
    """The links to the site feed, or to category ``term``'s; a category is known from the
    build state (:class:`~feedpub.errors.ConfigError` when there is none yet, or no such one)."""
    category = None
    if term is not None:
        categories = _categories(run)
        if term not in categories:
            known = ", ".join(sorted(categories)) or "none yet"
            raise ConfigError(f"no category {term!r} (categories: {known})", path="--category")
        category = categories[term]
    return subscription_links(run.config.feed, run.config.syndication.formats, category)


def _categories(run: Run) -> dict[str, Category]:
    state = BuildState.reader(run.state_dir)
    if state is None:
        raise ConfigError(
            f"{run.state_dir}: no build state yet: run `feedpub build` first, then ask for a"
            " category's links",
            path="--category",
        )
    try:
        return state.categories()
    except sqlite3.DatabaseError:  # a cache of another version, or being rebuilt
        raise ConfigError(
            f"{run.state_dir}: the build state cannot be read now: run `feedpub build`",
            path="--category",
        ) from None
    finally:
        state.close()
