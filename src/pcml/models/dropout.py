"""Dropout whose masks come from an explicit, seeded generator (never torch's global RNG).

``SeededDropout`` draws its masks from the generator installed by ``dropout_rng`` for the duration
of a ``with`` block. Two streams exist:

- the *context* stream, one generator for every tensor that does not depend on the target points
  (encoders of the context set, latent path); it is also used for everything during training;
- the *target* stream, for tensors with a target-point axis (cross-attention from the targets):
  the points are cut into consecutive blocks of ``target_block`` points and block ``i`` draws its
  masks from ``target_generators[i]``. A caller that seeds one generator per block identity (e.g.
  per time slice of the evaluation grid) then gets the same masks whatever chunk the block is in.

Outside a ``dropout_rng`` block a SeededDropout in training mode falls back to torch's global RNG
(the behaviour of ``nn.Dropout``), so the model stays usable as a plain module.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class DropoutStreams:
    """Generators of the dropout masks: one for the context stream, one per target block."""

    context: torch.Generator
    target_generators: Sequence[torch.Generator] | None = None
    target_block: int = 0


_STREAMS: contextvars.ContextVar[DropoutStreams | None] = contextvars.ContextVar("dropout_streams", default=None)


@contextlib.contextmanager
def dropout_rng(context: torch.Generator, target_generators: Sequence[torch.Generator] | None = None,
                target_block: int = 0) -> Iterator[DropoutStreams]:
    """Install the generators from which every SeededDropout draws its masks inside the block."""
    if target_generators is not None and target_block < 1:
        raise ValueError(f"target_block must be >= 1 with target generators; got {target_block}")
    token = _STREAMS.set(DropoutStreams(context, target_generators, target_block))
    try:
        yield _STREAMS.get()
    finally:
        _STREAMS.reset(token)


def _keep_mask(shape: Sequence[int], keep: float, gen: torch.Generator, like: torch.Tensor) -> torch.Tensor:
    """Bernoulli(keep) mask scaled by 1/keep, shape ``shape``, dtype and device of ``like``."""
    mask = torch.empty(tuple(shape), dtype=like.dtype, device=like.device).bernoulli_(keep, generator=gen)
    return mask.div_(keep)


class SeededDropout(nn.Module):
    """Inverted dropout with probability ``p``; masks from the installed ``dropout_rng`` streams.

    ``target_axis``: the axis of the input that indexes target points (counted from the end, e.g. -2
    for (B, Nq, H), -2 for attention weights (B, heads, Nq, Nk)), or None for context-only tensors.
    forward(x) returns a tensor of x's shape.
    """

    def __init__(self, p: float = 0.1, target_axis: int | None = None) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability must be in [0, 1); got {p}")
        self.p = p
        self.target_axis = target_axis

    def extra_repr(self) -> str:
        return f"p={self.p}, target_axis={self.target_axis}"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        streams = _STREAMS.get()
        if streams is None:
            return F.dropout(x, self.p, training=True)
        keep = 1.0 - self.p
        if self.target_axis is None or streams.target_generators is None:
            return x * _keep_mask(x.shape, keep, streams.context, x)
        axis = self.target_axis % x.dim()
        n_points, block = x.shape[axis], streams.target_block
        n_blocks = -(-n_points // block)
        if n_blocks > len(streams.target_generators):
            raise ValueError(f"{n_points} target points need {n_blocks} blocks of {block}; "
                             f"only {len(streams.target_generators)} target generators installed")
        masks = []
        for i in range(n_blocks):
            shape = list(x.shape)
            shape[axis] = min(block, n_points - i * block)
            masks.append(_keep_mask(shape, keep, streams.target_generators[i], x))
        return x * torch.cat(masks, dim=axis)
