"""Which feeds a build plans: all of them, or (a build for a change, ``feedpub watch``'s) only
the site feed and the categories the changed records touch.

A feed shows the live records with its term, so one whose term no changed record had or has
shows nothing new, and its documents stand as the last build published them, as long as that
build finished with the same settings, headers and category labels, and no withheld entry has
fallen due since (time changes every feed): otherwise every feed is planned. The periodic
builds (cron, the watcher's start and recheck) always plan every feed and look at every
document, so whatever a narrow plan could not see is mended within ``--recheck``.
"""

from __future__ import annotations

from feedpub.digest import digest_text
from feedpub.model import Category
from feedpub.output.paths import CATEGORIES_FOLDER, feed_folder
from feedpub.state import BuildState, Footprint, LastBuild, PublishedFeed

__all__ = ["labels_digest", "narrow_scope", "published_in"]


def labels_digest(categories: dict[str, Category]) -> str:
    """A digest of the label and scheme shown for every term."""
    return digest_text(*(f"{c.term}\x1e{c.label}\x1e{c.scheme}" for c in categories.values()))


def narrow_scope(
    touched: Footprint | None,
    last: LastBuild | None,
    *,
    now: float,
    feeds: str,
    headers: str,
    labels: str,
) -> Footprint | None:
    """The category terms a build for a change plans (besides the site feed) and the archive
    periods whose pages may have changed, or ``None``: every feed and page. ``touched``: what
    the read stage found the changes touch (``None``: unknown)."""
    if touched is None or last is None or not last.complete or not last.clocked:
        return None
    if (last.feeds, last.headers, last.labels) != (feeds, headers, labels):
        return None
    if last.next_due is not None and now >= last.next_due:
        return None
    return touched


def published_in(state: BuildState, scope: Footprint | None) -> dict[str, PublishedFeed]:
    """What the last builds published of the feeds in ``scope`` (``None``: of every feed): the
    site feed's documents and pages, the directory, and those categories'."""
    if scope is None:
        return state.published()
    folders = ["", *(feed_folder(term) for term in sorted(scope.terms))]
    return state.published(folders, apart=CATEGORIES_FOLDER)
