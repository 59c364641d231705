"""Lid-driven cavity (BOON spec §2.6): vorticity-streamfunction solver, vectorised over samples.

PDE on [0, 1]^2 (nondimensional; lid speed ``u_lid`` at y = 1, no slip elsewhere):

    omega_t + psi_y omega_x - psi_x omega_y = nu Lap omega,   Lap psi = -omega,   psi = 0 on the walls,

velocity (u, v) = (psi_y, -psi_x). Discretisation: (n+1) x (n+1) nodes x_i = i h, y_j = j h,
h = 1/n; 2nd-order central differences; Poisson solve by an orthonormal DST-I (exact inverse of the
5-point Laplacian with psi = 0 on the walls); wall vorticity by Thom's formula
omega_w = -2 psi_adjacent / h^2 - 2 U_wall / h; explicit Heun (RK2) time stepping.

Array layout everywhere: (sample, x, y), i.e. ``omega[s, i, j]`` is the value at (x_i, y_j).
Only the interior vorticity is the state; the wall values are a function of it (Thom), so every
returned field satisfies Thom's formula exactly. Corner nodes do not enter any stencil; they get the
mean of the two walls' Thom values (0 at the bottom corners, -u_lid / h at the top corners) [RECON].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import fft


def grid(n_grid: int) -> tuple[np.ndarray, float]:
    """Node coordinates ``linspace(0, 1, n_grid)`` (walls included) and the spacing h = 1/(n_grid-1)."""
    if n_grid < 3:
        raise ValueError(f"n_grid must be >= 3 (one interior node), got {n_grid}")
    return np.linspace(0.0, 1.0, n_grid), 1.0 / (n_grid - 1)


def laplacian_eigenvalues(n_grid: int, h: float) -> np.ndarray:
    """Eigenvalues (n_grid-2, n_grid-2) of the 5-point Laplacian with zero Dirichlet walls (all < 0)."""
    n = n_grid - 1
    k = np.arange(1, n)
    lam = -(4.0 / h**2) * np.sin(k * np.pi / (2 * n)) ** 2
    return lam[:, None] + lam[None, :]


def laplacian(f: np.ndarray, h: float) -> np.ndarray:
    """5-point Laplacian of ``f`` (..., nx, ny) at the interior nodes: (..., nx-2, ny-2)."""
    c = f[..., 1:-1, 1:-1]
    return (f[..., 2:, 1:-1] + f[..., :-2, 1:-1] + f[..., 1:-1, 2:] + f[..., 1:-1, :-2] - 4.0 * c) / h**2


def solve_streamfunction(omega: np.ndarray, h: float, inv_eig: np.ndarray | None = None,
                         workers: int = 1, out: np.ndarray | None = None) -> np.ndarray:
    """Solve Lap_h psi = -omega (interior nodes) with psi = 0 on the walls, by an orthonormal DST-I.

    ``omega``: (S, n+1, n+1), only its interior is used. ``inv_eig``: optional precomputed
    1 / laplacian_eigenvalues. ``out``: optional buffer whose walls are already 0.
    Returns psi (S, n+1, n+1), walls exactly 0.
    """
    if inv_eig is None:
        inv_eig = 1.0 / laplacian_eigenvalues(omega.shape[-1], h)
    w_hat = fft.dstn(omega[:, 1:-1, 1:-1], type=1, axes=(1, 2), norm="ortho", workers=workers)
    w_hat *= -inv_eig
    psi = np.zeros_like(omega) if out is None else out
    psi[:, 1:-1, 1:-1] = fft.idstn(w_hat, type=1, axes=(1, 2), norm="ortho", workers=workers,
                                   overwrite_x=True)
    return psi


def apply_thom_walls(omega: np.ndarray, psi: np.ndarray, h: float, u_lid: float) -> np.ndarray:
    """Set the wall vorticity of ``omega`` (S, n+1, n+1) in place by Thom's formula; return ``omega``.

    Left/right/bottom (no slip): -2 psi_adjacent / h^2; top (lid, u = u_lid): -2 psi_adjacent / h^2
    - 2 u_lid / h. Corners: mean of the two walls' values (psi_adjacent = 0 there).
    """
    s = 2.0 / h**2
    omega[:, 0, 1:-1] = -s * psi[:, 1, 1:-1]
    omega[:, -1, 1:-1] = -s * psi[:, -2, 1:-1]
    omega[:, 1:-1, 0] = -s * psi[:, 1:-1, 1]
    omega[:, 1:-1, -1] = -s * psi[:, 1:-1, -2] - 2.0 * u_lid / h
    omega[:, [0, -1], 0] = 0.0
    omega[:, [0, -1], -1] = -u_lid / h
    return omega


def velocity(psi: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference velocity (u, v) = (psi_y, -psi_x) at the interior nodes: each (S, n-1, n-1)."""
    u = (psi[:, 1:-1, 2:] - psi[:, 1:-1, :-2]) / (2.0 * h)
    v = -(psi[:, 2:, 1:-1] - psi[:, :-2, 1:-1]) / (2.0 * h)
    return u, v


