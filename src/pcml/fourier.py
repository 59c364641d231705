"""Truncated Fourier transforms of the Fourier layers.

1-D: ``truncated_rfft``, the truncated real FFT with a backward pass through one inverse real FFT.
2-D/3-D: ``truncated_rfftn`` / ``truncated_irfftn``, the retained modes of ``rfftn`` and the inverse
of a spectrum zero outside them, as products with small DFT matrices (below).

``torch.fft.rfft(x)[..., :m]`` differentiates through a full-length complex-to-complex FFT of the
zero-padded gradient. For a real input the gradient is real, and it equals a scaled inverse *real*
FFT of the (short) spectrum gradient, which costs about half as much: with g the gradient of the
m retained coefficients y_k = sum_j x_j exp(-2 pi i j k / n),

    dL/dx_j = sum_{k<m} Re(g_k exp(+2 pi i j k / n)) = (n / 2) irfft(z, n)_j,

where z = g except z_0 = 2 g_0 and, when n is even and the Nyquist mode k = n/2 is retained,
z_{n/2} = 2 g_{n/2} (irfft weighs those two modes by 1 and the others by 2, and ignores their
imaginary parts, which drop out of Re(g_k exp(...)) there as well).

``with_ends=True`` also returns x at its two end nodes (the BOON corrections need them), so that
their gradient is added into the same backward buffer instead of a separate full-size one.
"""
from __future__ import annotations

import functools
import math

import torch

__all__ = ["truncated_rfft", "truncated_rfftn", "truncated_irfftn", "retained_frequencies"]


