"""Spine benchmark: returns in over HTTP, through risk and notify, timed from the recorded events.

    python -m bench.spine --returns 500 --concurrency 16 [--url http://127.0.0.1:8000]

Without --url it starts its own `assure up` on a free port with a fresh data directory and stops
it (SIGINT) at the end. It registers providers, submits N returns with C requests in flight, then
reads each provider's merged history (GET /history/{provider_id}) and measures, per return, the
time from the start of its POST to the *recorded* time of RiskProfile.ReturnScored, and for
returns with a red section to the first Notification.Delivered about the concern it raised or
brought up again (and to the one for the operations team). Recorded event times are used, not
poll times, so polling does not distort the latencies. Every wait is bounded; the run stops by
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import nats
from eventsourcing.persistence import StoredEvent

from assure.progress import bar, counted, waiting
from bench import national_ceilings as ceilings
from shared.contracts.envelope import event_id_for  # the id the relay gives a stored event
from shared.contracts.forms import example
from shared.security.identity import Identity, Role
from shared.security.tokens import DevelopmentIssuer

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent
GREEN: dict[str, str] = {}  # the LEVEL 1 example form is all green; kinds re-rate sections
# What each kind of return sends, and whether it must raise a concern (any red section does).
KINDS: dict[str, tuple[dict[str, str], bool]] = {
    "green": (GREEN, False),
    "amber": ({**GREEN, "finance": "amber", "outcomes": "amber"}, False),
    "quality-red": ({**GREEN, "finance": "red"}, True),  # concern for the contract manager
    "safety-red": ({**GREEN, "safety_and_quality": "red", "finance": "red"}, True),  # + operations
}
# Out of every ten returns: six green, one amber, one red on finance, two red on safety.
MIX = ("green",) * 6 + ("amber", "quality-red", "safety-red", "safety-red")
OPERATIONS = "operations"
RETRIES = 2  # per submission, only after a transport error
# Who does what, as a council would: an officer sets providers up and reads their histories;
# each provider's registered manager submits its own returns (so no one person meets the limit
# of 120 submissions a minute).
OFFICER = Identity("bench.spine", Role.COMMISSIONING_OFFICER)


def manager_of(provider_id: str) -> Identity:
    return Identity(f"Registered manager of {provider_id}", Role.PROVIDER_USER, provider_id)


@dataclass
class SignIn:
    """Bearer tokens as users get them: from the system's development issuer when its data
    directory is known, else from `POST /auth/dev-token` (30 sign-ins a minute per address)."""

    issuer_key: Path | None = None
    audience: str = "assure"
    tokens: dict[Identity, str] = field(default_factory=dict)
    enabled: bool = True  # False when the system has sign-in switched off (404 at sign-in)
    _issuer: DevelopmentIssuer | None = None

    async def headers(self, http: httpx.AsyncClient, identity: Identity) -> dict[str, str]:
        if not self.enabled:
            return {}
        if identity not in self.tokens:
            token = await self._token(http, identity)
            if token is None:
                return {}
            self.tokens[identity] = token
        return {"Authorization": f"Bearer {self.tokens[identity]}"}

    async def _token(self, http: httpx.AsyncClient, identity: Identity) -> str | None:
        if self.issuer_key is not None and self.issuer_key.exists():
            if self._issuer is None:
                self._issuer = DevelopmentIssuer(self.issuer_key)
            return self._issuer.issue(identity, audience=self.audience)
        answer = await http.post("/auth/dev-token", json={
            "user": identity.user, "role": identity.role.value,
            "provider_id": identity.provider_id})
        if answer.status_code == 404:
            self.enabled = False
            return None
        answer.raise_for_status()
        return str(answer.json()["access_token"])


@dataclass
class Submission:
    index: int
    provider_id: str
    kind: str
    started: float = 0.0  # wall clock (time.time()) when the POST began
    http_ms: float = 0.0
    return_id: str | None = None
    error: str | None = None  # why it was not accepted
    retries: int = 0  # after transport errors (a dropped connection), with the same key
    retried_after: str | None = None  # the last transport error

    @property
    def red(self) -> bool:
        return KINDS[self.kind][1]


# A red section raises a concern, or, when the provider already has an open concern about the
# same matter (one concern per matter), brings that one up again: notify tells the same people
# of either, operations too when safety is at risk.
CONCERN_EVENTS = ("ConcernRaised", "ConcernRecurred")


@dataclass
class Concern:
    cause: str  # the id of the integration event risk acted on: a return's ReturnSubmitted
    event_id: str  # the id of the integration event (raised or recurred) notify is told about
    safety: bool
    raised: bool  # False: an open concern came up again
    return_id: str | None = None  # the return whose ReturnSubmitted is its cause

    @staticmethod
    def of(entry: dict[str, Any]) -> Concern:
        data = entry["data"]
        return Concern(str(data["causation_id"]),
                       event_id_for(uuid.UUID(entry["aggregate_id"]), entry["version"]),
                       bool(data["safety_at_risk"]), entry["event"] == "ConcernRaised")


@dataclass
class Trace:
    """What one provider's history says about the benchmark's returns."""

    scored: dict[str, float] = field(default_factory=dict)  # return_id -> recorded time
    concerns: list[Concern] = field(default_factory=list)
    delivered: dict[str, list[tuple[str, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )  # about_event_id -> [(recipient, recorded time)]

    def deliveries(self, concern: Concern) -> list[tuple[str, float]]:
        return self.delivered.get(concern.event_id, [])


# Starting and stopping a system of our own ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class System:
    """The system under test: where it answers, and (when started here) its process and data."""

    url: str
    pid: int | None = None
    data_dir: Path | None = None
    nats_url: str | None = None

    @property
    def issuer_key(self) -> Path | None:
        return self.data_dir / "auth" / "dev-issuer.pem" if self.data_dir else None


@contextlib.contextmanager
def own_system(keep_data: bool, timeout: float = 60.0) -> Iterator[System]:
    """`assure up` on a free port and a fresh data directory; SIGINT and clean-up at the end."""
    workdir = Path(tempfile.mkdtemp(prefix="assure-bench-"))
    port = free_port()
    log_path = workdir / "assure.log"
    command = [
        sys.executable,
        "-c",
        "from assure.cli import main; main()",
        "up",
        "--port",
        str(port),
        "--data-dir",
        str(workdir / "data"),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process, log_path, timeout)
        yield System(url, process.pid, workdir / "data", _nats_url(log_path))
    finally:
        _stop(process)
        if keep_data:
            print(f"data and log kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=url, timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"assure up exited ({process.returncode}):\n{_tail(log)}")
            with contextlib.suppress(httpx.HTTPError):
                if http.get("/health").status_code == 200:
                    return
            time.sleep(0.2)
    raise TimeoutError(f"assure up was not healthy within {timeout} s:\n{_tail(log)}")


def _nats_url(log: Path) -> str | None:
    """The embedded nats-server's address, from the line `assure up` logs as it starts it."""
    found = re.search(r"nats-server started at (nats://\S+)", log.read_text(errors="replace"))
    return found.group(1) if found else None


