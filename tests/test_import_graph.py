"""The project's modules import one another in layers, never in a circle: a module that
needs a name from one that needs it back is a sign the name belongs in a third (as the
archive stores' base, a file's refusal and the calendar's settings did)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("common", "workflows", "activities", "api", "signing", "reporting", "commands")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports, wherever the import stands (in a function too:
    an import put there to dodge a circle still makes one)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            # `from pkg import mod` names a module too.
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in names if name in modules)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_of(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    modules = set(files)
    return {module: _imports(path, modules) - {module} for module, path in files.items()}


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of two or more modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_no_module_of_the_project_imports_one_that_imports_it_back() -> None:
    graph = _graph()
    assert len(graph) > 100, "the project's modules were not found"
    assert _circles(graph) == []


def test_a_circle_is_found_when_there_is_one() -> None:
    """The check itself: a package's face importing its parts, one of them the face back."""
    graph = {"a": {"a.base", "a.s3"}, "a.base": set(), "a.s3": {"a.base", "b"}, "b": {"a"}}
    assert _circles(graph) == [["a", "a.s3", "b"]]
