"""A document put together where its frame is rendered (a render worker, or this process for
a few): its entries' bytes from the spool (``pipeline/entry_spool.py``) or cut from its own
published bytes (``pipeline/cutting.py``), its frame rendered and validated on its own, the two
joined; or the whole document rendered and validated from its records where that would leave a
doubt (see ``pipeline/rendering.py``). Into a folder it is written beside its path
(:func:`stage_valid`), and only its digest goes back.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from feedpub.digest import digest_bytes, digest_text
from feedpub.errors import Problem
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.assembly import Framing, KeptEntry
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FeedLinks
from feedpub.pipeline.entry_spool import spooled_file
from feedpub.pipeline.frames import Frames
from feedpub.records.parse import WantedRecord

if TYPE_CHECKING:
    from feedpub.config import SiteConfig
    from feedpub.output.publish import Staged
    from feedpub.output.targets import PublishTarget
    from feedpub.output.targets.base import Staging
    from feedpub.records.source import Loader

__all__ = [
    "DocSpec",
    "Done",
    "Facts",
    "make_document",
    "read_articles",
    "stage_valid",
    "with_canonical_categories",
]

#: A document to render, as rendered whole: (term, format, path, rids of its entries, links).
WholeSpec = tuple[str | None, Format, str, list[int], FeedLinks]
#: A document's entries cut from its published bytes: their digest, their framing's text, the
#: records of the entries cut (read only if it is rendered whole).
CutSpec = tuple[str, str, dict[int, WantedRecord]]
#: A document to render, as sent to a worker: a :data:`WholeSpec`, where each entry is in the
#: spool (job of entries, index in it; ``-1``, place among the published entries: cut from
#: them), the temporary file to write it to ("": none), its body digest, its entries' keys
#: (a subscription document's), what it cuts from its published bytes, its entries'
#: fingerprint and shape (an archive page's: ``PlannedFeed.fingerprint``, ``.shape``).
DocSpec = tuple[
    str | None,
    Format,
    str,
    list[int],
    FeedLinks,
    list[tuple[int, int]],
    str,
    str,
    tuple[str, ...],
    CutSpec | None,
    tuple[str, str],
]
#: A cut entry's stand-in date when its file changed (the document is rendered whole).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: What a document takes from an entry: its id, when it changed, whether it names its people
#: with ``dc:creator``, how to read its record again (``None``: this process has it).
Facts = tuple[str, datetime, bool, WantedRecord | None]
#: A document rendered: its bytes (empty when written beside its path), what validation found,
#: the entries left out for ``max_bytes``, its framing's text, where it was written, its
#: digest, the records left out because they changed since the read stage.
Done = tuple[bytes, list[Problem], int, str, "Staged | None", str, list[int]]


def with_canonical_categories(article: Article, categories: Mapping[str, Category]) -> Article:
    """``article`` with its categories as the site shows them (one label a term)."""
    shown = tuple(categories.get(c.term, c) for c in article.categories)
    return article if shown == article.categories else replace(article, categories=shown)


def read_articles(
    shared: dict[str, Any], rids: list[int], wanted: Mapping[int, WantedRecord]
) -> dict[int, Article]:
    """The articles of ``rids`` this process has, or reads now (the ``wanted`` records); a
    record changed since the read stage is left out."""
    have: Mapping[int, Article] = shared["articles"]
    found = {rid: have[rid] for rid in rids if rid in have}
    load: Loader | None = shared["load"]
    unread = [wanted[rid] for rid in rids if rid not in found and rid in wanted]
    if load is not None and unread:
        categories = shared["categories"]
        for rid, article in load(unread).items():
            found[rid] = with_canonical_categories(article, categories)
    return found


def make_document(shared: dict[str, Any], spec: DocSpec) -> Done:
    """One document: its frame rendered and validated on its own, around its entries' bytes
    from the spool (or cut from its published bytes); rendered and validated whole where that
    would leave a doubt (see the module docstring); written beside its path when it is valid
    and ``name`` is given. A record changed since the read stage is left out of it."""
    from feedpub.output.render import facts_of
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links, where, name, body, keys, cut, made_of = spec
    cap = config.syndication.max_bytes
    # Some entries cut from the published bytes; none if the file no longer holds them: the
    # document is then rendered whole, from its records.
    before, published = _published(shared, path, cut) if cut is not None else (None, b"")
    shown: list[bytes | memoryview] = []
    cuts: list[tuple[int, int]] = []  # (place in shown, place among the published entries)
    kept: list[int] = []
    facts: list[Facts] = []
    kept_keys: list[str] = []
    gone: list[int] = []
    whole = False
    for rid, key, (number, index) in zip(rids, keys or [""] * len(rids), where, strict=True):
        if number < 0:
            assert cut is not None
            if before is None:  # read from its record
                whole, fact = True, (f"{rid}", _EPOCH, False, cut[2][rid])
            else:
                entry = before.entries[index]
                fact = (entry.ident, entry.updated, entry.dublin_core, cut[2][rid])
            cuts.append((len(shown), index))
            shown.append(b"")  # its bytes once the frame says how entries are joined
        else:
            # Read at once: opening the next file may close this one (and reuse its descriptor).
            spooled = spooled_file(Path(shared["spool"], str(number)))
            fact = spooled.facts[rid]
            if fact is None:
                gone.append(rid)
                continue
            whole = whole or index in spooled.flagged
            shown.append(spooled.entry(index))
            if keys:  # a subscription document's entries are kept by a digest of their id
                fact = (digest_text(fact[0])[:16], *fact[1:])
        kept.append(rid)
        facts.append(fact)
        kept_keys.append(key)
    whole = whole or len({fact[0] for fact in facts}) < len(facts)
    framing = ""
    dropped = 0
    if not whole:
        category = shared["categories"].get(term or "")
        made = facts_of([(updated, people) for _, updated, people, _ in facts])
        frames: Frames = shared["frames"]
        frame, problems = frames.frame(fmt, category, made, config.feed, links, path)
        if before is not None:
            places, view = before.places(frame.separator), memoryview(published)
            for at, index in cuts:
                shown[at] = view[slice(*places[index])]
        over = cap is not None and not links.archive and frame.size(shown) > cap
        whole = bool(problems) or over
    if whole:
        wanted = {rid: fact[3] for rid, fact in zip(kept, facts, strict=True) if fact[3]}
        spec_ = (term, fmt, path, kept, links)
        data, problems, dropped, lost = _render_whole(shared, spec_, wanted)
        gone += lost
    else:
        data = frame.page(shown)
        problems = validate_feed(data, source=path, publishing=True) if shared["paranoid"] else []
        if body:
            kept_entries = tuple(
                KeptEntry(key, len(entry), updated, people, ident)
                for key, entry, (ident, updated, people, _) in zip(
                    kept_keys, shown, facts, strict=True
                )
            )
            head = len(frame.head) if shown else -1
            entries = kept_entries if keys else ()
            framing = Framing(body, head, made, entries, *made_of).text()
    if gone:
        framing = ""  # its entries are not what its plan says: none to frame anew
    staged = stage_valid(shared["target"], path, data, name, problems)
    if staged is None:
        return data, problems, dropped, framing, None, "", gone
    return b"", problems, dropped, framing, staged, digest_bytes(data), gone


def _published(shared: dict[str, Any], path: str, cut: CutSpec) -> tuple[Framing | None, bytes]:
    """The framing and the bytes of the document published at ``path`` (a folder's file, read
    here); no framing if the file no longer holds the bytes it was kept for."""
    sha, text, _ = cut
    data = cast("PublishTarget", shared["published"]).read(path)
    framing = Framing.parse(text)
    if data is None or framing is None or digest_bytes(data) != sha:
        return None, b""
    return framing, data


def stage_valid(
    target: Staging | None,
    path: str,
    data: bytes,
    name: str,
    problems: list[Problem],
    *,
    held: bytes | None = None,
) -> Staged | None:
    """``data`` written beside ``path`` as ``name`` (in a worker: :meth:`Staging.stage`; ``held``:
    what ``path`` was just read to hold) when a ``name`` is given and validation found no
    error; ``None`` otherwise, or when it cannot be written: the publishing process writes it
    then, and says why if it cannot."""
    if target is None or not name or any(p.level == "error" for p in problems):
        return None
    with suppress(OSError):
        return target.stage(path, data, name, held=held)
    return None


def _render_whole(
    shared: dict[str, Any], spec: WholeSpec, wanted: Mapping[int, WantedRecord]
) -> tuple[bytes, list[Problem], int, list[int]]:
    """Render and validate one document whole (see the module docstring for when), reading
    the ``wanted`` records this process does not have; and the records left out because
    they changed since the read stage."""
    from feedpub.validate import validate_feed

    config: SiteConfig = shared["config"]
    term, fmt, path, rids, links = spec
    articles = read_articles(shared, rids, wanted)
    shown = tuple(articles[rid] for rid in rids if rid in articles)
    plan = FeedPlan(shared["categories"].get(term or ""), shown)

    def render(entries: tuple[Article, ...]) -> bytes:
        return FORMATS[fmt].render(FeedPlan(plan.category, entries), config.feed, links)

    data = render(plan.entries)
    kept = len(plan.entries)
    cap = config.syndication.max_bytes
    if cap is not None and len(data) > cap and not links.archive:
        # Keep the most of the newest entries that fit: found by halving, since the size
        # grows with each entry kept (archive pages, which nothing replaces, keep them all).
        low, high, best, kept = 0, kept - 1, render(()), 0
        while low <= high:
            middle = (low + high) // 2
            trial = render(plan.entries[:middle])
            if len(trial) <= cap:
                low, best, kept = middle + 1, trial, middle
            else:
                high = middle - 1
        data = best
    problems = validate_feed(data, source=path, publishing=True)
    return data, problems, len(plan.entries) - kept, [rid for rid in rids if rid not in articles]