def cpu_seconds(pid: int | None) -> float | None:
    """CPU time of a process and its children (nats-server, the services' workers), from
    /proc; None if unknown."""
    by_process = cpu_by_process(pid)
    return None if by_process is None else sum(by_process.values())


def cpu_by_process(pid: int | None) -> dict[str, float] | None:
    """CPU time of `assure up` (its HTTP front) and of each of its children, named as
    `process_name` does, from /proc; None if unknown."""
    if pid is None:
        return None
    try:
        found: dict[str, float] = defaultdict(float)
        for each in {pid} | _children(pid):
            fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            found[process_name(each, pid)] += ticks / os.sysconf("SC_CLK_TCK")
        return dict(found)
    except (OSError, ValueError):
        return None


def process_name(pid: int, root: int) -> str:
    """`http` for `assure up` itself, the service for a worker (`python -m assure.worker
    risk`), else the program's name (nats-server)."""
    if pid == root:
        return "http"
    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    words = [word.decode(errors="replace") for word in command if word]
    if "assure.worker" in words and words[-1] != "assure.worker":
        return words[-1]
    return Path(words[0]).name if words else str(pid)


def _tail(path: Path, lines: int = 30) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


def _children(pid: int) -> set[int]:
    """The direct children of a process (its nats-server), from /proc; empty if unknown."""
    found: set[int] = set()
    with contextlib.suppress(OSError, ValueError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGINT to its process group, as Ctrl-C in a terminal; SIGTERM, SIGKILL if it hangs.

    Returns once `assure up` and its nats-server (which may run in a session of its own and
    exit when its parent dies) are gone, so a run leaves no process behind.
    """
    children = _children(process.pid)
    for sig, grace in ((signal.SIGINT, 30.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)  # the session started for it
        if sig != signal.SIGINT:
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        if _all_gone(process, children, grace):
            return


def _all_gone(process: subprocess.Popen[bytes], children: set[int], grace: float) -> bool:
    """Whether the process and its children have ended within `grace` seconds."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if process.poll() is not None and not any(_exists(pid) for pid in children):
            return True
        time.sleep(0.1)
    return False


def _exists(pid: int) -> bool:
    """Whether a process is alive (a zombie waiting to be reaped is not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


# Load ------------------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def phase(what: str, seconds: float) -> AsyncIterator[None]:
    """A time limit with a message that says which phase ran out of time."""
    try:
        async with asyncio.timeout(seconds):
            yield
    except TimeoutError:
        raise TimeoutError(f"{what} took longer than {seconds:g} s (--timeout)") from None


async def bounded(items: list[T], concurrency: int, act: Callable[[T], Awaitable[None]]) -> None:
    """Runs act on every item with at most `concurrency` in flight."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:  # shared iterator: each item goes to exactly one worker
            await act(item)

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(items))))))


