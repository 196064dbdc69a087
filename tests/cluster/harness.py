"""Real parts for the cluster suite: a three-node NATS JetStream cluster and `assure up`
processes on 127.0.0.1, each a child process that is killed however the test ends."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import nats.errors

from shared.nats_server import free_port, nats_server_binary

REPO = Path(__file__).resolve().parents[2]


def _die_with_parent() -> None:
    """Linux: the child gets SIGKILL if the test process dies, even by SIGKILL."""
    with contextlib.suppress(OSError):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def spawn(command: list[str], log: Path, env: dict[str, str] | None = None,
          ) -> subprocess.Popen[bytes]:
    """A child in its own process group (so a kill takes all of it), its output in `log`.

    Call from the event loop's thread: the death signal follows the thread that spawned it.
    """
    with log.open("ab") as output:
        return subprocess.Popen(
            command, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stdout=output,
            stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )


def kill(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGKILL) -> None:
    """Sends `sig` to the child's process group and reaps it (SIGKILL after 30 s)."""
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def until(probe, timeout: float, what: str, every: float = 0.25):  # noqa: ANN001, ANN201
    """Polls an async probe until it returns something truthy, or fails naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        # Refused, timed out, no responders while a leader is elected: not yet.
        with contextlib.suppress(httpx.HTTPError, OSError, nats.errors.Error):
            found = await probe()
            if found:
                return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(every)


@dataclass
class NatsNode:
    """One nats-server of the cluster: client, route and monitoring ports on 127.0.0.1."""

    name: str
    root: Path
    client_port: int = field(default_factory=free_port)
    route_port: int = field(default_factory=free_port)
    monitor_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.client_port}"

    @property
    def route(self) -> str:
        return f"nats-route://127.0.0.1:{self.route_port}"

    def config(self, routes: list[str]) -> Path:
        store = self.root / self.name
        store.mkdir(parents=True, exist_ok=True)
        path = store / "nats-server.conf"
        path.write_text(
            f"server_name: {self.name}\n"
            f"listen: 127.0.0.1:{self.client_port}\n"
            f"http: 127.0.0.1:{self.monitor_port}\n"
            f'jetstream {{\n  store_dir: "{store / "jetstream"}"\n}}\n'
            "cluster {\n  name: assure\n"
            f"  listen: 127.0.0.1:{self.route_port}\n"
            f"  routes: [{', '.join(routes)}]\n}}\n"
        )
        return path

    def start(self, routes: list[str]) -> None:
        config = self.config(routes)
        self.process = spawn([nats_server_binary(), "-c", str(config)],
                             self.root / f"{self.name}.log")

    def kill(self) -> None:
        kill(self.process)
        self.process = None

    async def healthy(self, server_only: bool = False) -> bool:
        """/healthz answers 200: the node and JetStream are up, in contact with the meta
        leader, and (unless `server_only`) every stream and consumer replica is current."""
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"{self.name} is not running; see its log")
        query = "?js-server-only=true" if server_only else ""
        async with httpx.AsyncClient(timeout=2) as http:
            answer = await http.get(f"http://127.0.0.1:{self.monitor_port}/healthz{query}")
            return answer.status_code == 200


class NatsCluster:
    """Three JetStream servers routed to each other, each keeping its data under root."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.nodes = [NatsNode(f"n{i + 1}", root) for i in range(size)]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def node(self, name: str) -> NatsNode:
        return next(node for node in self.nodes if node.name == name)

    def live(self, but: NatsNode | None = None) -> NatsNode:
        return next(n for n in self.nodes if n is not but and n.process is not None)

    async def start(self, timeout: float = 60) -> None:
        routes = [node.route for node in self.nodes]
        for node in self.nodes:
            node.start(routes)
        for node in self.nodes:
            await until(node.healthy, timeout, f"{node.name} to join the cluster")

    async def restart(self, node: NatsNode, timeout: float = 90) -> None:
        """Starts a node again on its store; returns once it serves JetStream in the cluster.
        Its replicas catch up afterwards (the test looks at them at the end)."""
        node.start([n.route for n in self.nodes])
        await until(lambda: node.healthy(server_only=True), timeout,
                    f"{node.name} to serve again after its restart")

    def stop(self) -> None:
        for node in self.nodes:
            node.kill()


@dataclass
class AssureInstance:
    """One `assure up` process: all four services, sharing the store with the other instances."""

    name: str
    root: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    # A data directory shared with the other instances, as deploy/CLUSTER.md runs them (the
    # development issuer's key, evidence, the mail folder); None: one of its own.
    shared_data: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def data_dir(self) -> Path:
        return self.shared_data or self.root / self.name

    @property
    def log(self) -> Path:
        return self.root / f"{self.name}.log"

    def start(self, nats_url: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSURE_")}
        env.update(self.env, ASSURE_INSTANCE_ID=self.name, ASSURE_HTTP_PORT=str(self.port),
                   ASSURE_DATA_DIR=str(self.data_dir), ASSURE_NATS_URL=nats_url)
        self.process = spawn([sys.executable, "-m", "tests.cluster.launch", "up"], self.log, env)
        self.starts += 1

    async def healthy(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise AssertionError(f"assure up {self.name} exited; see {self.log}")
        async with httpx.AsyncClient(timeout=2) as http:
            return (await http.get(f"{self.url}/health")).status_code == 200

    async def started(self, timeout: float = 90) -> None:
        await until(self.healthy, timeout, f"assure up {self.name} to serve")

    def kill(self) -> None:
        kill(self.process)
        self.process = None

    def stop(self) -> None:
        """Ctrl-C, as an operator would; SIGKILL if it takes longer than 30 s."""
        kill(self.process, signal.SIGINT)
        self.process = None


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"
