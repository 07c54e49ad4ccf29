"""``feedpub serve``: the output folder over HTTP, as a web server should serve feeds.

For previews and for pointing a local aggregator at the feeds. Built on werkzeug (the
WSGI toolkit under Flask): it parses requests, Accept-Encoding and conditional headers
and runs a threaded server, so this module only decides what each response says:

- ``Content-Type`` per format with ``; charset=utf-8``: ``application/rss+xml``,
  ``application/atom+xml``, ``application/feed+json`` (by file name, else by the root
  element for other ``.xml`` files, such as archive pages);
- a strong ``ETag`` (a digest of the bytes) and ``Last-Modified`` (the file's mtime), and
  ``304 Not Modified`` on ``If-None-Match`` / ``If-Modified-Since``; ``HEAD``;
- gzip when the client asks for it, with ``Vary: Accept-Encoding`` and its own ETag;
- ``Cache-Control`` suited to polling, longer under ``archive/`` (archive pages rarely change);
- 404 for anything outside the folder: ``..`` (encoded or not), hidden files (the
  publisher's temporary files start with a dot), and symlinks that lead out;
- a conditional date no datetime can hold (year 99999999999) is ignored, as an unreadable one;
- a feed's folder answers a browser (``Accept: text/html``, or no feed media type) with its
  page for people, the ``index.html`` the build wrote from the state (the root's is the
  directory of every feed), and a client that names a feed media type in ``Accept`` with
  that document (``Vary: Accept``);
- a folder without ``index.html`` (pages off) is listed from names alone: its feeds and its
  category feeds, then its subfolders (never a file's bytes, never a link that leads out);
- the request log is coloured only on a terminal, and never with ``NO_COLOR`` set.

With a :class:`Rebuilder`, a background thread rebuilds whenever a record or the config
changes; :func:`feedpub.build` is incremental, and the publisher replaces files
atomically, so a request sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import mimetypes
import os
import socket
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import parse_date
from werkzeug.security import safe_join
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.urls import uri_to_iri
from werkzeug.wrappers import Request, Response

from feedpub.errors import FeedpubError
from feedpub.output.formats import FORMATS, sniff_format

if TYPE_CHECKING:
    from feedpub.pipeline import BuildReport
    from feedpub.site import Run

__all__ = [
    "ARCHIVE_MAX_AGE",
    "FEED_MAX_AGE",
    "Rebuilder",
    "content_type",
    "feed_server",
    "log_colour",
    "serve_forever",
    "wsgi_app",
]

#: Seconds a cache may keep a feed: aggregators poll, and revalidate cheaply with the ETag.
FEED_MAX_AGE = 300
#: Seconds for files under ``archive/``: an archive page is rewritten rarely, if ever.
ARCHIVE_MAX_AGE = 86400
#: Below this many bytes gzip saves less than its header costs.
GZIP_MIN_BYTES = 256

#: Each format's file name and the type it is served as (from the format table).
_BY_NAME = {spec.file_name: spec.content_type for spec in FORMATS.values()}
#: Each format's file name by its media type, for content negotiation.
_BY_MEDIA_TYPE = {spec.media_type: spec.file_name for spec in FORMATS.values()}
_COMPRESSIBLE = ("application/", "text/", "image/svg+xml")


def content_type(path: Path, head: bytes) -> str:
    """The ``Content-Type`` for a file, given its first bytes (for archive pages and such)."""
    known = _BY_NAME.get(path.name)
    if known:
        return known
    spec = sniff_format(path.suffix, head[:2048])
    if spec is not None:
        return spec.content_type
    if path.suffix == ".xml":
        return "application/xml; charset=utf-8"
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/xml"):
        return f"{guessed}; charset=utf-8"
    return guessed


def _resolve(root: Path, url_path: str) -> Path | None:
    """The file or folder under ``root`` a (decoded) URL path names, or ``None`` for 404."""
    parts = [part for part in url_path.split("/") if part]
    # Hidden names (and so "." and ".."), and names no URL of ours contains, are never served.
    if any(part.startswith(".") or "\\" in part or "\x00" in part for part in parts):
        return None
    joined = safe_join(str(root), *parts)
    if joined is None:
        return None
    real = Path(os.path.realpath(joined))
    top = Path(os.path.realpath(root))
    if real != top and top not in real.parents:  # a symlink leading out of the folder
        return None
    return real if real.exists() else None


def _listing(root: Path, folder: Path, url_path: str) -> Response:
    """A small page listing a folder: its feeds and its category feeds (with the autodiscovery
    links a site's own pages should carry), then its subfolders.

    Only names are read (a few ``scandir`` calls, no file's bytes): the type of a feed comes
    from its file name through the format table, so archive pages are reached by following
    folders, not listed all at once. Hidden names and links leading out of ``root`` are left out.
    """
    top = os.path.realpath(root)
    feeds = _feeds_in(top, folder, "")
    for term in _folders_in(top, folder / "category"):
        feeds += _feeds_in(top, folder / "category" / term, f"category/{term}/")
    base = url_path if url_path.endswith("/") else url_path + "/"
    links, items = [], []
    for relative, kind in feeds:
        href = html.escape(base + relative)
        links.append(f'<link rel="alternate" type="{kind}" href="{href}">')
        items.append(f'<li><a href="{href}">{href}</a> <small>{kind}</small></li>')
    for name in _folders_in(top, folder):
        href = html.escape(base + name + "/")
        items.append(f'<li><a href="{href}">{href}</a></li>')
    page = (
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Feeds</title>\n'
        + "\n".join(links)
        + "\n</head><body><h1>Feeds</h1><ul>\n"
        + "\n".join(items)
        + "\n</ul></body></html>\n"
    )
    response = Response(page, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _shown_entries(top: str, folder: Path) -> list[os.DirEntry[str]]:
    """``folder``'s entries a listing may name: not hidden, and not a link leading out of
    ``top`` (the served folder, resolved)."""
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
    except OSError:  # not a folder, or gone: nothing to show
        return []
    shown = []
    for entry in entries:
        if entry.name.startswith(".") or "\\" in entry.name:
            continue
        if entry.is_symlink():
            real = os.path.realpath(entry.path)
            if real != top and not real.startswith(top.rstrip(os.sep) + os.sep):
                continue
        shown.append(entry)
    return shown


def _feeds_in(top: str, folder: Path, prefix: str) -> list[tuple[str, str]]:
    """The subscription documents directly in ``folder``: (path under the listing, media type)."""
    return [
        (prefix + entry.name, _BY_NAME[entry.name].split(";")[0])
        for entry in _shown_entries(top, folder)
        if entry.name in _BY_NAME and entry.is_file()
    ]


def _folders_in(top: str, folder: Path) -> list[str]:
    """The names of ``folder``'s subfolders a listing may show."""
    return [entry.name for entry in _shown_entries(top, folder) if entry.is_dir()]


def _negotiated(request: Request, folder: Path) -> Path | None:
    """The feed document in ``folder`` a client asked for by media type, if any: the one
    ``Accept`` names (not by a wildcard) with the highest quality, when that is at least
    text/html's (a browser, which names no feed type, gets the page)."""
    accept = request.accept_mimetypes
    page = max(
        (q for value, q in accept if value in ("text/html", "application/xhtml+xml")), default=0
    )
    best: tuple[float, Path] | None = None
    for value, quality in accept:
        name = _BY_MEDIA_TYPE.get(value)
        if name is None or quality <= 0 or quality < page:
            continue
        candidate = folder / name
        if candidate.is_file() and (best is None or quality > best[0]):
            best = (quality, candidate)
    return None if best is None else best[1]


def _file_response(request: Request, path: Path, relative: str) -> Response:
    data = path.read_bytes()
    mtime = datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    kind = content_type(path, data)
    digest = hashlib.blake2b(data, digest_size=12).hexdigest()
    response = Response(content_type=kind)
    compressible = kind.startswith(_COMPRESSIBLE) and len(data) >= GZIP_MIN_BYTES
    if compressible:
        response.vary.add("Accept-Encoding")
    if compressible and request.accept_encodings["gzip"]:
        # mtime=0: the same file always compresses to the same bytes, under the same ETag.
        response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
        response.content_encoding = "gzip"
        response.set_etag(f"{digest}-gzip")
    else:
        response.set_data(data)
        response.set_etag(digest)
    response.last_modified = mtime
    archive = relative.startswith("archive/") or "/archive/" in relative
    response.cache_control.public = True
    response.cache_control.max_age = ARCHIVE_MAX_AGE if archive else FEED_MAX_AGE
    response = response.make_conditional(request)
    # make_conditional stamps a Date, and the server sends its own: HTTP allows one.
    del response.headers["Date"]
    return response


#: The conditional headers that may carry a date (If-Range may carry an ETag instead).
_DATE_CONDITIONS = ("HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_RANGE")


def _without_absurd_dates(environ: dict[str, Any]) -> dict[str, Any]:
    """``environ`` less any conditional date no datetime can hold (year 99999999999 makes
    werkzeug's parser overflow): such a condition is treated as absent, as an unreadable one is."""
    absurd = []
    for key in _DATE_CONDITIONS:
        value = environ.get(key)
        if value is None:
            continue
        try:
            parse_date(value)
        except (OverflowError, ValueError, TypeError, IndexError):
            absurd.append(key)
    if not absurd:
        return environ
    return {key: value for key, value in environ.items() if key not in absurd}


def wsgi_app(out_dir: Path) -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """A WSGI application serving ``out_dir`` (GET and HEAD only)."""
    root = Path(out_dir)

    def handle(request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
        path = _resolve(root, request.path)
        if path is None:
            raise NotFound()
        negotiated = False
        if path.is_dir():
            negotiated = True
            chosen = _negotiated(request, path)
            index = path / "index.html"
            if chosen is not None:
                path = chosen
            elif index.is_file():
                path = index
            else:
                return _listing(root, path, request.path)
        relative = path.relative_to(os.path.realpath(root)).as_posix()
        response = _file_response(request, path, relative)
        if negotiated:
            response.vary.add("Accept")
        return response

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(_without_absurd_dates(environ))
        try:
            response = handle(request)
        except HTTPException as exc:
            return exc(environ, start_response)
        except OSError:  # a file replaced or removed between the lookup and the read
            return NotFound()(environ, start_response)
        return response(environ, start_response)

    return application


class Rebuilder:
    """Rebuilds the feeds when a record file or the config changes.

    :meth:`check` compares a cheap signature (the path, size and mtime of every record
    file and of the config) with the last one and, when it changed, resolves the run again
    through ``resolve`` (the same flags each time, so ``--set`` and the config's ``out``
    hold for every rebuild) and builds it (incremental: only what changed is read and
    rendered). A preview tells no WebSub hub unless ``ping``. ``now`` is the clock,
    injected so tests and previews can pin it.
    """

    def __init__(
        self,
        resolve: Callable[[], Run],
        *,
        now: Callable[[], datetime],
        ping: bool = False,
        on_report: Callable[[BuildReport], None] | None = None,
        on_error: Callable[[FeedpubError], None] | None = None,
    ) -> None:
        self.resolve = resolve
        self.run = resolve()  # a bad config is the caller's error before anything listens
        self.now = now
        self.ping = ping
        self.on_report = on_report
        self.on_error = on_error
        self._signature: int | None = None

    def signature(self) -> int:
        """A digest of what a build reads: record files' paths, sizes and mtimes, the config's."""
        entries = []
        for folder, dirs, files in os.walk(self.run.articles_dir):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in files:
                if name.endswith((".json", ".jsonl")) and not name.startswith("."):
                    path = os.path.join(folder, name)
                    try:
                        stat = os.stat(path)
                    except OSError:  # removed while walking: the next check sees it
                        continue
                    entries.append((path, stat.st_size, stat.st_mtime_ns))
        config_path = self.run.config_path
        try:
            stat = config_path.stat()
            entries.append((str(config_path), stat.st_size, stat.st_mtime_ns))
        except OSError:
            entries.append((str(config_path), -1, -1))
        return hash(tuple(sorted(entries)))

    def check(self) -> BuildReport | None:
        """Build when anything changed since the last check (always, the first time)."""
        from feedpub.site import build_site  # the pipeline is only needed with --build

        signature = self.signature()
        if signature == self._signature:
            return None
        self._signature = signature  # a failed build is not retried until something changes
        try:
            self.run = self.resolve()
            report = build_site(self.run, now=self.now(), ping=self.ping)
        except FeedpubError as exc:
            if self.on_error is not None:
                self.on_error(exc)
            return None
        if self.on_report is not None:
            self.on_report(report)
        return report


def log_colour(environ: Mapping[str, str] | None = None, stream: IO[str] | None = None) -> bool:
    """Whether the request log may use colour: on a terminal, unless ``NO_COLOR`` is set
    (https://no-color.org: any value but the empty one)."""
    environ = os.environ if environ is None else environ
    stream = sys.stderr if stream is None else stream
    return not environ.get("NO_COLOR") and stream.isatty()


class _RequestLog(WSGIRequestHandler):
    """werkzeug's handler, whose request log styles by status with ANSI codes whatever the
    log is written to: plain here unless ``colour``."""

    colour = False

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        if self.colour:
            super().log_request(code, size)
            return
        try:
            line = f"{self.command} {uri_to_iri(self.path)} {self.request_version}"
        except AttributeError:  # no path: the request line itself was bad
            line = self.requestline
        self.log("info", '"%s" %s %s', line.translate(self._control_char_table), code, size)


def feed_server(
    out_dir: Path, host: str = "127.0.0.1", port: int = 8000, *, colour: bool | None = None
) -> BaseWSGIServer:
    """A threaded HTTP server for ``out_dir``, bound and ready for ``serve_forever()``.

    Raises :class:`OSError` when the address cannot be used (werkzeug itself would print
    and exit), so the socket is bound here and handed over. The request log (werkzeug's, on
    standard error) is coloured when ``colour``, by default per :func:`log_colour`.
    """
    handler = type(
        "RequestLog", (_RequestLog,), {"colour": log_colour() if colour is None else colour}
    )
    with socket.create_server((host, port)) as listening:
        return make_server(
            host,
            port,
            wsgi_app(out_dir),
            threaded=True,
            request_handler=handler,
            fd=listening.fileno(),
        )


def serve_forever(
    server: BaseWSGIServer, rebuilder: Rebuilder | None = None, *, interval: float = 1.0
) -> None:
    """Serve until interrupted; with a ``rebuilder``, check for changes every ``interval`` s."""
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            rebuilder.check()  # type: ignore[union-attr]

    watcher = threading.Thread(target=watch, name="feedpub-rebuild", daemon=True)
    if rebuilder is not None:
        watcher.start()
    try:
        server.serve_forever()
    finally:
        stop.set()
        if rebuilder is not None:
            watcher.join()
        server.server_close()