def vorticity_rhs(omega: np.ndarray, psi: np.ndarray, h: float, nu: float,
                  out: np.ndarray | None = None, work: tuple[np.ndarray, np.ndarray] | None = None
                  ) -> np.ndarray:
    """d omega / dt at the interior nodes: -(psi_y omega_x - psi_x omega_y) + nu Lap omega, (S, n-1, n-1).

    Central differences throughout. ``out`` and the two ``work`` arrays (each (S, n-1, n-1)) are
    optional preallocated buffers (the time loop passes them to avoid temporaries).
    """
    shape = omega[:, 1:-1, 1:-1].shape
    out = np.empty(shape) if out is None else out
    w1, w2 = (np.empty(shape), np.empty(shape)) if work is None else work
    np.subtract(omega[:, 2:, 1:-1], omega[:, :-2, 1:-1], out=w1)   # 2h omega_x
    np.subtract(psi[:, 1:-1, 2:], psi[:, 1:-1, :-2], out=w2)       # 2h psi_y
    np.multiply(w1, w2, out=out)
    np.subtract(omega[:, 1:-1, 2:], omega[:, 1:-1, :-2], out=w1)   # 2h omega_y
    np.subtract(psi[:, 2:, 1:-1], psi[:, :-2, 1:-1], out=w2)       # 2h psi_x
    w1 *= w2
    out -= w1
    out *= -1.0 / (4.0 * h * h)
    np.add(omega[:, 2:, 1:-1], omega[:, :-2, 1:-1], out=w1)        # h^2 Lap omega
    w1 += omega[:, 1:-1, 2:]
    w1 += omega[:, 1:-1, :-2]
    np.multiply(omega[:, 1:-1, 1:-1], 4.0, out=w2)
    w1 -= w2
    w1 *= nu / (h * h)
    out += w1
    return out


def rk2_amplification(dt: float, h: float, nu: float, speed: float, n_theta: int = 65) -> float:
    """Max |Heun amplification factor| of the linearised scheme (von Neumann).

    Constant velocity ``speed`` in both x and y, central advection and the 5-point Laplacian;
    wave numbers theta in [0, pi]^2 (sampled on n_theta^2 points). Stable iff <= 1.
    """
    th = np.linspace(0.0, np.pi, n_theta)
    tx, ty = np.meshgrid(th, th, indexing="ij")
    lam = -(4.0 * nu / h**2) * (np.sin(tx / 2) ** 2 + np.sin(ty / 2) ** 2) \
        - 1j * (speed / h) * (np.sin(tx) + np.sin(ty))
    z = dt * lam
    return float(np.abs(1.0 + z + 0.5 * z * z).max())


def check_stability(dt: float, h: float, nu: float, speed: float) -> None:
    """Raise ValueError naming ``dt`` if Heun with this dt is unstable (diffusion limit or von Neumann)."""
    if not (dt > 0 and math.isfinite(dt)):
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    limit = h**2 / (4.0 * nu)
    g = rk2_amplification(dt, h, nu, speed)
    if dt > limit or g > 1.0 + 1e-12:
        raise ValueError(
            f"dt={dt} is unstable for the grid h={h:.6g}, nu={nu:.6g}, speed={speed:.6g}: "
            f"the diffusion limit is h^2/(4 nu)={limit:.6g} and the von Neumann amplification is {g:.6f}"
        )


def random_streamfunction(xi: np.ndarray, x: np.ndarray, ic_velocity: float) -> np.ndarray:
    """Random smooth initial streamfunction on the grid (spec §2.6 [RECON]).

    psi0 = A sum_{m,n=1..M} xi_mn (m^2+n^2)^-1.5 sin(m pi x) sin(n pi y), ``xi`` (S, M, M);
    A is chosen per sample so that the max nodal speed |(psi_y, -psi_x)| (analytic) equals
    ``ic_velocity``. Returns psi0 (S, nx, nx), exactly 0 on the walls.
    """
    m = np.arange(1, xi.shape[1] + 1)
    c = xi * (m[:, None] ** 2 + m[None, :] ** 2) ** -1.5
    sx = np.sin(np.pi * np.outer(x, m))
    sx[[0, -1]] = 0.0  # sin(m pi) is round-off, make the walls exact
    dx = np.pi * m * np.cos(np.pi * np.outer(x, m))
    psi = np.einsum("im,smn,jn->sij", sx, c, sx)
    u = np.einsum("im,smn,jn->sij", sx, c, dx)
    v = -np.einsum("im,smn,jn->sij", dx, c, sx)
    speed = np.sqrt(u**2 + v**2).max(axis=(1, 2))
    scale = np.divide(ic_velocity, speed, out=np.zeros_like(speed), where=speed > 0)
    return psi * scale[:, None, None]


