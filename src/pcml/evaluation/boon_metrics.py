"""Metrics of the BOON experiments (spec boon.md §5, §6.3 Fig. 1).

Fields are arrays (batch, n) or (batch, n, n_t): axis 1 is space on a uniform grid with both
endpoints (node 0 at x = 0, node n-1 at x = 1), spacing h (default 1 / (n - 1)). numpy or torch in,
numpy float64 out, except :func:`relative_l2_loss_sum`, the differentiable training loss.

Boundary data: a value (float, or array broadcastable to the wall shape (batch,) or
(batch, n_t) by numpy rules: a per-sample value with a time axis is passed as (batch, 1); a global
per-time flux as (n_t,)). Neumann residuals use the BOON correction's one-sided stencils:
first-order forward on the left, third-order backward on the right.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch

__all__ = [
    "relative_l2", "relative_l2_loss_sum", "neumann_flux", "neumann_flux_2nd_order",
    "boundary_residual", "boundary_error", "derivative_profile",
]

ArrayLike = np.ndarray | torch.Tensor


def _np(u: ArrayLike | float) -> np.ndarray:
    if isinstance(u, torch.Tensor):
        u = u.detach().cpu().numpy()
    return np.asarray(u, dtype=np.float64)


def _field(u: ArrayLike, need: int, who: str) -> np.ndarray:
    u = _np(u)
    if u.ndim not in (2, 3) or u.shape[1] < need:
        raise ValueError(f"{who}: expected a field (batch, n[, n_t]) with n >= {need}, "
                         f"got shape {u.shape}")
    return u


def _spacing(u: np.ndarray, h: float | None) -> float:
    if h is None:
        return 1.0 / (u.shape[1] - 1)
    if not h > 0:
        raise ValueError(f"grid spacing h must be > 0, got {h}")
    return float(h)


def relative_l2(pred: ArrayLike, true: ArrayLike) -> np.ndarray:
    """Per-sample ||pred - true||_2 / ||true||_2 over all non-batch axes; returns (batch,)."""
    p, t = _np(pred), _np(true)
    if p.shape != t.shape or p.ndim < 1:
        raise ValueError(f"relative_l2: pred {p.shape} and true {t.shape} must have the same shape")
    p, t = p.reshape(p.shape[0], -1), t.reshape(t.shape[0], -1)
    return np.linalg.norm(p - t, axis=1) / np.linalg.norm(t, axis=1)


def relative_l2_loss_sum(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Training loss: sum over the batch of per-sample relative L2 errors (LpLoss(size_average=False)).

    Returns a 0-d tensor (differentiable); divide by the number of samples for an epoch mean.
    """
    if pred.shape != true.shape or pred.ndim < 1:
        raise ValueError(f"relative_l2_loss_sum: pred {tuple(pred.shape)} and true "
                         f"{tuple(true.shape)} must have the same shape")
    b = pred.shape[0]
    diff = torch.linalg.vector_norm((pred - true).reshape(b, -1), dim=1)
    return (diff / torch.linalg.vector_norm(true.reshape(b, -1), dim=1)).sum()


def neumann_flux(u: ArrayLike, h: float | None = None) -> dict[str, np.ndarray]:
    """du/dx at the walls with the BOON stencils; {'left', 'right'}, each (batch[, n_t]).

    Left (u1 - u0)/h; right (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4}) / (6h).
    """
    u = _field(u, 4, "neumann_flux")
    h = _spacing(u, h)
    return {"left": (u[:, 1] - u[:, 0]) / h,
            "right": (11 * u[:, -1] - 18 * u[:, -2] + 9 * u[:, -3] - 2 * u[:, -4]) / (6 * h)}