async def register(http: httpx.AsyncClient, sign_in: SignIn, providers: list[str],
                   concurrency: int) -> None:
    async def one(provider_id: str) -> None:
        officer = await sign_in.headers(http, OFFICER)
        response = await http.post(
            "/intake/providers",
            json={
                "provider_id": provider_id,
                "name": f"Bench provider {provider_id}",
            },
            headers=officer,
        )
        if response.status_code not in (200, 201):
            raise RuntimeError(
                f"registering {provider_id}: {response.status_code} {response.text[:200]}"
            )
        response = await http.post(f"/intake/providers/{provider_id}/contracts", json={
            "reference": f"{provider_id}-c1", "service_type": "care-home",
            "annual_value": "250000", "regulator": "care-inspectorate",
            "start_date": "2025-04-01", "contract_manager": "Bench manager",
        }, headers=officer)
        if response.status_code not in (200, 201):
            raise RuntimeError(
                f"awarding {provider_id}: {response.status_code} {response.text[:200]}"
            )

    with bar(len(providers), "registering providers") as (progress, task):
        await bounded(providers, concurrency, counted(progress, task, one))


def plan(run_id: str, returns: int, per_provider: int, seed: int) -> list[Submission]:
    """N returns spread round-robin over N/per_provider providers, kinds shuffled in MIX ratio."""
    providers = max(1, math.ceil(returns / per_provider))
    kinds = [MIX[i % len(MIX)] for i in range(returns)]
    random.Random(seed).shuffle(kinds)
    return [Submission(i, f"bench-{run_id}-{i % providers:05d}", kinds[i]) for i in range(returns)]


async def submit(
    http: httpx.AsyncClient, sign_in: SignIn, run_id: str, submission: Submission,
    due: float | None = None,
) -> None:
    """POSTs one return, at perf_counter time `due` if paced."""
    if due is not None:
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
    answers = example("cmr-level-1")
    for section, rating in KINDS[submission.kind][0].items():
        answers[section]["rating"] = rating
    body = {"form": "cmr-level-1", "answers": answers, "submitted_by": "Registered manager"}
    headers = {"Idempotency-Key": f"bench-{run_id}-{submission.index}",
               **await sign_in.headers(http, manager_of(submission.provider_id))}
    submission.started = time.time()
    began = time.perf_counter()
    for attempt in range(1 + RETRIES):  # a failed last retry leaves its error
        try:
            response = await http.post(
                f"/intake/contracts/{submission.provider_id}-c1/returns", json=body,
                headers=headers,
            )
        except httpx.TransportError as exc:  # safe to retry: same Idempotency-Key
            submission.error = f"{type(exc).__name__} {str(exc)[:200]}".strip()
            submission.retries = min(attempt + 1, RETRIES)
            submission.retried_after = submission.error
            continue
        if response.status_code in (200, 201):  # 200: a retry answered with the first
            submission.return_id, submission.error = str(response.json()["return_id"]), None
        else:
            submission.error = f"{response.status_code}: {response.text[:200]}"
        break
    submission.http_ms = (time.perf_counter() - began) * 1000


