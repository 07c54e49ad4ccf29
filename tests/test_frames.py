"""Frames rendered and validated once per shape (``pipeline/frames.py``) are the frames the
format's renderer gives each document, judged as the validator judges each."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedpub.model import Category, Format
from feedpub.output.assembly import Frame, FrameFacts
from feedpub.output.formats import FORMATS
from feedpub.output.meta import FeedMeta
from feedpub.output.paths import FeedLinks
from feedpub.pipeline import frames as frames_module
from feedpub.pipeline.frames import _STAND_IN_DATE, Frames
from feedpub.validate import validate_feed
from tests.test_build_properties import CONFIG

META = CONFIG.feed
JAKARTA = timezone(timedelta(hours=7))
#: Offsets a frame's date can carry: historic ones had seconds (Jakarta before 1924).
OFFSETS = (UTC, JAKARTA, timezone(-timedelta(hours=3, minutes=30)),
           timezone(timedelta(hours=7, minutes=7, seconds=12)))  # fmt: skip

slug = st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}", fullmatch=True)
folder = st.lists(slug, min_size=1, max_size=4).map(lambda parts: "/".join(parts) + "/")
moment = st.datetimes(
    min_value=datetime(1900, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(OFFSETS),
)
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=20)
metas = st.builds(
    lambda title, description, feeds_url: FeedMeta(
        title or "t", description or "d", META.link, feeds_url, META.language, META.author
    ),
    text,
    text,
    st.sampled_from([META.feeds_url, "https://example.org/feeds", "https://example.org/a&b/",
                     "https://例え.jp/feeds/", "https://example.org/x y/"]),
)  # fmt: skip


@st.composite
def shapes(draw: st.DrawFn) -> tuple[Category | None, FeedMeta, FeedLinks, bool]:
    """A category, the site's settings, and the links of a document, whose folders the
    caller draws again for a second document of the same shape."""
    category = draw(st.none() | st.builds(Category, slug, text.filter(bool), st.none()))
    archive = draw(st.booleans())
    links = FeedLinks(
        draw(st.just("") | folder),
        hubs=draw(st.sampled_from([(), ("https://hub.example.com/",)])),
        prev_archive=draw(st.none() | folder),
        next_archive=draw(st.none() | folder) if archive else None,
        current=draw(folder) if archive else None,
        archive=archive,
        complete=not archive and draw(st.booleans()),
    )
    return category, draw(metas), links, draw(st.booleans())


def same_shape(links: FeedLinks, folders: list[str]) -> FeedLinks:
    def moved(value: str | None, to: str) -> str | None:
        return None if value is None else to

    return FeedLinks(
        folders[0],
        hubs=links.hubs,
        prev_archive=moved(links.prev_archive, folders[1]),
        next_archive=moved(links.next_archive, folders[2]),
        current=moved(links.current, folders[3]),
        archive=links.archive,
        complete=links.complete,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes(), st.lists(folder, min_size=8, max_size=8), st.lists(moment, min_size=3, max_size=3))
@example(  # a title holding the very text a template's date stands in for
    (None, FeedMeta(_STAND_IN_DATE.strftime("%a, %d %b %Y"), "d", META.link, META.feeds_url),
     FeedLinks("a/"), False),
    ["b/", "c/", "d/", "e/", "f/", "g/", "h/", "i/"],
    [datetime(2022, 12, 2, 10, tzinfo=JAKARTA), _STAND_IN_DATE, datetime(2023, 1, 1, tzinfo=UTC)],
)  # fmt: skip
def test_each_document_gets_the_frame_its_renderer_gives_and_the_same_findings(
    shape: tuple[Category | None, FeedMeta, FeedLinks, bool],
    folders: list[str],
    moments: list[datetime],
) -> None:
    """Three documents of one shape: the third is filled in from the template the second made
    (when the shape and its texts allow one)."""
    category, meta, links, dublin_core = shape
    frames = Frames()
    places = (links, same_shape(links, folders[:4]), same_shape(links, folders[4:]))
    for fmt in FORMATS:
        for moment_, place in zip(moments, places, strict=True):
            facts = FrameFacts(moment_, dublin_core)
            frame, problems = frames.frame(fmt, category, facts, meta, place, place.path(fmt))
            assert frame == FORMATS[fmt].render_frame(category, facts, meta, place)
            assert problems == validate_feed(frame.empty, place.path(fmt), publishing=True)


#: Category labels: plain ones (their template serves every category), and ones every format
#: writes otherwise or that the validator may judge (escaped characters, spaces at an end).
label = st.from_regex(r"[A-Za-z0-9][ -~]{0,15}", fullmatch=True) | text.filter(bool)
#: Schemes: a category's is part of its shape (rendered and validated in its template).
schemes = st.sampled_from([None, None, "https://example.com/kategori/", "urn:x:y", "not a uri"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.builds(Category, slug, label, schemes), min_size=3, max_size=3),
    shapes(),
    st.lists(folder, min_size=8, max_size=8),
    st.lists(moment, min_size=3, max_size=3),
)
@example(  # a label that is the stand-in's own token, and one a format escapes
    [Category("a", "x-label"), Category("b", "Ekonomi & Bisnis"), Category("c", "Olahraga")],
    (None, META, FeedLinks("category/a/"), False),
    ["category/b/", "", "", "", "category/c/", "", "", ""],
    [datetime(2022, 12, 2, 10, tzinfo=JAKARTA)] * 3,
)
def test_documents_of_other_categories_get_the_frames_their_renderer_gives(
    categories: list[Category],
    shape: tuple[Category | None, FeedMeta, FeedLinks, bool],
    folders: list[str],
    moments: list[datetime],
) -> None:
    """Three documents of one shape but for their categories: a template made of a plain
    category's serves another's with its scheme, and every frame and finding is the
    renderer's."""
    _, meta, links, dublin_core = shape
    frames = Frames()
    places = (links, same_shape(links, folders[:4]), same_shape(links, folders[4:]))
    for fmt in FORMATS:
        for category, moment_, place in zip(categories, moments, places, strict=True):
            facts = FrameFacts(moment_, dublin_core)
            frame, problems = frames.frame(fmt, category, facts, meta, place, place.path(fmt))
            assert frame == FORMATS[fmt].render_frame(category, facts, meta, place)
            assert problems == validate_feed(frame.empty, place.path(fmt), publishing=True)


