"""`assure up` for the cluster suite, with replicated streams (ASSURE_STREAM_REPLICAS).

The services create their streams themselves (shared/runtime.py `ensure_stream`) from
`Topology.stream_config`, which names no replica count, and bring an existing stream to that
configuration: a stream created with three replicas is brought back to one. Until the proposed
setting ASSURE_STREAM_REPLICAS is part of shared/ (deploy/CLUSTER.md), this entry point adds the
replica count to the stream configuration and then runs the real `assure` command unchanged.
Once `Topology` has a `replicas` field of its own, it does nothing.
"""

from __future__ import annotations

import dataclasses
import os

from shared.messaging.topology import Topology


def replicate_streams() -> None:
    replicas = int(os.environ.get("ASSURE_STREAM_REPLICAS") or 1)
    if replicas == 1 or "replicas" in {field.name for field in dataclasses.fields(Topology)}:
        return
    unreplicated = Topology.stream_config

    def stream_config(self: Topology, service: str):  # noqa: ANN202 - nats-py's StreamConfig
        return dataclasses.replace(unreplicated(self, service), num_replicas=replicas)

    Topology.stream_config = stream_config  # type: ignore[method-assign]


if __name__ == "__main__":
    replicate_streams()
    from assure.cli import main

    main()
