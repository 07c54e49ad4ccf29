"""Documents' frames, rendered and validated once per shape.

Every document's frame (its head and tail, ``output/assembly.py``'s ``Frame``) is rendered by
its format's renderer and validated before the document is put together (a cold build with
archives has 65,399 of them at 100,000 records, a new title as many again). Most of a frame is
the same in every document of one shape: the site's settings, the hubs, which archive links it
has, whether it names people in Dublin Core, whether it is a category's. What differs is a
handful of texts: the URLs of the document and of the documents it links to (its folder, the
archive pages before and after it, its subscription document), its date, and its category's term
and label when every format writes them as they are (else the category is part of the shape: a
site of 200 categories had some 1,800 shapes, each rendered three times and validated twice, in
each worker).

So :class:`Frames` (one a build's rendering, copied into its workers, which hand back the
templates they make so that the next batch's start with them) renders a shape once with
stand-ins for those texts (a token drawn for it, which no record or setting can forge), keeps
the result and fills the real texts in for each document. It does so at a shape's second
document, so that a shape of one document (most of a small build's) costs one render as before.
The renderer stays the renderer of record: that second document is also rendered whole and must
equal the filled-in template byte for byte, or the shape is never templated
(``tests/test_frames.py`` holds the two equal for generated shapes too). And the template is
validated once: a shape whose template draws no finding needs no validation per document as
long as each text filled in is one the validator would pass in its place (an absolute http(s)
URL of characters written alike in XML text, XML attributes and JSON strings, and a date its
format's own writer wrote). On a plain base (``feeds_url`` ending in "/", no query, no escapes)
those URLs are the base, a folder and a file name, so a folder is filled in where its stand-in
is, which the template must hold inside those URLs only. Anything else (a finding, an odd
character, a template that did not round-trip) is rendered and validated per document as before.
"""

from __future__ import annotations

import functools
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from feedpub.model import Category
from feedpub.output.assembly import Frame, FrameFacts
from feedpub.output.formats import FORMATS
from feedpub.output.paths import FEED_FILES

if TYPE_CHECKING:
    from collections.abc import Callable, Hashable

    from feedpub.errors import Problem
    from feedpub.model import Format
    from feedpub.output.meta import FeedMeta
    from feedpub.output.paths import FeedLinks

__all__ = ["Frames"]

#: Characters every format writes as they are (no XML or JSON escape, in text or in an
#: attribute): printable ASCII but for ``"``, ``&``, ``<``, ``>`` and ``\``. A text with any
#: other goes the long way.
_VERBATIM = re.compile(r"[ !#$%'()*+,\-./0-9:;=?@A-Z\[\]^_`a-z{|}~]*")
#: A folder made of path segments of unreserved characters, none a dot segment.
_PLAIN_FOLDER = re.compile(r"(?:[A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*")
#: The date a template is rendered with: an odd instant at an odd offset, written nowhere else.
_STAND_IN_DATE = datetime(1903, 7, 9, 13, 57, 41, tzinfo=timezone(-timedelta(hours=11, minutes=17)))
#: The link folders a frame shows, by the name of their ``FeedLinks`` field.
_SLOTS = ("folder", "prev_archive", "next_archive", "current")
#: Shapes kept at once (a site of thousands of categories has more): past it, start over.
_MOST_SHAPES = 4096
#: The shape of a document of a plain category (:func:`_plain_category`), whichever it is, with
#: its scheme.
_A_PLAIN_CATEGORY = "a plain category"


def _plain_category(category: Category) -> bool:
    """Whether every format writes ``category``'s term and label as they are (in text, in an
    attribute, in a JSON string): a frame then holds them only where its template holds its
    stand-ins, and they draw no finding of the validator (it judges a category's term and label
    only as text). Its scheme is part of the shape: a template is rendered and validated with
    it."""
    term, label = category.term, category.label
    return (
        bool(term)
        and bool(label)
        and label == label.strip()
        and term == term.strip()
        and _VERBATIM.fullmatch(term) is not None
        and _VERBATIM.fullmatch(label) is not None
    )


class _Template:
    """A frame rendered with stand-in texts, and whether it validated without a finding."""

    __slots__ = ("clean", "frame")

    def __init__(self, frame: Frame, clean: bool) -> None:
        self.frame = frame
        self.clean = clean


