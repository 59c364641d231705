"""1-D heat equation with Neumann BCs (BOON spec §2.1, ``Heat_Neu_1D`` / ``Heat_Neu_2D``).

u_t = k u_xx on [0, 1], u_x(0, t) = 0, u_x(1, t) = g(t) = U sin(pi t), u(x, 0) = cos(omega pi x).

Reference method (lifted cosine spectral, exact in time): w = g(t) x^2 / 2 carries the boundary flux, and
v = u - w solves v_t = k v_xx + k g(t) - g'(t) x^2/2 with homogeneous Neumann BCs and v(x, 0) = cos(omega pi x).
With v = sum_n a_n(t) cos(n pi x), n = 0..n_modes-1, and lambda_n = k (n pi)^2,

    a_n(t) = exp(-lambda_n t) c_n(omega) + f_n [k U I_s(lambda_n, t) (n = 0 only) - U pi I_c(lambda_n, t) q_n],

where c_n = sinc(omega - n) + sinc(omega + n) (n >= 1), c_0 = sinc(omega) are the exact cosine coefficients of
the IC, q_0 = 1/6, q_n = 2 (-1)^n / (n pi)^2 are those of x^2/2, and the Duhamel integrals of the sin/cos forcing
have the closed form I_c + i I_s = (exp(i pi t) - exp(-lambda t)) / (lambda + i pi).
The forcing part does not depend on omega, so it is computed once. Arrays are float64, laid out (sample, x, t).

An independent second-order Crank-Nicolson finite-difference solver with ghost points is provided for
cross-checks (``heat_crank_nicolson``).
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded

# exp(-IC_CUTOFF) * max|c_n| is far below float64 round-off of u = O(1): modes that decayed this much are dropped.
IC_CUTOFF = 60.0


def _check(omega: np.ndarray, x: np.ndarray, t: np.ndarray, k: float, n_modes: int) -> None:
    if omega.ndim != 1 or x.ndim != 1 or t.ndim != 1:
        raise ValueError(f"omega, x, t must be 1-D, got shapes {omega.shape}, {x.shape}, {t.shape}")
    if not k > 0:
        raise ValueError(f"k must be > 0, got {k}")
    if n_modes < 2:
        raise ValueError(f"n_modes must be >= 2, got {n_modes}")
    if np.any(t < 0):
        raise ValueError("t must be >= 0")


def ic_coefficients(omega: np.ndarray, n_modes: int) -> np.ndarray:
    """Exact cosine coefficients of cos(omega pi x) on [0, 1], n = 0..n_modes-1: (S, n_modes)."""
    n = np.arange(n_modes, dtype=np.float64)
    om = np.asarray(omega, dtype=np.float64)[:, None]
    c = np.sinc(om - n) + np.sinc(om + n)
    c[:, 0] *= 0.5
    return c


def duhamel_sin_cos(lam: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form I_s = int_0^t e^{-lam (t-s)} sin(pi s) ds and I_c (same with cos): each (len(lam), len(t))."""
    lam = np.asarray(lam, dtype=np.float64)[:, None]
    t = np.asarray(t, dtype=np.float64)[None, :]
    decay = np.exp(-lam * t)
    den = lam**2 + np.pi**2
    s, c = np.sin(np.pi * t), np.cos(np.pi * t)
    i_c = (lam * c + np.pi * s - lam * decay) / den
    i_s = (lam * s - np.pi * (c - decay)) / den
    return i_s, i_c


def forcing_coefficients(t: np.ndarray, k: float, U: float, n_modes: int) -> np.ndarray:
    """Cosine coefficients of the boundary-forced part of v (zero IC): (n_modes, T)."""
    n = np.arange(n_modes, dtype=np.float64)
    lam = k * (n * np.pi) ** 2
    i_s, i_c = duhamel_sin_cos(lam, t)
    q = np.empty(n_modes)
    q[0] = 1.0 / 6.0
    q[1:] = 2.0 * (-1.0) ** n[1:] / (n[1:] * np.pi) ** 2
    coef = -U * np.pi * q[:, None] * i_c
    coef[0] += k * U * i_s[0]
    return coef


def _n_ic_modes(t: np.ndarray, k: float, n_modes: int) -> int:
    """Number of IC modes that have not decayed below exp(-IC_CUTOFF) at the smallest positive t."""
    tpos = t[t > 0]
    if tpos.size == 0:
        return 0
    n_max = np.sqrt(IC_CUTOFF / (k * np.pi**2 * tpos.min())) + 2
    return int(min(n_modes, np.ceil(n_max)))


