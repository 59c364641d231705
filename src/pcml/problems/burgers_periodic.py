"""Viscous Burgers on the periodic unit interval (BOON spec §2.4, §2.5, P4, P20): GRF data and ETDRK4 solver.

u_t + (u^2/2)_x = nu u_xx, x in [0, 1) periodic.

Fourier convention (grid independent): a real trigonometric polynomial is stored as its coefficients
c_k, k = 0..K (complex, c_0 real), with u(x) = c_0 + 2 Re sum_{k=1..K} c_k exp(2 pi i k x).

Initial data (P20): u0 ~ N(0, 625 (-Delta + 25 I)^-2) on the periodic unit interval, by its eigen-expansion
u0 = sum_k sqrt(lambda_k) xi_k e_k(x) in the orthonormal real Fourier basis 1, sqrt(2) cos(2 pi k x),
sqrt(2) sin(2 pi k x), lambda_k = 625 ((2 pi k)^2 + 25)^-2 (lambda_0 = 1, the k = 0 mode is included),
truncated at k = K. In the convention above: c_0 = xi_0, c_k = sqrt(lambda_k / 2) (xi_k - i eta_k).

Solver [RECON]: Fourier pseudo-spectral in x on n_fine points with the 2/3 rule (the quadratic term is formed
from, and kept on, the modes k <= (n_fine - 1) // 3, which makes it alias-free), ETDRK4 in time (Cox-Matthews,
coefficients by the Kassam-Trefethen contour integral). IC modes above the dealiasing cut-off receive no
nonlinear forcing, so they decay exactly as exp(-nu (2 pi k)^2 t) and are added back analytically.
Arrays are float64 (complex128 for coefficients), laid out (sample, x[, t]).
"""

from __future__ import annotations

import numpy as np

GRF_SCALE = 625.0  # 625 (-Delta + 25 I)^-2
GRF_SHIFT = 25.0


def grf_eigenvalues(n_modes: int) -> np.ndarray:
    """lambda_k = 625 ((2 pi k)^2 + 25)^-2 for k = 0..n_modes: (n_modes+1,), lambda_0 = 1."""
    if n_modes < 0:
        raise ValueError(f"n_modes must be >= 0, got {n_modes}")
    k = np.arange(n_modes + 1, dtype=np.float64)
    return GRF_SCALE / ((2.0 * np.pi * k) ** 2 + GRF_SHIFT) ** 2


def sample_grf(rng: np.random.Generator, n_samples: int, n_modes: int) -> np.ndarray:
    """Fourier coefficients c_k (k = 0..n_modes) of u0 ~ N(0, 625(-Delta+25I)^-2): (n_samples, n_modes+1) complex.

    Draws one standard-normal array of shape (n_samples, 2 n_modes + 1) (column 0: xi_0, then the cosine and
    sine weights of each k in turn), so a given (seed, n_samples, n_modes) always gives the same field.
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be >= 1, got {n_samples}")
    lam = grf_eigenvalues(n_modes)
    z = rng.standard_normal((n_samples, 2 * n_modes + 1))
    coef = np.empty((n_samples, n_modes + 1), dtype=np.complex128)
    coef[:, 0] = z[:, 0]
    amp = np.sqrt(lam[1:] / 2.0)
    coef[:, 1:] = amp * (z[:, 1::2] - 1j * z[:, 2::2])
    return coef


def evaluate_fourier(coef: np.ndarray, n_x: int, endpoint: bool = False) -> np.ndarray:
    """Exact values of the trigonometric polynomial(s) ``coef`` (S, K+1) on a uniform grid: (S, n_x) float64.

    endpoint=False: x_j = j / n_x, j = 0..n_x-1 (right end excluded, FNO/PINO grid).
    endpoint=True: x = linspace(0, 1, n_x); the last value equals the first (periodicity).
    Any K is allowed: modes are folded modulo the number of distinct points, so the result is the exact
    point evaluation (for K < n/2 it is the inverse FFT; for larger K it equals subsampling a finer grid).
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.complex128))
    if n_x < 2 + int(endpoint):
        raise ValueError(f"n_x must be >= {2 + int(endpoint)}, got {n_x}")
    n = n_x - 1 if endpoint else n_x
    n_coef = coef.shape[1]
    spec = np.zeros((coef.shape[0], n), dtype=np.complex128)
    spec[:, 0] += coef[:, 0].real
    for start in range(1, n_coef, n):  # fold k and -k modulo n (indices are distinct within a block)
        block = coef[:, start:min(start + n, n_coef)]
        k = np.arange(start, start + block.shape[1])
        spec[:, k % n] += block
        spec[:, (-k) % n] += block.conj()
    vals = np.fft.ifft(spec, axis=1, norm="forward").real
    if endpoint:
        vals = np.concatenate([vals, vals[:, :1]], axis=1)
    return vals


