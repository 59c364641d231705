"""PINO-lite: the soft-constraint baseline of the BOON experiments (spec boon.md §4.3) [RECON].

loss = sum over the batch of the per-sample relative L2 error (the FNO/BOON training loss,
:func:`pcml.evaluation.boon_metrics.relative_l2_loss_sum`)
     + lambda_bc * mean(r_bc^2)    (every wall node of every sample, :func:`bc_residual`)
     + lambda_pde * mean(r_pde^2)  (finite-difference PDE residual in space-time, 1-D+t only,
                                    :func:`pde_residual`; only when ``pde`` is given).

The penalties are means over the batch and the nodes (not sums); nothing enforces the BC. The
paper's soft-constraint baseline is only inferred, so every setting here is a reconstruction.

Field layouts (space axes first, time last, as the datasets store them):

* 1-D single step: u (batch, n_x); walls x = 0 ("left") and x = L ("right").
* 1-D + t: u (batch, n_x, n_t); the same walls at every output time.
* 2-D + t: u (batch, n_x, n_y, n_t); walls x = 0 "left", x = L "right", y = 0 "bottom",
  y = L "top" at every output time.

Grids include both endpoints: h = length / (n - 1) along each axis. Neumann residuals use the BOON
correction's one-sided stencils (first order on the low wall, third order on the high wall), through
:func:`pcml.constraints.boundary.neumann_left_value` (clean form u0 = u1 - h g) and
:func:`pcml.constraints.boundary.neumann_right_value`, so the stencils are written once. Neumann
values are du/dx on the x-walls and du/dy on the y-walls (not the outward normal derivative; the
two differ in sign on the low walls, and agree for the zero fluxes of the wave data).
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
import xarray as xr

from pcml.constraints.boundary import RIGHT_FLUX_FACTOR, check_bc_keys, neumann_left_value, neumann_right_value
from pcml.evaluation.boon_metrics import relative_l2_loss_sum

__all__ = ["BC_TYPES", "PDES", "PDE_COEFFICIENT", "EXPERIMENT_PDE", "wall_flux", "bc_residual",
           "pde_residual", "pde_settings", "pino_lite_loss"]

BC_TYPES = ("dirichlet", "neumann", "periodic")
#: PDE name -> the name of its diffusion coefficient (the dataset attribute).
PDE_COEFFICIENT = {"heat": "k", "stokes": "nu", "burgers": "nu"}
PDES = tuple(PDE_COEFFICIENT)
#: prefix of a BOON dataset's ``experiment`` attribute -> the PDE of its data
EXPERIMENT_PDE = {"Heat": "heat", "Stokes": "stokes", "Burgers": "burgers"}

# BC dict keys of the (low, high) walls along x and along y.
_X_WALLS = ("left", "right")
_Y_WALLS = ("bottom", "top")


def _spatial_axes(u: torch.Tensor, who: str) -> list[tuple[int, tuple[str, str]]]:
    """[(axis, (low wall, high wall)), ...] for u (batch, n_x[, n_t]) or (batch, n_x, n_y, n_t)."""
    if not isinstance(u, torch.Tensor) or not u.is_floating_point():
        raise ValueError(f"{who}: u must be a floating-point tensor, got {type(u).__name__}"
                         + (f" of dtype {u.dtype}" if isinstance(u, torch.Tensor) else ""))
    if u.ndim in (2, 3):
        return [(1, _X_WALLS)]
    if u.ndim == 4:
        return [(1, _X_WALLS), (2, _Y_WALLS)]
    raise ValueError(f"{who}: u must be (batch, n_x), (batch, n_x, n_t) or (batch, n_x, n_y, n_t), "
                     f"got shape {tuple(u.shape)}")


def _spacing(n: int, length: float) -> float:
    if not length > 0:
        raise ValueError(f"domain length must be > 0, got {length}")
    return float(length) / (n - 1)


def _wall_value(value: float | torch.Tensor, wall: tuple[int, ...], key: str,
                like: torch.Tensor) -> torch.Tensor:
    """BC value ``bc[key]`` expanded to the wall shape (batch, ...).

    Broadcasting follows numpy's trailing-axis rule first ((n_t,) is one value per output time,
    (batch, n_t) per sample and time, ...). A value that does not broadcast that way but whose
    first axis has length batch is read as per sample: (batch,) -> (batch, 1, ...),
    (batch, n_t) -> (batch, 1, n_t) on a 2-D+t wall. When batch == n_t, a (batch,) value is read
    as per time; pass (batch, 1) for one value per sample.
    """
    v = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    candidates = [v]
    if 1 <= v.ndim < len(wall) and v.shape[0] == wall[0]:
        candidates.append(v.reshape((v.shape[0],) + (1,) * (len(wall) - v.ndim) + tuple(v.shape[1:])))
    for c in candidates:
        try:
            if torch.broadcast_shapes(c.shape, wall) == torch.Size(wall):
                return c.expand(wall)
        except RuntimeError:
            pass
    raise ValueError(f"bc[{key!r}] of shape {tuple(v.shape)} does not broadcast to the {key!r} wall "
                     f"shape {tuple(wall)}")


def wall_flux(u: torch.Tensor, axis: int, h: float, g_low: float | torch.Tensor = 0.0,
              g_high: float | torch.Tensor = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Derivative along ``axis`` at its two walls minus (g_low, g_high), BOON's one-sided stencils.

    Low wall (u_1 - u_0)/h - g_low (first order); high wall (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3}
    - 2 u_{n-4}) / (6h) - g_high (third order). With zero g (default) these are the wall fluxes.
    Computed as the defect of the value BOON's strict enforcement would set at the wall
    (:func:`pcml.constraints.boundary.neumann_left_value` clean / ``neumann_right_value``), divided
    by the stencil's weight of the wall node. g values must broadcast against u's shape without
    ``axis`` (the result shape). Needs n >= 4 along ``axis``.
    """
    if u.shape[axis] < 4:
        raise ValueError(f"wall_flux: the Neumann stencils need >= 4 nodes along axis {axis}, "
                         f"got shape {tuple(u.shape)}")
    s = torch.movedim(u, axis, -1)
    g_low = torch.as_tensor(g_low, dtype=u.dtype, device=u.device)
    g_high = torch.as_tensor(g_high, dtype=u.dtype, device=u.device)
    low = (neumann_left_value(s, g_low, h, faithful=False) - s[..., 0]) / h
    high = (s[..., -1] - neumann_right_value(s, g_high, h)) / (RIGHT_FLUX_FACTOR * h)
    return low, high