# Observing the pipeline through the recorded events ------------------------------------------


def recorded(entry: dict[str, Any]) -> float:
    return datetime.fromisoformat(entry["time"]).timestamp()


def parse(entries: list[dict[str, Any]]) -> Trace:
    trace, submitted = Trace(), {}
    for entry in entries:
        kind, data = (entry["aggregate"], entry["event"]), entry["data"]
        if kind == ("MonitoringReturn", "Submitted"):  # the return is the aggregate
            submitted[event_id_for(uuid.UUID(entry["aggregate_id"]), entry["version"])] = (
                entry["aggregate_id"])
        elif kind == ("RiskProfile", "ReturnScored"):
            trace.scored[str(data["return_id"])] = recorded(entry)
        elif kind[0] == "RiskProfile" and kind[1] in CONCERN_EVENTS:
            trace.concerns.append(Concern.of(entry))
        elif kind == ("Notification", "Delivered") and data["about_event_type"] in CONCERN_EVENTS:
            trace.delivered[str(data["about_event_id"])].append(
                (data["recipient"], recorded(entry))
            )
    # The return a concern is about is the one whose submission risk was scoring when it raised
    # it (a worsening trend names earlier returns as evidence too, but the last one caused it).
    for concern in trace.concerns:
        concern.return_id = submitted.get(concern.cause)
    return trace


def complete(trace: Trace, submissions: list[Submission]) -> bool:
    """Every return scored, every concern about them notified (to operations if unsafe)."""
    ours = {s.return_id for s in submissions}
    if not ours <= trace.scored.keys():
        return False
    for concern in trace.concerns:
        if concern.return_id not in ours:
            continue
        recipients = {recipient for recipient, _ in trace.deliveries(concern)}
        if not recipients or (concern.safety and OPERATIONS not in recipients):
            return False
    return True


async def quiet(http: httpx.AsyncClient, deadline: float, still_for: float = 1.0) -> None:
    """Waits (cheaply, on /health) until no store records anything new for `still_for` s."""
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            services = (await http.get("/health")).json()["services"]
            now = {name: (s["recorded"], s["published"]) for name, s in services.items()}
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= still_for:
                return
        await asyncio.sleep(0.2)


async def observe(
    http: httpx.AsyncClient, sign_in: SignIn, submissions: list[Submission], timeout: float
) -> tuple[dict[str, Trace], set[str]]:
    """Each provider's trace once complete (or as far as it got); the providers left pending."""
    by_provider: dict[str, list[Submission]] = defaultdict(list)
    for s in submissions:
        if s.return_id:
            by_provider[s.provider_id].append(s)
    traces: dict[str, Trace] = {}
    pending = set(by_provider)
    deadline = time.monotonic() + timeout

    async def look(provider_id: str) -> None:
        with contextlib.suppress(httpx.HTTPError):
            response = await http.get(f"/history/{provider_id}",
                                      headers=await sign_in.headers(http, OFFICER))
            if response.status_code == 200:
                traces[provider_id] = parse(response.json())
                if complete(traces[provider_id], by_provider[provider_id]):
                    pending.discard(provider_id)

    with bar(len(pending), "waiting for every return to be scored and told") as (progress, task):
        while pending:  # at least one look, however short the timeout
            await quiet(http, deadline)
            await bounded(sorted(pending), 4, look)
            progress.update(task, completed=len(by_provider) - len(pending))
            if not pending or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.5)
    return traces, pending


# Results ---------------------------------------------------------------------------------------


