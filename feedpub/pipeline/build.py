"""A whole build: sync the index, plan the feeds, render, validate, publish, report.

A run costs what changed: only new or changed record files are parsed, only
feeds whose entries changed are rendered, and only bodies of entries a
rendered feed shows are read.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from feedpub.config import SiteConfig
from feedpub.errors import ExitCode, Problem, RecordError, RecordWarning
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.lock import build_lock
from feedpub.output.paths import FEED_FILES, feed_path
from feedpub.output.publish import remove_file, write_if_changed
from feedpub.parallel import ordered_map
from feedpub.state.index import Index, IndexedEntry, PublishedFeed, digest_bytes, digest_text
from feedpub.version import __version__

__all__ = ["BuildReport", "FeedOutcome", "build", "check"]

#: Called as progress(done, total) while record files are read.
Progress = Callable[[int, int], None]


@dataclass
class FeedOutcome:
    """What happened (or, in a dry run, would happen) to one output file, and why."""

    path: str
    action: str  # "written", "unchanged", "removed", "invalid", "withheld"
    reason: str = ""
    problems: list[Problem] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class BuildReport:
    """Everything a build did, for the CLI to print and for monitoring to read."""

    records_read: int = 0
    records_changed: int = 0
    records_bad: int = 0
    errors: list[RecordError] = field(default_factory=list)
    warnings: list[RecordWarning] = field(default_factory=list)
    feeds: list[FeedOutcome] = field(default_factory=list)
    elapsed: float = 0.0
    dry_run: bool = False
    strict_withheld: bool = False
    index_note: str | None = None

    def count(self, action: str) -> int:
        """How many output files ended (or would end) with ``action``."""
        return sum(1 for outcome in self.feeds if outcome.action == action)

    @property
    def exit_code(self) -> ExitCode:
        """0 when every record and feed was good, else 1."""
        if self.errors or self.count("invalid") or self.strict_withheld:
            return ExitCode.PROBLEMS
        return ExitCode.OK

    def summary(self) -> dict[str, object]:
        """The report as plain data (the ``--json`` output)."""
        return {
            "exit_code": int(self.exit_code),
            "dry_run": self.dry_run,
            "records_read": self.records_read,
            "records_changed": self.records_changed,
            "records_bad": self.records_bad,
            "feeds_written": self.count("written"),
            "feeds_unchanged": self.count("unchanged"),
            "feeds_removed": self.count("removed"),
            "feeds_invalid": self.count("invalid"),
            "feeds_withheld": self.count("withheld"),
            "errors": [str(e) for e in self.errors],
            "warnings": [str(w) for w in self.warnings],
            "index": self.index_note,
            "elapsed_seconds": round(self.elapsed, 3),
        }


@dataclass
class _Feed:
    """One output file being planned: its plan, format and what it should now hold."""

    path: str
    term: str | None
    fmt: Format
    entries: list[IndexedEntry]
    digest: str
    reason: str = ""
    data: bytes = b""
    problems: list[Problem] = field(default_factory=list)


@contextmanager
def _locked(state_dir: Path | None, wait: float) -> Iterator[None]:
    with build_lock(state_dir, wait) if state_dir is not None else nullcontext():
        yield


def build(
    articles_dir: Path,
    out_dir: Path,
    config: SiteConfig,
    *,
    state_dir: Path | None = None,
    full: bool = False,
    now: datetime | None = None,
    strict: bool = False,
    dry_run: bool = False,
    wait: float = 0.0,
    progress: Progress | None = None,
) -> BuildReport:
    """Build and publish every feed; return what happened.

    A bad record is reported and left out; an invalid feed is reported and not
    written (the previous file stays). With ``strict``, nothing is written when
    anything is bad. An entry published after ``now`` is withheld until it is
    due (``now=None``: nothing is withheld). ``state_dir`` keeps the index
    between runs (``None``: a fresh in-memory index, a full build) and holds
    the lock, waiting up to ``wait`` seconds for another build
    (:class:`~feedpub.errors.LockedError` after that). ``dry_run`` writes nothing.
    """
    started = time.perf_counter()

    def run(index: Index) -> BuildReport:
        return _build(index, articles_dir, out_dir, config, now, strict, dry_run, progress)

    with _locked(state_dir, wait):
        try:
            with Index(state_dir, config, __version__, scratch=dry_run) as index:
                if full:
                    index.reset()
                report = run(index)
        except sqlite3.DatabaseError as exc:
            # The index is only a cache: whatever broke it, start it again from the files.
            if not dry_run:
                Index.discard_at(state_dir)
            with Index(state_dir, config, __version__, scratch=dry_run) as index:
                report = run(index)
                report.index_note = f"unreadable ({exc}): rebuilt"
    report.elapsed = time.perf_counter() - started
    return report


def check(articles_dir: Path, config: SiteConfig) -> BuildReport:
    """Check every record (nothing is rendered or written); the report lists every problem."""
    started = time.perf_counter()
    with Index(None, config, __version__) as index:
        report = BuildReport(dry_run=True)
        _read_records(index, articles_dir, report, bodies=True)
    report.elapsed = time.perf_counter() - started
    return report


def _read_records(
    index: Index,
    articles_dir: Path,
    report: BuildReport,
    *,
    bodies: bool = False,
    progress: Progress | None = None,
) -> bool:
    """Sync the index with the records, noting their problems and counts; True if any changed."""
    index.show_paths_under(articles_dir)
    synced = index.sync(articles_dir, progress, bodies=bodies)
    report.errors.extend(synced.errors)
    report.errors.extend(index.duplicate_errors())
    report.warnings.extend(synced.warnings)
    report.warnings.extend(_label_warnings(index, refresh=synced.changed))
    report.records_bad = len({(e.path, e.line, e.record) for e in report.errors})
    # Records that failed to parse are not in the index: count them as read too.
    report.records_read = synced.records + len({(e.path, e.line, e.record) for e in synced.errors})
    report.records_changed = synced.records_changed
    return synced.changed


def _build(
    index: Index,
    articles_dir: Path,
    out_dir: Path,
    config: SiteConfig,
    now: datetime | None,
    strict: bool,
    dry_run: bool,
    progress: Progress | None,
) -> BuildReport:
    report = BuildReport(dry_run=dry_run, index_note=index.rebuilt_reason)
    changed = _read_records(index, articles_dir, report, progress=progress)
    now_ts = None if now is None else now.timestamp()
    previous = index.feed_state()
    if changed and not dry_run:
        index.set_meta("complete", "0")  # until every planned feed is published
    if not changed and _still_current(index, previous, out_dir, now_ts):
        # Nothing read changed, nothing fell due, every published file is as written: done.
        report.feeds = [FeedOutcome(path, "unchanged") for path in sorted(previous)]
        return report

    categories = {term: index.first_category(term) for term in index.terms()}
    feeds = _plan(index, config, categories, now_ts)
    to_render = [f for f in feeds if _needs_render(index, f, previous.get(f.path), out_dir)]
    id_changes = _id_changes(index, to_render)
    report.warnings.extend(id_changes)
    articles, body_warnings = _load_bodies(index, articles_dir, categories, to_render)
    report.warnings.extend(body_warnings)
    if strict and not report.errors and not id_changes:
        # --strict publishes all or nothing: prove every feed valid before writing any.
        for feed in _render(config, categories, articles, to_render):
            feed.data = b""
    invalid = any(p.level == "error" for f in to_render for p in f.problems)
    report.strict_withheld = strict and bool(report.errors or invalid or id_changes)

    outcomes = {}
    for feed in feeds:
        outcome = outcomes[feed.path] = _outcome(feed, previous.get(feed.path))
        report.feeds.append(outcome)
        if report.strict_withheld and feed.reason:
            outcome.action, outcome.reason = "withheld", "--strict and something was bad"
    if report.strict_withheld:
        return report
    for feed in _render(config, categories, articles, to_render):
        _publish(index, out_dir, feed, outcomes[feed.path], report, dry_run)
    stale = _stale(out_dir, previous, {f.path for f in feeds})
    for relative in stale:
        if not dry_run:
            remove_file(out_dir / relative, out_dir)
            index.forget_feed(relative)
        removed = _entry_ids(previous[relative].entries) if relative in previous else []
        report.feeds.append(
            FeedOutcome(relative, "removed", "its category has no entry now", removed=removed)
        )
    if not dry_run:
        index.remember_urls(
            {e.url: e.id for f in to_render for e in f.entries if e.url is not None}.items()
        )
        due = index.next_due(now_ts)
        # An invalid feed, or entries an edit during the build kept out: plan again next time.
        incomplete = report.count("invalid") or body_warnings
        index.set_meta("complete", "0" if incomplete else "1")
        index.set_meta("schedule", "off" if now_ts is None else "on")
        index.set_meta("next_due", "" if due is None else repr(due))
    return report


def _publish(
    index: Index,
    out_dir: Path,
    feed: _Feed,
    outcome: FeedOutcome,
    report: BuildReport,
    dry_run: bool,
) -> None:
    """Write one rendered feed if it is valid (and changed), and remember what was written."""
    report.warnings.extend(
        RecordWarning(p.message, path=feed.path, line=p.line, field=p.rule)
        for p in feed.problems
        if p.level == "warning"
    )
    if any(p.level == "error" for p in feed.problems):
        outcome.action, outcome.reason = "invalid", "failed validation; previous file kept"
        outcome.problems = feed.problems
    elif dry_run:
        outcome.action = "written" if _differs(out_dir / feed.path, feed.data) else "unchanged"
    else:
        written = write_if_changed(out_dir / feed.path, feed.data)
        outcome.action = "written" if written else "unchanged"
        stat = (out_dir / feed.path).stat()
        keys = json.dumps([f"{e.id}\x1e{e.digest}" for e in feed.entries])
        index.record_feed(
            feed.path,
            PublishedFeed(
                feed.digest, stat.st_size, stat.st_mtime_ns, digest_bytes(feed.data), keys
            ),
        )
    feed.data = b""  # one feed's bytes in memory at a time


def _still_current(
    index: Index,
    previous: dict[str, PublishedFeed],
    out_dir: Path,
    now_ts: float | None,
) -> bool:
    """True when the last build's feeds still stand: same schedule, nothing due, files untouched."""
    if not previous or index.get_meta("complete") != "1":
        return False  # the last build withheld or refused something: plan again
    if index.get_meta("schedule") != ("off" if now_ts is None else "on"):
        return False
    due = index.get_meta("next_due")
    if due and now_ts is not None and now_ts >= float(due):
        return False
    return all(_file_as_written(index, out_dir, path, feed) for path, feed in previous.items())