def neumann_flux_2nd_order(u: ArrayLike, h: float | None = None) -> dict[str, np.ndarray]:
    """du/dx at the walls with 2nd-order one-sided stencils; {'left', 'right'}, each (batch[, n_t]).

    Left (-3 u0 + 4 u1 - u2)/(2h); right (3 u_{n-1} - 4 u_{n-2} + u_{n-3})/(2h).
    """
    u = _field(u, 3, "neumann_flux_2nd_order")
    h = _spacing(u, h)
    return {"left": (-3 * u[:, 0] + 4 * u[:, 1] - u[:, 2]) / (2 * h),
            "right": (3 * u[:, -1] - 4 * u[:, -2] + u[:, -3]) / (2 * h)}


def _bc_value(bc: Mapping, key: str, wall: tuple[int, ...], bc_type: str) -> np.ndarray:
    if not isinstance(bc, Mapping) or key not in bc:
        raise ValueError(f"boundary_residual: {bc_type} needs bc[{key!r}]")
    v = _np(bc[key])
    try:
        return np.broadcast_to(v, wall)
    except ValueError:
        raise ValueError(f"boundary_residual: bc[{key!r}] of shape {v.shape} does not broadcast "
                         f"to the wall shape {wall}") from None


def boundary_residual(u: ArrayLike, bc_type: str, bc: Mapping | None = None, h: float | None = None,
                      stencil: str = "boon") -> dict[str, np.ndarray]:
    """Per-sample BC residuals at each wall, each (batch[, n_t]).

    Dirichlet: {'left': u0 - a_L, 'right': u_{n-1} - a_R}. Neumann: {'left': D_h u(0) - g_L,
    'right': D_h u(1) - g_R} with ``stencil`` 'boon' (the correction's stencils) or 'second_order'.
    Periodic: {'ends': u0 - u_{n-1}}.
    """
    if bc_type == "periodic":
        u = _field(u, 2, "boundary_residual")
        return {"ends": u[:, 0] - u[:, -1]}
    if bc_type == "dirichlet":
        u = _field(u, 2, "boundary_residual")
        wall = u[:, 0].shape
        return {"left": u[:, 0] - _bc_value(bc, "left", wall, bc_type),
                "right": u[:, -1] - _bc_value(bc, "right", wall, bc_type)}
    if bc_type == "neumann":
        if stencil == "boon":
            flux = neumann_flux(u, h)
        elif stencil == "second_order":
            flux = neumann_flux_2nd_order(u, h)
        else:
            raise ValueError(f"boundary_residual: stencil must be 'boon' or 'second_order', got {stencil!r}")
        wall = flux["left"].shape
        return {side: flux[side] - _bc_value(bc, side, wall, bc_type) for side in ("left", "right")}
    raise ValueError(f"boundary_residual: bc_type must be 'dirichlet', 'neumann' or 'periodic', "
                     f"got {bc_type!r}")


def boundary_error(u: ArrayLike, bc_type: str, bc: Mapping | None = None, h: float | None = None,
                   stencil: str = "boon") -> np.ndarray:
    """RMS of the BC residuals over the walls (and output times) of each sample; returns (batch,)."""
    res = boundary_residual(u, bc_type, bc, h, stencil)
    stacked = np.stack([r.reshape(r.shape[0], -1) for r in res.values()], axis=1)
    return np.sqrt(np.mean(stacked.reshape(stacked.shape[0], -1) ** 2, axis=1))


def derivative_profile(u: ArrayLike, h: float | None = None) -> np.ndarray:
    """du/dx on every node, same shape as u (batch, n[, n_t]) (Fig. 1 of the paper).

    Central differences (u_{i+1} - u_{i-1})/(2h) inside; the BOON stencils at nodes 0 and n-1
    (see :func:`neumann_flux`), so BOON's wall derivatives equal its Neumann data exactly.
    """
    u = _field(u, 4, "derivative_profile")
    h = _spacing(u, h)
    du = np.empty_like(u)
    du[:, 1:-1] = (u[:, 2:] - u[:, :-2]) / (2 * h)
    flux = neumann_flux(u, h)
    du[:, 0], du[:, -1] = flux["left"], flux["right"]
    return du
