"""Metrics of the BOON experiments (spec boon.md §5, §6.3 Fig. 1).

Fields are arrays (batch, n) or (batch, n, n_t) in 1-D space (``n_space=1``, the default), or
(batch, n_x, n_y) or (batch, n_x, n_y, n_t) in 2-D space (``n_space=2``): axis 1 is x, axis 2 is y, each
on a uniform grid with both endpoints (node 0 at 0, node n-1 at 1), spacing h (default 1 / (n - 1); in
2-D a float for both axes or a pair (h_x, h_y)). numpy or torch in, numpy float64 out, except
:func:`relative_l2_loss_sum`, the differentiable training loss (the only function that imports torch).

Walls: 'left' (x = 0) and 'right' (x = 1) in 1-D; also 'bottom' (y = 0) and 'top' (y = 1) in 2-D. A wall's
residual has the field's shape without the wall's axis: (batch[, n_t]) in 1-D, (batch, n_y[, n_t]) at
x-walls and (batch, n_x[, n_t]) at y-walls in 2-D.

Boundary data: a value (float, or array broadcastable to the wall shape by numpy rules: a per-sample
value with a time axis is passed as (batch, 1); a global per-time flux as (n_t,)). Neumann data are
derivatives along the axis (du/dx at x-walls, du/dy at y-walls), not outward normal derivatives.
Neumann residuals use the BOON correction's one-sided stencils: first-order forward at the low end
(left, bottom), third-order backward at the high end (right, top); or 2nd-order one-sided stencils.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Union

import numpy as np

if TYPE_CHECKING:  # torch only for the training loss: the evaluation jobs run without importing it
    import torch

__all__ = [
    "relative_l2", "relative_l2_loss_sum", "neumann_flux", "neumann_flux_2nd_order",
    "boundary_residual", "boundary_error", "derivative_profile", "wall_derivative", "wall_mean_abs",
    "relative_l2_per_step", "near_boundary_mask", "relative_l2_near_boundary", "WALLS",
]

#: wall -> (axis of the field it closes, end index): x-walls on axis 1, y-walls on axis 2
WALLS: dict[str, tuple[int, int]] = {"left": (1, 0), "right": (1, -1), "bottom": (2, 0), "top": (2, -1)}

ArrayLike = Union[np.ndarray, "torch.Tensor"]


def _np(u: ArrayLike | float) -> np.ndarray:
    if hasattr(u, "detach"):  # a torch tensor
        u = u.detach().cpu().numpy()
    return np.asarray(u, dtype=np.float64)


def _field(u: ArrayLike, need: int, who: str, n_space: int = 1) -> np.ndarray:
    u = _np(u)
    if n_space not in (1, 2):
        raise ValueError(f"{who}: n_space must be 1 or 2, got {n_space!r}")
    dims = "(batch, n[, n_t])" if n_space == 1 else "(batch, n_x, n_y[, n_t])"
    if u.ndim not in (1 + n_space, 2 + n_space) or min(u.shape[1:1 + n_space]) < need:
        sizes = "n" if n_space == 1 else "n_x, n_y"
        raise ValueError(f"{who}: expected a field {dims} with {sizes} >= {need}, "
                         f"got shape {u.shape}")
    return u


def _spacing(u: np.ndarray, h: float | None, axis: int = 1) -> float:
    if isinstance(h, (tuple, list)):
        h = h[axis - 1]
    if h is None:
        return 1.0 / (u.shape[axis] - 1)
    if not h > 0:
        raise ValueError(f"grid spacing h must be > 0, got {h}")
    return float(h)


def wall_derivative(u: ArrayLike, wall: str, h: float | tuple | None = None, stencil: str = "boon",
                    n_space: int = 1) -> np.ndarray:
    """The derivative along the wall's axis (du/dx at left/right, du/dy at bottom/top) at the wall.

    ``stencil`` 'boon': (u_1 - u_0)/h at the low end, (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4})/(6h)
    at the high end; 'second_order': (-3 u_0 + 4 u_1 - u_2)/(2h), (3 u_{n-1} - 4 u_{n-2} + u_{n-3})/(2h).
    Returns the field without the wall's axis (see the module docstring).
    """
    if wall not in WALLS or WALLS[wall][0] > n_space:
        raise ValueError(f"wall must be one of {[w for w, (a, _) in WALLS.items() if a <= n_space]}, got {wall!r}")
    if stencil not in ("boon", "second_order"):
        raise ValueError(f"stencil must be 'boon' or 'second_order', got {stencil!r}")
    u = _field(u, 4 if stencil == "boon" else 3, "wall_derivative", n_space)
    axis, end = WALLS[wall]
    h = _spacing(u, h, axis)
    n = u.shape[axis]
    node = (lambda i: np.take(u, i, axis=axis)) if end == 0 else (lambda i: np.take(u, n - 1 - i, axis=axis))
    if stencil == "boon":
        if end == 0:
            return (node(1) - node(0)) / h
        return (11 * node(0) - 18 * node(1) + 9 * node(2) - 2 * node(3)) / (6 * h)
    if end == 0:
        return (-3 * node(0) + 4 * node(1) - node(2)) / (2 * h)
    return (3 * node(0) - 4 * node(1) + node(2)) / (2 * h)


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
    import torch

    b = pred.shape[0]
    diff = torch.linalg.vector_norm((pred - true).reshape(b, -1), dim=1)
    return (diff / torch.linalg.vector_norm(true.reshape(b, -1), dim=1)).sum()


def neumann_flux(u: ArrayLike, h: float | None = None) -> dict[str, np.ndarray]:
    """du/dx at the walls with the BOON stencils; {'left', 'right'}, each (batch[, n_t]).

    Left (u1 - u0)/h; right (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4}) / (6h).
    """
    u = _field(u, 4, "neumann_flux")
    return {side: wall_derivative(u, side, h, "boon") for side in ("left", "right")}


def neumann_flux_2nd_order(u: ArrayLike, h: float | None = None) -> dict[str, np.ndarray]:
    """du/dx at the walls with 2nd-order one-sided stencils; {'left', 'right'}, each (batch[, n_t]).

    Left (-3 u0 + 4 u1 - u2)/(2h); right (3 u_{n-1} - 4 u_{n-2} + u_{n-3})/(2h).
    """
    u = _field(u, 3, "neumann_flux_2nd_order")
    return {side: wall_derivative(u, side, h, "second_order") for side in ("left", "right")}


def _bc_value(bc: Mapping, key: str, wall: tuple[int, ...], bc_type: str) -> np.ndarray:
    if not isinstance(bc, Mapping) or key not in bc:
        raise ValueError(f"boundary_residual: {bc_type} needs bc[{key!r}]")
    v = _np(bc[key])
    try:
        return np.broadcast_to(v, wall)
    except ValueError:
        raise ValueError(f"boundary_residual: bc[{key!r}] of shape {v.shape} does not broadcast "
                         f"to the wall shape {wall}") from None


def boundary_residual(u: ArrayLike, bc_type: str, bc: Mapping | None = None, h: float | tuple | None = None,
                      stencil: str = "boon", n_space: int = 1) -> dict[str, np.ndarray]:
    """Per-sample BC residuals at each wall, each of the wall's shape (see the module docstring).

    Dirichlet: {wall: u(wall) - bc[wall]}. Neumann: {wall: D_h u(wall) - bc[wall]}, D_h the derivative
    along the wall's axis with ``stencil`` 'boon' (the correction's stencils) or 'second_order'; in 2-D
    without the wall's two corner nodes (shape (batch, n - 2[, n_t])), where an x-wall and a y-wall
    relation meet and only one of them can hold (BOON-FNO3d enforces the y-walls last).
    Periodic (1-D only): {'ends': u0 - u_{n-1}}. Walls: left, right (and bottom, top when n_space = 2).
    """
    walls = [w for w, (axis, _) in WALLS.items() if axis <= n_space]
    if bc_type == "periodic":
        if n_space != 1:
            raise ValueError("boundary_residual: periodic residuals are defined for 1-D space only")
        u = _field(u, 2, "boundary_residual")
        return {"ends": u[:, 0] - u[:, -1]}
    if bc_type == "dirichlet":
        u = _field(u, 2, "boundary_residual", n_space)
        out = {}
        for w in walls:
            axis, end = WALLS[w]
            value = np.take(u, end, axis=axis)
            out[w] = value - _bc_value(bc, w, value.shape, bc_type)
        return out
    if bc_type == "neumann":
        if stencil not in ("boon", "second_order"):
            raise ValueError(f"boundary_residual: stencil must be 'boon' or 'second_order', got {stencil!r}")
        u = _field(u, 4 if stencil == "boon" else 3, "boundary_residual", n_space)
        out = {}
        for w in walls:
            flux = wall_derivative(u, w, h, stencil, n_space)
            r = flux - _bc_value(bc, w, flux.shape, bc_type)
            out[w] = r[:, 1:-1] if n_space == 2 else r  # 2-D: without the corners (two normals meet there)
        return out
    raise ValueError(f"boundary_residual: bc_type must be 'dirichlet', 'neumann' or 'periodic', "
                     f"got {bc_type!r}")


def wall_mean_abs(residual: ArrayLike) -> np.ndarray:
    """Mean of |residual| over every axis but the first (a wall's other axes and time): (batch,)."""
    r = _np(residual)
    return np.abs(r.reshape(r.shape[0], -1)).mean(axis=1)


def boundary_error(u: ArrayLike, bc_type: str, bc: Mapping | None = None, h: float | tuple | None = None,
                   stencil: str = "boon", n_space: int = 1) -> np.ndarray:
    """RMS of the BC residuals over the walls (and output times) of each sample; returns (batch,)."""
    res = boundary_residual(u, bc_type, bc, h, stencil, n_space)
    stacked = np.concatenate([r.reshape(r.shape[0], -1) for r in res.values()], axis=1)
    return np.sqrt(np.mean(stacked ** 2, axis=1))


def relative_l2_per_step(pred: ArrayLike, true: ArrayLike) -> np.ndarray:
    """Relative L2 of each output step: (batch, n_t), norms over every axis but the first and the last (t)."""
    p, t = _np(pred), _np(true)
    if p.shape != t.shape or p.ndim < 3:
        raise ValueError(f"relative_l2_per_step: pred {p.shape} and true {t.shape} must have the same shape "
                         "(batch, space..., n_t)")
    p = p.reshape(p.shape[0], -1, p.shape[-1])
    t = t.reshape(t.shape[0], -1, t.shape[-1])
    return np.linalg.norm(p - t, axis=1) / np.linalg.norm(t, axis=1)


def near_boundary_mask(shape: tuple[int, ...], fraction: float = 0.05) -> np.ndarray:
    """Boolean mask over the spatial nodes ``shape`` ((n,) or (n_x, n_y)): the first and the last
    max(1, ceil(fraction * n)) nodes along each axis (spec §5, near-boundary error)."""
    if not 0 < fraction < 0.5:
        raise ValueError(f"fraction must lie in (0, 0.5), got {fraction}")
    mask = np.zeros(shape, dtype=bool)
    for axis, n in enumerate(shape):
        k = max(1, int(np.ceil(fraction * n - 1e-9)))
        index = [slice(None)] * len(shape)
        for band in (slice(0, k), slice(n - k, n)):
            index[axis] = band
            mask[tuple(index)] = True
    return mask


def relative_l2_near_boundary(pred: ArrayLike, true: ArrayLike, n_space: int = 1,
                              fraction: float = 0.05) -> np.ndarray:
    """Per-sample relative L2 restricted to the nodes of :func:`near_boundary_mask` (all times): (batch,)."""
    p, t = _field(pred, 2, "relative_l2_near_boundary", n_space), _np(true)
    if p.shape != t.shape:
        raise ValueError(f"relative_l2_near_boundary: pred {p.shape} and true {t.shape} must have the same shape")
    mask = near_boundary_mask(p.shape[1:1 + n_space], fraction)
    p = p[:, mask].reshape(p.shape[0], -1)  # boolean index over the spatial axes; time follows
    t = t[:, mask].reshape(t.shape[0], -1)
    return np.linalg.norm(p - t, axis=1) / np.linalg.norm(t, axis=1)


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
