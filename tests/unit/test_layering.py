"""The layering of the code: what may import what, and no import circles.

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

# Circles that are known and have an issue of their own (issue 17, "one shape for every
# service"): notify's application mixins and its routing configuration. This list may only
# shrink; a new circle fails the test.
KNOWN_CIRCLES = {
    frozenset({"services.notify.application", "services.notify.deliveries",
               "services.notify.schedule"}),
    frozenset({"services.notify.domain.config", "services.notify.domain.defaults",
               "services.notify.domain.routing", "services.notify.domain.templates"}),
}


def circles(graph: grimp.ImportGraph) -> set[frozenset[str]]:
    """Every set of two or more modules that import one another, directly or round a loop
    (Tarjan's strongly connected components, iteratively, so deep graphs cannot overflow)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append(
                        (target, iter(sorted(graph.find_modules_directly_imported_by(target)))))
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.add(frozenset(component))
    return found


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
