"""Stokes' second problem on [0, 1] (BOON spec §2.2, ``Stokes_Dir_1D`` / ``Stokes_Dir_2D``), exact solution.

u_t = nu u_yy, y in [0, 1]; the oscillating-plate Stokes layer

    u(y, t) = U exp(-kappa y) cos(kappa y - omega t),   kappa = sqrt(omega / (2 nu)),

satisfies the PDE pointwise, so it is the exact solution for the IC u(y, 0) = U e^{-kappa y} cos(kappa y) and the
Dirichlet data u(0, t) = U cos(omega t), u(1, t) = U e^{-kappa} cos(kappa - omega t). Arrays are float64,
laid out (sample, y, t).
"""

from __future__ import annotations

import numpy as np


def stokes_kappa(omega: np.ndarray, nu: float) -> np.ndarray:
    """Decay wavenumber kappa = sqrt(omega / (2 nu)), same shape as omega (units 1/length)."""
    if not nu > 0:
        raise ValueError(f"nu must be > 0, got {nu}")
    omega = np.asarray(omega, dtype=np.float64)
    if np.any(omega <= 0):
        raise ValueError("omega must be > 0")
    return np.sqrt(omega / (2.0 * nu))


def stokes_solution(omega: np.ndarray, y: np.ndarray, t: np.ndarray, nu: float, U: float = 2.0) -> np.ndarray:
    """Exact u(y, t) for each plate frequency omega (S,), on y (N,) and t (T,): (S, N, T), float64."""
    omega = np.atleast_1d(np.asarray(omega, dtype=np.float64))
    y = np.asarray(y, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if omega.ndim != 1 or y.ndim != 1 or t.ndim != 1:
        raise ValueError(f"omega, y, t must be 1-D, got shapes {omega.shape}, {y.shape}, {t.shape}")
    kap = stokes_kappa(omega, nu)[:, None, None]
    yy = y[None, :, None]
    phase = kap * yy - omega[:, None, None] * t[None, None, :]
    return U * np.exp(-kap * yy) * np.cos(phase)
