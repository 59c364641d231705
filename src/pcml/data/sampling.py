"""Sampling of functions and of context/target points (ProbConserv spec §2.6).

Every function gets its own random times and positions. Context points: stratified times
(one uniform draw per equal sub-interval, hence sorted) x sorted uniform positions; target
points: sorted uniform times x sorted uniform positions, drawn independently of the
contexts. Points are flattened t-major: index = i_t * n_x + i_x.
"""

from __future__ import annotations

import numpy as np


def stratified_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """One uniform draw in each of ``n`` equal sub-intervals of [lo, hi]: (n,), sorted."""
    edges = np.linspace(lo, hi, n + 1)
    return edges[:-1] + (edges[1:] - edges[:-1]) * rng.random(n)


def sorted_uniform(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` sorted uniform draws on [lo, hi]: (n,)."""
    return np.sort(rng.uniform(lo, hi, n))


def tensor_grid(t: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flattened (t-major) tensor product of 1-D ``t`` (n_t,) and ``x`` (n_x,): two (n_t*n_x,) arrays."""
    tt, xx = np.meshgrid(t, x, indexing="ij")
    return tt.ravel(), xx.ravel()


def sample_points(
    rng: np.random.Generator,
    t_range: tuple[float, float],
    x_range: tuple[float, float],
    n_t: int,
    n_x: int,
    stratified_t: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Sample one function's point set: (t, x) arrays of shape (n_t * n_x,), t-major."""
    t = stratified_uniform(rng, *t_range, n_t) if stratified_t else sorted_uniform(rng, *t_range, n_t)
    x = sorted_uniform(rng, *x_range, n_x)
    return tensor_grid(t, x)


def sample_parameters(rng: np.random.Generator, lo: float, hi: float, n: int) -> np.ndarray:
    """``n`` parameter values uniform on [lo, hi] (training/validation functions): (n,)."""
    if not lo <= hi:
        raise ValueError(f"parameter range [{lo}, {hi}] is empty")
    return rng.uniform(lo, hi, n)


def test_parameters(values: list[float], n_per_value: int) -> np.ndarray:
    """Test parameters grouped by value: ``values[0]`` repeated ``n_per_value`` times, then the next…"""
    return np.repeat(np.asarray(values, float), n_per_value)