def initial_vorticity(psi0: np.ndarray, h: float, u_lid: float) -> np.ndarray:
    """omega0 = -Lap_h psi0 in the interior and Thom wall values with the lid on: (S, n+1, n+1)."""
    omega = np.zeros_like(psi0)
    omega[:, 1:-1, 1:-1] = -laplacian(psi0, h)
    return apply_thom_walls(omega, psi0, h, u_lid)


def simulate(omega0: np.ndarray, *, h: float, nu: float, dt: float, save_steps: Sequence[int],
             u_lid: float = 1.0, subsample: int = 1, chunk_size: int = 64, workers: int = 1) -> np.ndarray:
    """Integrate the cavity from ``omega0`` and return the vorticity at the requested steps.

    ``omega0``: (S, n+1, n+1); only its interior is used (walls are recomputed by Thom).
    ``save_steps``: increasing step indices (0 = the initial state), time = step * dt.
    Samples are processed in chunks of ``chunk_size``; each stored frame is subsampled
    ``[::subsample, ::subsample]`` (n divisible by subsample keeps the walls).
    Returns (S, len(save_steps), n/subsample + 1, n/subsample + 1), float64.
    Raises RuntimeError if the run produces non-finite values.
    """
    steps = np.asarray(save_steps, dtype=int)
    if steps.ndim != 1 or steps.size == 0 or steps[0] < 0 or np.any(np.diff(steps) <= 0):
        raise ValueError(f"save_steps must be non-empty, >= 0 and strictly increasing, got {save_steps}")
    n = omega0.shape[-1] - 1
    if omega0.ndim != 3 or omega0.shape[1] != omega0.shape[2] or n % subsample:
        raise ValueError(f"omega0 must be (S, n+1, n+1) with n divisible by subsample={subsample}, "
                         f"got {omega0.shape}")
    inv_eig = 1.0 / laplacian_eigenvalues(n + 1, h)
    n_sub = n // subsample + 1
    out = np.empty((omega0.shape[0], steps.size, n_sub, n_sub))
    for start in range(0, omega0.shape[0], chunk_size):
        sl = slice(start, start + chunk_size)
        out[sl] = _run_chunk(np.array(omega0[sl], dtype=np.float64), steps, h, nu, dt, u_lid,
                             subsample, inv_eig, workers)
    return out


def _run_chunk(omega: np.ndarray, steps: np.ndarray, h: float, nu: float, dt: float, u_lid: float,
               sub: int, inv_eig: np.ndarray, workers: int) -> np.ndarray:
    """Heun (RK2) steps of one chunk; the state is the interior vorticity, walls follow by Thom."""
    frames = np.empty((omega.shape[0], steps.size) + omega[:, ::sub, ::sub].shape[1:])
    inner = omega[:, 1:-1, 1:-1].shape
    f0, f1, w1, w2 = (np.empty(inner) for _ in range(4))
    psi, psi_stage = np.zeros_like(omega), np.zeros_like(omega)
    stage = omega.copy()

    def state(w: np.ndarray, p: np.ndarray) -> np.ndarray:
        solve_streamfunction(w, h, inv_eig, workers, out=p)
        return apply_thom_walls(w, p, h, u_lid)

    state(omega, psi)
    k_out = 0
    for step in range(steps[-1] + 1):
        if step == steps[k_out]:
            frames[:, k_out] = omega[:, ::sub, ::sub]
            k_out += 1
            if k_out == steps.size:
                break
        vorticity_rhs(omega, psi, h, nu, out=f0, work=(w1, w2))
        np.multiply(f0, dt, out=w1)
        np.add(omega[:, 1:-1, 1:-1], w1, out=stage[:, 1:-1, 1:-1])
        state(stage, psi_stage)
        vorticity_rhs(stage, psi_stage, h, nu, out=f1, work=(w1, w2))
        f0 += f1
        f0 *= 0.5 * dt
        omega[:, 1:-1, 1:-1] += f0
        state(omega, psi)
    if not np.isfinite(frames).all():
        raise RuntimeError("cavity run produced non-finite vorticity (unstable time step?)")
    return frames
