"""The format table (``output/formats.py``): each format is the same format to every part that
reads the table, and a format in the table without a working renderer or validator is caught."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import get_args

import pytest
from click.testing import CliRunner
from lxml import etree
from werkzeug.test import Client

import feedpub
from feedpub import Article, Author, Category
from feedpub.cli import main
from feedpub.config import ALL_FORMATS, parse_config
from feedpub.model import FeedPlan, Format
from feedpub.output import formats as formats_module
from feedpub.output.formats import FORMATS, Document, FormatSpec
from feedpub.output.paths import CONTENT_TYPES, FEED_FILES, FeedLinks, is_feed_path
from feedpub.serve import content_type, wsgi_app
from feedpub.validate import validate_feed
from feedpub.validate.engine import format_of

ZONE = timezone(timedelta(hours=7))
NOW = datetime(2023, 1, 1, tzinfo=ZONE)
SETTINGS = {
    "title": "Site",
    "link": "https://example.com/",
    "description": "All the news.",
    "timezone": "Asia/Jakarta",
    "feeds_url": "https://example.com/feeds/",
}
CONFIG = parse_config(SETTINGS, "test.toml")
STORY = Article(
    id="2022/a",
    title="A story",
    published=datetime(2022, 12, 2, 8, 0, tzinfo=ZONE),
    source="articles/a.json",
    url="https://example.com/a/",
    content_html="<p>Body &amp; more</p>",
    summary="Body & more",
    authors=(Author(name="Ana", email="ana@example.com"),),
    categories=(Category("news", "News"),),
)
#: A subscription document with a hub and an archive page before it, and an archive page.
LINKS = (
    FeedLinks("", hubs=("https://hub.example.com/",), prev_archive="archive/2022-11/"),
    FeedLinks("archive/2022-12/", prev_archive="archive/2022-11/", current="", archive=True),
)


def _bare(spec: FormatSpec) -> Document:
    """The least document of the format's syntax: its root alone, or an empty JSON object;
    every format's validator must find something missing in it."""
    if spec.syntax == "json":
        return Document(b"{}", "bare", False)
    namespace = f' xmlns="{spec.root_namespace}"' if spec.root_namespace else ""
    data = f"<{spec.root_name}{namespace}/>".encode()
    return Document(data, "bare", False, etree.ElementTree(etree.fromstring(data)))


def format_flaws(spec: FormatSpec, folder: Path) -> Iterator[str]:
    """What is wrong with ``spec`` as the parts of feedpub see it (nothing, for a sound one):
    its renderer writes documents `feedpub validate` takes for this format and finds valid,
    its validator rejects a bare document, and paths, serve and config agree with the table."""
    for links in LINKS:
        data = spec.render(FeedPlan(None, (STORY,)), CONFIG.feed, links)
        found = format_of(data)
        if found is None or found.name != spec.name:
            yield f"its renderer writes {found.name if found else 'no known format'}"
            continue
        problems = validate_feed(data, links.path(spec.name), publishing=True)
        if problems:
            yield f"its document at {links.path(spec.name)!r} is invalid: {problems[0]}"
        path = folder / links.path(spec.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        # serve names a file by its name, and a file of another name by its first bytes.
        for name in (path, path.with_name("copy" + spec.suffix)):
            if content_type(name, data) != spec.content_type:
                yield f"serve gives {name.name} the type {content_type(name, data)!r}"
    if not spec.validate(_bare(spec)):
        yield "its validator finds nothing wrong in a bare document"
    if not is_feed_path(spec.file_name) or FEED_FILES.get(spec.name) != spec.file_name:
        yield f"paths do not publish it as {spec.file_name}"
    if CONTENT_TYPES.get(spec.name) != spec.content_type:
        yield "paths give it another content type"
    if spec.name not in ALL_FORMATS:
        yield "the config does not know its name"


def test_the_table_is_every_format_once_in_the_configs_order() -> None:
    assert tuple(FORMATS) == ALL_FORMATS == get_args(Format)
    assert all(name == spec.name for name, spec in FORMATS.items())
    assert len({spec.file_name for spec in FORMATS.values()}) == len(FORMATS)
    assert len({(spec.syntax, spec.marker) for spec in FORMATS.values()}) == len(FORMATS)
    assert {name: spec.file_name for name, spec in FORMATS.items()} == FEED_FILES
    assert {name: spec.content_type for name, spec in FORMATS.items()} == CONTENT_TYPES


@pytest.mark.parametrize("name", list(FORMATS))
def test_each_format_is_the_same_format_to_every_part(name: Format, tmp_path: Path) -> None:
    assert list(format_flaws(FORMATS[name], tmp_path)) == []


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_config_of_one_format_publishes_only_its_files(name: Format, tmp_path: Path) -> None:
    config = parse_config({**SETTINGS, "formats": [name]}, "test.toml")
    assert config.syndication.formats == (name,)
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.json").write_text(
        '{"id": "a", "title": "A", "date_published": "2022-12-02T08:00:00+07:00",'
        ' "url": "https://example.com/a/", "summary": "A story."}'
    )
    report = feedpub.build(
        articles, tmp_path / "public", config, state_dir=tmp_path / ".state", now=NOW
    )
    assert report.exit_code == 0
    public = tmp_path / "public"
    # Every document the build wrote (beside them: the owner marker, a hidden file), and the
    # pages for people, which offer that format only.
    written = {p.name for p in public.rglob("*") if p.is_file() and not p.name.startswith(".")}
    assert written == {FORMATS[name].file_name, "index.html"}
    directory = (public / "index.html").read_text()
    for spec in FORMATS.values():
        assert (f'type="{spec.media_type}"' in directory) is (spec.name == name)


