"""A document assembled from its frame and entries rendered once is the document rendered whole,
byte for byte, in every format; and judging the parts (each entry, the frame, the ids) agrees
with judging the whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedpub import build, load_config
from feedpub.model import Article, Category, FeedPlan, Format
from feedpub.output.formats import FORMATS
from feedpub.output.meta import FeedMeta
from feedpub.output.paths import FeedLinks
from feedpub.output.render import frame_facts
from feedpub.records import find_record_files, parse_file
from feedpub.records.contract import check_record
from feedpub.records.ids import entry_id
from feedpub.validate import validate_feed
from tests.conftest import GOLDEN, SAMPLE_ARTICLES, SAMPLE_CONFIG
from tests.test_build_properties import CONFIG, full_records

ALONE = FeedLinks("")
#: Where a document can be: a subscription document with hubs and archives, an archive page in
#: the middle of its feed, the oldest one, a complete feed.
PLACES = (
    FeedLinks("", hubs=("https://hub.example.com/",), prev_archive="2022/11/"),
    FeedLinks("category/x/2022/11/", prev_archive="category/x/2022/10/",
              next_archive="category/x/2022/12/", current="category/x/", archive=True),
    FeedLinks("2022/01/", next_archive="2022/02/", current="", archive=True),
    FeedLinks("category/y/", complete=True),
)  # fmt: skip


def assembled(
    fmt: Format, plan: FeedPlan, meta: FeedMeta, links: FeedLinks, pool: Sequence[Article]
) -> bytes:
    """``plan``'s document in ``links``' place, from the entries of ``pool`` rendered once."""
    spec = FORMATS[fmt]
    entries, _ = spec.render_entries(pool, meta, ALONE)
    by_id = {article.id: entry for article, entry in zip(pool, entries, strict=True)}
    frame = spec.render_frame(plan.category, frame_facts(plan.entries), meta, links)
    shown = [by_id[article.id] for article in plan.entries]
    assert frame.size(shown) == len(frame.page(shown))
    return frame.page(shown)


def sample_articles() -> tuple[list[Article], FeedMeta]:
    config = load_config(SAMPLE_CONFIG)
    articles = []
    for relative, _, _ in find_record_files(SAMPLE_ARTICLES):
        data = (SAMPLE_ARTICLES / relative).read_bytes()
        articles += parse_file(data, relative, relative, config.records).articles
    newest_first = sorted(articles, key=lambda a: (a.published.timestamp(), a.id), reverse=True)
    return newest_first, config.feed


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_the_sample_assembled_is_the_sample_rendered_whole(fmt: Format) -> None:
    articles, meta = sample_articles()
    assert len(articles) > 10
    terms = sorted({c.term for a in articles for c in a.categories})
    for links in PLACES:
        for term in [None, *terms]:
            category = next((c for a in articles for c in a.categories if c.term == term), None)
            shown = tuple(a for a in articles if term is None or category in a.categories)
            for entries in (shown, shown[:1], shown[1::2], ()):
                plan = FeedPlan(category, entries)
                whole = FORMATS[fmt].render(plan, meta, links)
                assert assembled(fmt, plan, meta, links, articles) == whole


def test_a_paranoid_build_of_the_sample_is_the_golden_feeds(site: Path, tmp_path: Path) -> None:
    """Every document of the sample, assembled and then validated whole, is valid and is the
    committed golden file: the parts' verdict and the whole's agree."""
    out = tmp_path / "public"
    report = build(site / "articles", out, load_config(site / "feedpub.toml"), paranoid=True)
    assert report.exit_code == 0 and not report.warnings
    assert report.count("written") > 40
    for golden in GOLDEN.rglob("*"):
        if golden.is_file():
            assert (out / golden.relative_to(GOLDEN)).read_bytes() == golden.read_bytes()


def test_an_entry_the_validator_flags_sends_its_documents_whole(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When an entry's document of entries draws a finding, every document showing it is
    rendered and judged whole (so the findings name that document and its lines)."""
    import feedpub.output.render as render

    real_entries, real_feed = render.render_entries, render.render_feed
    whole: list[tuple[str | None, str]] = []

    def flagging(articles: Any, config: Any, fmt: Any, links: Any) -> tuple[list[bytes], bytes]:
        entries, together = real_entries(articles, config, fmt, links)
        if fmt == "atom" and any("rakor" in a.id for a in articles):
            together = together.replace(b"<updated>", b"<updated> ", 1)  # white space: a finding
        return entries, together

    def counting(plan: Any, config: Any, fmt: Any, links: Any) -> bytes:
        whole.append((links.folder, fmt))
        data: bytes = real_feed(plan, config, fmt, links)
        return data

    monkeypatch.setattr(render, "render_entries", flagging)
    monkeypatch.setattr(render, "render_feed", counting)
    monkeypatch.setattr("feedpub.pipeline.rendering.PARALLEL_MIN_FEEDS", 10**6)
    report = build(site / "articles", tmp_path / "public", load_config(site / "feedpub.toml"))
    assert report.exit_code == 0
    showing = {
        path.parent.relative_to(tmp_path / "public").as_posix()
        for path in (tmp_path / "public").rglob("atom.xml")
        if b"rakor" in path.read_bytes()
    }
    assert showing and {folder.rstrip("/") or "." for folder, _ in whole} == showing
    assert {fmt for _, fmt in whole} == {"atom"}
    for golden in GOLDEN.rglob("*"):
        if golden.is_file():
            assert (tmp_path / "public" / golden.relative_to(GOLDEN)).read_bytes() == (
                golden.read_bytes()
            )


def accepted(raws: list[dict[str, Any]]) -> list[Article]:
    articles: dict[str, Article] = {}
    for number, raw in enumerate(raws):
        checked = check_record(raw, CONFIG.records, path=f"{number}.json", default_id=str(number))
        if checked.article is not None:
            articles.setdefault(checked.article.id, checked.article)
    return list(articles.values())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(full_records, min_size=1, max_size=5),
    st.sampled_from(PLACES),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_assembled_documents_are_rendered_whole_and_judged_alike(
    raws: list[dict[str, Any]], links: FeedLinks, categorised: bool, random: Any
) -> None:
    articles = accepted(raws)
    shown = tuple(random.sample(articles, random.randint(0, len(articles))))
    category = Category("x", "X & Co", None) if categorised else None
    plan = FeedPlan(category, shown)
    meta = CONFIG.feed
    ids = [entry_id(a.id, a.published, meta.domain) for a in shown]
    for fmt, spec in FORMATS.items():
        whole = spec.render(plan, meta, links)
        assert assembled(fmt, plan, meta, links, articles) == whole
        _, together = spec.render_entries(shown, meta, ALONE)
        parts_clean = (
            not validate_feed(together, publishing=True)
            and not validate_feed(
                spec.render_frame(category, frame_facts(shown), meta, links).empty, publishing=True
            )
            and len(set(ids)) == len(ids)
        )
        assert parts_clean == (not validate_feed(whole, publishing=True))


def test_a_document_holds_its_newest_entry_date_whatever_the_order() -> None:
    """The frame takes the document's date from the entries it is given, not from the order
    nor the clock: the feed date rule (feed-updated) holds by construction."""
    articles, meta = sample_articles()
    newest = max(articles, key=lambda a: a.updated.timestamp())
    frame = FORMATS["atom"].render_frame(None, frame_facts(list(reversed(articles))), meta, ALONE)
    stamp = newest.updated.astimezone(UTC).replace(microsecond=0)
    assert stamp > datetime(2020, 1, 1, tzinfo=UTC)
    assert newest.updated.replace(microsecond=0).isoformat().encode() in frame.head
