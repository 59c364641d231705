"""Dataset builders for BOON's 1-D (+t) Dirichlet/Neumann problems (spec §2.1-2.3, §2.8).

Each builder returns an xarray.Dataset (float64) with
- ``a`` (sample, x): u(x, 0), the model input;
- ``u``: the target, (sample, x) at t = t_final (single-step, 0-d coordinate t) or (sample, x, t) on the
  last ``n_out`` of the ``n_levels`` levels linspace(0, t_final, n_levels) (multi-step);
- boundary data: heat ``flux_left``/``flux_right`` (0-d or (t)) = u_x at x = 0 and x = 1 (physical values
  0 and U sin(pi t)); Stokes/Burgers ``bc_left``/``bc_right`` ((sample) or (sample, t)) = the target's
  boundary nodes;
- the per-sample random parameters as variables over ``sample``;
- coordinates ``sample``, ``x`` = linspace(0, 1, n_x), ``t`` (physical), with ``units``/``long_name``;
- attrs: experiment, pde, bc_type, parameters (JSON), each parameter, seed, solver, recon.
The same arguments and seed give identical arrays (np.random.default_rng(seed)).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import xarray as xr

from pcml.checks import check_count, check_positive, check_range

from pcml.problems.burgers_dirichlet import burgers_solution, sample_cole_hopf
from pcml.problems.heat_neumann import heat_solution
from pcml.problems.stokes import stokes_solution

HEAT_RECON = (
    "[RECON] time grid resolved to the code: levels linspace(0, t_final, n_levels), last n_out stored "
    "(not t_M = 2); single-step target t = t_final; reference solver = lifted cosine-spectral method "
    "(w = g(t) x^2/2), exact exponential integration in time; x = linspace(0, 1, n_x) generated directly "
    "(not subsampled from 2048 points)."
)
STOKES_RECON = (
    "[RECON] omega ~ U[omega_range] per sample with U fixed (from ECI-sampling's Stokes generator, "
    "not verified for BOON); single-step target t = t_final = 1.2; n_levels = 200 levels on [0, t_final]."
)
BURGERS_RECON = (
    "[RECON] IC family and BCs unknown; Cole-Hopf family phi = c0 + sum_{j=1..J} c_j exp(-nu (j pi)^2 t) "
    "cos(j pi x + theta_j), c_j = xi_j / j, xi_j ~ N(0,1), theta_j ~ U[0, 2 pi), c0 = s sum|c_j|, "
    "s ~ U[1.1, 2]; u = -2 nu phi_x / phi exact; time-varying Dirichlet data; single-step t = t_final = 1; "
    "multi-step n_levels levels on [0, t_final], last n_out."
)








def _common_checks(n_samples: int, n_x: int, n_levels: int, n_out: int, t_final: float) -> None:
    check_count("n_samples", n_samples, 1)
    check_count("n_x", n_x, 4)
    check_count("n_levels", n_levels, 2)
    check_count("n_out", n_out, 1)
    if n_out > n_levels:
        raise ValueError(f"n_out={n_out} must be <= n_levels={n_levels}")
    check_positive(t_final=t_final)


def output_times(multi_step: bool, t_final: float, n_levels: int, n_out: int) -> np.ndarray:
    """Target times: the last n_out of linspace(0, t_final, n_levels) (multi-step) or [t_final]: (T,)."""
    if multi_step:
        return np.linspace(0.0, t_final, n_levels)[-n_out:]
    return np.array([float(t_final)])


def _chunked(fn: Callable[[slice], np.ndarray], n_samples: int, chunk: int, shape_tail: tuple) -> np.ndarray:
    out = np.empty((n_samples, *shape_tail))
    for start in range(0, n_samples, chunk):
        sl = slice(start, min(start + chunk, n_samples))
        out[sl] = fn(sl)
    return out


def _assemble(a: np.ndarray, u: np.ndarray, x: np.ndarray, t: np.ndarray, multi_step: bool,
              boundary: dict[str, tuple], per_sample: dict[str, tuple], u_name: str,
              attrs: dict) -> xr.Dataset:
    """Build the Dataset; u is (S, N, T) and is squeezed to (S, N) for single-step."""
    n_samples = a.shape[0]
    if multi_step:
        u_var = (("sample", "x", "t"), u)
        t_coord = ("t", t, {"long_name": "time", "units": "1"})
    else:
        u_var = (("sample", "x"), u[..., 0])
        t_coord = ((), t[0], {"long_name": "target time", "units": "1"})
    data = {
        "a": (("sample", "x"), a, {"long_name": f"initial condition {u_name}(x, t=0)", "units": "1"}),
        "u": (*u_var, {"long_name": f"target {u_name}(x, t)", "units": "1"}),
        **boundary,
        **per_sample,
    }
    coords = {
        "sample": ("sample", np.arange(n_samples), {"long_name": "sample index"}),
        "x": ("x", x, {"long_name": "position x", "units": "1"}),
        "t": t_coord,
    }
    ds = xr.Dataset(data, coords=coords)
    params = {k: v for k, v in attrs.items() if k not in ("experiment", "pde", "bc_type", "solver", "recon")}
    ds.attrs.update(attrs)
    ds.attrs["parameters"] = json.dumps(params, sort_keys=True)
    return ds


def make_heat_neumann(n_samples: int, n_x: int, *, multi_step: bool, t_final: float = 0.5,
                      n_levels: int = 200, n_out: int = 25, k: float = 0.01, U: float = 5.0,
                      omega_range: tuple[float, float] = (2.01, 3.99), n_modes: int = 4096, seed: int,
                      chunk_size: int = 200) -> xr.Dataset:
    """Heat with Neumann BCs (spec §2.1, ``Heat_Neu_1D``/``Heat_Neu_2D``): u_t = k u_xx, u_x(0)=0, u_x(1)=U sin(pi t).

    IC cos(omega pi x), omega ~ U[omega_range] per sample. Returns a (sample, x), u (sample, x[, t]),
    flux_left/flux_right (0-d or (t)) = 0 and U sin(pi t), omega (sample).
    """
    _common_checks(n_samples, n_x, n_levels, n_out, t_final)
    check_positive(k=k)
    check_count("n_modes", n_modes, 2)
    check_count("chunk_size", chunk_size, 1)
    lo, hi = check_range("omega_range", omega_range)
    if not math.isfinite(U):
        raise ValueError(f"U must be finite, got {U}")
    rng = np.random.default_rng(seed)
    omega = rng.uniform(lo, hi, n_samples)
    x = np.linspace(0.0, 1.0, n_x)
    t = output_times(multi_step, t_final, n_levels, n_out)
    a = np.cos(np.pi * omega[:, None] * x[None, :])
    u = _chunked(lambda sl: heat_solution(omega[sl], x, t, k, U, n_modes), n_samples, chunk_size, (n_x, t.size))
    tdims = ("t",) if multi_step else ()
    flux_r = U * np.sin(np.pi * t)
    flux_attrs = {"long_name": "prescribed flux du/dx on the wall", "units": "1"}
    boundary = {
        "flux_left": (tdims, np.zeros(t.size) if multi_step else 0.0, {**flux_attrs, "long_name": "du/dx at x=0"}),
        "flux_right": (tdims, flux_r if multi_step else flux_r[0], {**flux_attrs, "long_name": "du/dx at x=1"}),
    }
    per_sample = {"omega": ("sample", omega, {"long_name": "IC frequency omega in cos(omega pi x)", "units": "1"})}
    attrs = dict(
        experiment="Heat_Neu_2D" if multi_step else "Heat_Neu_1D",
        pde="u_t = k u_xx on [0,1], u_x(0,t) = 0, u_x(1,t) = U sin(pi t), u(x,0) = cos(omega pi x)",
        bc_type="neumann", k=float(k), U=float(U), omega_low=lo, omega_high=hi, t_final=float(t_final),
        n_levels=int(n_levels), n_out=int(n_out), multi_step=int(bool(multi_step)), n_x=int(n_x),
        n_modes=int(n_modes), seed=int(seed),
        solver="lifted cosine-spectral series (w = U sin(pi t) x^2/2), closed-form Duhamel integral per mode",
        recon=HEAT_RECON,
    )
    return _assemble(a, u, x, t, multi_step, boundary, per_sample, "u", attrs)


def _dirichlet_boundary(u: np.ndarray, multi_step: bool) -> dict[str, tuple]:
    dims = ("sample", "t") if multi_step else ("sample",)
    left = u[:, 0] if multi_step else u[:, 0, 0]
    right = u[:, -1] if multi_step else u[:, -1, 0]
    return {
        "bc_left": (dims, left, {"long_name": "Dirichlet value u(0, t)", "units": "1"}),
        "bc_right": (dims, right, {"long_name": "Dirichlet value u(1, t)", "units": "1"}),
    }


def make_stokes(n_samples: int, n_x: int, *, multi_step: bool, nu: float, t_final: float = 1.2,
                n_levels: int = 200, n_out: int = 25, U: float = 2.0,
                omega_range: tuple[float, float] = (2.0, 8.0), seed: int, chunk_size: int = 200) -> xr.Dataset:
    """Stokes' second problem (spec §2.2, ``Stokes_Dir_1D``/``_2D``), exact u = U e^{-kappa y} cos(kappa y - omega t).

    omega ~ U[omega_range] per sample. Returns a (sample, x), u (sample, x[, t]),
    bc_left/bc_right ((sample[, t])) = the target's boundary values, omega (sample).
    """
    _common_checks(n_samples, n_x, n_levels, n_out, t_final)
    check_positive(nu=nu, U=U)
    check_count("chunk_size", chunk_size, 1)
    lo, hi = check_range("omega_range", omega_range)
    rng = np.random.default_rng(seed)
    omega = rng.uniform(lo, hi, n_samples)
    x = np.linspace(0.0, 1.0, n_x)
    t = output_times(multi_step, t_final, n_levels, n_out)
    a = stokes_solution(omega, x, np.zeros(1), nu, U)[..., 0]
    u = _chunked(lambda sl: stokes_solution(omega[sl], x, t, nu, U), n_samples, chunk_size, (n_x, t.size))
    per_sample = {"omega": ("sample", omega, {"long_name": "plate angular frequency omega", "units": "1"})}
    attrs = dict(
        experiment="Stokes_Dir_2D" if multi_step else "Stokes_Dir_1D",
        pde="u_t = nu u_yy on [0,1]; u = U exp(-kappa y) cos(kappa y - omega t), kappa = sqrt(omega/(2 nu))",
        bc_type="dirichlet", nu=float(nu), U=float(U), omega_low=lo, omega_high=hi, t_final=float(t_final),
        n_levels=int(n_levels), n_out=int(n_out), multi_step=int(bool(multi_step)), n_x=int(n_x),
        seed=int(seed), solver="exact Stokes-layer formula evaluated in float64", recon=STOKES_RECON,
    )
    return _assemble(a, u, x, t, multi_step, _dirichlet_boundary(u, multi_step), per_sample, "u", attrs)


def make_burgers_dirichlet(n_samples: int, n_x: int, *, multi_step: bool, nu: float, t_final: float = 1.0,
                           n_levels: int = 200, n_out: int = 25, n_terms: int = 4, seed: int,
                           chunk_size: int = 200) -> xr.Dataset:
    """Viscous Burgers with Dirichlet data (spec §2.3, ``Burgers_Dir_1D``/``_2D``), exact Cole-Hopf family.

    Returns a (sample, x), u (sample, x[, t]), bc_left/bc_right ((sample[, t])) = the target's boundary
    values, and the per-sample coefficients c0, s (sample), c, theta (sample, term).
    """
    _common_checks(n_samples, n_x, n_levels, n_out, t_final)
    check_positive(nu=nu)
    check_count("n_terms", n_terms, 1)
    check_count("chunk_size", chunk_size, 1)
    rng = np.random.default_rng(seed)
    p = sample_cole_hopf(rng, n_samples, n_terms)
    x = np.linspace(0.0, 1.0, n_x)
    t = output_times(multi_step, t_final, n_levels, n_out)
    a = burgers_solution(p["c0"], p["c"], p["theta"], x, np.zeros(1), nu)[..., 0]
    u = _chunked(lambda sl: burgers_solution(p["c0"][sl], p["c"][sl], p["theta"][sl], x, t, nu),
                 n_samples, chunk_size, (n_x, t.size))
    one = {"units": "1"}
    per_sample = {
        "c0": ("sample", p["c0"], {**one, "long_name": "Cole-Hopf constant c0 = s sum|c_j|"}),
        "s": ("sample", p["s"], {**one, "long_name": "positivity margin s"}),
        "c": (("sample", "term"), p["c"], {**one, "long_name": "Cole-Hopf amplitude c_j = xi_j / j"}),
        "theta": (("sample", "term"), p["theta"], {**one, "long_name": "Cole-Hopf phase theta_j"}),
    }
    attrs = dict(
        experiment="Burgers_Dir_2D" if multi_step else "Burgers_Dir_1D",
        pde="u_t + u u_x = nu u_xx on [0,1], Dirichlet data = exact solution's boundary values",
        bc_type="dirichlet", nu=float(nu), n_terms=int(n_terms), t_final=float(t_final),
        n_levels=int(n_levels), n_out=int(n_out), multi_step=int(bool(multi_step)), n_x=int(n_x),
        seed=int(seed), solver="exact Cole-Hopf u = -2 nu phi_x / phi, phi a heat-equation cosine series",
        recon=BURGERS_RECON,
    )
    ds = _assemble(a, u, x, t, multi_step, _dirichlet_boundary(u, multi_step), per_sample, "u", attrs)
    return ds.assign_coords(term=("term", np.arange(1, n_terms + 1), {"long_name": "Cole-Hopf term index j"}))
