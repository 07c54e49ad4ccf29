"""The output formats, in one table: for each, its name, the file it is published as, the media
type it is served as, how a document of it is recognised, and how one is rendered and validated.

Every part that treats formats differently reads this table and nothing else: ``output/paths.py``
(file names, content types), ``pipeline/rendering.py`` (the renderer), ``config.py`` (the names the
``formats`` key accepts), ``validate/engine.py`` (which validator judges a document) and
``serve.py`` (the ``Content-Type`` of a file). A new format is one :class:`FormatSpec` here, its
renderer and its validator (and its name in :data:`feedpub.model.Format`).

Renderers and validators are imported inside the callables below, when a document is first
rendered or validated: feedgen, lxml and the schemas stay unloaded on a run that renders nothing,
and since neither a renderer nor a validator imports this module (nor anything that does), the
imports form no circle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal, NamedTuple

from feedpub.model import Format

if TYPE_CHECKING:
    from datetime import datetime

    from lxml import etree

    from feedpub.errors import Problem
    from feedpub.model import Article, Category, FeedPlan
    from feedpub.output.assembly import Frame, FrameFacts
    from feedpub.output.meta import FeedMeta
    from feedpub.output.paths import FeedLinks

__all__ = [
    "FORMATS",
    "Document",
    "EntryRenderer",
    "FormatSpec",
    "FrameRenderer",
    "Renderer",
    "Syntax",
    "Validator",
    "json_format",
    "sniff_format",
    "xml_format",
]

#: How a format's documents are written: decides how ``feedpub validate`` reads one first.
Syntax = Literal["xml", "json"]


@dataclass(frozen=True)
class Document:
    """A document handed to its format's validator."""

    data: bytes
    #: Where it came from, for the findings (a path, a URL, ``<stdin>``).
    source: str
    #: feedpub's own output: advice findings are errors too.
    publishing: bool
    #: The parsed tree (hardened parser) of an XML document; ``None`` for JSON.
    tree: etree._ElementTree | None = None


#: Renders one planned feed as the bytes of a document in ``links``'s place.
Renderer = Callable[["FeedPlan", "FeedMeta", "FeedLinks"], bytes]
#: Renders entries alone: each one's bytes as every document showing it carries them, and one
#: document (in the given links' place) showing them all, to validate them at once.
EntryRenderer = Callable[
    ["Sequence[Article]", "FeedMeta", "FeedLinks"], "tuple[list[bytes], bytes]"
]
#: Renders a document of a category (``None``: the site's) without its entries, from what it
#: takes from them (:class:`~feedpub.output.assembly.Frame`, ``FrameFacts``):
#: ``frame.page(entries)`` is the bytes :data:`Renderer` gives for the whole.
FrameRenderer = Callable[["Category | None", "FrameFacts", "FeedMeta", "FeedLinks"], "Frame"]
#: Judges a document already recognised as its format: its problems, sorted.
Validator = Callable[[Document], "list[Problem]"]


