"""A service's worker process (`assure up`, assure/worker.py) imports its own service alone and
none of the HTTP side: importing all four services with their routes, FastAPI and the console
was most of each worker's start (issue 15). Checked in a fresh interpreter, as a worker starts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shared.runtime import SERVICES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# What only the HTTP side (the front process) uses, or only a request for a file needs.
HTTP_SIDE = ("fastapi", "uvicorn", "jinja2", "fpdf", "faststream", "openpyxl", "assure.gateway",
             "assure.console", "assure.report", "assure.reporting")

# What `python -m assure.worker <service>` loads before it connects to NATS: the worker module,
# its service's definition (assure.worker.definition_of), the application and the runtime.
LOADED = """
import importlib, json, sys
from pathlib import Path
import assure.worker
from shared.settings import AssureSettings
definition = importlib.import_module(f"services.{sys.argv[1]}.bootstrap").SERVICE
settings = AssureSettings(data_dir=Path(sys.argv[2]), nats_url="nats://127.0.0.1:1")
app = definition.build(settings)
definition.runtime(app, settings, settings.nats_url)
app.close()
print(json.dumps(sorted(sys.modules)))
"""


def modules_of_a_worker(service: str, data_dir: Path) -> list[str]:
    """Every module loaded once a worker has made its service's application and runtime."""
    done = subprocess.run([sys.executable, "-c", LOADED, service, str(data_dir)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return list(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("service", SERVICES)
def test_a_worker_imports_its_own_service_and_nothing_of_the_http_side(
        service: str, tmp_path: Path) -> None:
    loaded = modules_of_a_worker(service, tmp_path)
    assert f"services.{service}.application" in loaded
    assert {m.split(".")[1] for m in loaded if m.startswith("services.")} == {service}
    assert f"services.{service}.entrypoints.api" not in loaded  # its routes
    assert not [m for m in loaded if m.split(".")[0] in HTTP_SIDE or m in HTTP_SIDE
                or m.startswith(tuple(f"{p}." for p in HTTP_SIDE))]
    # Its store is SQLite here: nothing of PostgreSQL's (shared/views/postgres.py).
    assert not [m for m in loaded if m.split(".")[0] in ("psycopg", "psycopg_pool")]