@dataclass
class Latencies:
    scored_per_second: float = 0.0  # end to end: first POST started to last ReturnScored
    http: list[float] = field(default_factory=list)
    scored: list[float] = field(default_factory=list)
    notified: list[float] = field(default_factory=list)
    operations: list[float] = field(default_factory=list)
    concerns: Tally = field(default_factory=lambda: Tally())


@dataclass
class Tally:
    """The concerns about the benchmark's returns, and how many of them notify told."""

    raised: int = 0
    recurred: int = 0
    told: int = 0  # anyone
    safety: int = 0
    told_operations: int = 0  # of the safety ones

    def add(self, concern: Concern, told: set[str]) -> None:
        self.raised += concern.raised
        self.recurred += not concern.raised
        self.told += bool(told)
        self.safety += concern.safety
        self.told_operations += concern.safety and OPERATIONS in told

    def line(self) -> str:
        return (f"  concerns about these returns           {self.raised + self.recurred} "
                f"({self.raised} raised, {self.recurred} came up again); told "
                f"{self.told}/{self.raised + self.recurred}, safety ones to operations "
                f"{self.told_operations}/{self.safety}")


def latencies(submissions: list[Submission], traces: dict[str, Trace]) -> Latencies:
    result = Latencies()
    first_started = min((s.started for s in submissions if s.started), default=0.0)
    last_scored = first_started
    for s in submissions:
        if not s.return_id:
            continue
        result.http.append(s.http_ms)
        trace = traces.get(s.provider_id, Trace())
        if s.return_id in trace.scored:
            result.scored.append((trace.scored[s.return_id] - s.started) * 1000)
            last_scored = max(last_scored, trace.scored[s.return_id])
        concerns = [c for c in trace.concerns if c.return_id == s.return_id]
        told = [(r, t) for c in concerns for r, t in trace.deliveries(c)]
        if told:
            result.notified.append((min(t for _, t in told) - s.started) * 1000)
        ops = [t for r, t in told if r == OPERATIONS]
        if ops:
            result.operations.append((min(ops) - s.started) * 1000)
    ours = {s.return_id for s in submissions if s.return_id}
    for trace in traces.values():
        for concern in trace.concerns:
            if concern.return_id in ours:
                result.concerns.add(concern, {r for r, _ in trace.deliveries(concern)})
    if last_scored > first_started:
        result.scored_per_second = len(result.scored) / (last_scored - first_started)
    return result


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    if len(values) == 1:
        return dict.fromkeys(("p50", "p95", "p99", "max"), values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "max": max(values)}


def row(label: str, values: list[float], expected: int) -> str:
    p = percentiles(values)
    cells = [f"{p[k]:9.1f}" if k in p else f"{'-':>9}" for k in ("p50", "p95", "p99", "max")]
    return f"  {label:<38} {len(values):>5}/{expected:<5} {' '.join(cells)}"


@dataclass
class Run:
    returns: int
    concurrency: int
    rate: float | None
    providers: int
    submissions: list[Submission]
    submit_seconds: float
    client_cpu: float
    server_cpu: float | None  # cores busy in `assure up` + nats-server while submitting
    wall_seconds: float
    pending: set[str]
    url: str
    cost: Cost | None = None  # CPU per return, when the bench started the system
    ceiling: Ceiling | None = None  # the slowest raw part, measured after the load


@dataclass
class Cost:
    """CPU of `assure up` + nats-server from the first POST until the pipeline is quiet."""

    by_process: dict[str, float]  # CPU seconds of each process meanwhile (`process_name`)
    seconds: float
    idle_by_process: dict[str, float]  # cores each uses with nothing to do, measured just before
    deliveries: int | None = None  # messages the services' consumers were sent meanwhile

    @property
    def cpu_seconds(self) -> float:
        return sum(self.by_process.values())

    @property
    def idle_cores(self) -> float:
        return sum(self.idle_by_process.values())

    def ms_per_return(self, scored: int) -> float:
        busy = self.cpu_seconds - self.idle_cores * self.seconds
        return busy * 1000 / scored if scored else 0.0

    def ms_per_return_by_process(self, scored: int) -> dict[str, float]:
        """Each process's share of `ms_per_return`, less what it uses idle."""
        return {name: (cpu - self.idle_by_process.get(name, 0.0) * self.seconds) * 1000 / scored
                for name, cpu in sorted(self.by_process.items()) if scored}