def test_one_template_serves_every_plain_category() -> None:
    """The subscription documents of twelve categories: the first two of each format are
    rendered (the second twice, as the template), the other ten filled in; a label a format
    escapes, or another scheme, is a shape of its own."""
    frames = Frames()
    facts = FrameFacts(datetime(2022, 12, 2, 10, tzinfo=JAKARTA), dublin_core=True)
    for number in range(12):
        category = Category(f"topik-{number}", f"Topik {number}")
        links = FeedLinks(f"category/topik-{number}/", prev_archive="archive/2022-11/")
        for fmt in FORMATS:
            frame, problems = frames.frame(fmt, category, facts, META, links, links.path(fmt))
            assert problems == []
            assert frame == FORMATS[fmt].render_frame(category, facts, META, links)
    assert (frames.rendered, frames.filled, frames.validated) == (3 * 3, 10 * 3, 2 * 3)
    for other in (Category("ekonomi", "Ekonomi & Bisnis"), Category("x", "X", "urn:x:y")):
        links = FeedLinks(f"category/{other.term}/", prev_archive="archive/2022-11/")
        frame, problems = frames.frame("atom", other, facts, META, links, links.path("atom"))
        assert frame == FORMATS["atom"].render_frame(other, facts, META, links)
    assert (frames.rendered, frames.filled) == (3 * 3 + 2, 10 * 3)