def dealiased_cutoff(n_fine: int) -> int:
    """Largest wavenumber K kept by the 2/3 rule on n_fine points: (n_fine - 1) // 3 (3K + 1 <= n_fine)."""
    return (n_fine - 1) // 3


def etdrk4_coefficients(lin: np.ndarray, dt: float, n_contour: int = 64) -> tuple[np.ndarray, ...]:
    """ETDRK4 weights for u' = lin u + N(u), per mode: (E, E2, Q, f1, f2, f3), each like ``lin`` (real).

    E = exp(dt lin), E2 = exp(dt lin / 2); Q, f1, f2, f3 are the Cox-Matthews phi-function weights (with the
    factor dt), evaluated as means over ``n_contour`` points of the upper half of the unit circle centred
    at dt lin (Kassam and Trefethen 2005), which avoids the cancellation of the direct formulas near 0.
    """
    hl = dt * np.asarray(lin, dtype=np.float64)
    r = np.exp(1j * np.pi * (np.arange(1, n_contour + 1) - 0.5) / n_contour)
    lr = hl[:, None] + r[None, :]
    elr = np.exp(lr)
    q = dt * np.mean((np.exp(lr / 2.0) - 1.0) / lr, axis=1).real
    f1 = dt * np.mean((-4.0 - lr + elr * (4.0 - 3.0 * lr + lr**2)) / lr**3, axis=1).real
    f2 = dt * np.mean((2.0 + lr + elr * (-2.0 + lr)) / lr**3, axis=1).real
    f3 = dt * np.mean((-4.0 - 3.0 * lr - lr**2 + elr * (4.0 - lr)) / lr**3, axis=1).real
    return np.exp(hl), np.exp(hl / 2.0), q, f1, f2, f3


def output_steps(t_out: np.ndarray, dt: float) -> np.ndarray:
    """Step indices round(t/dt) of the output times; ValueError unless each is a multiple of dt, >= 0."""
    t_out = np.asarray(t_out, dtype=np.float64)
    if t_out.ndim != 1 or t_out.size == 0:
        raise ValueError(f"t_out must be a non-empty 1-D array, got shape {t_out.shape}")
    if np.any(t_out < 0) or not np.all(np.isfinite(t_out)):
        raise ValueError("t_out must be finite and >= 0")
    steps = np.rint(t_out / dt).astype(np.int64)
    if np.any(np.abs(steps * dt - t_out) > 1e-9 * max(dt, float(t_out.max()))):
        raise ValueError(f"every output time must be a multiple of dt={dt}; got {t_out.tolist()[:5]}...")
    return steps