def test_feedpub_validate_takes_each_format_for_itself(tmp_path: Path) -> None:
    paths = []
    for spec in FORMATS.values():
        path = tmp_path / spec.file_name
        path.write_bytes(spec.render(FeedPlan(None, (STORY,)), CONFIG.feed, LINKS[0]))
        paths.append(str(path))
    result = CliRunner().invoke(main, ["validate", "--strict", *paths])
    assert result.exit_code == 0, result.output
    assert result.output == f"{len(FORMATS)} document(s): 0 error(s), 0 warning(s)\n"


def test_serve_gives_each_format_its_tables_type(tmp_path: Path) -> None:
    for spec in FORMATS.values():
        data = spec.render(FeedPlan(None, (STORY,)), CONFIG.feed, LINKS[1])
        (tmp_path / "archive" / "2022-12").mkdir(parents=True, exist_ok=True)
        (tmp_path / "archive" / "2022-12" / spec.file_name).write_bytes(data)
    client = Client(wsgi_app(tmp_path))
    for spec in FORMATS.values():
        response = client.get(f"/archive/2022-12/{spec.file_name}")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == spec.content_type
    listing = client.get("/archive/2022-12/").get_data(as_text=True)
    for spec in FORMATS.values():
        assert f'type="{spec.media_type}" href="/archive/2022-12/{spec.file_name}"' in listing


# -- the checks above catch a format whose parts do not fit ------------------------------


def _renders_another_format(spec: FormatSpec) -> FormatSpec:
    """A row copied from another format, its renderer left unchanged."""
    other = next(s for s in FORMATS.values() if s is not spec)
    return dataclasses.replace(spec, render=other.render)


def _validates_nothing(spec: FormatSpec) -> FormatSpec:
    """A format whose validator was left out (a stand-in that accepts everything)."""
    return dataclasses.replace(spec, validate=lambda document: [])


def _marked_wrongly(spec: FormatSpec) -> FormatSpec:
    """A format whose marker is not what its documents carry: nothing recognises them."""
    return dataclasses.replace(spec, marker=spec.marker + "-not")


def _named_for_another_file(spec: FormatSpec) -> FormatSpec:
    """A row whose file name paths (and so targets) do not publish."""
    return dataclasses.replace(spec, file_name="feed.txt")


@pytest.mark.parametrize("name", list(FORMATS))
@pytest.mark.parametrize(
    ("breaking", "flaw"),
    [
        (_renders_another_format, "its renderer writes "),
        (_validates_nothing, "its validator finds nothing wrong"),
        # validate reads any JSON as the one JSON format; serve goes by the marker alone.
        (_marked_wrongly, ("its renderer writes no known format", "serve gives copy")),
        (_named_for_another_file, "paths do not publish it"),
    ],
)
def test_a_format_missing_a_part_is_caught(
    name: Format,
    breaking: Callable[[FormatSpec], FormatSpec],
    flaw: str | tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    broken = breaking(FORMATS[name])
    # In the table in the sound one's place, where validate and serve recognise formats.
    specs = tuple(broken if spec.name == name else spec for spec in formats_module._SPECS)
    monkeypatch.setattr(formats_module, "_SPECS", specs)
    assert any(found.startswith(flaw) for found in format_flaws(broken, tmp_path))


# -- no import circle through the table --------------------------------------------------


def _imports(module: Path, modules: set[str]) -> set[str]:
    """The feedpub modules ``module`` imports, at the top or inside functions (an import in a
    function still ties the modules), but not those under ``if TYPE_CHECKING``."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for statement in child.orelse:
                    visit(statement)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name in modules)
            elif isinstance(child, ast.ImportFrom) and child.module and not child.level:
                for alias in child.names:
                    full = f"{child.module}.{alias.name}"
                    found.add(full if full in modules else child.module)
            visit(child)

    visit(ast.parse(module.read_text(encoding="utf-8")))
    return found & modules


def _module_graph() -> dict[str, set[str]]:
    package = Path(feedpub.__file__).parent
    files = {
        ".".join(p.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__"): p
        for p in package.rglob("*.py")
    }
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), list(graph[start])
    while todo:
        name = todo.pop()
        if name == goal:
            return True
        if name not in seen:
            seen.add(name)
            todo.extend(graph[name])
    return False


def test_no_import_circle_passes_through_the_format_table() -> None:
    graph = _module_graph()
    table = "feedpub.output.formats"
    assert table in graph["feedpub.output.paths"] and table in graph["feedpub.validate.engine"]
    # Every module the table imports (renderers, validators) never leads back to it.
    circles = [name for name in graph[table] if _reaches(graph, name, table)]
    assert circles == []
    assert graph[table] >= {"feedpub.output.render", "feedpub.output.jsonfeed"}


def test_the_walk_sees_a_circle_made_by_an_import_inside_a_function(tmp_path: Path) -> None:
    first, second = tmp_path / "first.py", tmp_path / "second.py"
    first.write_text("import second\n")
    second.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import third\n"
        "def late():\n    from first import x\n"
    )
    modules = {"first", "second", "third"}
    graph = {"first": _imports(first, modules), "second": _imports(second, modules)}
    assert graph == {"first": {"second"}, "second": {"first"}}
    assert _reaches({**graph, "third": set()}, "first", "first")
