"""Prints the deploy configuration's NATS authorization block (deploy/nats/auth.conf).

    python -m assure.nats_auth [--namespace NS] [--partitions N] > deploy/nats/auth.conf

It lives in the composition root because it needs every service's declaration of what it
consumes (`assure.services.ALL`); shared/ only knows how to turn those into permissions.
"""

from __future__ import annotations

import argparse

from assure.services import ALL
from shared.messaging.credentials import deploy_authorization
from shared.messaging.topology import Topology
from shared.settings import AssureSettings


def main(argv: list[str] | None = None) -> None:
    """Prints the authorization block, each password read from the server's environment."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default="")
    parser.add_argument("--partitions", type=int, default=AssureSettings().partitions)
    args = parser.parse_args(argv)
    print(deploy_authorization(Topology(args.partitions, args.namespace),
                               {d.name: tuple(d.consumes) for d in ALL}), end="")


if __name__ == "__main__":
    main()
