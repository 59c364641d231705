"""Dataset builder for BOON's periodic viscous Burgers problems (spec §2.4, §2.5, §2.8, P4, P20).

``make_burgers_periodic`` returns an xarray.Dataset (float64) in the layout of :mod:`pcml.data.boon_1d`:
- ``a`` (sample, x): u0 on the FNO/PINO grid x_j = j / n_x, j = 0..n_x-1 (x = 1 excluded);
- ``u``: the target, (sample, x) at t = t_final (single-step, ``Burgers_Per_1D``, 0-d coordinate t) or
  (sample, x, t) on the last ``n_out`` of linspace(0, t_final, n_levels) (multi-step, ``Burgers_Per_2D``);
- no boundary variables (periodic) and no per-sample variables (the GRF draw is fixed by ``seed``);
- coordinates ``sample``, ``x``, ``t`` (physical time), with ``units``/``long_name``;
- attrs: experiment, pde, bc_type = "periodic", parameters (JSON), each parameter, seed, solver, recon.
With ``overwrite_last`` (default, faithful to the notebook, pitfall P4) the last grid value of ``a`` and
of ``u`` is replaced by the first one. The same arguments and seed give identical arrays, whatever
``chunk_size``.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from pcml.checks import check_count, check_positive
from pcml.data.boon_1d import _assemble, _common_checks, output_times
from pcml.problems.burgers_periodic import (
    dealiased_cutoff,
    evaluate_fourier,
    output_steps,
    sample_grf,
    solve_burgers_periodic,
)

PERIODIC_RECON = (
    "[RECON] not FNO's burgers_data_R10.mat nor PINO's burgers_pino.mat: regenerated here. u0 ~ "
    "N(0, 625 (-Delta + 25 I)^-2) on the periodic unit interval by its Fourier eigen-expansion "
    "(lambda_k = 625 ((2 pi k)^2 + 25)^-2, k = 0..n_modes, lambda_0 = 1 included), evaluated exactly at "
    "x_j = j / n_x; solver = Fourier pseudo-spectral on n_fine points with the 2/3 rule and ETDRK4 "
    "(Kassam-Trefethen) time stepping with step dt, values at x_j by exact evaluation of the Fourier series "
    "(= subsampling the n_fine grid when n_x divides n_fine); multi-step levels linspace(0, t_final, "
    "n_levels), last n_out stored."
)
OVERWRITE_NOTE = (
    "overwrite_last=1: the value at the last grid point x = (n_x-1)/n_x is replaced by the value at x = 0 in "
    "both a and u, as the BOON notebook does 'to strictly put periodic bdy condition' (pitfall P4)"
)
NO_OVERWRITE_NOTE = "overwrite_last=0: a and u are the true values at every x_j = j / n_x (no P4 overwrite)"


def _check_periodic_args(nu: float, dt: float, n_fine: int, n_modes: int, chunk_size: int, seed: int) -> None:
    check_positive(nu=nu, dt=dt)
    check_count("chunk_size", chunk_size, 1)
    check_count("seed", seed, 0)
    check_count("n_fine", n_fine, 8)
    if n_fine % 2:
        raise ValueError(f"n_fine must be even, got {n_fine}")
    check_count("n_modes", n_modes, 1)
    if 2 * n_modes >= n_fine:
        raise ValueError(f"n_modes={n_modes} must be < n_fine / 2 = {n_fine // 2} (the solver's grid)")


def make_burgers_periodic(n_samples: int, n_x: int, *, multi_step: bool, nu: float, t_final: float = 1.0,
                          n_levels: int = 101, n_out: int = 25, n_fine: int = 1024, dt: float = 1e-4,
                          n_modes: int | None = None, overwrite_last: bool = True, seed: int,
                          chunk_size: int = 100) -> xr.Dataset:
    """Periodic viscous Burgers u_t + (u^2/2)_x = nu u_xx on [0, 1) with GRF u0 (spec §2.4/§2.5).

    Paper sizes: single-step nu = 0.1, n_x = 128, 600 samples, t_final = 1; multi-step nu = 0.01, n_x = 128,
    1200 samples, n_levels = 101, n_out = 25. ``n_modes`` (default (n_fine - 1) // 3, the dealiased cut-off)
    is the number of GRF modes; it must be < n_fine / 2. Every output time must be a multiple of ``dt``.
    Samples are solved ``chunk_size`` at a time (memory ~ 50 chunk_size n_fine bytes for the solver state).
    Returns a (sample, x) and u (sample, x) or (sample, x, t), float64, x_j = j / n_x.
    """
    _common_checks(n_samples, n_x, n_levels, n_out, t_final)
    n_modes = dealiased_cutoff(n_fine) if n_modes is None else n_modes
    _check_periodic_args(nu, dt, n_fine, n_modes, chunk_size, seed)
    t = output_times(multi_step, t_final, n_levels, n_out)
    output_steps(t, dt)  # ValueError now, before any work, if a time is not a multiple of dt
    rng = np.random.default_rng(seed)
    coef = sample_grf(rng, n_samples, n_modes)  # (S, n_modes+1) complex, all drawn at once: chunk-independent
    x = np.arange(n_x, dtype=np.float64) / n_x
    a = evaluate_fourier(coef, n_x)
    u = np.empty((n_samples, n_x, t.size))
    for start in range(0, n_samples, chunk_size):
        sl = slice(start, min(start + chunk_size, n_samples))
        u[sl] = solve_burgers_periodic(coef[sl], nu, t, n_x, n_fine=n_fine, dt=dt)
    if overwrite_last:
        a[:, -1] = a[:, 0]
        u[:, -1] = u[:, 0]
    attrs = dict(
        experiment="Burgers_Per_2D" if multi_step else "Burgers_Per_1D",
        pde="u_t + (u^2/2)_x = nu u_xx on x in [0,1) periodic, u0 ~ N(0, 625 (-Delta + 25 I)^-2)",
        bc_type="periodic", nu=float(nu), t_final=float(t_final), n_levels=int(n_levels), n_out=int(n_out),
        multi_step=int(bool(multi_step)), n_x=int(n_x), n_fine=int(n_fine), dt=float(dt), n_modes=int(n_modes),
        overwrite_last=int(bool(overwrite_last)), seed=int(seed),
        grf="c_0 = xi_0, c_k = sqrt(lambda_k / 2) (xi_k - i eta_k), u0 = c_0 + 2 Re sum_k c_k exp(2 pi i k x); "
            "one standard-normal array (n_samples, 2 n_modes + 1) from numpy.random.default_rng(seed)",
        grid="x_j = j / n_x, j = 0..n_x-1 (FNO/PINO periodic grid, right end excluded)",
        overwrite=OVERWRITE_NOTE if overwrite_last else NO_OVERWRITE_NOTE,
        solver=f"Fourier pseudo-spectral (n_fine={n_fine}, 2/3 dealiasing) + ETDRK4 (Kassam-Trefethen), dt={dt}",
        recon=PERIODIC_RECON,
    )
    if not all(math.isfinite(v) for v in (float(np.abs(a).max()), float(np.abs(u).max()))):
        raise ValueError("the solver produced non-finite values: reduce dt")
    return _assemble(a, u, x, t, multi_step, {}, {}, "u", attrs)
