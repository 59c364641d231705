"""ProbConserv-ANP (w/diff) for many slices at once: batched pentadiagonal algebra (spec §4.5).

The w/diff step conditions each draw's slice u ~ N(mu, diag(var)) on pseudo-observations
G2 u = 0 (second differences, noise variance v_i), then applies the conservation update of
§4.4 with the resulting full covariance Sigma'. The system matrix A = diag(v) + G2 Sigma G2^T is
symmetric pentadiagonal, so everything is O(N) per slice: an LDL^T factorisation, two solves and
the band of A^-1 (Takahashi's selected inversion), looped over the N points and vectorised over
all draws and slices. No batched LAPACK call is involved (spec §6.7 reports batched
``torch.linalg.solve`` failing on these systems). ``conservation.wdiff_update`` followed by
``conservation.probconserv_update_full`` is the dense per-slice reference for the tests.
"""

from __future__ import annotations

import numpy as np

from pcml.constraints.conservation import VAR_FLOOR

__all__ = ["pentadiagonal_ldl", "solve_ldl", "inverse_band", "wdiff_probconserv_update"]


def pentadiagonal_ldl(a0: np.ndarray, a1: np.ndarray, a2: np.ndarray) -> tuple[np.ndarray, ...]:
    """LDL^T of symmetric pentadiagonal matrices given by their bands.

    a0 (..., M) the diagonal, a1 (..., M) with a1[..., i] = A[i, i-1] (a1[..., 0] unused),
    a2 (..., M) with a2[..., i] = A[i, i-2] (first two unused). Returns (d, l1, l2), each (..., M):
    D = diag(d), L unit lower triangular with L[i, i-1] = l1[i], L[i, i-2] = l2[i].
    """
    d, l1, l2 = np.zeros_like(a0), np.zeros_like(a0), np.zeros_like(a0)
    for i in range(a0.shape[-1]):
        di = a0[..., i].copy()
        if i >= 2:
            l2[..., i] = a2[..., i] / d[..., i - 2]
            di -= l2[..., i] ** 2 * d[..., i - 2]
        if i >= 1:
            coupling = a1[..., i] - (l2[..., i] * d[..., i - 2] * l1[..., i - 1] if i >= 2 else 0.0)
            l1[..., i] = coupling / d[..., i - 1]
            di -= l1[..., i] ** 2 * d[..., i - 1]
        d[..., i] = di
    return d, l1, l2