def _file_as_written(index: Index, out_dir: Path, path: str, feed: PublishedFeed) -> bool:
    """True when the published file still holds the bytes this build wrote there.

    Size and mtime decide at once; a file only touched since (a copy, a sync
    tool) is hashed, and on a match its new mtime is remembered."""
    try:
        stat = (out_dir / path).stat()
    except FileNotFoundError:
        return False
    if (stat.st_size, stat.st_mtime_ns) == (feed.size, feed.mtime_ns):
        return True
    if stat.st_size != feed.size or digest_bytes((out_dir / path).read_bytes()) != feed.sha:
        return False
    index.record_feed(path, feed._replace(mtime_ns=stat.st_mtime_ns))
    return True


#: Below this many feeds to render, worker processes cost more than they save.
PARALLEL_MIN_FEEDS = 48
_GROUP = 8  # feeds per job

#: A feed to render, as sent to a worker: (term, format, path, rids of its entries).
_Spec = tuple[str | None, Format, str, list[int]]


def _render_group(shared: dict[str, Any], specs: list[_Spec]) -> list[tuple[bytes, list[Problem]]]:
    """Render and validate a few feeds (one job) from the articles loaded before the fork."""
    # feedgen, lxml and the schemas load only when a feed is rendered, not on a no-change run.
    from feedpub.output.render import render_feed
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    categories: dict[str, Category] = shared["categories"]
    articles: dict[int, Article] = shared["articles"]
    results = []
    for term, fmt, path, rids in specs:
        plan = FeedPlan(categories.get(term or ""), tuple(articles[rid] for rid in rids))
        data = render_feed(plan, config, fmt)
        results.append((data, validate_feed(data, source=path, publishing=True)))
    return results


