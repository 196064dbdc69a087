"""deploy/README.md's quick start, run as written (issue 19): `assure deploy init`, the NATS
server checked and started on the generated configuration (TLS, a user per service, encryption
at rest), and `assure up` against it until it is ready.

The lines between `<!-- quick-start -->` markers are run in one bash session, with only what a
shared test machine needs changed: the directory is a temporary one, nats-server gets free
client and monitoring ports (the machine's own NATS holds 4222 and 8222), `createdb` is skipped
(the test works in schemas of its own in the test database) and `assure up` gets a free port, a
temporary data directory and that database. Also: the Compose file and the Kubernetes manifests
parse, and name only files that exist."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
import yaml
from psycopg import sql

from shared.nats_server import free_port, nats_server_binary

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"


def quick_start() -> list[str]:
    text = (DEPLOY / "README.md").read_text()
    block = re.search(r"<!-- quick-start -->\s*```sh\n(.*?)```\s*<!-- /quick-start -->", text,
                      re.S)
    assert block, "deploy/README.md has lost its quick start"
    return [line for line in block.group(1).splitlines() if line.strip()]


def adapted(lines: list[str], tmp: Path, ports: dict[str, int], database: dict[str, str]
            ) -> str:
    """The quick start's lines with the test machine's changes (module docstring)."""
    script = ["set -euo pipefail"]
    for line in lines:
        line = line.replace("./assure-deploy", str(tmp / "assure-deploy"))
        if line.startswith("nats-server -c ") and line.endswith("&"):
            line = (f"{line[:-1].strip()} -p {ports['nats']} -m {ports['monitor']} "
                    f"-l {tmp}/nats.log & echo $! > {tmp}/nats.pid")
        elif line.startswith("createdb "):
            line = f": {line}  # the test's own schemas in the test database"
        elif line == "assure up":
            exports = " ".join(f"{k}={v}" for k, v in {
                "ASSURE_NATS_URL": f"nats://localhost:{ports['nats']}", **database}.items())
            line = (f"export {exports}; exec assure up --port {ports['http']} "
                    f"--data-dir {tmp}/data")
        script.append(line)
    return "\n".join(script)


def test_the_quick_start_runs_as_written(tmp_path: Path, postgres) -> None:
    lines = quick_start()
    assert lines[0].startswith("assure deploy init") and lines[-1] == "assure up"
    ports = {"nats": free_port(), "monitor": free_port(), "http": free_port()}
    prefix = f"q{uuid.uuid4().hex[:10]}_"
    database = {"ASSURE_POSTGRES_HOST": postgres.host, "ASSURE_POSTGRES_PORT": postgres.port,
                "ASSURE_POSTGRES_USER": postgres.user,
                "ASSURE_POSTGRES_PASSWORD": postgres.password or "''",
                "ASSURE_POSTGRES_DBNAME": postgres.dbname,
                "ASSURE_POSTGRES_SCHEMA_PREFIX": prefix}
    bins = os.pathsep.join([str(Path(sys.executable).parent),
                            str(Path(nats_server_binary()).parent), os.environ["PATH"]])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ASSURE_")}
    process = subprocess.Popen(
        ["bash", "-c", adapted(lines, tmp_path, ports, database)], cwd=ROOT,
        env={**environment, "PATH": bins}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        ready = wait_ready(ports["http"], process)
        assert ready.status_code == 200, ready.text
        deploy = tmp_path / "assure-deploy"
        assert oct((deploy / "tls" / "ca-key.pem").stat().st_mode & 0o777) == "0o600"
        assert {p.name for p in (deploy / "nats-credentials").iterdir()} == {
            "intake.password", "risk.password", "escalation.password", "notify.password",
            "reporting.password", "admin.password"}
    finally:
        stop(process, tmp_path)
        with postgres.connect() as conn:
            for (schema,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname "
                                          "LIKE %s", (f"{prefix}%",)).fetchall():
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def wait_ready(port: int, process: subprocess.Popen[str], limit: float = 120) -> httpx.Response:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            pytest.fail(f"the quick start stopped ({process.returncode}):\n{output}")
        try:
            answer = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=5)
            if answer.status_code == 200:
                return answer
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail("assure up was not ready in time")


def stop(process: subprocess.Popen[str], tmp: Path) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    pid = tmp / "nats.pid"
    if pid.exists():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid.read_text()), signal.SIGTERM)


def test_deploy_init_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    run = subprocess.run([sys.executable, "-m", "assure.cli", "deploy", "init", str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert run.returncode == 2 and "is not empty: nothing was written" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_the_compose_file_and_manifests_parse_and_name_files_that_exist(tmp_path: Path) -> None:
    """Every file the Compose file mounts is in deploy/ or made by `cluster/certs.sh` (run here
    as CLUSTER.md says, into a temporary directory)."""
    made = subprocess.run(["sh", str(DEPLOY / "cluster" / "certs.sh"), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert made.returncode == 0, made.stderr
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert {"nats-1", "nats-2", "nats-3", "postgres", "assure-1", "assure-2"} <= set(
        compose["services"])
    mounted = [volume.split(":")[0] for service in compose["services"].values()
               for volume in service.get("volumes", []) if isinstance(volume, str)]
    mounted += [entry["file"] for entry in compose.get("secrets", {}).values() if "file" in entry]
    for source in (m for m in mounted if m.startswith(".")):
        if source.startswith("./cluster/certs/"):
            assert (tmp_path / Path(source).name).exists(), source
        else:
            assert (DEPLOY / source).exists(), source
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        documents = list(yaml.safe_load_all((DEPLOY / "k8s" / resource).read_text()))
        assert all(d.get("kind") for d in documents if d), resource
    probes = (DEPLOY / "k8s" / "assure.yaml").read_text()
    assert "path: /health/ready" in probes and "path: /health/live" in probes
