"""Metrics of ProbConserv (spec §5), reduced over x only; callers group the functions.

All take arrays (..., N_x) and return (...,) in float64.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


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


def combine_seeds(per_seed: list[pd.DataFrame], keys: list[str], value: str = "mean") -> pd.DataFrame:
    """Aggregate per-seed summaries over training seeds.

    ``per_seed``: one long-format frame per seed, each with the columns ``keys`` and ``value``
    (e.g. the per-seed mean over test functions). Returns one row per key combination with
    ``mean`` (mean over seeds of ``value``), ``sd`` (sample sd over seeds), ``se`` (sd / sqrt(n)) and
    ``n`` (number of seeds). With a single seed, that seed's frame is returned unchanged (its own
    mean, sd, se, n over test functions: the papers' format). Raises ValueError when the seeds do not
    cover the same key combinations.
    """
    if not per_seed:
        raise ValueError("combine_seeds: no per-seed frames")
    if len(per_seed) == 1:
        return per_seed[0].reset_index(drop=True)
    index = [frame.set_index(keys)[value].sort_index() for frame in per_seed]
    for i, other in enumerate(index[1:], start=2):
        if not other.index.equals(index[0].index):
            raise ValueError(f"combine_seeds: seed #{i} has other rows ({keys}) than seed #1")
    values = np.stack([s.to_numpy(dtype=float) for s in index])
    mean, sd, se = mean_and_se(values, axis=0)
    out = index[0].index.to_frame(index=False)
    out["mean"], out["sd"], out["se"], out["n"] = mean, sd, se, len(per_seed)
    return out
