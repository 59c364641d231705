"""How far a training step is from its matrix-product floor: FLOPs and the time of its GEMMs alone.

A speed-up that keeps a model's architecture keeps its matrix products: the same shapes, the same
FLOPs. The time those products take on their own, with this torch build's BLAS on this machine,
is therefore a floor for the step that only fewer FLOPs (or a faster BLAS) can go under. Two
measurements of one call of a step function:

- ``count_flops``: floating-point operations of the matrix products and convolutions, as counted
  by ``torch.utils.flop_counter.FlopCounterMode`` (2 per multiply-add; elementwise ops, reductions
  and FFTs count zero).
- ``record_matmuls`` / ``matmul_floor_s``: every ``mm``/``bmm``/``addmm``/``baddbmm`` call of the
  step, recorded with its operand shapes and dtype, then replayed on fresh contiguous tensors of
  those shapes; the median seconds of one replay of all of them. Contiguous operands are the
  BLAS's best case, so the floor errs low (optimistic for a speed-up), never high.

``step_s / floor_s`` is then the largest speed-up available without changing the products.
"""
from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

from pcml.bench.measure import time_alternating

__all__ = ["MatmulCall", "count_flops", "record_matmuls", "replay_s", "matmul_floor_s"]

_aten = torch.ops.aten
MATMULS = (_aten.mm.default, _aten.bmm.default, _aten.addmm.default, _aten.baddbmm.default)


@dataclass(frozen=True)
class MatmulCall:
    """One recorded matrix product: the aten op, the shapes of its tensor operands, their dtype."""
    op: object
    shapes: tuple[tuple[int, ...], ...]
    dtype: torch.dtype

    def operands(self, generator: torch.Generator) -> list[torch.Tensor]:
        """Fresh contiguous random operands of the recorded shapes and dtype."""
        return [torch.randn(s, generator=generator, dtype=self.dtype) for s in self.shapes]


class _Recorder(TorchDispatchMode):
    """Dispatch mode that notes every matrix product (op, operand shapes, dtype) and runs it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[MatmulCall] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        if func in MATMULS:
            tensors = [a for a in args if isinstance(a, torch.Tensor)]
            self.calls.append(MatmulCall(func, tuple(tuple(t.shape) for t in tensors), tensors[0].dtype))
        return func(*args, **(kwargs or {}))


def count_flops(step: Callable[[], None]) -> int:
    """FLOPs of one call of ``step`` (matrix products and convolutions only; see the module doc)."""
    counter = FlopCounterMode(display=False)
    with counter:
        step()
    return int(counter.get_total_flops())


def record_matmuls(step: Callable[[], None]) -> list[MatmulCall]:
    """The matrix products of one call of ``step``, in call order (the call runs normally)."""
    recorder = _Recorder()
    with recorder:
        step()
    return recorder.calls


def replay_s(calls: list[MatmulCall], repeats: int, warmup: int = 1, seed: int = 0) -> float:
    """Median seconds of one replay of ``calls`` on fresh contiguous operands (made once, untimed),
    timed like every benchmark case (:func:`pcml.bench.measure.time_alternating`)."""
    g = torch.Generator().manual_seed(seed)
    work = [(c.op, c.operands(g)) for c in calls]

    def replay() -> None:
        for op, operands in work:
            op(*operands)

    return statistics.median(time_alternating(replay, None, repeats, warmup)[0])


def matmul_floor_s(step: Callable[[], None], repeats: int, warmup: int = 1) -> float:
    """Seconds the matrix products of one ``step`` call take on their own (median of ``repeats``
    replays): the floor of the step at its FLOPs (see the module doc)."""
    return replay_s(record_matmuls(step), repeats, warmup)
