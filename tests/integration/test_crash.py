"""The whole system killed with SIGKILL mid-flow, then restarted: every return scored once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from assure.signin import DevSignIn
from shared.nats_server import free_port
from tests.support import SECTIONS_GREEN, SECTIONS_UNSAFE, contract_award, return_form

pytestmark = pytest.mark.integration

PROVIDERS = [f"crash{i}" for i in range(6)]


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSURE_")}
    env.update(
        ASSURE_DATA_DIR=str(data_dir),
        ASSURE_HTTP_PORT=str(port),
        ASSURE_PARTITIONS="2",
        ASSURE_ACK_WAIT_SECONDS="3",
    )
    process = subprocess.Popen(
        [sys.executable, "-c", "from assure.cli import main; main()", "up"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=(data_dir.parent / "up.log").open("ab"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    raise AssertionError("assure up did not start")


def submit_all(http: httpx.Client, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Submits each (provider, key); returns those the dying server did not confirm."""
    unconfirmed = []
    for provider_id, key in keys:
        sections = SECTIONS_UNSAFE if key.endswith("3") else SECTIONS_GREEN
        try:
            response = http.post(
                f"/intake/contracts/{provider_id}-c1/returns",
                json=return_form(sections),
                headers={"Idempotency-Key": key},
            )
            response.raise_for_status()
        except httpx.HTTPError:
            unconfirmed.append((provider_id, key))
    return unconfirmed


def test_sigkill_mid_flow_then_restart_scores_every_return_exactly_once(tmp_path):
    data_dir, port = tmp_path / "data", free_port()
    keys = [(p, f"{p}-r{n}") for n in range(5) for p in PROVIDERS]
    process = start(data_dir, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5,
                          auth=DevSignIn()) as http:
            for provider_id in PROVIDERS:
                http.post(
                    "/intake/providers",
                    json={"provider_id": provider_id, "name": provider_id},
                )
                http.post(
                    f"/intake/providers/{provider_id}/contracts",
                    json=contract_award(f"{provider_id}-c1"),
                ).raise_for_status()
            submit_all(http, keys[:12])
            os.killpg(process.pid, signal.SIGKILL)  # mid-flow: relays and consumers are busy
            process.wait()
            retry = submit_all(http, keys[12:])  # all fail: nobody is listening
            assert retry == keys[12:]
        process = start(data_dir, port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5,
                          auth=DevSignIn()) as http:
            assert submit_all(http, keys) == []  # clients retry with the same keys
            deadline = time.monotonic() + 60
            unsafe = sum(1 for _, key in keys if key.endswith("3"))
            while time.monotonic() < deadline and not _settled(http, len(keys), unsafe):
                time.sleep(0.3)
            histories = [http.get(f"/history/{p}").json() for p in PROVIDERS]
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)
    events = Counter(
        (
            e["event"],
            _about(e),
            e["data"].get("recipient"),
        )
        for history in histories
        for e in history
    )
    submitted = [k for k in events if k[0] == "Submitted"]
    scored = [k for k in events if k[0] == "ReturnScored"]
    assert len(submitted) == len(keys) and len(scored) == len(keys)
    assert all(count == 1 for key, count in events.items() if key[0] != "Read"), events
    unsafe = sum(1 for _, key in keys if key.endswith("3"))
    told = [k for k in events if k[0] == "Delivered" and k[2] == "operations"]
    assert len(told) == unsafe


def _about(entry: dict) -> str:
    """What an event is about, so that the same fact recorded twice shows as a count of 2."""
    data = entry["data"]
    if entry["event"] == "RiskLevelAssessed":
        return data["causation_id"]  # one upstream message changes the level at most once
    if entry["event"] == "RiskAssessed":
        # Each provider's returns are scored in order: green, green, green, unsafe, green reads
        # low, then high, then medium (the safety concern stays open), each level once.
        return f"{entry['aggregate_id']}:{data['assessed_risk']}"
    return (data.get("return_id") or data.get("about_event_id") or data.get("concern_id")
            or entry["aggregate_id"])


def _settled(http: httpx.Client, returns: int, unsafe: int) -> bool:
    """Every return scored and operations told of every unsafe one (at least; counts follow)."""
    scored = 0
    for provider_id in PROVIDERS:
        response = http.get(f"/risk/providers/{provider_id}/risk")
        scored += response.json()["returns_scored"] if response.status_code == 200 else 0
    told = [n for n in http.get("/notify/inbox/operations").json()
            if n["about_event_type"] == "ConcernRaised"]
    return scored >= returns and len(told) >= unsafe