@dataclass
class Ceiling:
    """Raw operations per second of the parts underneath, on the same servers (per second)."""

    parts: dict[str, float]

    @property
    def slowest(self) -> tuple[str, float]:
        return min(self.parts.items(), key=lambda item: item[1])


def _cost_lines(run: Run, lat: Latencies) -> list[str]:
    lines = []
    if run.cost is not None:
        per_return = run.cost.ms_per_return(len(lat.scored))
        lines.append(
            f"  CPU per return, ms                     {per_return:.1f}"
            f"   (assure up + nats-server, first POST until quiet, less "
            f"{run.cost.idle_cores:.2f} cores idle)")
        shares = run.cost.ms_per_return_by_process(len(lat.scored))
        lines.append("    by process: " + ", ".join(f"{name} {ms:.1f}"
                                                   for name, ms in shares.items()))
        if run.cost.deliveries is not None and lat.scored:
            lines.append(f"  messages consumed per return           "
                         f"{run.cost.deliveries / len(lat.scored):.1f}"
                         "   (deliveries to the services' durable consumers)")
    if run.ceiling is not None:
        part, ceiling = run.ceiling.slowest
        lines.append(
            f"  scored/s against the slowest part      {lat.scored_per_second / ceiling:.1%}"
            f"   of {part}, {ceiling:,.0f}/s raw")
        lines += [f"    {name:<38} {value:,.0f}/s" for name, value in run.ceiling.parts.items()]
    return lines


def report(run: Run, lat: Latencies) -> str:
    ok = [s for s in run.submissions if s.return_id]
    errors = [s.error for s in run.submissions if s.error and not s.return_id]
    retried = [s for s in run.submissions if s.retries]
    red = sum(1 for s in ok if s.red)
    unsafe = sum(1 for s in ok if s.kind == "safety-red")
    lines = [
        f"Assure spine benchmark against {run.url}",
        f"  returns (N)                            {run.returns}",
        f"  concurrency (C)                        {run.concurrency}"
        + (f", paced at {run.rate:g} returns/s" if run.rate else ", unpaced"),
        f"  providers                              {run.providers}",
        f"  accepted over HTTP                     {len(ok)} ({len(errors)} failed, "
        f"{len(retried)} retried after a transport error)",
        f"  HTTP returns/s                         {len(ok) / run.submit_seconds:.1f}"
        f"   ({run.submit_seconds:.2f} s)",
        f"  CPU while submitting, in cores         bench client {run.client_cpu:.2f}, "
        + (
            f"assure up + nats-server {run.server_cpu:.2f}"
            if run.server_cpu is not None
            else "system not measured (--url)"
        ),
        f"  returns scored/s, end to end           {lat.scored_per_second:.1f}"
        "   (first POST to last RiskScored)",
        *_cost_lines(run, lat),
        "",
        f"  {'latency, ms':<38} {'n/expected':>11} {'p50':>9} {'p95':>9} {'p99':>9} {'max':>9}",
        row("HTTP POST of a return", lat.http, len(ok)),
        row("submit -> RiskScored recorded", lat.scored, len(ok)),
        row("submit -> first concern notification", lat.notified, red),
        row("submit -> operations notification", lat.operations, unsafe),
        lat.concerns.line(),
        "",
        f"  total wall time                        {run.wall_seconds:.1f} s",
    ]
    if errors:
        lines.append(f"  first failure: {errors[0]}")
    if retried:
        lines.append(
            f"  first retried after: {retried[0].retried_after} (its latency includes the retry)"
        )
    if run.pending:
        lines.append(f"  INCOMPLETE: {len(run.pending)} provider(s) not fully processed in time")
    return "\n".join(lines)


# Main ------------------------------------------------------------------------------------------