def bc_residual(u: torch.Tensor, bc_type: str, bc: Mapping[str, float | torch.Tensor] | None = None,
                *, length: float = 1.0) -> torch.Tensor:
    """BC residual at every wall node of every sample: (batch, m), differentiable in u.

    u: (batch, n_x), (batch, n_x, n_t) or (batch, n_x, n_y, n_t) (see the module doc).
    bc_type 'dirichlet': r = u_wall - bc[wall]; 'neumann': r = D_h u(wall) - bc[wall] with the
    BOON stencils (:func:`wall_flux`), h = length / (n - 1) per axis; 'periodic': r = u(x_0) -
    u(x_{n-1}) (and u(y_0) - u(y_{n-1}) in 2-D), ``bc`` None or empty.
    bc keys: 'left', 'right' (1-D), plus 'bottom', 'top' (2-D); each value broadcastable to its
    wall, (batch,) for 1-D single step, (batch, n_t) for 1-D+t, (batch, n_y, n_t) on the x-walls
    and (batch, n_x, n_t) on the y-walls of 2-D+t (see :func:`_wall_value` for the rules).
    Returns the residuals flattened per sample and concatenated in the order left, right[, bottom,
    top]: m = 2 (1-D), 2 n_t (1-D+t), 2 n_t (n_y + n_x) (2-D+t; corner nodes counted on both walls);
    periodic m = 1, n_t, n_t (n_y + n_x). Raises ValueError naming the offending key or shape.

    Periodic: u(x_0) = u(x_{n-1}) holds for the notebook's P4-overwritten data (and on grids with
    the duplicated endpoint), but not on the plain grid x_j = j/n_x (overwrite_last=0), where the
    residual of the true solution is not zero: use lambda_bc = 0 there (the PDE term wraps).
    """
    if bc_type not in BC_TYPES:
        raise ValueError(f"bc_residual: bc_type must be one of {BC_TYPES}, got {bc_type!r}")
    axes = _spatial_axes(u, "bc_residual")
    need = 4 if bc_type == "neumann" else 2
    for axis, _ in axes:
        if u.shape[axis] < need:
            raise ValueError(f"bc_residual: {bc_type} needs >= {need} nodes along axis {axis}, "
                             f"got shape {tuple(u.shape)}")
    b = u.shape[0]
    parts: list[torch.Tensor] = []
    if bc_type == "periodic":
        if bc:
            raise ValueError(f"bc_residual: periodic BC takes no data, got keys {sorted(bc)}")
        for axis, _ in axes:
            parts.append((u.select(axis, 0) - u.select(axis, -1)).reshape(b, -1))
        return torch.cat(parts, dim=1)
    keys = tuple(k for _, walls in axes for k in walls)
    bc = check_bc_keys(bc, keys, bc_type)
    for axis, (low_key, high_key) in axes:
        wall = tuple(u.select(axis, 0).shape)
        g_low = _wall_value(bc[low_key], wall, low_key, u)
        g_high = _wall_value(bc[high_key], wall, high_key, u)
        if bc_type == "dirichlet":
            r_low, r_high = u.select(axis, 0) - g_low, u.select(axis, -1) - g_high
        else:
            r_low, r_high = wall_flux(u, axis, _spacing(u.shape[axis], length), g_low, g_high)
        parts += [r_low.reshape(b, -1), r_high.reshape(b, -1)]
    return torch.cat(parts, dim=1)


