"""Viscous Burgers on [0, 1] with time-varying Dirichlet data: the Cole-Hopf family (BOON spec §2.3 [RECON]).

u_t + u u_x = nu u_xx. With the heat solution

    phi(x, t) = c0 + sum_{j=1..J} c_j exp(-nu (j pi)^2 t) cos(j pi x + theta_j),

u = -2 nu phi_x / phi is an exact Burgers solution (Cole-Hopf). The random family: c_j = xi_j / j,
xi_j ~ N(0, 1), theta_j ~ U[0, 2 pi), c0 = s sum_j |c_j| with s ~ U[1.1, 2], so phi >= c0 (1 - 1/s) > 0.
The boundary values u(0, t), u(1, t) are non-zero and time-varying. Arrays are float64, laid out (sample, x, t).
"""

from __future__ import annotations

import numpy as np


def sample_cole_hopf(rng: np.random.Generator, n_samples: int, n_terms: int = 4,
                     s_range: tuple[float, float] = (1.1, 2.0)) -> dict[str, np.ndarray]:
    """Draw the Cole-Hopf coefficients: c0 (S,), c (S, J), theta (S, J), s (S,)."""
    if n_samples < 1 or n_terms < 1:
        raise ValueError(f"n_samples and n_terms must be >= 1, got {n_samples}, {n_terms}")
    if not 1.0 < s_range[0] <= s_range[1]:
        raise ValueError(f"s_range must satisfy 1 < low <= high, got {s_range}")
    j = np.arange(1, n_terms + 1, dtype=np.float64)
    c = rng.standard_normal((n_samples, n_terms)) / j
    theta = rng.uniform(0.0, 2.0 * np.pi, (n_samples, n_terms))
    s = rng.uniform(s_range[0], s_range[1], n_samples)
    c0 = s * np.abs(c).sum(axis=1)
    return {"c0": c0, "c": c, "theta": theta, "s": s}


def cole_hopf_phi(c0: np.ndarray, c: np.ndarray, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                  nu: float) -> tuple[np.ndarray, np.ndarray]:
    """phi and phi_x on the grid: two arrays (S, N, T), float64."""
    if not nu > 0:
        raise ValueError(f"nu must be > 0, got {nu}")
    c0 = np.atleast_1d(np.asarray(c0, dtype=np.float64))
    c = np.atleast_2d(np.asarray(c, dtype=np.float64))
    theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if c.shape != theta.shape or c.shape[0] != c0.shape[0]:
        raise ValueError(f"c {c.shape}, theta {theta.shape}, c0 {c0.shape} do not match")
    kj = np.pi * np.arange(1, c.shape[1] + 1, dtype=np.float64)  # (J,)
    amp = c[:, :, None] * np.exp(-nu * kj[None, :, None] ** 2 * t[None, None, :])  # (S, J, T)
    arg = kj[None, :, None] * x[None, None, :] + theta[:, :, None]  # (S, J, N)
    phi = c0[:, None, None] + np.einsum("sjn,sjt->snt", np.cos(arg), amp)
    phi_x = -np.einsum("sjn,sjt->snt", kj[None, :, None] * np.sin(arg), amp)
    return phi, phi_x


def burgers_solution(c0: np.ndarray, c: np.ndarray, theta: np.ndarray, x: np.ndarray, t: np.ndarray,
                     nu: float) -> np.ndarray:
    """Exact u = -2 nu phi_x / phi on x (N,) and t (T,) for each sample: (S, N, T), float64."""
    phi, phi_x = cole_hopf_phi(c0, c, theta, x, t, nu)
    return -2.0 * nu * phi_x / phi