def solve_burgers_periodic_spectral(u0: np.ndarray, nu: float, t_out: np.ndarray, *, n_fine: int = 1024,
                                    dt: float = 1e-4) -> np.ndarray:
    """Fourier coefficients of u(., t) for t in ``t_out`` (multiples of dt): (S, M+1, T) complex128.

    u0: (S, K+1) coefficients of the initial data (convention of the module docstring), K < n_fine / 2.
    M = max(K, (n_fine-1)//3): the IC is zero-padded so that every mode k <= (n_fine-1)//3 evolves by ETDRK4
    with the dealiased nonlinear term (a short IC does not truncate the solution); IC modes above that
    cut-off decay exactly as exp(-nu (2 pi k)^2 t).
    """
    u0 = np.array(np.atleast_2d(u0), dtype=np.complex128)  # a copy; c_0 is taken real (as evaluate_fourier does)
    if u0.ndim != 2 or u0.shape[1] < 1 or not np.all(np.isfinite(u0)):
        raise ValueError(f"u0 must be finite coefficients of shape (S, K+1), got shape {u0.shape}")
    u0[:, 0] = u0[:, 0].real
    if not (np.isfinite(nu) and nu > 0):
        raise ValueError(f"nu must be a positive finite number, got {nu}")
    if not (np.isfinite(dt) and dt > 0):
        raise ValueError(f"dt must be a positive finite number, got {dt}")
    if n_fine < 8 or n_fine % 2:
        raise ValueError(f"n_fine must be an even integer >= 8, got {n_fine}")
    n_coef = u0.shape[1]
    if 2 * (n_coef - 1) >= n_fine:
        raise ValueError(f"initial data has modes up to K={n_coef - 1}; n_fine={n_fine} must exceed 2K")
    steps = output_steps(t_out, dt)
    k_cut = dealiased_cutoff(n_fine)
    if n_coef < k_cut + 1:
        u0 = np.concatenate([u0, np.zeros((u0.shape[0], k_cut + 1 - n_coef), dtype=np.complex128)], axis=1)
        n_coef = k_cut + 1
    wav = 2.0 * np.pi * np.arange(n_coef, dtype=np.float64)
    lin = -nu * wav**2
    e, e2, q, f1, f2, f3 = etdrk4_coefficients(lin[: k_cut + 1], dt)
    g = -0.5j * wav[: k_cut + 1]  # N(u)_k = -i pi k (u^2)^_k = g_k (u^2)^_k
    qg, f1g, f2g, f3g = q * g, f1 * g, 2.0 * f2 * g, f3 * g
    kk = k_cut + 1

    s = u0.shape[0]
    w = np.empty((s, n_fine))  # work buffers, reused every stage (fresh large temporaries cost page faults)
    spec = [np.empty((s, n_fine // 2 + 1), dtype=np.complex128) for _ in range(4)]
    v, e2v, a, b, c, tmp = (np.empty((s, kk), dtype=np.complex128) for _ in range(6))

    def nonlin(x: np.ndarray, buf: np.ndarray) -> np.ndarray:
        """(u^2)^_k for k <= k_cut, u the dealiased field of the coefficients x: a view of buf, (S, kk)."""
        np.fft.irfft(x, n_fine, axis=1, norm="forward", out=w)
        np.multiply(w, w, out=w)
        np.fft.rfft(w, axis=1, norm="forward", out=buf)
        return buf[:, :kk]

    out = np.empty((s, n_coef, steps.size), dtype=np.complex128)
    t_stored = np.asarray(t_out, dtype=np.float64)
    v[...] = u0[:, :kk]
    order = np.argsort(steps, kind="stable")
    step, pos = 0, 0
    while pos < order.size:
        while pos < order.size and steps[order[pos]] == step:
            j = order[pos]
            out[:, :kk, j] = v
            out[:, kk:, j] = u0[:, kk:] * np.exp(lin[kk:] * t_stored[j])
            pos += 1
        if pos == order.size:
            break
        nv = nonlin(v, spec[0])
        np.multiply(e2, v, out=e2v)
        np.multiply(qg, nv, out=a)
        a += e2v  # a = E2 v + Q N(v)
        na = nonlin(a, spec[1])
        np.multiply(qg, na, out=b)
        b += e2v  # b = E2 v + Q N(a)
        nb = nonlin(b, spec[2])
        np.multiply(nb, 2.0, out=c)
        c -= nv
        c *= qg
        np.multiply(e2, a, out=tmp)
        c += tmp  # c = E2 a + Q (2 N(b) - N(v))
        nc = nonlin(c, spec[3])
        v *= e
        np.multiply(f1g, nv, out=tmp)
        v += tmp
        np.add(na, nb, out=tmp)
        tmp *= f2g
        v += tmp
        np.multiply(f3g, nc, out=tmp)
        v += tmp  # v = E v + f1 N(v) + 2 f2 (N(a) + N(b)) + f3 N(c)
        step += 1
    return out


def solve_burgers_periodic(u0: np.ndarray, nu: float, t_out: np.ndarray, n_x: int, *, n_fine: int = 1024,
                           dt: float = 1e-4, endpoint: bool = False) -> np.ndarray:
    """u(x, t) on an n_x-point grid (x_j = j/n_x, or linspace(0, 1, n_x) if ``endpoint``): (S, n_x, T) float64.

    For n_x dividing n_fine and endpoint=False this is the fine-grid solution subsampled by n_fine // n_x.
    """
    spec = solve_burgers_periodic_spectral(u0, nu, t_out, n_fine=n_fine, dt=dt)
    s, _, n_t = spec.shape
    vals = evaluate_fourier(spec.transpose(0, 2, 1).reshape(s * n_t, -1), n_x, endpoint)
    return vals.reshape(s, n_t, n_x).transpose(0, 2, 1)
