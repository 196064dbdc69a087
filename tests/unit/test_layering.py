"""The layering of the code: what may import what, and no import circles (domains free of
frameworks: test_domain_imports.py).

The import rules are import-linter contracts in pyproject.toml (`[tool.importlinter]`), so a
reader finds them in one place and `lint-imports` explains a breach; this test runs them. Import
circles are found with grimp (import-linter's own graph library): the strongly connected
components of the module graph, lazy imports inside functions included, because a circle through
a function-level import is still a circle a reader has to hold in their head.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]

# Circles that are known and have an issue of their own. This set may only shrink; a new circle
# fails the test. (Issue 17 emptied it: notify's application mixins and its routing
# configuration no longer import one another round a loop.)
KNOWN_CIRCLES: set[frozenset[str]] = set()


def circles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """Every set of two or more modules that import one another, directly or round a loop:
    the strongly connected components of the graph (Kosaraju's two passes, iteratively, so a
    deep graph cannot overflow the stack)."""
    modules = sorted(graph.modules)
    imports = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in modules}
    imported_by = {m: sorted(graph.find_modules_that_directly_import(m)) for m in modules}
    finished: list[str] = []
    seen: set[str] = set()
    for root in modules:
        finished.extend(_finishing_order(root, imports, seen))
    assigned: set[str] = set()
    found = set()
    for root in reversed(finished):
        if root not in assigned:
            component = _reachable(root, imported_by, assigned)
            if len(component) > 1:
                found.add(frozenset(component))
    return found


def _finishing_order(root: str, edges: dict[str, list[str]], seen: set[str]) -> list[str]:
    """Depth-first from root over unseen modules, each listed once all it reaches is done."""
    if root in seen:
        return []
    order, seen_now = [], seen
    seen_now.add(root)
    stack = [(root, iter(edges[root]))]
    while stack:
        module, targets = stack[-1]
        target = next((t for t in targets if t not in seen_now), None)
        if target is None:
            stack.pop()
            order.append(module)
        else:
            seen_now.add(target)
            stack.append((target, iter(edges[target])))
    return order


def _reachable(root: str, edges: dict[str, list[str]], assigned: set[str]) -> set[str]:
    """The modules not yet in a component that root reaches (root included)."""
    component, stack = {root}, [root]
    assigned.add(root)
    while stack:
        for target in edges[stack.pop()]:
            if target not in assigned:
                assigned.add(target)
                component.add(target)
                stack.append(target)
    return component


def test_the_import_contracts_in_pyproject_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True,
                        no_logo=True) == 0, (
        "an import breaks a layering rule: run `lint-imports` for the explanation"
    )


def test_no_import_circle_but_the_known_ones_remains(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("shared", "services", "assure", cache_dir=None)
    new = circles(graph) - KNOWN_CIRCLES
    assert not new, f"new import circles: {[sorted(circle) for circle in new]}"


def test_the_circle_finder_finds_a_circle(tmp_path, monkeypatch):
    package = tmp_path / "loop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from loop import b\n")
    (package / "b.py").write_text("def later():\n    from loop import c\n")
    (package / "c.py").write_text("import loop.a\n")
    (package / "d.py").write_text("import loop.a\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("loop", None)
    graph = grimp.build_graph("loop", cache_dir=None)
    assert circles(graph) == {frozenset({"loop.a", "loop.b", "loop.c"})}