async def bench(system: System, args: argparse.Namespace, began: float) -> Run:
    run_id = uuid.uuid4().hex[:8]
    submissions = plan(run_id, args.returns, args.per_provider, args.seed)
    providers = sorted({s.provider_id for s in submissions})
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    sign_in = SignIn(system.issuer_key)
    async with httpx.AsyncClient(base_url=system.url, timeout=60.0, limits=limits) as http:
        async with phase("registering providers", args.timeout):
            await register(http, sign_in, providers, args.concurrency)
            await quiet(http, time.monotonic() + args.timeout)  # contracts through the pipeline
        idle = await idle_cores(system.pid)
        delivered0 = await deliveries(system.nats_url)
        profiler = profiling(system.pid, args.profile)
        cpu0, server0, t0 = time.process_time(), cpu_by_process(system.pid), time.perf_counter()

        def due(s: Submission) -> float | None:
            return t0 + s.index / args.rate if args.rate else None

        async def one(s: Submission) -> None:
            await submit(http, sign_in, run_id, s, due(s))

        async with phase("submitting returns", args.timeout):
            with bar(len(submissions), "submitting returns") as (progress, task):
                await bounded(submissions, args.concurrency, counted(progress, task, one))
        submit_seconds = time.perf_counter() - t0
        client_cpu = (time.process_time() - cpu0) / submit_seconds
        server1 = cpu_seconds(system.pid)
        server_cpu = (None if server0 is None or server1 is None
                      else (server1 - sum(server0.values())) / submit_seconds)
        with waiting("waiting for the pipeline to settle"):
            await quiet(http, time.monotonic() + args.timeout)
        server2, t2 = cpu_by_process(system.pid), time.perf_counter()
        stop_profiling(profiler)
        delivered1 = await deliveries(system.nats_url)
        cost = (None if server0 is None or server2 is None or idle is None
                else Cost({name: cpu - server0.get(name, 0.0) for name, cpu in server2.items()},
                          t2 - t0, idle,
                          None if delivered0 is None or delivered1 is None
                          else delivered1 - delivered0))
        traces, pending = await observe(http, sign_in, submissions, args.timeout)
    ceiling = await measure_ceiling(system, args.ceiling_ops) if args.ceiling_ops else None
    run = Run(
        args.returns,
        args.concurrency,
        args.rate,
        len(providers),
        submissions,
        submit_seconds,
        client_cpu,
        server_cpu,
        time.perf_counter() - began,
        pending,
        system.url,
        cost,
        ceiling,
    )
    print(report(run, latencies(submissions, traces)))
    return run


async def deliveries(nats_url: str | None) -> int | None:
    """Messages JetStream has sent to the services' durable consumers so far (redeliveries
    included), on every stream of the system; None without its address. The governance view's
    ephemeral consumers (assure/reporting/feed.py), which read every stream whole, are not the
    services' and are left out."""
    if nats_url is None:
        return None
    nc = await nats.connect(nats_url, max_reconnect_attempts=2)
    try:
        js, total = nc.jetstream(), 0
        for stream in await js.streams_info():
            if stream.config.name.startswith("KV_"):
                continue
            total += sum(c.delivered.consumer_seq for c in
                         await js.consumers_info(stream.config.name) if c.config.durable_name)
        return total
    finally:
        await nc.close()


async def idle_cores(pid: int | None, seconds: float = 2.0) -> dict[str, float] | None:
    """Cores each process of `assure up` uses with nothing to do (timers, heartbeats, polls)."""
    before, t = cpu_by_process(pid), time.perf_counter()
    await asyncio.sleep(seconds)
    after = cpu_by_process(pid)
    if before is None or after is None:
        return None
    elapsed = time.perf_counter() - t
    return {name: (cpu - before.get(name, 0.0)) / elapsed for name, cpu in after.items()}


def profiling(pid: int | None, output: Path | None) -> subprocess.Popen[bytes] | None:
    """py-spy sampling `assure up` and its children 100 times a second into `output` in its raw
    (collapsed stacks) format, from the first POST until the pipeline is quiet; None without
    --profile or a process to sample. Only the thread holding each interpreter's lock is
    sampled (--gil): py-spy takes threads blocked in C (a queue's or a pool's wait, SQLite's
    busy wait) for running ones, so without it idle threads swamp the profile."""
    if output is None or pid is None:
        return None
    command = ["py-spy", "record", "--pid", str(pid), "--subprocesses", "--gil", "--rate", "100",
               "--format", "raw", "--output", str(output)]
    profiler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)  # py-spy attaches before the load starts
    return profiler