class Frames:
    """Each document's frame, and what validating it found; the renderer and the validator run
    once per shape (see the module docstring)."""

    def __init__(self) -> None:
        self._token = secrets.token_hex(12)
        self._shapes: dict[Hashable, _Template | None] = {}
        #: Shapes one document of which was rendered: the next one's makes the template.
        self._seen: set[Hashable] = set()
        #: The stand-ins' texts by format, base URL and the link folders a document has.
        self._stand_ins: dict[Hashable, list[bytes] | None] = {}
        #: Templates made here since :meth:`made` was last asked.
        self._made: list[tuple[Hashable, _Template | None]] = []
        #: Frames the format's renderer rendered (templates included), frames filled in, and
        #: frames validated (templates included).
        self.rendered = 0
        self.filled = 0
        self.validated = 0

    def made(self) -> list[tuple[Hashable, _Template | None]]:
        """The templates made here since last asked, for :meth:`adopt` in the process that
        forked this one: the next batch's workers then start with them."""
        made, self._made = self._made, []
        return made

    def adopt(self, made: list[tuple[Hashable, _Template | None]]) -> None:
        """Keep the templates a worker's copy of this made (:meth:`made`)."""
        for key, template in made:
            self._keep(key, template)

    def _keep(self, key: Hashable, template: _Template | None) -> None:
        if key not in self._shapes and len(self._shapes) >= _MOST_SHAPES:
            self._shapes.clear()
        self._shapes[key] = template

    def frame(
        self,
        fmt: Format,
        category: Category | None,
        facts: FrameFacts,
        meta: FeedMeta,
        links: FeedLinks,
        source: str,
    ) -> tuple[Frame, list[Problem]]:
        """The frame of the document at ``source`` (as its format's ``render_frame`` gives
        it) and the findings on it alone (``validate_feed(frame.empty, publishing=True)``)."""
        texts = self._texts(fmt, facts, meta, links)
        shape: Category | tuple[str, str | None] | None = category
        stand_in: Category | None = None  # the category its template is rendered with
        if texts is not None and category is not None and _plain_category(category):
            # Such a category's frame is that of any other with its scheme but for its term and
            # label: filled in.
            stand_in = self._stand_in_category(category.scheme)
            texts[stand_in.term.encode()] = category.term.encode()
            texts[stand_in.label.encode()] = category.label.encode()
            shape = (_A_PLAIN_CATEGORY, category.scheme)
        key = (
            fmt,
            shape,
            facts.dublin_core,
            meta,
            links.hubs,
            *(getattr(links, slot) is None for slot in _SLOTS[1:]),
            links.archive,
            links.complete,
        )
        template = self._shapes.get(key, False)
        if texts is not None and isinstance(template, _Template):
            frame = _filled(template.frame, texts)
            if self._token.encode() not in frame.empty:
                self.filled += 1
                return frame, [] if template.clean else self._validated(frame, source)

        def render(facts: FrameFacts, links: FeedLinks, category: Category | None) -> Frame:
            self.rendered += 1
            return FORMATS[fmt].render_frame(category, facts, meta, links)

        frame = render(facts, links, category)
        if template is False and texts is not None:
            if key not in self._seen:  # a shape seen once may be the only one of its kind
                if len(self._seen) >= _MOST_SHAPES:
                    self._seen.clear()
                self._seen.add(key)
            else:
                made = self._template(
                    render, stand_in or category, facts, meta, links, frame, texts
                )
                self._keep(key, made)
                self._made.append((key, made))
                if made is not None and made.clean:  # this frame is the template filled in
                    return frame, []
        return frame, self._validated(frame, source)

    def _template(
        self,
        render: Callable[[FrameFacts, FeedLinks, Category | None], Frame],
        category: Category | None,
        facts: FrameFacts,
        meta: FeedMeta,
        links: FeedLinks,
        frame: Frame,
        texts: dict[bytes, bytes],
    ) -> _Template | None:
        """The shape's template (``render`` gives its frame for other facts, links and
        category; ``category`` is the template's own), if filling it in with ``texts`` gives
        ``frame``, the one rendered for ``links``, and each stand-in folder in it is in its URLs
        only."""

        def stood_in(slot: str) -> str | None:
            return None if getattr(links, slot) is None else self._stand_in(slot)

        stand_ins = replace(
            links,
            folder=self._stand_in("folder"),
            prev_archive=stood_in("prev_archive"),
            next_archive=stood_in("next_archive"),
            current=stood_in("current"),
        )
        template = render(FrameFacts(_STAND_IN_DATE, facts.dublin_core), stand_ins, category)
        if _filled(template, texts) != frame:
            return None
        if _plain_base(meta.feeds_url):  # its texts are the folders (see _texts_of)
            for slot in _SLOTS:
                folder = getattr(stand_ins, slot)
                if folder is None:
                    continue
                token, urls = folder.encode(), _urls(meta.feeds_url, folder)
                for part in (template.head + template.tail, template.empty):
                    if part.count(token) != sum(part.count(url) for url in urls):
                        return None
        return _Template(template, clean=not self._validated(template, "<template>"))

    def _validated(self, frame: Frame, source: str) -> list[Problem]:
        from feedpub.validate import validate_feed

        self.validated += 1
        return validate_feed(frame.empty, source=source, publishing=True)

    def _stand_in_category(self, scheme: str | None) -> Category:
        """The category a template of plain categories (:func:`_plain_category`) with this
        ``scheme`` is rendered with."""
        return Category(f"{self._token}-term", f"{self._token}-label", scheme)

    def _stand_in(self, slot: str) -> str:
        return f"{self._token}-{_SLOTS.index(slot)}/"

    def _texts(
        self, fmt: Format, facts: FrameFacts, meta: FeedMeta, links: FeedLinks
    ) -> dict[bytes, bytes] | None:
        """Each stand-in's text in a template, with the text this document has in its place;
        ``None`` when one of those is not written as it is, or not a URL the validator passes."""
        slots = tuple(slot for slot in _SLOTS if getattr(links, slot) is not None)
        key = (fmt, meta.feeds_url, slots)
        if key not in self._stand_ins:  # None too is kept: a base that is never templated
            if len(self._stand_ins) >= _MOST_SHAPES:
                self._stand_ins.clear()
            self._stand_ins[key] = _texts_of(
                fmt, _STAND_IN_DATE, meta.feeds_url, [self._stand_in(slot) for slot in slots]
            )
        stand_ins = self._stand_ins[key]
        if stand_ins is None:
            return None
        ours = _texts_of(fmt, facts.updated, meta.feeds_url, [getattr(links, s) for s in slots])
        return None if ours is None else dict(zip(stand_ins, ours, strict=True))


