"""Metrics of ProbConserv (spec §5), reduced over x only; callers group the functions.

All take arrays (..., N_x) and return (...,) in float64.
"""

from __future__ import annotations

import math

import numpy as np


def mse(mean: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean over x of (mean - truth)^2."""
    return np.mean((np.asarray(mean, float) - np.asarray(truth, float)) ** 2, axis=-1)


def log_likelihood(mean: np.ndarray, sd: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Mean over x of log N(truth | mean, sd^2) = -((mean - truth)/sd)^2/2 - log sd - log(2 pi)/2."""
    mean, sd, truth = (np.asarray(a, float) for a in (mean, sd, truth))
    z = (mean - truth) / sd
    return np.mean(-0.5 * z**2 - np.log(sd) - 0.5 * math.log(2 * math.pi), axis=-1)


def conservation_error(mean: np.ndarray, w: np.ndarray, mass: np.ndarray) -> np.ndarray:
    """Signed CE = sum_i w_i mean_i - mass (trapezoid mass minus exact mass)."""
    return np.asarray(mean, float) @ np.asarray(w, float) - np.asarray(mass, float)


def mean_and_se(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, sd with ddof = 1, se = sd/sqrt(n)) along ``axis``; n = 1 gives sd = se = NaN."""
    values = np.asarray(values, float)
    n = values.shape[axis]
    mean = values.mean(axis=axis)
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan
    sd = values.std(axis=axis, ddof=1)
    return mean, sd, sd / math.sqrt(n)