def _coefficient(params: Mapping | None, name: str, pde: str, like: torch.Tensor) -> torch.Tensor:
    if not isinstance(params, Mapping) or name not in params:
        raise ValueError(f"pde_residual: {pde!r} needs params[{name!r}] (its diffusion coefficient)")
    c = torch.as_tensor(params[name], dtype=like.dtype, device=like.device)
    if c.ndim == 0:
        return c
    if c.ndim == 1 and c.shape[0] == like.shape[0]:
        return c.reshape(-1, 1, 1)
    raise ValueError(f"pde_residual: params[{name!r}] must be a number, 0-d or (batch,) = ({like.shape[0]},), "
                     f"got shape {tuple(c.shape)}")


def pde_residual(u: torch.Tensor, pde: str, *, dx: float, dt: float,
                 params: Mapping[str, float | torch.Tensor], periodic: bool = False,
                 overwritten_last: bool = False) -> torch.Tensor:
    """Finite-difference residual of the PDE on a space-time field u (batch, n_x, n_t).

    The time levels of u are the stored output levels, spacing ``dt``; the spatial spacing is
    ``dx`` (physical units: 1/(n_x - 1) on linspace grids, 1/n_x on the periodic grid x_j = j/n_x).
    pde 'heat': r = u_t - k u_xx; 'stokes': r = u_t - nu u_xx; 'burgers': r = u_t + u u_x - nu u_xx,
    with params['k'] resp. params['nu'] a number, a 0-d tensor or a (batch,) tensor.
    Central differences, second order in x and t: u_t = (u^{m+1} - u^{m-1}) / (2 dt), u_x =
    (u_{j+1} - u_{j-1}) / (2 dx), u_xx = (u_{j+1} - 2 u_j + u_{j-1}) / dx^2.
    Evaluated at time levels 1..n_t-2 and at
    * the interior nodes 1..n_x-2 (periodic=False): returns (batch, n_x - 2, n_t - 2);
    * every node, wrapping in x (periodic=True): (batch, n_x, n_t - 2);
    * periodic with ``overwritten_last`` (the notebook's P4 overwrite u_{n-1} := u_0, so node n-1
      no longer holds u(x_{n-1})): only the nodes 1..n_x-3, whose stencils avoid node n-1 and the
      wrap, (batch, n_x - 3, n_t - 2).
    """
    if pde not in PDE_COEFFICIENT:
        raise ValueError(f"pde_residual: pde must be one of {PDES}, got {pde!r}")
    if not isinstance(u, torch.Tensor) or not u.is_floating_point() or u.ndim != 3:
        raise ValueError(f"pde_residual: u must be a floating-point tensor (batch, n_x, n_t), got "
                         f"{tuple(u.shape) if isinstance(u, torch.Tensor) else type(u).__name__}")
    if u.shape[1] < 4 or u.shape[2] < 3:
        raise ValueError(f"pde_residual: needs n_x >= 4 and n_t >= 3, got shape {tuple(u.shape)}")
    for name, step in (("dx", dx), ("dt", dt)):
        if step is None or not float(step) > 0:
            raise ValueError(f"pde_residual: {name} must be > 0, got {step}")
    if overwritten_last and not periodic:
        raise ValueError("pde_residual: overwritten_last applies to periodic data only")
    coef = _coefficient(params, PDE_COEFFICIENT[pde], pde, u)
    u_t = (u[:, :, 2:] - u[:, :, :-2]) / (2.0 * dt)
    v = u[:, :, 1:-1]  # the time levels where u_t is evaluated
    if periodic:
        up, um = torch.roll(v, -1, dims=1), torch.roll(v, 1, dims=1)
        mid = v
    else:
        up, um, mid = v[:, 2:], v[:, :-2], v[:, 1:-1]
        u_t = u_t[:, 1:-1]
    res = u_t - coef * (up - 2.0 * mid + um) / dx ** 2
    if pde == "burgers":
        res = res + mid * (up - um) / (2.0 * dx)
    if overwritten_last:
        res = res[:, 1:-2]
    return res