def solve_ldl(d: np.ndarray, l1: np.ndarray, l2: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve L D L^T x = rhs for factors of ``pentadiagonal_ldl``; rhs (..., M) -> x (..., M)."""
    m = rhs.shape[-1]
    y = rhs.copy()
    for i in range(1, m):
        y[..., i] -= l1[..., i] * y[..., i - 1]
        if i >= 2:
            y[..., i] -= l2[..., i] * y[..., i - 2]
    x = y / d
    for i in range(m - 2, -1, -1):
        x[..., i] -= l1[..., i + 1] * x[..., i + 1]
        if i + 2 < m:
            x[..., i] -= l2[..., i + 2] * x[..., i + 2]
    return x


def inverse_band(d: np.ndarray, l1: np.ndarray, l2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three upper bands of Z = A^-1 from the LDL^T factors (selected inversion).

    Returns (z0, z1, z2), each (..., M): z0[i] = Z[i, i], z1[i] = Z[i, i+1], z2[i] = Z[i, i+2]
    (zero where the column is outside the matrix). Uses Z = D^-1 L^-1 + (I - L^T) Z, backwards.
    """
    m = d.shape[-1]
    z0, z1, z2 = np.zeros_like(d), np.zeros_like(d), np.zeros_like(d)
    for i in range(m - 1, -1, -1):
        a = l1[..., i + 1] if i + 1 < m else 0.0      # L[i+1, i]
        b = l2[..., i + 2] if i + 2 < m else 0.0      # L[i+2, i]
        z_11 = z0[..., i + 1] if i + 1 < m else 0.0   # Z[i+1, i+1]
        z_12 = z1[..., i + 1] if i + 1 < m else 0.0   # Z[i+1, i+2]
        z_22 = z0[..., i + 2] if i + 2 < m else 0.0   # Z[i+2, i+2]
        z2[..., i] = -a * z_12 - b * z_22
        z1[..., i] = -a * z_11 - b * z_12
        z0[..., i] = 1.0 / d[..., i] - a * z1[..., i] - b * z2[..., i]
    return z0, z1, z2


def _g2(u: np.ndarray) -> np.ndarray:
    """Second differences G2 u: (..., N) -> (..., N-2)."""
    return u[..., :-2] - 2.0 * u[..., 1:-1] + u[..., 2:]


def _g2_transpose(y: np.ndarray) -> np.ndarray:
    """G2^T y: (..., N-2) -> (..., N)."""
    out = np.zeros(y.shape[:-1] + (y.shape[-1] + 2,))
    out[..., :-2] += y
    out[..., 1:-1] -= 2.0 * y
    out[..., 2:] += y
    return out


def wdiff_probconserv_update(mu: np.ndarray, var: np.ndarray, w: np.ndarray, b: np.ndarray | float,
                             alpha: float = 0.9, sigma_g2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """ProbConserv-ANP (w/diff) of every slice: posterior mean and diagonal variance, each (..., N).

    ``mu``, ``var``: per-draw, per-slice ANP moments (..., N), float64; ``w`` (N,) the constraint
    weights; ``b`` the masses, broadcastable to (...). Step 1 (spec §4.5): second-difference
    pseudo-observations with noise v_i = var_i + 4 var_{i+1} + var_{i+2} - 4 a s_i s_{i+1}
    + 2 a^2 s_i s_{i+2} - 4 a s_{i+1} s_{i+2} (s = sqrt(var), a = alpha). Step 2 (§4.4): the
    conservation update with the full covariance of step 1 and constraint noise sigma_g2
    (0: w^T mean = b exactly). Variances are clamped at 1e-8.
    """
    if not -1.0 < alpha < 1.0:
        raise ValueError(f"w/diff alpha must lie in (-1, 1); got {alpha}")
    if sigma_g2 < 0:
        raise ValueError(f"sigma_g2 must be >= 0, got {sigma_g2}")
    mu, var, w = (np.asarray(a, dtype=np.float64) for a in (mu, var, w))
    if mu.shape != var.shape or mu.shape[-1] != w.shape[-1] or mu.shape[-1] < 5:
        raise ValueError(f"mu {mu.shape}, var {var.shape} and w {w.shape} must share a last axis of >= 5 points")
    s = np.sqrt(var)
    v = (var[..., :-2] + 4 * var[..., 1:-1] + var[..., 2:] - 4 * alpha * s[..., :-2] * s[..., 1:-1]
         + 2 * alpha**2 * s[..., :-2] * s[..., 2:] - 4 * alpha * s[..., 1:-1] * s[..., 2:])
    # Bands of A = diag(v) + G2 diag(var) G2^T (M = N - 2 rows).
    a0 = v + var[..., :-2] + 4 * var[..., 1:-1] + var[..., 2:]
    a1, a2 = np.zeros_like(a0), np.zeros_like(a0)
    a1[..., 1:] = -2.0 * (var[..., 1:-2] + var[..., 2:-1])   # A[j, j-1]
    a2[..., 2:] = var[..., 2:-2]                              # A[j, j-2]
    d, l1, l2 = pentadiagonal_ldl(a0, a1, a2)
    sw = var * w
    solved = solve_ldl(d, l1, l2, np.stack([_g2(mu), _g2(sw)]))   # A^-1 G2 mu, A^-1 G2 Sigma w
    mu_1 = mu - var * _g2_transpose(solved[0])                     # step-1 mean
    sw_1 = sw - var * _g2_transpose(solved[1])                     # Sigma' w
    z0, z1, z2 = inverse_band(d, l1, l2)
    # diag(G2^T Z G2)_i over rows j, k in {i-2, i-1, i} with coefficients (1, -2, 1).
    q = np.zeros_like(var)
    q[..., :-2] += z0
    q[..., 1:-1] += 4.0 * z0 - 4.0 * z1
    q[..., 2:] += z0 + 2.0 * z2 - 4.0 * z1
    var_1 = var - var**2 * q                                       # diag Sigma'
    denom = sigma_g2 + sw_1 @ w
    residual = mu_1 @ w - np.asarray(b, dtype=np.float64)
    mean = mu_1 - sw_1 * (residual / denom)[..., None]
    return mean, np.maximum(var_1 - sw_1**2 / denom[..., None], VAR_FLOOR)
