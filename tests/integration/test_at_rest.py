"""Everything at rest under one key (issue 14, defect 5): `assure up` with ASSURE_CIPHER_KEY
leaves no readable concern text anywhere in its data directory (stores, JetStream's files,
evidence, the mail folder), and with or without a key nothing there is open to group or others.

The same run without a key shows the text in each of those places, so the scan can fail."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from eventsourcing.cryptography import AESCipher

from assure.signin import DevSignIn
from shared.at_rest import make_private
from shared.nats_server import free_port
from tests.support import contract_award, return_form

pytestmark = pytest.mark.integration

MARKER = b"Zephyrine Quillfeather"  # in the concern, the evidence and (by the concern) the mail
PROVIDER = "oakwood"


@contextmanager
def assure_up(data_dir: Path, **settings: str) -> Iterator[httpx.Client]:
    """`assure up` as an operator runs it: its own nats-server, stores in data_dir."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSURE_")}
    env.update(ASSURE_DATA_DIR=str(data_dir), ASSURE_HTTP_PORT=str(port), ASSURE_PARTITIONS="2",
               ASSURE_RUN_BACKGROUND_JOBS="false", **settings)
    log = (data_dir.parent / "up.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-c", "from assure.cli import main; main()", "up"], env=env,
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=log)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10,
                          auth=DevSignIn()) as http:
            wait_for(lambda: healthy(http), "assure up to answer")
            yield http
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(30)
        log.close()


def healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(probe, what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return found


def concern_raised_with_evidence(http: httpx.Client, data_dir: Path) -> bytes:
    """A concern naming MARKER (emailed as urgent) and evidence holding it; the evidence back."""
    http.post("/intake/providers", json={"provider_id": PROVIDER, "name": "Oakwood Lodge"}
              ).raise_for_status()
    http.post(f"/intake/providers/{PROVIDER}/contracts",
              json=contract_award("oakwood-c1")).raise_for_status()
    http.post(f"/intake/providers/{PROVIDER}/concerns", headers={"Idempotency-Key": "c-1"},
              json={"source": "whistleblowing", "safety_at_risk": True,
                    "description": f"{MARKER.decode()} saw medication left out",
                    "reported_by": "Anonymous"}).raise_for_status()
    submitted = http.post("/intake/contracts/oakwood-c1/returns", json=return_form(),
                          headers={"Idempotency-Key": "r-1"})
    submitted.raise_for_status()
    pdf = b"%PDF-1.4\n% visit notes: " + MARKER + b"\n%%EOF\n"
    url = f"/intake/returns/{submitted.json()['return_id']}/evidence"
    uploaded = http.post(url, files={"file": ("notes.pdf", pdf, "application/pdf")})
    assert uploaded.status_code == 201, uploaded.text
    wait_for(lambda: list((data_dir / "mail").glob("*.eml")), "the concern's e-mail")
    downloaded = http.get(f"{url}/{uploaded.json()['sha256']}")
    assert downloaded.status_code == 200
    assert downloaded.content == pdf  # read back through the API as it was given
    return pdf


def holding(data_dir: Path, text: bytes) -> set[str]:
    """Which parts of the data directory hold `text` in any file, as anyone reading it would."""
    parts = set()
    for path in data_dir.rglob("*"):
        if path.is_file() and text in path.read_bytes():
            parts.add(path.relative_to(data_dir).parts[0])
    return parts


def too_open(data_dir: Path) -> list[str]:
    """Every directory not 0700 and file not 0600 (the data directory itself included)."""
    found = []
    for path in [data_dir, *data_dir.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            found.append(f"{path.relative_to(data_dir)} {mode:o}")
    return found


@pytest.mark.parametrize("encrypted", [False, True], ids=["no key", "with a key"])
def test_with_a_key_nothing_in_the_data_directory_reads_as_the_concern(tmp_path, encrypted):
    data_dir = tmp_path / "data"
    key = {"ASSURE_CIPHER_KEY": AESCipher.create_key(32)} if encrypted else {}
    with assure_up(data_dir, **key) as http:
        concern_raised_with_evidence(http, data_dir)

    sqlite_stores = {"intake.sqlite", "intake.sqlite-wal", "risk.sqlite", "risk.sqlite-wal",
                     "escalation.sqlite", "escalation.sqlite-wal", "notify.sqlite",
                     "notify.sqlite-wal"}
    found = holding(data_dir, MARKER)
    if encrypted:
        assert found == set()
    else:  # the scan sees plain text where there is some: stores, JetStream, evidence, mail
        assert {"nats", "evidence", "mail"} <= found and found & sqlite_stores, found
    assert too_open(data_dir) == []


def test_a_data_directory_left_readable_by_an_older_version_is_made_private(tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "evidence" / "ab").mkdir(parents=True, mode=0o755)
    for path in (data_dir, data_dir / "evidence", data_dir / "evidence" / "ab"):
        path.chmod(0o755)
    (data_dir / "intake.sqlite").write_bytes(b"")
    (data_dir / "evidence" / "ab" / "ab12").write_bytes(b"")
    for path in (data_dir / "intake.sqlite", data_dir / "evidence" / "ab" / "ab12"):
        path.chmod(0o644)
    assert len(too_open(data_dir)) == 5

    assert make_private(data_dir) == 5

    assert too_open(data_dir) == []
