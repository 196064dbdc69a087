"""Layers are folders: no service's domain imports a framework or an I/O library (house style 1),
pydantic included: the words a domain shares with the contracts (shared/vocabulary.py) and the UK
formats (shared/uk.py) are standard library, and the contracts re-export them (issue 17).

Imports are read with `ast`, so a name in a comment or a string does not count and an import
inside a function or a TYPE_CHECKING block does. Modules of our own that a domain imports are
followed too, so a framework cannot slip in through a helper.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = frozenset({
    "fastapi", "faststream", "nats", "psycopg", "sqlite3", "httpx", "starlette", "uvicorn",
    "pydantic_settings", "pydantic",
})
OUR_PACKAGES = frozenset({"services", "shared", "assure"})


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module a piece of source imports, relative imports resolved against `module`."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, module, is_package)
            found.add(base)
            # `from shared import settings` imports the module shared.settings.
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def _absolute(name: str | None, level: int, module: str, is_package: bool) -> str:
    if level == 0:
        return name or ""
    parts = module.split(".")
    anchor = parts if is_package else parts[:-1]
    anchor = anchor[: len(anchor) - (level - 1)]
    return ".".join([*anchor, name] if name else anchor)


def source_of(module: str) -> tuple[Path, bool] | None:
    """Our own module's file and whether it is a package; None for anything not ours."""
    if module.split(".")[0] not in OUR_PACKAGES:
        return None
    path = ROOT.joinpath(*module.split("."))
    if (path / "__init__.py").is_file():
        return path / "__init__.py", True
    if path.with_suffix(".py").is_file():
        return path.with_suffix(".py"), False
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def forbidden_imports(start: str) -> dict[str, list[str]]:
    """Forbidden modules reachable from `start` through our own modules, with the path taken."""
    found: dict[str, list[str]] = {}
    seen: set[str] = set()
    stack = [[module] for module in with_parents(start)]
    while stack:
        chain = stack.pop()
        module = chain[-1]
        located = source_of(module)
        if module in seen or located is None:
            continue
        seen.add(module)
        path, is_package = located
        for imported in imported_modules(path.read_text(), module, is_package):
            if imported.split(".")[0] in FORBIDDEN:
                found.setdefault(imported, chain)
            else:
                stack.extend([*chain, package] for package in with_parents(imported))
    return found


def with_parents(module: str) -> list[str]:
    """Importing a.b.c runs a/__init__.py and a/b/__init__.py as well."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


DOMAIN_MODULES = sorted(
    module_name(path) for path in ROOT.glob("services/*/domain/**/*.py")
)


def test_every_service_has_a_domain_to_check():
    services = {p.name for p in (ROOT / "services").iterdir() if (p / "domain").is_dir()}

    assert services == {"intake", "risk", "escalation", "notify"}
    assert len(DOMAIN_MODULES) >= 4 * 2


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_a_domain_module_imports_no_framework_or_io_library(module):
    found = forbidden_imports(module)

    assert not found, "\n".join(
        f"{module} imports {library} via {' -> '.join(chain)}" for library, chain in found.items()
    )


# The checker itself, so a passing test above means something.


@pytest.mark.parametrize("source", [
    "import nats",
    "import nats.js.api",
    "from fastapi import APIRouter",
    "from faststream.nats import NatsBroker",
    "import sqlite3 as db",
    "from psycopg import sql",
    "def f():\n    import httpx",
    "if TYPE_CHECKING:\n    from starlette.requests import Request",
    "from pydantic_settings import BaseSettings",
    "from pydantic import BaseModel",
    "import os, uvicorn",
])
def test_the_checker_catches_a_framework_import(source):
    imported = imported_modules(source, "services.example.domain.thing")

    assert {name.split(".")[0] for name in imported} & FORBIDDEN


@pytest.mark.parametrize("source", [
    "# import nats",
    "text = 'from fastapi import APIRouter'",
    "from eventsourcing.domain import Aggregate, event",
    "from shared.contracts.risk import Band",
    "import natsort",
    "from decimal import Decimal",
])
def test_the_checker_ignores_comments_strings_and_allowed_imports(source):
    imported = imported_modules(source, "services.example.domain.thing")

    assert not {name.split(".")[0] for name in imported} & FORBIDDEN


def test_the_checker_follows_our_own_modules_to_a_framework():
    # shared.settings is built on pydantic-settings; a domain importing it would be caught.
    found = forbidden_imports("shared.settings")

    assert "pydantic_settings" in found
    assert found["pydantic_settings"] == ["shared.settings"]


# The kernel of shared/ a domain may import: standard library only, so no framework reaches a
# domain through it.
@pytest.mark.parametrize("module", ["shared.vocabulary", "shared.uk", "shared.domain",
                                    "shared.clock", "shared.topics"])
def test_the_shared_kernel_imports_no_framework(module):
    assert forbidden_imports(module) == {}


def test_the_checker_finds_pydantic_behind_the_contracts_and_the_date_types():
    assert "pydantic" in {name.split(".")[0] for name in forbidden_imports("shared.contracts.risk")}
    assert forbidden_imports("shared.uk_types")["pydantic"] == ["shared.uk_types"]


@pytest.mark.parametrize("service", ["intake", "risk", "escalation", "notify"])
def test_the_checker_finds_the_framework_in_each_services_entry_points(service):
    # The entry points are where FastAPI belongs; the checker must see it there.
    assert "fastapi" in {name.split(".")[0] for name in
                         forbidden_imports(f"services.{service}.entrypoints.api")}


def test_the_checker_follows_a_module_into_the_packages_that_hold_it():
    assert with_parents("services.risk.domain.scoring") == [
        "services", "services.risk", "services.risk.domain", "services.risk.domain.scoring"]


def test_the_checker_resolves_relative_imports():
    imported = imported_modules("from .scoring import Score\nfrom .. import application",
                                "services.risk.domain.triggers")

    assert {"services.risk.domain.scoring", "services.risk.domain.scoring.Score",
            "services.risk", "services.risk.application"} <= imported
