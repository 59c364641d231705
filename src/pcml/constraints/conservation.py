"""Conservation constraints on a probabilistic prediction (ProbConserv spec §3, §4.3-4.5).

One scalar linear constraint per time slice: w^T u(t_j, .) = b_j, with w the trapezoidal
weights of the slice's x-grid and b_j the exact mass U(t_j). Everything is numpy float64.

- ``hardc_update``: HardC-ANP, the Euclidean projection onto {w^T u = b}.
- ``probconserv_update``: ProbConserv-ANP, the Bayesian update with a diagonal prior and the
  constraint b = w^T u + sigma_G eps, in its rank-one form (O(N) per slice).
- ``probconserv_covariance``: the full posterior covariance of that update.
- ``dense_update``: the textbook formula for a general G, the reference for tests.
- ``wdiff_update``: the w/diff second-difference step (spec §4.5).
- ``aggregate_draws``: moment matching over latent draws.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded

VAR_FLOOR = 1e-8


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Trapezoidal quadrature weights on the sorted grid ``x`` (N,): w_i = (dx_{i-1} + dx_i)/2."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"trapezoid_weights needs a 1-D grid of at least 2 points, got shape {x.shape}")
    dx = np.diff(x)
    if np.any(dx <= 0):
        raise ValueError("trapezoid_weights needs a strictly increasing grid")
    w = np.zeros_like(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


def _check_weights(w: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"constraint weights have shape {w.shape}, expected ({n},)")
    return w


def hardc_update(mu: np.ndarray, w: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """HardC: mu - w (w^T mu - b)/|w|^2 for mu (..., N), b broadcastable to (...). Variance unchanged."""
    mu = np.asarray(mu, dtype=np.float64)
    w = _check_weights(w, mu.shape[-1])
    residual = mu @ w - np.asarray(b, dtype=np.float64)
    return mu - residual[..., None] * w / (w @ w)


def probconserv_update(mu: np.ndarray, var: np.ndarray, w: np.ndarray, b: np.ndarray | float,
                       sigma_g2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """ProbConserv update with Sigma = diag(var): returns (posterior mean, posterior diag variance).

    mu_i' = mu_i - w_i var_i (w^T mu - b)/(sigma_g2 + sum_k w_k^2 var_k);
    var_i' = var_i - (w_i var_i)^2/(sigma_g2 + sum_k w_k^2 var_k), clamped at 1e-8.
    ``mu``, ``var``: (..., N); ``b`` broadcastable to (...). sigma_g2 = 0 enforces w^T mu' = b.
    """
    if sigma_g2 < 0:
        raise ValueError(f"sigma_g2 must be >= 0, got {sigma_g2}")
    mu = np.asarray(mu, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    if mu.shape != var.shape:
        raise ValueError(f"mu {mu.shape} and var {var.shape} must have the same shape")
    w = _check_weights(w, mu.shape[-1])
    sw = var * w                                    # Sigma w, (..., N)
    denom = sigma_g2 + sw @ w                       # (...)
    residual = mu @ w - np.asarray(b, dtype=np.float64)
    mu_post = mu - sw * (residual / denom)[..., None]
    var_post = var - sw**2 / denom[..., None]
    return mu_post, np.maximum(var_post, VAR_FLOOR)


def probconserv_covariance(var: np.ndarray, w: np.ndarray, sigma_g2: float = 0.0) -> np.ndarray:
    """Full posterior covariance Sigma - (Sigma w)(Sigma w)^T/(sigma_g2 + w^T Sigma w): (..., N, N)."""
    var = np.asarray(var, dtype=np.float64)
    w = _check_weights(w, var.shape[-1])
    sw = var * w
    denom = sigma_g2 + sw @ w
    cov = np.zeros(var.shape + (var.shape[-1],))
    idx = np.arange(var.shape[-1])
    cov[..., idx, idx] = var
    return cov - sw[..., :, None] * sw[..., None, :] / denom[..., None, None]


def dense_update(mu: np.ndarray, cov: np.ndarray, G: np.ndarray, b: np.ndarray,
                 sigma_g2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Reference update for one slice: mu (N,), cov (N, N), G (m, N), b (m,).

    Returns (mu - S G^T A^-1 (G mu - b), S - S G^T A^-1 G S) with A = sigma_g2 I + G S G^T.
    """
    mu, cov, G = (np.asarray(a, dtype=np.float64) for a in (mu, cov, G))
    G = np.atleast_2d(G)
    b = np.atleast_1d(np.asarray(b, dtype=np.float64))
    A = sigma_g2 * np.eye(G.shape[0]) + G @ cov @ G.T
    SG = cov @ G.T
    mu_post = mu - SG @ np.linalg.solve(A, G @ mu - b)
    cov_post = cov - SG @ np.linalg.solve(A, SG.T)
    return mu_post, cov_post


def second_difference_matrix(n: int) -> np.ndarray:
    """G2 (n-2, n): row i is [1, -2, 1] at columns i, i+1, i+2 (unscaled)."""
    G = np.zeros((n - 2, n))
    idx = np.arange(n - 2)
    G[idx, idx], G[idx, idx + 1], G[idx, idx + 2] = 1.0, -2.0, 1.0
    return G


def wdiff_update(mu: np.ndarray, var: np.ndarray, alpha: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """w/diff smoothness step for one slice (spec §4.5): returns (mean (N,), full covariance (N, N)).

    Pseudo-observations G2 u = 0 with noise variance v_i (neighbour correlation alpha);
    A = diag(v) + G2 Sigma G2^T is pentadiagonal and is solved with a banded solver.
    """
    mu = np.asarray(mu, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    n = mu.size
    s = np.sqrt(var)
    v = (var[:-2] + 4 * var[1:-1] + var[2:] - 4 * alpha * s[:-2] * s[1:-1]
         + 2 * alpha**2 * s[:-2] * s[2:] - 4 * alpha * s[1:-1] * s[2:])
    G = second_difference_matrix(n)
    A = G @ (var[:, None] * G.T) + np.diag(v)
    bands = np.zeros((5, n - 2))
    for k in range(-2, 3):
        diag = np.diagonal(A, offset=k)
        if k >= 0:
            bands[2 - k, k:] = diag
        else:
            bands[2 - k, :k] = diag
    SG = var[:, None] * G.T                          # Sigma G2^T, (N, N-2)
    mu_post = mu - SG @ solve_banded((2, 2), bands, G @ mu)
    cov_post = np.diag(var) - SG @ solve_banded((2, 2), bands, SG.T)
    return mu_post, cov_post


def probconserv_update_full(mu: np.ndarray, cov: np.ndarray, w: np.ndarray, b: float,
                            sigma_g2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Conservation update of one slice with a full prior covariance: (mean (N,), diag variance (N,))."""
    mu_post, cov_post = dense_update(mu, cov, np.asarray(w)[None, :], np.array([b]), sigma_g2)
    return mu_post, np.maximum(np.diagonal(cov_post).copy(), VAR_FLOOR)


def aggregate_draws(mu_s: np.ndarray, var_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Moment matching over draws (axis 0): mean = E_s[mu]; var = E_s[var] + Var_s(mu) (ddof = 1)."""
    mu_s = np.asarray(mu_s, dtype=np.float64)
    var_s = np.asarray(var_s, dtype=np.float64)
    between = mu_s.var(axis=0, ddof=1) if mu_s.shape[0] > 1 else np.zeros(mu_s.shape[1:])
    return mu_s.mean(axis=0), var_s.mean(axis=0) + between