def test_a_shape_is_rendered_three_times_then_filled_in() -> None:
    """The first document of a shape is rendered whole; the second whole and as a template;
    every other one is filled in, with no render and no validation, and is still the
    renderer's frame."""
    frames = Frames()
    category = Category("pemerintahan", "Pemerintahan")
    for month in range(1, 13):
        links = FeedLinks(
            f"category/pemerintahan/archive/2022-{month:02}/",
            prev_archive=f"category/pemerintahan/archive/2021-{month:02}/",
            current="category/pemerintahan/",
            archive=True,
        )
        facts = FrameFacts(datetime(2022, month, 2, 10, tzinfo=JAKARTA), dublin_core=True)
        for fmt in FORMATS:
            frame, problems = frames.frame(fmt, category, facts, META, links, links.path(fmt))
            assert problems == []
            assert frame == FORMATS[fmt].render_frame(category, facts, META, links)
    assert (frames.rendered, frames.filled) == (3 * 3, 10 * 3)
    # The first document and the template: the second is the clean template filled in.
    assert frames.validated == 2 * 3


def test_a_shape_showing_a_folder_outside_its_urls_is_never_templated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A template's folders are filled in as they are only where each stands in its URLs: a
    renderer that showed one elsewhere (here in a comment) gets every frame rendered."""
    spec = FORMATS["atom"]

    def render_frame(
        category: Category | None, facts: FrameFacts, meta: FeedMeta, links: FeedLinks
    ) -> Frame:
        frame = spec.render_frame(category, facts, meta, links)
        note = f"<!-- {links.folder} -->".encode()
        return replace(frame, head=frame.head + note, empty=frame.empty + note)

    monkeypatch.setattr(
        frames_module, "FORMATS", {**FORMATS, "atom": replace(spec, render_frame=render_frame)}
    )
    frames = Frames()
    for month in range(1, 6):
        links = FeedLinks(f"archive/2022-{month:02}/", prev_archive="archive/2021-12/")
        facts = FrameFacts(datetime(2022, month, 2, 10, tzinfo=JAKARTA))
        frame, problems = frames.frame("atom", None, facts, META, links, links.path("atom"))
        assert (frame, problems) == (render_frame(None, facts, META, links), [])
    assert (frames.rendered, frames.filled) == (5 + 1, 0)


def test_a_shape_with_a_finding_is_validated_for_each_document() -> None:
    """A frame the validator flags (here a language that is no language tag) is never taken
    on trust: each document's findings name that document."""
    meta = FeedMeta("t", "d", META.link, META.feeds_url, language="not a tag")
    frames = Frames()
    for name in ("a/", "b/", "c/"):
        links = FeedLinks(name, prev_archive="z/")
        facts = FrameFacts(datetime(2022, 12, 2, tzinfo=UTC))
        frame, problems = frames.frame("atom", None, facts, meta, links, links.path("atom"))
        assert problems
        assert {problem.source for problem in problems} == {f"{name}atom.xml"}
        assert problems == validate_feed(frame.empty, f"{name}atom.xml", publishing=True)


def test_templates_made_in_one_copy_serve_the_next() -> None:
    """A worker's copy hands back the templates it made; a copy of the set that adopted them
    (the next batch's worker) fills in every document of those shapes at once."""
    category = Category("pemerintahan", "Pemerintahan")

    def page(month: int, fmt: Format, frames: Frames) -> None:
        links = FeedLinks(
            f"category/pemerintahan/archive/2022-{month:02}/",
            prev_archive=f"category/pemerintahan/archive/2022-{month - 1:02}/",
            current="category/pemerintahan/",
            archive=True,
        )
        facts = FrameFacts(datetime(2022, month, 2, 10, tzinfo=JAKARTA))
        frame, problems = frames.frame(fmt, category, facts, META, links, links.path(fmt))
        assert (frame, problems) == (FORMATS[fmt].render_frame(category, facts, META, links), [])

    build = Frames()
    worker = copy.deepcopy(build)
    for month in (2, 3):
        for fmt in FORMATS:
            page(month, fmt, worker)
    build.adopt(worker.made())
    assert worker.made() == []
    later = copy.deepcopy(build)
    for month in range(4, 13):
        for fmt in FORMATS:
            page(month, fmt, later)
    assert (later.rendered, later.filled) == (0, 9 * 3)