def heat_solution(omega: np.ndarray, x: np.ndarray, t: np.ndarray, k: float = 0.01, U: float = 5.0,
                  n_modes: int = 4096, derivative: bool = False) -> np.ndarray:
    """u(x, t) (or u_x if ``derivative``) for each omega: (S, N, T), float64.

    At t = 0 the IC cos(omega pi x) (or its derivative) is returned exactly (the truncated series converges
    only like 1/n_modes there). For t > 0 the modes n < n_modes are summed; IC modes with
    exp(-k (n pi)^2 t) < exp(-60) are skipped (their contribution is below float64 round-off).
    """
    omega = np.atleast_1d(np.asarray(omega, dtype=np.float64))
    x = np.asarray(x, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    _check(omega, x, t, k, n_modes)
    n = np.arange(n_modes, dtype=np.float64)
    if derivative:
        basis = -(n * np.pi)[None, :] * np.sin(np.pi * x[:, None] * n[None, :])  # (N, n_modes)
        lift = (U * np.sin(np.pi * t))[None, :] * x[:, None]
    else:
        basis = np.cos(np.pi * x[:, None] * n[None, :])
        lift = (U * np.sin(np.pi * t))[None, :] * (x[:, None] ** 2 / 2.0)
    forced = basis @ forcing_coefficients(t, k, U, n_modes) + lift  # (N, T), same for every omega
    n_ic = _n_ic_modes(t, k, n_modes)
    out = np.broadcast_to(forced, (omega.size, *forced.shape)).copy()
    if n_ic > 0:
        decay = np.exp(-k * (n[:n_ic, None] * np.pi) ** 2 * t[None, :])  # (n_ic, T)
        coef = ic_coefficients(omega, n_ic)[:, :, None] * decay[None]  # (S, n_ic, T)
        out += np.einsum("xn,snt->sxt", basis[:, :n_ic], coef, optimize=True)
    at0 = t == 0
    if np.any(at0):
        arg = np.pi * omega[:, None] * x[None, :]
        ic = -np.pi * omega[:, None] * np.sin(arg) if derivative else np.cos(arg)
        out[:, :, at0] = ic[:, :, None]
    return out


def heat_crank_nicolson(omega: float, n_x: int, dt: float, t_out: np.ndarray, k: float = 0.01,
                        U: float = 5.0, n_rannacher: int = 4) -> np.ndarray:
    """Crank-Nicolson FD solution on x = linspace(0, 1, n_x) at times t_out (multiples of dt): (n_x, T).

    Second order in space and time; the Neumann BCs enter through ghost nodes
    u_{-1} = u_1 and u_{N} = u_{N-2} + 2 h g(t). The first ``n_rannacher`` half-steps are implicit Euler
    (Rannacher start-up) to damp the corner layer of the incompatible IC, keeping second order.
    """
    if n_x < 4:
        raise ValueError(f"n_x must be >= 4, got {n_x}")
    t_out = np.asarray(t_out, dtype=np.float64)
    steps = np.rint(t_out / dt).astype(int)
    if np.any(np.abs(steps * dt - t_out) > 1e-9 * max(dt, 1.0)) or np.any(np.diff(steps) < 0):
        raise ValueError("t_out must be non-decreasing multiples of dt")
    h = 1.0 / (n_x - 1)
    x = np.linspace(0.0, 1.0, n_x)
    u = np.cos(omega * np.pi * x)

    def lap_apply(v: np.ndarray) -> np.ndarray:
        out = np.empty_like(v)
        out[1:-1] = v[:-2] - 2 * v[1:-1] + v[2:]
        out[0] = 2 * (v[1] - v[0])
        out[-1] = 2 * (v[-2] - v[-1])
        return out / h**2

    def bvec(tt: float) -> np.ndarray:
        b = np.zeros(n_x)
        b[-1] = 2.0 * U * np.sin(np.pi * tt) / h
        return b

    def banded(half_dt: float) -> np.ndarray:
        r = k * half_dt / h**2
        ab = np.zeros((3, n_x))
        ab[1] = 1 + 2 * r
        ab[0, 1:] = -r
        ab[2, :-1] = -r
        ab[0, 1] = -2 * r  # row 0: coefficient of u_1
        ab[2, -2] = -2 * r  # row N-1: coefficient of u_{N-2}
        return ab

    ab = banded(dt / 2)  # CN step and implicit-Euler half step share the matrix I - k dt/2 L
    out = np.empty((n_x, t_out.size))
    time, step = 0.0, 0
    for j, s in enumerate(steps):
        while step < s:
            if step * 2 < n_rannacher:  # two implicit-Euler half steps
                for _ in range(2):
                    time += dt / 2
                    u = solve_banded((1, 1), ab, u + k * dt / 2 * bvec(time))
            else:
                rhs = u + k * dt / 2 * (lap_apply(u) + bvec(time) + bvec(time + dt))
                time += dt
                u = solve_banded((1, 1), ab, rhs)
            step += 1
        out[:, j] = u
    return out