def stop_profiling(profiler: subprocess.Popen[bytes] | None) -> None:
    """Stops py-spy as Ctrl-C would; it writes its output then."""
    if profiler is None:
        return
    profiler.send_signal(signal.SIGINT)
    try:
        _, errors = profiler.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        profiler.kill()
        _, errors = profiler.communicate()
    if profiler.returncode not in (0, -signal.SIGINT):
        print(f"py-spy ended with {profiler.returncode}: {errors.decode()[-500:]}",
              file=sys.stderr)


async def measure_ceiling(system: System, ops: int) -> Ceiling | None:
    """The raw parts a return passes through, on the system's own nats-server and disk (see
    bench/national_ceilings.py): an event appended in a transaction of its own, a JetStream
    publish awaited (as the relay does) and a fetch with one message in flight (as the tracked
    consumers did before they fetched in batches). Only when the bench started the system and
    so knows both."""
    if system.nats_url is None or system.data_dir is None:
        return None
    answers = json.dumps(example("cmr-level-1")).encode()  # about a return's size
    nc = await nats.connect(system.nats_url, max_reconnect_attempts=2)
    try:
        found = await ceilings.jetstream_ceilings(nc, f"spine{uuid.uuid4().hex[:6]}", answers,
                                                  ops, 120.0)
    finally:
        await nc.close()
    sqlite = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_LOCK_TIMEOUT": "10"}
    stored = StoredEvent(originator_id=uuid.uuid4(), originator_version=1,
                         topic="bench.spine:Return", state=answers)
    store = await asyncio.to_thread(
        ceilings.store_ceilings,
        {**sqlite, "SQLITE_DBNAME": str(system.data_dir / "ceiling.sqlite")},
        {**sqlite, "SQLITE_DBNAME": str(system.data_dir / "loader-ceiling.sqlite")}, stored, ops)
    return Ceiling({
        "event-store append, 1 per transaction": store["append_one_per_transaction"]["per_second"],
        "JetStream publish, awaited": found["publish_awaited"]["per_second"],
        "JetStream fetch, 1 in flight": found["consume_one_in_flight"]["per_second"],
    })


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.spine", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--returns", type=int, required=True, help="how many returns (N)")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight (C)")
    parser.add_argument(
        "--rate",
        type=float,
        help="pace submissions at this many returns/s "
        "(default: as fast as C requests in flight allow)",
    )
    parser.add_argument("--url", help="use this running Assure instead of starting one")
    parser.add_argument("--per-provider", type=int, default=5, help="returns per provider")
    parser.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="limit in seconds for each phase (submitting, waiting)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the mix of returns")
    parser.add_argument(
        "--ceiling-ops", type=int, default=500,
        help="operations per raw-part ceiling measured after the load (0: none)",
    )
    parser.add_argument(
        "--data-dir", type=Path,
        help="with --url: the system's data directory, to sign in with its development issuer",
    )
    parser.add_argument(
        "--keep-data", action="store_true", help="keep the started system's data directory and log"
    )
    parser.add_argument(
        "--profile", type=Path, metavar="FILE",
        help="sample the started system with py-spy while it works, into FILE (collapsed stacks)",
    )
    args = parser.parse_args(argv)
    if args.returns < 1 or args.concurrency < 1 or args.per_provider < 1:
        parser.error("--returns, --concurrency and --per-provider must be at least 1")
    if args.ceiling_ops < 0:
        parser.error("--ceiling-ops must be 0 or more")
    if args.rate is not None and args.rate <= 0:
        parser.error("--rate must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    began = time.perf_counter()
    try:
        if args.url:
            run = asyncio.run(bench(System(args.url.rstrip("/"), data_dir=args.data_dir), args,
                                    began))
        else:
            with own_system(args.keep_data) as system:
                run = asyncio.run(bench(system, args, began))
    except (httpx.HTTPError, RuntimeError, TimeoutError) as exc:
        print(f"bench.spine: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    failed = run.pending or any(s.error for s in run.submissions)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