def pino_lite_loss(pred: torch.Tensor, true: torch.Tensor, bc_type: str,
                   bc: Mapping[str, float | torch.Tensor] | None, *, lambda_bc: float = 1.0,
                   lambda_pde: float = 1.0, pde: str | None = None, dx: float | None = None,
                   dt: float | None = None, params: Mapping[str, float | torch.Tensor] | None = None,
                   length: float = 1.0, overwritten_last: bool = False) -> torch.Tensor:
    """PINO-lite training loss of a batch: a 0-d tensor, differentiable in ``pred``.

    relative_l2_loss_sum(pred, true) + lambda_bc * mean(bc_residual(pred, bc_type, bc)^2)
    [+ lambda_pde * mean(pde_residual(pred, pde, dx=dx, dt=dt, params=params)^2) when ``pde`` is
    given: 1-D+t predictions (batch, n_x, n_t) only; periodic wrapping when bc_type == 'periodic'].
    Shapes as in :func:`bc_residual`; pred and true must have the same shape. lambda_bc = 0 drops
    the BC term (it is then not computed).
    """
    for name, lam in (("lambda_bc", lambda_bc), ("lambda_pde", lambda_pde)):
        if not float(lam) >= 0:
            raise ValueError(f"pino_lite_loss: {name} must be >= 0, got {lam}")
    loss = relative_l2_loss_sum(pred, true)
    if lambda_bc:
        loss = loss + lambda_bc * bc_residual(pred, bc_type, bc, length=length).square().mean()
    elif bc_type not in BC_TYPES:
        raise ValueError(f"pino_lite_loss: bc_type must be one of {BC_TYPES}, got {bc_type!r}")
    if pde is not None:
        if pred.ndim != 3:
            raise ValueError(f"pino_lite_loss: the PDE term needs a 1-D+t prediction (batch, n_x, n_t), "
                             f"got shape {tuple(pred.shape)}")
        if lambda_pde:
            r = pde_residual(pred, pde, dx=dx, dt=dt, params=params, periodic=bc_type == "periodic",
                             overwritten_last=overwritten_last)
            loss = loss + lambda_pde * r.square().mean()
    return loss


def pde_settings(ds: xr.Dataset) -> dict:
    """Keyword arguments of :func:`pino_lite_loss` (and :func:`pde_residual`) for a multi-step
    1-D+t BOON dataset (:mod:`pcml.data.boon_1d`, :mod:`pcml.data.boon_periodic`):
    {'pde', 'dx', 'dt', 'params', 'overwritten_last'}.

    pde from the ``experiment`` attribute (Heat_* -> 'heat', Stokes_* -> 'stokes', Burgers_* ->
    'burgers'); dx = x[1] - x[0] and dt = t[1] - t[0] from the coordinates (both must be uniform;
    dx is 1/n_x on the periodic grid x_j = j/n_x); params = {'k': attrs k} or {'nu': attrs nu};
    overwritten_last from the ``overwrite_last`` attribute (periodic data, P4). Raises ValueError
    for a single-step dataset or one whose PDE has no FD residual here.
    """
    attrs = ds.attrs
    prefix = str(attrs.get("experiment", "")).split("_")[0]
    if prefix not in EXPERIMENT_PDE:
        raise ValueError(f"pde_settings: no PDE residual for experiment {attrs.get('experiment')!r}; "
                         f"known prefixes {sorted(EXPERIMENT_PDE)}")
    if "u" not in ds or ds["u"].dims != ("sample", "x", "t") or ds.sizes["t"] < 3:
        raise ValueError("pde_settings: the PDE term needs a multi-step dataset with u (sample, x, t) "
                         "and >= 3 time levels")
    pde = EXPERIMENT_PDE[prefix]
    name = PDE_COEFFICIENT[pde]
    if name not in attrs:
        raise ValueError(f"pde_settings: dataset attrs lack the coefficient {name!r} of {pde!r}")
    steps = {}
    for axis in ("x", "t"):
        d = np.diff(np.asarray(ds[axis].values, dtype=np.float64))
        if not np.allclose(d, d[0], rtol=1e-9, atol=0) or not d[0] > 0:
            raise ValueError(f"pde_settings: coordinate {axis!r} is not uniform and increasing")
        steps[axis] = float(d[0])
    return {"pde": pde, "dx": steps["x"], "dt": steps["t"], "params": {name: float(attrs[name])},
            "overwritten_last": bool(int(attrs.get("overwrite_last", 0)))}
