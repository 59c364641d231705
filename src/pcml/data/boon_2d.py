"""Dataset builders for BOON's two 2-D (+t) problems (spec §2.6-2.8): lid-driven cavity and Neumann wave.

Both return an xarray.Dataset (float64) with
- ``a`` (sample, x, y): the input field at t = 0 (cavity: initial vorticity; wave: u0);
- ``u`` (sample, x, y, t): the output frames (cavity: vorticity; wave: u);
- boundary data: cavity ``bc_left``/``bc_right`` (sample, y, t) and ``bc_bottom``/``bc_top``
  (sample, x, t) = the target's wall values (Dirichlet); wave ``flux_left`` ... ``flux_top`` (t) =
  du/dn on the walls (all zero, Neumann);
- physical coordinates ``x``, ``y``, ``t`` and attrs with the PDE, BC type, parameters, seed, solver
  and the [RECON] choices. The same arguments and seed give identical arrays.
"""

from __future__ import annotations

import math
import multiprocessing
import numbers
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import xarray as xr

from pcml.checks import check_count, check_positive

from pcml.problems import cavity as cv
from pcml.problems import wave as wv

CAVITY_RECON = (
    "[RECON] IC: psi0 = A sum_{m,n=1..n_modes} xi_mn (m^2+n^2)^-1.5 sin(m pi x) sin(n pi y), xi ~ N(0,1), "
    "A per sample so that max nodal |u0| = ic_velocity; omega0 = -Lap_h psi0 inside, Thom walls with the lid "
    "on; corners = mean of the two walls' Thom values; nu = 1/Re; Heun RK2, central differences, DST-I "
    "Poisson; grid subsampled [::subsample] with walls kept (clean mode, P5)."
)
WAVE_RECON = (
    "[RECON] whole setup (spec 2.7): u0 = sum_{m,n=0..n_modes} a_mn cos(m pi x) cos(n pi y), "
    "a_mn ~ N(0, (1+m^2+n^2)^-2), u_t(.,.,0) = 0, du/dn = 0 on all walls; exact cosine-series solution; "
    "n_levels levels on [0, t_final], last n_out stored."
)


def _coord(values: np.ndarray, name: str, long_name: str) -> tuple:
    return (name, np.asarray(values, dtype=np.float64), {"long_name": long_name, "units": "1"})


def check_workers(workers: int) -> None:
    """``workers`` must be an int (not a bool) >= 1; ValueError naming it otherwise."""
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1, got {workers!r}")


def cavity_output_steps(out_times: Sequence[float], dt: float, t_final: float) -> np.ndarray:
    """Step indices round(t/dt) of ``out_times``; ValueError if not increasing, outside [0, t_final]
    or not a multiple of dt."""
    times = np.asarray(out_times, dtype=np.float64)
    if times.ndim != 1 or times.size == 0 or np.any(np.diff(times) <= 0):
        raise ValueError(f"out_times must be a non-empty, strictly increasing 1-D sequence, got {out_times}")
    if times[0] < 0 or times[-1] > t_final * (1 + 1e-12):
        raise ValueError(f"out_times must lie in [0, t_final={t_final}], got [{times[0]}, {times[-1]}]")
    steps = np.rint(times / dt).astype(int)
    if np.any(np.abs(steps * dt - times) > 1e-6 * dt):
        raise ValueError(f"out_times must be multiples of dt={dt}, got {times.tolist()}")
    return steps


