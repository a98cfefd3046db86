"""Every module of the package imports alone (in a fresh interpreter), and the package's
own imports form no cycle: the layers point one way (ARCHITECTURE.md)."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "newsgrep"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, at any level (top or inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
                   for n in ast.walk(block)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # (annotations only: never imported at run time)
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for t in targets:
            while t and t not in modules:
                t = t.rpartition(".")[0]
            # (a module's own packages are imported before it: not an edge)
            if t and t != name and t.startswith("newsgrep") and not name.startswith(t + "."):
                found.add(t)
    return found


def test_each_module_imports_alone():
    names = [n for n in _modules() if n != "newsgrep.__main__"]
    code = ("import importlib, sys\n"
            "for name in sys.argv[1:]:\n"
            "    for m in [m for m in sys.modules if m.startswith('newsgrep')]:\n"
            "        del sys.modules[m]\n"
            "    importlib.import_module(name)\n")
    # one interpreter per module would take a minute; a fresh module table per import
    # finds the same missing or circular imports
    out = subprocess.run([sys.executable, "-c", code, *names], cwd=REPO, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr


def test_no_import_cycles():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        graph[name] = _imports(name, path, modules)
    # Imports inside functions are lazy and cannot deadlock an import, but a cycle there
    # is still two layers pointing at each other: allowed only as listed here, for the
    # pickled names (newsgrep.schema, newsgrep.analysis re-export engine/whoosh lazily)
    # and the compatibility functions (searching/counting/suggest open an Archive).
    allowed = {("newsgrep.analysis", "newsgrep.engine.whoosh.analyzer"),
               ("newsgrep.schema", "newsgrep.engine.whoosh.schema"),
               ("newsgrep.searching", "newsgrep.archive"),
               ("newsgrep.counting", "newsgrep.archive"),
               ("newsgrep.suggest", "newsgrep.archive"),
               ("newsgrep.engine.whoosh.engine", "newsgrep.indexing.run"),
               ("newsgrep.indexing.run", "newsgrep.indexing.generic"),
               # articles/ (another branch's area): formats hands a file to the reader of
               # its layout (imported when needed), and the readers use its budgets
               ("newsgrep.articles.formats", "newsgrep.articles.containers"),
               ("newsgrep.articles.formats", "newsgrep.articles.records")}
    for a, b in allowed:
        graph[a].discard(b)
        graph[a].discard(b.rpartition(".")[0])  # (and its package, imported on the way)
    cycle = _find_cycle(graph)
    assert cycle is None, " -> ".join(cycle)


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            found = visit(n)
            if found:
                return found
    return None