@dataclass(frozen=True)
class FormatSpec:
    """One output format: everything a part of feedpub needs to treat it as itself."""

    name: Format
    #: As messages name it: ``RSS 2.0``.
    title: str
    #: As a person subscribing knows it: ``RSS``, ``Atom``, ``JSON Feed``.
    label: str
    #: The file a document is published as, in its feed's folder: the path aggregators know.
    file_name: str
    #: The media type it is served as (without parameters; documents are always UTF-8).
    media_type: str
    syntax: Syntax
    #: What marks a document of this format: for XML, its root element in Clark notation
    #: (``{namespace}local``, or ``local`` without a namespace); for JSON, text its version
    #: member carries.
    marker: str
    render: Renderer
    validate: Validator
    #: The two halves of :attr:`render`, for documents assembled from entries rendered once.
    render_entries: EntryRenderer
    render_frame: FrameRenderer
    #: How :attr:`render_frame` writes the frame's date (its entries' newest change), or
    #: ``None`` when a document of this format has no date of its own: the frame's one text
    #: that is neither a setting nor a link (``pipeline/frames.py`` fills it in).
    frame_date: Callable[[datetime], str] | None = None

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` it is served and stored with."""
        return f"{self.media_type}; charset=utf-8"

    @property
    def suffix(self) -> str:
        """The file name's suffix: ``.xml``."""
        return PurePosixPath(self.file_name).suffix

    @property
    def root_name(self) -> str:
        """An XML format's root element without its namespace: ``feed``."""
        return self.marker.rpartition("}")[2]

    @property
    def root_namespace(self) -> str:
        """An XML format's root namespace, ``""`` for none."""
        return self.marker[1:].partition("}")[0] if self.marker.startswith("{") else ""

    @property
    def sniff(self) -> bytes:
        """Bytes that mark a file of this format among its first few kilobytes: a cheap guess
        (``feedpub serve`` names an archive page's type by it), not a validation."""
        if self.syntax == "xml":
            return b"<" + self.root_name.encode()
        return self.marker.encode()


class _Renderers(NamedTuple):
    render: Renderer
    entries: EntryRenderer
    frame: FrameRenderer


def _xml_renderers(fmt: Format) -> _Renderers:
    """RSS's or Atom's renderers (``output/render.py``, imported when first called)."""

    def render(plan: FeedPlan, config: FeedMeta, links: FeedLinks) -> bytes:
        from feedpub.output.render import render_feed

        return render_feed(plan, config, fmt, links)

    def entries(
        articles: Sequence[Article], config: FeedMeta, links: FeedLinks
    ) -> tuple[list[bytes], bytes]:
        from feedpub.output.render import render_entries

        return render_entries(articles, config, fmt, links)

    def frame(
        category: Category | None, facts: FrameFacts, config: FeedMeta, links: FeedLinks
    ) -> Frame:
        from feedpub.output.render import render_frame

        return render_frame(category, facts, config, fmt, links)

    return _Renderers(render, entries, frame)


def _json_renderers() -> _Renderers:
    """JSON Feed's renderers (``output/jsonfeed.py``, imported when first called)."""

    def render(plan: FeedPlan, config: FeedMeta, links: FeedLinks) -> bytes:
        from feedpub.output.jsonfeed import render_json_feed

        return render_json_feed(plan, config, links)

    def entries(
        articles: Sequence[Article], config: FeedMeta, links: FeedLinks
    ) -> tuple[list[bytes], bytes]:
        from feedpub.output.jsonfeed import json_entries

        return json_entries(articles, config, links)

    def frame(
        category: Category | None, facts: FrameFacts, config: FeedMeta, links: FeedLinks
    ) -> Frame:
        from feedpub.output.jsonfeed import json_frame

        return json_frame(category, config, links)

    return _Renderers(render, entries, frame)


_RSS, _ATOM, _JSON = _xml_renderers("rss"), _xml_renderers("atom"), _json_renderers()


def _rfc822(moment: datetime) -> str:
    from feedpub.records.dates import format_rfc822

    return format_rfc822(moment)


def _rfc3339(moment: datetime) -> str:
    from feedpub.records.dates import format_rfc3339

    return format_rfc3339(moment)


def _validate_rss(document: Document) -> list[Problem]:
    from feedpub.validate.rss import RULES, SCHEMA
    from feedpub.validate.schema import validate_xml

    assert document.tree is not None, "an XML format's validator is given the parsed tree"
    return validate_xml(document.tree, document.source, document.publishing, SCHEMA, RULES)


def _validate_atom(document: Document) -> list[Problem]:
    from feedpub.validate.atom import RULES, SCHEMA
    from feedpub.validate.schema import validate_xml

    assert document.tree is not None, "an XML format's validator is given the parsed tree"
    return validate_xml(document.tree, document.source, document.publishing, SCHEMA, RULES)


def _validate_json(document: Document) -> list[Problem]:
    from feedpub.validate.jsonfeed import validate_json_feed

    return validate_json_feed(document.data, document.source, publishing=document.publishing)


_SPECS = (
    FormatSpec(
        name="rss",
        label="RSS",
        title="RSS 2.0",
        file_name="rss.xml",
        media_type="application/rss+xml",
        syntax="xml",
        marker="rss",
        render=_RSS.render,
        validate=_validate_rss,
        render_entries=_RSS.entries,
        render_frame=_RSS.frame,
        frame_date=_rfc822,
    ),
    FormatSpec(
        name="atom",
        label="Atom",
        title="Atom 1.0",
        file_name="atom.xml",
        media_type="application/atom+xml",
        syntax="xml",
        marker="{http://www.w3.org/2005/Atom}feed",
        render=_ATOM.render,
        validate=_validate_atom,
        render_entries=_ATOM.entries,
        render_frame=_ATOM.frame,
        frame_date=_rfc3339,
    ),
    FormatSpec(
        name="json",
        label="JSON Feed",
        title="JSON Feed 1.1",
        file_name="feed.json",
        media_type="application/feed+json",
        syntax="json",
        marker="jsonfeed.org/version",
        render=_JSON.render,
        validate=_validate_json,
        render_entries=_JSON.entries,
        render_frame=_JSON.frame,
    ),
)

#: Every format by name, in the order a feed's documents are rendered and published.
FORMATS: Mapping[Format, FormatSpec] = MappingProxyType({spec.name: spec for spec in _SPECS})


def xml_format(root_tag: str) -> FormatSpec | None:
    """The XML format whose root element is ``root_tag`` (Clark notation), if any."""
    return next((s for s in _SPECS if s.syntax == "xml" and s.marker == root_tag), None)


def json_format(data: bytes) -> FormatSpec | None:
    """The JSON format a JSON document is judged as: the one whose marker it carries, else
    the first (whose validator then says what is missing); ``None`` when there is none."""
    specs = [s for s in _SPECS if s.syntax == "json"]
    return next((s for s in specs if s.marker.encode() in data), specs[0] if specs else None)


def sniff_format(suffix: str, head: bytes) -> FormatSpec | None:
    """The format a file of ``suffix`` seems to be from its first bytes (see ``sniff``)."""
    return next((s for s in _SPECS if s.suffix == suffix and s.sniff in head), None)