def make_cavity(n_samples: int, *, n_grid: int = 101, subsample: int = 2, Re: float = 100.0,
                t_final: float = 1.0, dt: float = 1e-3, out_times: Sequence[float] | None = None,
                u_lid: float = 1.0, n_modes: int = 8, ic_velocity: float = 0.2, seed: int,
                chunk_size: int = 16, workers: int = 1) -> xr.Dataset:
    """Lid-driven cavity vorticity dataset (spec §2.6, ``NV_Dir_3D``).

    Solves on n_grid x n_grid nodes (h = 1/(n_grid-1)) and stores every field subsampled
    [::subsample] (walls kept). ``out_times`` default: t_final * (0.02, 0.06, ..., 0.98) (25 frames);
    they must be multiples of dt in [0, t_final]. Returns ``a`` (sample, x, y) = omega(t=0),
    ``u`` (sample, x, y, t) = omega at out_times, ``bc_left``/``bc_right`` (sample, y, t) and
    ``bc_bottom``/``bc_top`` (sample, x, t) = u on the walls x=0, x=1, y=0, y=1.

    Samples are solved in chunks of ``chunk_size``; ``workers`` > 1 solves the chunks in that many
    processes ('spawn' start method; each runs the single-threaded numpy/pocketfft solver) and
    places each chunk's frames by its index, so the arrays are bit-identical whatever ``workers``
    (all random draws are made up front). ``workers`` is a run-time choice, not a dataset setting.
    Spawned processes re-import the caller's ``__main__``: a script that calls this with
    workers > 1 must guard its body with ``if __name__ == "__main__":``.
    """
    check_count("n_samples", n_samples, 1)
    check_workers(workers)
    check_count("n_grid", n_grid, 3)
    check_count("subsample", subsample, 1)
    check_count("n_modes", n_modes, 1)
    check_count("chunk_size", chunk_size, 1)
    if (n_grid - 1) % subsample:
        raise ValueError(f"subsample={subsample} must divide n_grid-1={n_grid - 1} so that the walls are kept")
    check_positive(Re=Re, t_final=t_final, dt=dt)
    if not (math.isfinite(ic_velocity) and ic_velocity >= 0):
        raise ValueError(f"ic_velocity must be >= 0 and finite, got {ic_velocity}")
    if not math.isfinite(u_lid):
        raise ValueError(f"u_lid must be finite, got {u_lid}")
    x, h = cv.grid(n_grid)
    nu = 1.0 / Re
    cv.check_stability(dt, h, nu, max(abs(u_lid), ic_velocity))
    if out_times is None:
        out_times = t_final * (0.02 + 0.04 * np.arange(25))
    out_steps = cavity_output_steps(out_times, dt, t_final)

    rng = np.random.default_rng(seed)
    xi = rng.standard_normal((n_samples, n_modes, n_modes))
    save_steps = np.unique(np.r_[0, out_steps])
    pick = np.searchsorted(save_steps, out_steps)
    xs = x[::subsample]
    a = np.empty((n_samples, xs.size, xs.size))
    u = np.empty((n_samples, xs.size, xs.size, out_steps.size))
    solve = dict(h=h, nu=nu, dt=dt, save_steps=save_steps, u_lid=u_lid, subsample=subsample,
                 chunk_size=chunk_size)
    chunks = [slice(start, start + chunk_size) for start in range(0, n_samples, chunk_size)]

    def initial(sl: slice) -> np.ndarray:
        return cv.initial_vorticity(cv.random_streamfunction(xi[sl], x, ic_velocity), h, u_lid)

    def place(sl: slice, frames: np.ndarray) -> None:
        a[sl] = frames[:, 0]
        u[sl] = np.moveaxis(frames[:, pick], 1, -1)

    n_proc = min(workers, len(chunks))
    if n_proc == 1:
        for sl in chunks:
            place(sl, cv.simulate(initial(sl), **solve))
    else:
        with ProcessPoolExecutor(n_proc, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(cv.simulate, initial(sl), **solve) for sl in chunks]
            for i, sl in enumerate(chunks):
                place(sl, futures[i].result())
                futures[i] = None  # free the chunk's frames once placed

    t = out_steps * dt
    dims = ("sample", "x", "y", "t")
    wall = "vorticity on the wall "
    ds = xr.Dataset(
        {
            "a": (dims[:3], a, {"long_name": "initial vorticity omega(x, y, t=0)", "units": "1"}),
            "u": (dims, u, {"long_name": "vorticity omega(x, y, t)", "units": "1"}),
            "bc_left": (("sample", "y", "t"), u[:, 0], {"long_name": wall + "x=0", "units": "1"}),
            "bc_right": (("sample", "y", "t"), u[:, -1], {"long_name": wall + "x=1", "units": "1"}),
            "bc_bottom": (("sample", "x", "t"), u[:, :, 0], {"long_name": wall + "y=0", "units": "1"}),
            "bc_top": (("sample", "x", "t"), u[:, :, -1], {"long_name": wall + "y=1 (lid)", "units": "1"}),
        },
        coords={
            "sample": np.arange(n_samples),
            "x": _coord(xs, "x", "position x"),
            "y": _coord(xs, "y", "position y"),
            "t": _coord(t, "t", "time"),
        },
    )
    ds.attrs.update(
        experiment="NV_Dir_3D",
        pde="omega_t + psi_y omega_x - psi_x omega_y = nu Lap omega, Lap psi = -omega, psi = 0 on walls",
        bc_type="dirichlet",
        Re=float(Re), nu=float(nu), u_lid=float(u_lid), dt=float(dt), t_final=float(t_final),
        h=float(h), h_out=float(h * subsample), n_grid=int(n_grid), subsample=int(subsample),
        n_modes=int(n_modes), ic_velocity=float(ic_velocity), seed=int(seed),
        solver="vorticity-streamfunction, 2nd-order central FD, Heun RK2, DST-I Poisson, Thom wall vorticity",
        recon=CAVITY_RECON,
    )
    return ds