def _load_bodies(
    index: Index, articles_dir: Path, categories: dict[str, Category], feeds: list[_Feed]
) -> tuple[dict[int, Article], list[RecordWarning]]:
    """The full articles every feed to render shows, each read once, categories as shown.

    A record file changed between the index's read and this one (an editor saving during
    the build) loses its entries from this build's feeds, with a warning; those feeds are
    marked stale so that the next build, which sees the change, renders them again.
    """
    wanted = {e.rid: e for f in feeds for e in f.entries}
    loaded = index.load(articles_dir, wanted.values())
    articles = {rid: _with_canonical_categories(a, categories) for rid, a in loaded.items()}
    missing = {rid: e for rid, e in wanted.items() if rid not in articles}
    for feed in feeds:
        if any(e.rid in missing for e in feed.entries):
            feed.entries = [e for e in feed.entries if e.rid not in missing]
            feed.digest = "stale"
    warnings = [
        RecordWarning(
            "changed while this build read it; it is published by the next build",
            path=index.shown_path(entry.path),
            record=entry.id,
        )
        for entry in missing.values()
    ]
    return articles, warnings


def _render(
    config: SiteConfig,
    categories: dict[str, Category],
    articles: dict[int, Article],
    feeds: list[_Feed],
) -> Iterator[_Feed]:
    """Render and validate feeds in order, filling ``data`` and ``problems``; in worker
    processes (which inherit the loaded articles) when there are many."""
    specs: list[_Spec] = [(f.term, f.fmt, f.path, [e.rid for e in f.entries]) for f in feeds]
    groups = [specs[i : i + _GROUP] for i in range(0, len(specs), _GROUP)]
    shared = {"config": config, "categories": categories, "articles": articles}
    done = 0
    for results in ordered_map(
        _render_group, groups, shared, min_jobs=-(-PARALLEL_MIN_FEEDS // _GROUP)
    ):
        for data, problems in results:
            feed = feeds[done]
            feed.data, feed.problems = data, problems
            done += 1
            yield feed


def _plan(
    index: Index, config: SiteConfig, categories: dict[str, Category], now_ts: float | None
) -> list[_Feed]:
    """Every feed that should exist now, with its entries and the digest of what it shows."""
    # Entries show their categories' first labels: a label change re-renders every feed.
    labels = digest_text(*(f"{c.term}\x1e{c.label}\x1e{c.scheme}" for c in categories.values()))
    feeds: list[_Feed] = []
    formats: tuple[Format, ...] = ("rss", "atom")
    for term in [None, *categories]:
        entries = index.newest(term, config.limit, now_ts)
        if term is not None and not entries:
            continue  # a category with no live entry has no feed (an old one is removed)
        shown = categories[term] if term is not None else None
        for fmt in formats:
            digest = digest_text(
                __version__,
                config.fingerprint,
                fmt,
                term or "",
                labels,
                f"{shown.label}\x1e{shown.scheme}" if shown else "",
                *(f"{e.id}\x1e{e.digest}" for e in entries),
            )
            feeds.append(_Feed(feed_path(term, fmt), term, fmt, entries, digest))
    return feeds


def _needs_render(index: Index, feed: _Feed, before: PublishedFeed | None, out_dir: Path) -> bool:
    if before is None:
        feed.reason = "new feed"
        return True
    if before.digest != feed.digest:
        feed.reason = "entries, labels or config changed"
        return True
    if not (out_dir / feed.path).exists():
        feed.reason = "the published file was missing"
        return True
    if not _file_as_written(index, out_dir, feed.path, before):
        feed.reason = "the published file was changed by something else"
        return True
    return False


def _with_canonical_categories(article: Article, categories: dict[str, Category]) -> Article:
    shown = tuple(categories.get(c.term, c) for c in article.categories)
    return article if shown == article.categories else replace(article, categories=shown)


def _stale(out_dir: Path, previous: dict[str, PublishedFeed], planned: set[str]) -> list[str]:
    """Feed files no planned feed writes: known to the index, or left on disk under category/."""
    stale = {path for path in previous if path not in planned}
    folder = out_dir / "category"
    if folder.is_dir():
        for term_dir in folder.iterdir():
            for name in FEED_FILES.values():
                relative = f"category/{term_dir.name}/{name}"
                if relative not in planned and (term_dir / name).is_file():
                    stale.add(relative)
    return sorted(stale)


def _entry_ids(keys_json: str) -> list[str]:
    return [key.split("\x1e", 1)[0] for key in json.loads(keys_json)]


def _outcome(feed: _Feed, before: PublishedFeed | None) -> FeedOutcome:
    old: dict[str, str] = {}
    if before is not None:
        old = dict(key.split("\x1e", 1) for key in json.loads(before.entries))
    new = {e.id: e.digest for e in feed.entries}
    return FeedOutcome(
        feed.path,
        "unchanged",
        feed.reason,
        added=[i for i in new if i not in old],
        updated=[i for i in new if i in old and old[i] != new[i]],
        removed=[i for i in old if i not in new],
    )


def _differs(path: Path, data: bytes) -> bool:
    try:
        return path.read_bytes() != data
    except FileNotFoundError:
        return True


def _id_changes(index: Index, feeds: list[_Feed]) -> list[RecordWarning]:
    """Warn when a URL that was published before comes back under another id."""
    entries = {e.url: e for f in feeds for e in f.entries if e.url is not None}
    before = index.previous_ids(entries)
    return [
        RecordWarning(
            f"was published before as id {before[url]!r}, now as {entry.id!r}: readers will "
            "show this article twice (keep the old id, or accept the duplicate once)",
            path=index.shown_path(entry.path),
            record=entry.id,
            field="url",
        )
        for url, entry in sorted(entries.items())
        if url in before and before[url] != entry.id
    ]


def _label_warnings(index: Index, *, refresh: bool) -> list[RecordWarning]:
    """Warnings for labels merged under one term (recomputed only when records changed)."""
    stored = index.get_meta("label_warnings")
    if stored is not None and not refresh:
        return [RecordWarning(**fields) for fields in json.loads(stored)]
    warnings = [
        RecordWarning(
            f"label {later.label!r} has the same term {first.term!r} as {first.label!r}; "
            f"both are published as {first.label!r}",
            path=path,
            line=line,
            record=record_id,
            field="categories",
        )
        for first, later, path, line, record_id in index.label_conflicts()
    ]
    index.set_meta("label_warnings", json.dumps([vars(w) for w in warnings]))
    return warnings
