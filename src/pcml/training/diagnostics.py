"""Per-step diagnostics of training that go into the history (see :class:`pcml.training.loop.StepStats`).

:class:`PivotTrace`: the divisors of the BOON elimination (spec boon.md §3.2) of a BOON-FNO (1-D, 2-D or 3-D)
at each optimiser step. The elimination divides by KNN and by the pivot K~00 = K00 - KN0 K0N / KNN of every
spectral layer; both are small (about modes / (N width) at initialisation) and move with the weights. A
value that crosses zero, or that the clamp replaces by tol (1e-7 with abs in 1-D; 1e-4 in 2-D/3-D, without abs in
faithful 2-D, P10), turns the elimination's 1/K into up to 1/tol and the boundary inputs of that layer into large
numbers, with no gradient through the clamped constant (P22). The trace makes such a run visible in its history.
"""
from __future__ import annotations

import torch

from pcml.training.loop import StepStats

__all__ = ["PivotTrace", "pivot_trace_for"]


class PivotTrace(StepStats):
    """History columns ``pivot_min_abs`` (the smallest |KNN| or |K~00| over the epoch's steps and the model's
    layers, float) and ``clamped_steps`` (how many of the epoch's steps had an entry that the clamp replaces).

    ``n_x``: the number of x nodes of the model's latent (the data grid: BOON-FNOs do not pad x).
    The model must provide ``pivots(n_x) -> (layers, k)`` and ``clamped(pivots) -> bool mask``.
    """

    def __init__(self, n_x: int) -> None:
        self.n_x = int(n_x)

    def measure(self, model: torch.nn.Module) -> dict[str, float]:
        pivots = model.pivots(self.n_x)
        return {"pivot_min_abs": float(pivots.abs().min()), "clamped": float(bool(model.clamped(pivots).any()))}

    def summarise(self, rows: list[dict[str, float]]) -> dict[str, float]:
        if not rows:
            return {"pivot_min_abs": float("nan"), "clamped_steps": 0}
        return {"pivot_min_abs": min(r["pivot_min_abs"] for r in rows),
                "clamped_steps": int(sum(r["clamped"] for r in rows))}


def pivot_trace_for(model: torch.nn.Module, n_x: int) -> PivotTrace | None:
    """A :class:`PivotTrace` for a model that eliminates (a BOON-FNO with Dirichlet or Neumann BCs), else None
    (plain FNOs, PINO-lite, periodic BOON)."""
    if not hasattr(model, "pivots") or getattr(model, "bc_type", "periodic") == "periodic":
        return None
    return PivotTrace(n_x)
