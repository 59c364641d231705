"""Seeds derived from the config seed and an item's identity; seeded weight initialisation.

Every random draw of the suite comes from a generator made here, never from the global state
that torch or numpy keep: results then do not depend on job order, on which process ran first
or on how work is chunked.
"""

from __future__ import annotations

import contextlib
import hashlib
from typing import Iterator

import torch


def derive_seed(seed: int, *identity: object) -> int:
    """A 63-bit seed determined by ``seed`` and the item's ``identity`` (strings, ints, ...).

    sha256 of the repr of (seed, *identity): independent streams for, e.g.,
    ``derive_seed(0, "draws", "stefan", 17)`` and ``derive_seed(0, "draws", "stefan", 18)``.
    """
    blob = repr((int(seed),) + tuple(identity)).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:8], "little") >> 1


def generator(seed: int, *identity: object, device: torch.device | str = "cpu") -> torch.Generator:
    """A torch.Generator on ``device`` seeded with ``derive_seed(seed, *identity)``."""
    return torch.Generator(device=device).manual_seed(derive_seed(seed, *identity))


@contextlib.contextmanager
def seeded_init(seed: int, *identity: object) -> Iterator[None]:
    """Run the block (typically a model's construction) with torch's global RNG seeded from the identity.

    Weight initialisers of torch.nn take no generator; this forks the global RNG state, seeds it
    with ``derive_seed(seed, "init", *identity)`` and restores it on exit, so the weights depend only
    on the seed and the identity, and nothing outside the block sees the change.
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(derive_seed(seed, "init", *identity))
        yield