def make_wave(n_samples: int, n_grid: int = 64, *, c: float = 1.0, t_final: float = 1.0,
              n_levels: int = 101, n_out: int = 25, n_modes: int = 16, seed: int) -> xr.Dataset:
    """2-D Neumann wave dataset (spec §2.7 [RECON], ``Wave_Neu_3D``), exact cosine series.

    Grid linspace(0, 1, n_grid) in x and y; time levels linspace(0, t_final, n_levels), of which the
    last ``n_out`` are stored. ``n_modes`` is the highest mode index (m, n = 0..n_modes).
    Returns ``a`` (sample, x, y) = u0, ``u`` (sample, x, y, t) and ``flux_left``, ``flux_right``,
    ``flux_bottom``, ``flux_top`` (t) = du/dn (outward) on the walls, all exactly 0.
    """
    check_count("n_samples", n_samples, 1)
    check_count("n_grid", n_grid, 2)
    check_count("n_levels", n_levels, 2)
    check_count("n_modes", n_modes, 0)
    check_count("n_out", n_out, 1)
    if n_out > n_levels:
        raise ValueError(f"n_out={n_out} must be <= n_levels={n_levels}")
    check_positive(c=c, t_final=t_final)
    rng = np.random.default_rng(seed)
    coeffs = wv.sample_coefficients(rng, n_samples, n_modes)
    x = np.linspace(0.0, 1.0, n_grid)
    t = np.linspace(0.0, t_final, n_levels)[-n_out:]
    a = wv.solution(coeffs, x, x, np.zeros(1), c)[..., 0]
    u = wv.solution(coeffs, x, x, t, c)
    zero = {"long_name": "outward normal derivative du/dn on the wall", "units": "1"}
    ds = xr.Dataset(
        {
            "a": (("sample", "x", "y"), a, {"long_name": "initial displacement u(x, y, t=0)", "units": "1"}),
            "u": (("sample", "x", "y", "t"), u, {"long_name": "displacement u(x, y, t)", "units": "1"}),
            **{f"flux_{w}": ("t", np.zeros(n_out), zero) for w in ("left", "right", "bottom", "top")},
        },
        coords={
            "sample": np.arange(n_samples),
            "x": _coord(x, "x", "position x"),
            "y": _coord(x, "y", "position y"),
            "t": _coord(t, "t", "time"),
        },
    )
    ds.attrs.update(
        experiment="Wave_Neu_3D",
        pde="u_tt = c^2 (u_xx + u_yy), u_t(x, y, 0) = 0",
        bc_type="neumann",
        c=float(c), t_final=float(t_final), n_levels=int(n_levels), n_out=int(n_out),
        dt=float(t_final / (n_levels - 1)), h=float(1.0 / (n_grid - 1)), n_grid=int(n_grid),
        n_modes=int(n_modes), seed=int(seed),
        solver="exact cosine series (c pi sqrt(m^2+n^2) frequencies), evaluated in float64",
        recon=WAVE_RECON,
    )
    return ds
