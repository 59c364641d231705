"""2-D wave equation with homogeneous Neumann walls, exact cosine-series solution (BOON spec §2.7 [RECON]).

u_tt = c^2 (u_xx + u_yy) on [0, 1]^2, du/dn = 0 on all walls, u_t(x, y, 0) = 0:

    u(x, y, t) = sum_{m,n=0..M} a_mn cos(m pi x) cos(n pi y) cos(c pi sqrt(m^2 + n^2) t),

with a_mn ~ N(0, (1 + m^2 + n^2)^-2) drawn per sample (a Gaussian random field in the cosine basis).
Everything is numpy float64; arrays are laid out (sample, x, y, t).
"""

from __future__ import annotations

import numpy as np

DERIVATIVES = ("x", "y", "t", "xx", "yy", "tt")


def sample_coefficients(rng: np.random.Generator, n_samples: int, n_modes: int) -> np.ndarray:
    """Random coefficients a_mn, m, n = 0..n_modes, std 1/(1+m^2+n^2): (n_samples, n_modes+1, n_modes+1)."""
    if n_modes < 0:
        raise ValueError(f"n_modes must be >= 0, got {n_modes}")
    m = np.arange(n_modes + 1)
    std = 1.0 / (1.0 + m[:, None] ** 2 + m[None, :] ** 2)
    return rng.standard_normal((n_samples, n_modes + 1, n_modes + 1)) * std


def frequencies(n_modes: int, c: float) -> np.ndarray:
    """Angular frequencies c pi sqrt(m^2 + n^2), m, n = 0..n_modes: (n_modes+1, n_modes+1)."""
    m = np.arange(n_modes + 1)
    return c * np.pi * np.sqrt(m[:, None] ** 2 + m[None, :] ** 2)


def _basis(z: np.ndarray, m: np.ndarray, order: int) -> np.ndarray:
    """d^order/dz^order cos(m pi z) on points z: (len(z), len(m))."""
    k = np.pi * m
    arg = np.outer(z, k)
    return [np.cos(arg), -k * np.sin(arg), -k**2 * np.cos(arg)][order]


def solution(coeffs: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray, c: float = 1.0,
             derivative: str | None = None) -> np.ndarray:
    """Exact u (or one of its derivatives) on the tensor grid x ⊗ y ⊗ t.

    ``coeffs``: (S, M+1, M+1); ``x`` (nx,), ``y`` (ny,), ``t`` (nt,) physical coordinates;
    ``derivative``: None or one of "x", "y", "t", "xx", "yy", "tt" (analytic, term by term).
    Returns (S, nx, ny, nt), float64.
    """
    if derivative is not None and derivative not in DERIVATIVES:
        raise ValueError(f"derivative must be None or one of {DERIVATIVES}, got {derivative!r}")
    d = derivative or ""
    m = np.arange(coeffs.shape[1])
    bx = _basis(np.asarray(x, float), m, d.count("x"))
    by = _basis(np.asarray(y, float), m, d.count("y"))
    w = frequencies(coeffs.shape[1] - 1, c)
    wt = w[None, :, :] * np.asarray(t, float)[:, None, None]        # (nt, M+1, M+1)
    time_factor = [np.cos(wt), -w * np.sin(wt), -w**2 * np.cos(wt)][d.count("t")]
    out = np.empty((coeffs.shape[0], len(bx), len(by), len(wt)))
    for k in range(len(wt)):
        out[..., k] = np.einsum("im,smn,jn->sij", bx, coeffs * time_factor[k], by, optimize=True)
    return out
