"""The package's shape: imports go one way (ARCHITECTURE.md, "Dependency direction"), no
import circle anywhere in feedpub/, and no module over 600 lines."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "feedpub"

#: The parts: each owns its settings and never imports the layers above it.
PARTS = ("feedpub.records", "feedpub.output", "feedpub.validate", "feedpub.state")
#: What assembles and drives the parts: no part may import these (not even for types).
ABOVE_THE_PARTS = (
    "feedpub.config",
    "feedpub.pipeline",
    "feedpub.site",
    "feedpub.serve",
    "feedpub.scaffold",
    "feedpub.hints",
    "feedpub.cli",
)
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _under_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, *, types: bool) -> Iterator[str | tuple[str, ...]]:
    """What a module imports, at any depth (inside functions too): a module's name, or for
    ``from a import b, c`` the names ``a.b`` and ``a.c`` with ``a`` last (``b`` may be a
    submodule or a name in ``a``); under ``if TYPE_CHECKING:`` only with ``types``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _under_type_checking(node) and not types:
            yield from (name for child in node.orelse for name in _imports(child, types=types))
            continue
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield (*(f"{node.module}.{alias.name}" for alias in node.names), node.module)
        yield from _imports(node, types=types)


def _graph(*, types: bool) -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found: set[str] = set()
        for imported in _imports(tree, types=types):
            if isinstance(imported, str):
                found.add(imported)
                continue
            *names, module = imported
            # `from a import b` depends on module a.b when b is one, else on a (a name in it).
            submodules = {n for n in names if n in modules}
            found |= submodules
            if submodules != set(names):
                found.add(module)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle_in_the_package() -> None:
    assert _circles(_graph(types=False)) == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert _circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


@pytest.mark.parametrize("part", PARTS)
def test_no_part_imports_what_assembles_it(part: str) -> None:
    graph = _graph(types=True)
    wrong = {
        (name, imported)
        for name, imports in graph.items()
        if name == part or name.startswith(part + ".")
        for imported in imports
        if any(imported == top or imported.startswith(top + ".") for top in ABOVE_THE_PARTS)
    }
    assert wrong == set()


def test_no_module_is_over_600_lines() -> None:
    long = {
        name: lines
        for name, path in _modules().items()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
