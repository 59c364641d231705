"""The original code's heat (diffusion) data, artefacts included (ProbConserv spec §9.1-9.2).

The original computes e^{-kt} sin(x) spectrally on a 512-point periodic grid without its endpoint and
samples it with ``grid_sample(align_corners=True)``, which maps x in [0, 2 pi] onto grid indices
0..511: the "truth" is e^{-kt} sin(511 x / 512) (§9.2). For the training and context points it
evaluates the solution at a function's own sorted random times but samples those rows as if they
were evenly spaced on [0, 1] (row = t (n_t - 1)): the value at t_j interpolates linearly between the
rows floor(t_j (n_t - 1)) and the next (§9.1). The 201 x 201 test grid has evenly spaced times, so
only the 511/512 factor affects it. The linear interpolation between the 512 grid points of the
original (|error| <= 2e-5) is not emulated.
"""

from __future__ import annotations

import numpy as np

SHRINK = 511.0 / 512.0


def heat_truth(t: np.ndarray, x: np.ndarray, k: float) -> np.ndarray:
    """The original's grid truth e^{-kt} sin(511 x / 512), broadcast over t and x (float64)."""
    t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
    return np.exp(-k * t) * np.sin(SHRINK * x)


def heat_points(t: np.ndarray, x: np.ndarray, k: float, n_t: int, n_x: int) -> np.ndarray:
    """The original's values at a function's tensor grid of points, flattened t-major (index i_t n_x + i_x).

    ``t``, ``x``: (n_t n_x,) with sorted times t[i_t n_x] on [0, 1]. Row i holds e^{-k t_i} sin(511 x/512);
    the value at time t_j is read at row position r = t_j (n_t - 1), linearly between rows floor(r) and
    floor(r) + 1 (clamped to the last row). Returns (n_t n_x,).
    """
    t = np.asarray(t, float).reshape(n_t, n_x)
    x = np.asarray(x, float).reshape(n_t, n_x)
    times = t[:, 0]
    rows = heat_truth(times[:, None], x, k)                     # (n_t, n_x): row i at its own time t_i
    r = np.clip(times * (n_t - 1), 0.0, n_t - 1)
    lo = np.minimum(np.floor(r).astype(int), n_t - 1)
    hi = np.minimum(lo + 1, n_t - 1)
    frac = (r - lo)[:, None]
    return ((1.0 - frac) * rows[lo] + frac * rows[hi]).reshape(-1)
