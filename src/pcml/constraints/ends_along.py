"""End-node writes along several axes of one tensor in one copy (the 3-D BOON walls, spec boon.md §3.5).

:func:`set_ends_along` applies a sequence of :class:`EndsStage` to ``scale * t``: stage k sets nodes 0 and
n-1 along its axis to ``fn(nodes read, *params)``, reading the tensor as the earlier stages left it (so a
later axis overwrites the shared corners, as writing the walls one after the other does). It equals
``scale * t`` followed by one :func:`pcml.constraints.boundary_kernels.set_ends` per stage, each a full copy
of t and of its gradient; here the output and the gradient are each copied once, whatever the number of
stages. The values are the same as those of the sequential writes; with a ``scale`` other than 1 each
stage's data must come pre-multiplied by ``scale`` (bit-identical to scaling afterwards for a power of two).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch

from pcml.constraints.boundary_kernels import EndsFn, end_index, node_index


class EndsStage(NamedTuple):
    """One axis's end-node write: ``fn(t[..., read] with the axis last, *params)`` -> (..., 2) at nodes 0, n-1."""

    axis: int
    read: tuple[int, ...]
    fn: EndsFn
    params: tuple[torch.Tensor, ...] = ()


def _write_stages(out: torch.Tensor, stages: Sequence[EndsStage], needs: Sequence[bool]) -> list[tuple]:
    """Write the stages into ``out`` in place, in order; returns per stage (stage, read nodes as a leaf with
    the axis last, params as leaves, new end values (..., 2)). ``needs``: whether t, then each param of the
    stages in order, needs a gradient (the leaves are made to require one accordingly)."""
    graphs, first = [], 0
    for stage in stages:
        n_p = len(stage.params)
        read = node_index(tuple(stage.read), out.device)
        s = out.detach().index_select(stage.axis, read).movedim(stage.axis, -1).detach().requires_grad_(needs[0])
        p = [q.detach().requires_grad_(need) for q, need in zip(stage.params, needs[1 + first:1 + first + n_p])]
        v = stage.fn(s, *p).expand(s.shape[:-1] + (2,))
        out.index_copy_(stage.axis, end_index(out.shape[stage.axis], out.device), v.detach().movedim(-1, stage.axis))
        graphs.append((stage, s, p, v))
        first += n_p
    return graphs


class _SetEndsAlong(torch.autograd.Function):
    """out = the stages applied in order to scale * t; the backward pass walks them in reverse on one copy
    of the output gradient (each stage: its ends' gradient through fn's small graph, ends zeroed, fn's
    gradient added at its read nodes)."""

    @staticmethod
    def forward(ctx, t: torch.Tensor, scale: float, stages: tuple[EndsStage, ...], *params: torch.Tensor):
        out = t.clone() if scale == 1 else t * scale
        with torch.enable_grad():
            ctx.graphs = _write_stages(out, stages, [ctx.needs_input_grad[0], *ctx.needs_input_grad[3:]])
        ctx.scale = scale
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor):
        g = grad.clone() if ctx.scale == 1 else grad * ctx.scale
        param_grads: list[list[torch.Tensor | None]] = []
        for stage, s, p, v in reversed(ctx.graphs):
            ends = end_index(g.shape[stage.axis], g.device)
            wanted = [x for x in [s, *p] if x.requires_grad]
            found = iter(torch.autograd.grad(v, wanted, g.index_select(stage.axis, ends).movedim(stage.axis, -1),
                                             allow_unused=True) if wanted and v.requires_grad else [None] * len(wanted))
            grads = [next(found) if x.requires_grad else None for x in [s, *p]]
            g.index_fill_(stage.axis, ends, 0)
            if grads[0] is not None:
                g.index_add_(stage.axis, node_index(tuple(stage.read), g.device), grads[0].movedim(-1, stage.axis))
            # g carries the factor scale; the data's gradient is that of the output (the caller scaled the data)
            param_grads.append([q if q is None or ctx.scale == 1 else q / ctx.scale for q in grads[1:]])
        flat = [q for stage_grads in reversed(param_grads) for q in stage_grads]
        return (g if ctx.needs_input_grad[0] else None, None, None, *flat)


def set_ends_along(t: torch.Tensor, stages: Sequence[EndsStage], scale: float = 1.0) -> torch.Tensor:
    """``scale * t`` with the ``stages`` written in order (module doc); a new tensor shaped like t."""
    stages = tuple(stages)
    params = [q for stage in stages for q in stage.params]
    if torch.is_grad_enabled() and (t.requires_grad or any(q.requires_grad for q in params)):
        return _SetEndsAlong.apply(t, float(scale), stages, *params)
    out = t.clone() if scale == 1 else t * scale
    _write_stages(out, stages, [False] * (1 + len(params)))
    return out