class _TruncatedRfft(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, modes: int, with_ends: bool) -> tuple[torch.Tensor, ...]:
        ctx.n, ctx.modes = x.shape[-1], modes
        y = torch.fft.rfft(x, dim=-1)[..., :modes]
        if not with_ends:
            return (y,)
        return y, torch.stack((x[..., 0], x[..., -1]), dim=-1)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_y: torch.Tensor, grad_ends: torch.Tensor | None = None) -> tuple:
        n, m = ctx.n, ctx.modes
        z = grad_y.clone()
        z[..., 0] *= 2
        if n % 2 == 0 and m > n // 2:
            z[..., n // 2] *= 2
        grad_x = torch.fft.irfft(z, n=n, dim=-1)
        grad_x.mul_(n / 2)
        if grad_ends is not None:
            grad_x[..., 0] += grad_ends[..., 0]
            grad_x[..., -1] += grad_ends[..., 1]
        return grad_x, None, None


def truncated_rfft(x: torch.Tensor, modes: int, with_ends: bool = False
                   ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """rfft(x)[..., :modes] of a real x (..., n); with ``with_ends`` also x at nodes 0 and n-1 (..., 2).

    Same values as ``torch.fft.rfft(x, dim=-1)[..., :modes]``; the gradient is the same up to
    floating-point rounding (see the module doc). Requires 1 <= modes <= n // 2 + 1.
    """
    n = x.shape[-1]
    if not 1 <= modes <= n // 2 + 1:
        raise ValueError(f"truncated_rfft: modes={modes} must be in [1, n//2+1={n // 2 + 1}] for n={n}")
    if x.is_complex():
        raise ValueError("truncated_rfft: x must be real")
    out = _TruncatedRfft.apply(x, modes, with_ends)
    return out if with_ends else out[0]


# ------------------------------------------------------------------ 2-D / 3-D: DFT matrices
# A Fourier layer over (x, [y,] t) keeps m_t of the n_t // 2 + 1 real-FFT frequencies along t and 2 m of
# the n frequencies along x (and y). Transforming the whole grid and then discarding most of it costs
# more than multiplying by the retained rows of the DFT matrix: the grids are small and padded to
# sizes such as 73 or 31 (primes, for which the FFT is at its slowest), and the matrices are
# n x 2m. Measured at the quick profile's sizes (one thread, forward + backward of one layer):
# FNO2d's (20, 16, 73, 34), modes 8 x 8: 37 -> 17 ms; FNO3d's (10, 12, 26, 26, 31), modes 6: 170 -> 63 ms.
# The results equal rfftn / irfftn up to floating-point rounding; the maps are the same, including
# irfft's treatment of the zero and Nyquist frequencies (only their real parts count).


def retained_frequencies(n: int, m: int, both_signs: bool) -> torch.Tensor:
    """The kept frequency indices of an axis of n points: 0..m-1, then n-m..n-1 when ``both_signs``."""
    low = torch.arange(m)
    return torch.cat((low, torch.arange(n - m, n))) if both_signs else low


@functools.lru_cache(maxsize=64)
def _phase_angles(n: int, m: int, both_signs: bool) -> torch.Tensor:
    """2 pi (k j mod n) / n in float64, (n, K): node j (rows) against kept frequency k (columns)."""
    k = retained_frequencies(n, m, both_signs)
    j = torch.arange(n)
    return 2 * math.pi * ((j[:, None] * k[None, :]) % n).to(torch.float64) / n


@functools.lru_cache(maxsize=64)
def _dft_matrices(n: int, m: int, both_signs: bool, dtype: torch.dtype, device: torch.device
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Forward (n, K) e^{-i angle} and inverse (K, n) e^{+i angle} / n matrices of an axis.

    For the real-FFT axis (``both_signs`` False) both are real and interleaved for a view of complex
    numbers as (re, im) pairs: forward (n, 2K) with columns (cos, -sin) per frequency, so that
    ``x @ forward`` viewed as complex is the truncated rfft; inverse (2K, n) with rows
    (c_k cos, -c_k sin) / n, c_k = 1 at k = 0 and at the Nyquist frequency of an even n (irfft counts
    them once and ignores their imaginary parts) and 2 elsewhere, so that ``view_as_real(y) @ inverse``
    is irfft(y, n). For an axis with both signs the matrices are complex (``dtype`` is then the complex
    type of the spectrum).
    """
    angle = _phase_angles(n, m, both_signs)
    if both_signs:
        fwd = torch.polar(torch.ones_like(angle), -angle)
        return fwd.to(dtype=dtype, device=device), (fwd.conj().T / n).to(dtype=dtype, device=device)
    k = retained_frequencies(n, m, False)
    weight = torch.where((k == 0) | ((n % 2 == 0) & (k == n // 2)), 1.0, 2.0).to(torch.float64)
    fwd = torch.stack((angle.cos(), -angle.sin()), dim=-1).reshape(n, 2 * m)
    inv = (torch.stack((angle.cos(), -angle.sin()), dim=-1) * weight[:, None] / n).permute(1, 2, 0)
    return fwd.to(dtype=dtype, device=device), inv.reshape(2 * m, n).to(dtype=dtype, device=device)


def _contract(z: torch.Tensor, axis: int, matrix: torch.Tensor) -> torch.Tensor:
    """z with ``axis`` multiplied by ``matrix`` (size(axis), K): the axis becomes K long and keeps its position."""
    moved = z.movedim(axis, -1)
    # one matrix product over all the other axes (matmul of the strided view would run one small
    # product per leading index, which for complex numbers is several times slower)
    out = moved.reshape(-1, moved.shape[-1]) @ matrix
    return out.reshape(moved.shape[:-1] + matrix.shape[-1:]).movedim(-1, axis)


def _check_modes(grid: tuple[int, ...], modes: tuple[int, ...], who: str) -> None:
    if len(modes) != len(grid) or len(grid) < 1:
        raise ValueError(f"{who}: {len(modes)} mode counts for a grid of {len(grid)} axes {tuple(grid)}")
    limits = tuple(n // 2 for n in grid[:-1]) + (grid[-1] // 2 + 1,)
    for m, n, limit in zip(modes, grid, limits):
        if not 1 <= m <= limit:
            raise ValueError(f"{who}: modes {tuple(modes)} do not fit the grid {tuple(grid)} "
                             f"(each in [1, n//2], the last in [1, n//2+1])")


def truncated_rfftn(x: torch.Tensor, modes: tuple[int, ...]) -> torch.Tensor:
    """Retained modes of ``rfftn`` of a real x over its last ``len(modes)`` axes (t last).

    Returns a complex tensor (..., 2 m_1, ..., 2 m_{d-1}, m_t): along each leading axis the frequencies
    0..m-1 then n-m..n-1 (:func:`retained_frequencies`), along t the first m_t. Equal to
    ``torch.fft.rfftn(x)`` at those indices up to rounding; differentiable.
    """
    if x.is_complex():
        raise ValueError("truncated_rfftn: x must be real")
    d = len(modes)
    grid = tuple(x.shape[-d:])
    _check_modes(grid, modes, "truncated_rfftn")
    fwd_t, _ = _dft_matrices(grid[-1], modes[-1], False, x.dtype, x.device)
    z = torch.view_as_complex((x @ fwd_t).unflatten(-1, (modes[-1], 2)))
    for j in range(d - 1):
        fwd, _ = _dft_matrices(grid[j], modes[j], True, z.dtype, z.device)
        z = _contract(z, j - d, fwd)
    return z


def truncated_irfftn(spec: torch.Tensor, grid: tuple[int, ...], modes: tuple[int, ...] | None = None
                     ) -> torch.Tensor:
    """``irfftn`` over the last ``len(grid)`` axes of a spectrum that is zero outside the retained modes.

    ``spec`` (..., 2 m_1, ..., 2 m_{d-1}, m_t) is laid out as :func:`truncated_rfftn` returns it (its
    shape gives the mode counts; ``modes``, if given, must agree). Returns the real (..., *grid): the
    complex inverse over the leading axes, then the real inverse over t, as ``torch.fft.irfftn`` of the
    zero-filled spectrum (up to rounding), including that only the real parts of the t-frequencies
    0 and n_t/2 count.
    """
    d = len(grid)
    shape = tuple(spec.shape[-d:])
    found = tuple(k // 2 for k in shape[:-1]) + (shape[-1],)
    if modes is not None and tuple(modes) != found or any(k % 2 for k in shape[:-1]):
        raise ValueError(f"truncated_irfftn: spectrum of shape {shape} does not hold the modes {modes}")
    _check_modes(tuple(grid), found, "truncated_irfftn")
    z = spec
    for j in range(d - 1):
        _, inv = _dft_matrices(grid[j], found[j], True, z.dtype, z.device)
        z = _contract(z, j - d, inv)
    _, inv_t = _dft_matrices(grid[-1], found[-1], False, z.real.dtype, z.device)
    return torch.view_as_real(z.contiguous()).flatten(-2) @ inv_t
