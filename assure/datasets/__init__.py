"""Data sets that `assure demo --dataset NAME` loads into a running system over its HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DATASETS = ("2022",)


def load(name: str, base_url: str, say: Callable[[str], None] = print) -> dict[str, Any]:
    """Loads the named data set; 2022 is the light-touch round of 002."""
    if name != "2022":
        raise ValueError(f"there is no data set {name!r}; known: {', '.join(DATASETS)}")
    from assure.datasets import load_2022

    return load_2022.run(base_url, say)
