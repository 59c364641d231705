"""The truncated real FFT of the Fourier layers, with a backward pass through one inverse real FFT.

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

import torch

__all__ = ["truncated_rfft"]


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