def _texts_of(fmt: Format, updated: datetime, base: str, folders: list[str]) -> list[bytes] | None:
    """The texts of a frame that are neither settings nor its shape, and ``None`` when one is
    not written as it is or is not a URL the validator passes: the date ``updated`` as the
    format writes it, and where ``base`` (the site's ``feeds_url``) is plain and each folder
    too, each folder as it is; else the URL of each folder (resolved against ``base``) in
    every format's file."""
    texts: list[str] = []
    if _plain_base(base):
        if not all(_PLAIN_FOLDER.fullmatch(folder) for folder in folders):
            return None  # its template's stand-ins are folders: this one is rendered whole
        # Resolving a relative path without dot segments against a base whose path ends in
        # "/" and which has no query or fragment (RFC 3986, section 5.2) appends it; and
        # a valid URL followed by unreserved characters and "/" is as valid. So where a
        # template holds a stand-in folder only in the URLs resolved from it (which
        # Frames._template checks), putting the folder in its place gives each URL.
        texts = list(folders)
    else:
        from feedpub.validate.shared import url_verdict

        for folder in folders:
            for name in FEED_FILES.values():
                url = urljoin(base, folder + name)
                if url_verdict(url, http_only=True) is not None:
                    return None
                texts.append(url)
    write_date = FORMATS[fmt].frame_date
    if write_date is not None:
        texts.append(write_date(updated))
    if not all(_VERBATIM.fullmatch(text) for text in texts):
        return None
    return [text.encode() for text in texts]


def _urls(base: str, folder: str) -> list[bytes]:
    """The URLs of ``folder``'s documents, on a plain ``base``."""
    return [(base + folder + name).encode() for name in FEED_FILES.values()]


@functools.lru_cache(maxsize=64)
def _plain_base(base: str) -> bool:
    """Whether a folder's URL is ``base`` followed by it (see :func:`_texts_of`)."""
    from feedpub.validate.shared import url_verdict

    parts = urlsplit(base)
    return (
        base.endswith("/")
        and not parts.query
        and not parts.fragment
        and "?" not in base
        and "#" not in base
        and bool(_VERBATIM.fullmatch(base))
        and url_verdict(base, http_only=True) is None
    )


def _filled(template: Frame, texts: dict[bytes, bytes]) -> Frame:
    """``template`` with each stand-in text replaced by the document's."""

    def fill(data: bytes) -> bytes:
        for stand_in, text in texts.items():
            data = data.replace(stand_in, text)
        return data

    return Frame(fill(template.head), fill(template.tail), fill(template.empty), template.separator)
