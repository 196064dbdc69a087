"""`assure up` as a person runs it: each service in a process of its own, supervised, so the
embedded default works every core (issue 16). Real processes, killed for real."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from shared.nats_server import free_port
from shared.security.identity import Identity, Role
from shared.security.tokens import DevelopmentIssuer
from tests.support import SECTIONS_UNSAFE, assure_up_process, contract_award, return_form

pytestmark = pytest.mark.e2e
T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]

SERVICES = ["escalation", "intake", "notify", "risk"]
OFFICER = Identity("Jo Officer", Role.COMMISSIONING_OFFICER)
OPERATIONS = "operations"


def children(pid: int) -> dict[int, str]:
    """The direct children of a process and their command lines, from /proc."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            found[int(child)] = cmdline.decode().strip()
    return found


def workers(pid: int) -> dict[str, int]:
    """Each service's worker process under `assure up`: service -> pid."""
    return {cmd.split()[-1]: child for child, cmd in children(pid).items()
            if "assure.worker" in cmd}


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie waiting to be reaped does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def until(probe: Callable[[], T | None], what: str, timeout: float = 120.0,
          every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(every)


class Council:
    """People using the running system over HTTP, signed in by its development issuer."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.http = httpx.Client(base_url=url, timeout=30)
        self.issuer = DevelopmentIssuer(data_dir / "auth" / "dev-issuer.pem")

    def as_(self, identity: Identity) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.issuer.issue(identity)}"}

    def register(self, provider_id: str) -> None:
        officer = self.as_(OFFICER)
        answer = self.http.post("/intake/providers", headers=officer, json={
            "provider_id": provider_id, "name": provider_id.title()})
        assert answer.status_code in (200, 201), answer.text
        answer = self.http.post(f"/intake/providers/{provider_id}/contracts", headers=officer,
                                json=contract_award(f"{provider_id}-c1"))
        assert answer.status_code in (200, 201), answer.text

    def submit_unsafe_return(self, provider_id: str) -> str:
        manager = Identity(f"Manager of {provider_id}", Role.PROVIDER_USER, provider_id)
        answer = self.http.post(f"/intake/contracts/{provider_id}-c1/returns",
                                json=return_form(SECTIONS_UNSAFE),
                                headers={**self.as_(manager),
                                         "Idempotency-Key": f"{provider_id}-return"})
        assert answer.status_code in (200, 201), answer.text
        return str(answer.json()["return_id"])

    def history(self, provider_id: str) -> list[dict[str, Any]]:
        # Reads of a history are limited per reader (60 a minute): one officer per provider.
        officer = Identity(f"Officer reading {provider_id}", Role.COMMISSIONING_OFFICER)
        answer = self.http.get(f"/history/{provider_id}", headers=self.as_(officer))
        assert answer.status_code == 200, answer.text
        return list(answer.json())


def effects(history: list[dict[str, Any]]) -> collections.Counter[tuple[str, str]]:
    """How often each effect of a return is in a provider's history: scored (per return),
    concern raised, and operations told of the concern."""
    seen: collections.Counter[tuple[str, str]] = collections.Counter()
    for entry in history:
        kind, data = (entry["aggregate"], entry["event"]), entry["data"]
        if kind == ("RiskProfile", "ReturnScored"):
            seen["scored", str(data["return_id"])] += 1
        elif kind == ("RiskProfile", "ConcernRaised"):
            seen["concern", ""] += 1
        elif (kind == ("Notification", "Delivered")
              and data["about_event_type"] == "ConcernRaised"
              and data["recipient"] == OPERATIONS):
            seen["operations told", ""] += 1
    return seen


def handled(return_id: str) -> collections.Counter[tuple[str, str]]:
    return collections.Counter({("scored", return_id): 1, ("concern", ""): 1,
                                ("operations told", ""): 1})


def test_each_service_runs_in_its_own_process_restarted_when_killed_and_all_stop_on_ctrl_c(
        tmp_path):
    data_dir = tmp_path / "data"
    with assure_up_process(data_dir) as (up, url):
        council = Council(url, data_dir)
        until(lambda: council.http.get("/health/ready").status_code == 200, "readiness")
        first = workers(up.pid)
        assert sorted(first) == SERVICES
        assert sum("nats-server" in cmd for cmd in children(up.pid).values()) == 1

        council.register("ashgrove")
        first_return = council.submit_unsafe_return("ashgrove")
        until(lambda: effects(council.history("ashgrove")) == handled(first_return),
              "the first return scored, its concern raised and operations told", every=1.0)

        os.kill(first["risk"], signal.SIGKILL)
        # Returns arrive while risk is down; its new process scores each of them once.
        providers = [f"provider-{n}" for n in range(4)]
        returns = {}
        for provider_id in providers:
            council.register(provider_id)
            returns[provider_id] = council.submit_unsafe_return(provider_id)
        restarted = until(lambda: (w := workers(up.pid)).get("risk") not in (None,
                                                                            first["risk"]) and w,
                          "risk started again")
        assert {s: p for s, p in restarted.items() if s != "risk"} == \
            {s: p for s, p in first.items() if s != "risk"}  # the others ran on
        for provider_id, return_id in returns.items():
            until(lambda p=provider_id, r=return_id: effects(council.history(p)) == handled(r),
                  f"{provider_id}'s return scored once and its concern told once", every=1.0)
        until(lambda: council.http.get("/health/ready").status_code == 200, "ready again")
        time.sleep(2)  # time for a copy to appear, if anything were to be done twice
        for provider_id, return_id in returns.items():
            assert effects(council.history(provider_id)) == handled(return_id)
        assert effects(council.history("ashgrove")) == handled(first_return)
        processes = [*children(up.pid), up.pid]

        os.killpg(up.pid, signal.SIGINT)  # Ctrl-C in the terminal that started it
        assert up.wait(120) == 0
    until(lambda: not any(alive(pid) for pid in processes), "every process gone", 60)
    log = data_dir.with_name("data-assure-up.log").read_text()
    assert "risk process" in log and "ended unexpectedly" in log
    assert "Assure stopped" in log


def test_workers_stop_themselves_when_assure_up_is_killed_outright(tmp_path):
    data_dir = tmp_path / "data"
    with assure_up_process(data_dir) as (up, url):
        started = until(lambda: len(w := workers(up.pid)) == len(SERVICES) and w, "workers")
        nats = [pid for pid, cmd in children(up.pid).items() if "nats-server" in cmd]
        up.kill()
        up.wait(30)
        until(lambda: not any(alive(pid) for pid in [*started.values(), *nats]),
              "the workers and nats-server gone with their parent", 60)


def test_one_process_mode_runs_no_workers(tmp_path):
    data_dir = tmp_path / "data"
    with assure_up_process(data_dir, "--one-process") as (up, url):
        assert workers(up.pid) == {}
        until(lambda: httpx.get(f"{url}/health/ready", timeout=30).status_code == 200,
              "readiness")
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(120) == 0
    with assure_up_process(data_dir, ASSURE_PROCESSES="one") as (up, _):
        assert workers(up.pid) == {}


@pytest.mark.parametrize("layout", [(), ("--one-process",)], ids=["worker", "one-process"])
def test_the_link_to_other_councils_runs_beside_intake_in_either_layout(tmp_path, layout):
    """intake declares its council link and runs it wherever it runs: in intake's worker, or in
    the one process; Ctrl-C stops its edge server with the rest."""
    data_dir, sharing = tmp_path / "data", tmp_path / "fife-sharing.json"
    sharing.write_text(json.dumps({
        "council": "fife", "name": "Fife Council", "leaf": {"port": free_port()},
        "partners": [{"council": "perth", "name": "Perth and Kinross Council"}]}))
    with assure_up_process(data_dir, *layout, ASSURE_SHARING_FILE=str(sharing)) as (up, _):
        beside_intake = workers(up.pid).get("intake", up.pid)
        assert bool(layout) == (beside_intake == up.pid)
        edge = until(lambda: next((pid for pid, cmd in children(beside_intake).items()
                                   if "nats-server" in cmd and str(data_dir / "edge") in cmd),
                                  None), "the council's edge server, started by intake's link")
        os.killpg(up.pid, signal.SIGINT)
        assert up.wait(120) == 0
    until(lambda: not alive(edge), "the edge server gone with intake", 60)


def test_a_worker_opens_no_store_before_assure_up_has_made_it(tmp_path):
    """`assure up` starts the workers first, and makes every store itself before a worker opens
    its own (a worker imports its service meanwhile): a worker whose supervisor went before
    saying so (its pipe closed, no byte) ends without touching the data directory."""
    env = {**os.environ, "ASSURE_DATA_DIR": str(tmp_path / "data"),
           "ASSURE_NATS_URL": f"nats://127.0.0.1:{free_port()}"}
    worker = subprocess.run([sys.executable, "-m", "assure.worker", "risk"], cwd=ROOT, env=env,
                            stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
    assert worker.returncode == 0, worker.stderr
    assert not (tmp_path / "data").exists()
