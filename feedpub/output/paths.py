"""Where each feed is published under the output folder (and under ``feeds_url``), and the
links a document carries to the others."""

from __future__ import annotations

import re
from dataclasses import dataclass

from feedpub.model import Format
from feedpub.output.formats import FORMATS

__all__ = [
    "CATEGORIES_FOLDER",
    "CONTENT_TYPES",
    "DIRECTORY_PAGE",
    "FEED_FILES",
    "PAGE_CONTENT_TYPE",
    "FeedLinks",
    "archive_folder",
    "archives_folder",
    "content_type_of",
    "feed_folder",
    "feed_path",
    "is_document_path",
    "is_feed_path",
    "is_page_path",
    "is_subscription_path",
    "page_path",
]

#: The file each format is published as, in the feed's folder (from the format table).
FEED_FILES: dict[Format, str] = {name: spec.file_name for name, spec in FORMATS.items()}

#: The media type each format is served as, where the target keeps one (object storage).
CONTENT_TYPES: dict[Format, str] = {name: spec.content_type for name, spec in FORMATS.items()}

_ARCHIVE_PATH = re.compile(r"(category/[^/]+/)?archive/")
#: Every path feedpub publishes a document at: a feed's folder (the site's, or a category's),
#: optionally an archive page's folder below it, and one of the format files.
_FEED_PATH = re.compile(
    r"(?:category/(?!\.\.?/)[^/]+/)?(?:archive/(?!\.\.?/)[^/]+/)?(?:"
    + "|".join(re.escape(name) for name in FEED_FILES.values())
    + r")"
)


#: The directory page for people (output/pages.py): every feed, at the output folder's root.
DIRECTORY_PAGE = "index.html"
#: The media type pages are served as, where the target keeps one (object storage).
PAGE_CONTENT_TYPE = "text/html; charset=utf-8"
#: Every path a page is published at: the directory, the site feed's page (``feed/``: the
#: root is the directory), a category feed's page beside its documents.
_PAGE_PATH = re.compile(r"(?:category/(?!\.\.?/)[^/]+/|feed/)?index\.html")


#: The folder every category feed's folder is in.
CATEGORIES_FOLDER = "category/"


def feed_folder(term: str | None) -> str:
    """``""`` for the main feed, ``category/<term>/`` for a category's."""
    return "" if term is None else f"{CATEGORIES_FOLDER}{term}/"


def feed_path(term: str | None, fmt: Format) -> str:
    """``rss.xml`` for the main feed, ``category/<term>/rss.xml`` for a category's."""
    return feed_folder(term) + FEED_FILES[fmt]


def archives_folder(term: str | None) -> str:
    """``archive/`` beside the feed's own files: the folder its archive pages' folders are in."""
    return f"{feed_folder(term)}archive/"


def archive_folder(term: str | None, period: str) -> str:
    """``archive/<period>/`` beside the feed's own files (RFC 5005 archive documents)."""
    return f"{archives_folder(term)}{period}/"


def is_feed_path(path: str) -> bool:
    """True for a path a document can have: ``rss.xml``, ``category/<term>/atom.xml``,
    ``archive/2022-12/feed.json``, ``category/<term>/archive/2022/rss.xml``."""
    return _FEED_PATH.fullmatch(path) is not None


def page_path(term: str | None) -> str:
    """The page for people behind a feed: ``feed/index.html`` for the site feed (the root's
    ``index.html`` is the directory of every feed), ``category/<term>/index.html``."""
    return "feed/index.html" if term is None else f"category/{term}/index.html"


def is_page_path(path: str) -> bool:
    """True for a path a page can have: ``index.html``, ``feed/index.html``,
    ``category/<term>/index.html``."""
    return _PAGE_PATH.fullmatch(path) is not None


def is_document_path(path: str) -> bool:
    """True for a path feedpub publishes at: a feed document's or a page's."""
    return is_feed_path(path) or is_page_path(path)


def content_type_of(path: str) -> str:
    """The media type of the document at ``path`` (by its file name: ``rss.xml`` and so on,
    ``index.html`` for a page)."""
    name = path.rsplit("/", 1)[-1]
    if is_page_path(path):
        return PAGE_CONTENT_TYPE
    return next(spec.content_type for spec in FORMATS.values() if spec.file_name == name)


def is_subscription_path(path: str) -> bool:
    """True for a subscription document's path, False for an archive page's or a page's
    for people (hubs are told of feeds only)."""
    return _ARCHIVE_PATH.match(path) is None and not is_page_path(path)


@dataclass(frozen=True)
class FeedLinks:
    """Where a document lives and what it links to besides its entries.

    Paths are folders under the output folder (``""``, ``category/<term>/``), each holding
    one file per format; a link to another document goes to the file of the same format.
    """

    folder: str
    #: WebSub hubs that announce this document (subscription documents only).
    hubs: tuple[str, ...] = ()
    #: The folder of the archive document before this one (RFC 5005 ``prev-archive``).
    prev_archive: str | None = None
    #: The folder of the archive document after this one (RFC 5005 ``next-archive``); the
    #: newest archive document has none.
    next_archive: str | None = None
    #: For an archive document: its subscription document's folder (``current``).
    current: str | None = None
    #: An RFC 5005 archive document: it carries ``<fh:archive/>``.
    archive: bool = False
    #: The document holds every entry of its feed (RFC 5005 section 2): it carries
    #: ``<fh:complete/>`` and no archive link.
    complete: bool = False

    def extra(self, fmt: Format) -> list[tuple[str, str]]:
        """Links beside ``self`` as (rel, path or URL): hubs, then the archive links."""
        links = [("hub", hub) for hub in self.hubs]
        for rel, folder in (
            ("prev-archive", self.prev_archive),
            ("next-archive", self.next_archive),
            ("current", self.current),
        ):
            if folder is not None:
                links.append((rel, folder + FEED_FILES[fmt]))
        return links

    def prev_archive_path(self, fmt: Format) -> str | None:
        """The path of the archive document before this one in format ``fmt``, if any."""
        return None if self.prev_archive is None else self.prev_archive + FEED_FILES[fmt]

    def path(self, fmt: Format) -> str:
        """The path of this document in format ``fmt``."""
        return self.folder + FEED_FILES[fmt]

    def fingerprint(self, fmt: Format) -> str:
        """Everything here a document in ``fmt`` shows, as text for its digest: a link that
        changes (a newer page adds ``next-archive`` to the one before) re-renders the document.
        A JSON Feed shows its own URL, its hubs and the page before (``next_url``) only
        (``output/jsonfeed.py``): a feed that gains or loses the rest keeps its JSON Feed."""
        shown = [self.folder, *self.hubs, f"prev={self.prev_archive}"]
        if fmt != "json":
            shown += [
                f"next={self.next_archive}",
                f"current={self.current}",
                f"archive={self.archive}",
                f"complete={self.complete}",
            ]
        return "\x1e".join(shown)
