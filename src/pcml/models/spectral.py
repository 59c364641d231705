"""The 1-D spectral convolution of the Fourier neural operator (Li et al.), as used by BOON.

The layer maps (batch, in_channels, n) -> (batch, out_channels, n): rFFT along the last axis, a
complex linear map of the lowest ``modes`` frequencies between channels, zero for the rest, inverse
rFFT back to ``n`` points. It is linear and bias-free, and it acts on each batch item separately.
"""
from __future__ import annotations

import torch
from torch import nn

from pcml.constraints.boundary_kernels import SpectralKernel1d
from pcml.fourier import truncated_rfft

__all__ = ["SpectralConv1d"]


class SpectralConv1d(nn.Module):
    """Fourier layer K: (batch, in_channels, n) -> (batch, out_channels, n).

    The complex weights (in_channels, out_channels, modes) are stored as a real parameter
    ``weight`` of shape (in_channels, out_channels, modes, 2) (real, imaginary), so that
    ``module.double()`` gives complex128 weights and a parameter count of 2 per complex entry.
    Initialisation (spec P17): ``scale * torch.rand(..., dtype=cfloat)`` with
    ``scale = 1 / (in_channels * out_channels)``: real and imaginary parts ~ U[0, scale), drawn
    from the global torch RNG in the same order as the released code.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: int) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("modes", modes)):
            if int(value) != value or value < 1:
                raise ValueError(f"SpectralConv1d: {name} must be a positive integer, got {value!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.modes = int(modes)
        scale = 1.0 / (self.in_channels * self.out_channels)
        w = scale * torch.rand(self.in_channels, self.out_channels, self.modes, dtype=torch.cfloat)
        self.weight = nn.Parameter(torch.view_as_real(w).clone())

    def complex_weight(self) -> torch.Tensor:
        """The weights as a complex tensor (in_channels, out_channels, modes)."""
        return torch.view_as_complex(self.weight)

    def boundary_kernel(self) -> SpectralKernel1d:
        """The layer seen from its boundary nodes (fast path of the BOON corrections)."""
        return SpectralKernel1d(self)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply K to x of shape (batch, in_channels, n); returns (batch, out_channels, n).

        Raises ValueError when x is not 3-D, has the wrong channel count, or has too few points
        for the retained modes (modes must be <= n // 2 + 1).
        """
        if x.ndim != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"SpectralConv1d: expected input (batch, {self.in_channels}, n), "
                             f"got shape {tuple(x.shape)}")
        n = x.shape[-1]
        if self.modes > n // 2 + 1:
            raise ValueError(f"SpectralConv1d: modes={self.modes} exceeds n//2+1={n // 2 + 1} "
                             f"for a grid of n={n} points")
        x_ft = truncated_rfft(x, self.modes)  # rfft(x)[..., :modes], with a cheaper backward
        w = self.complex_weight().to(x_ft.dtype)
        out_ft = torch.einsum("bix,iox->box", x_ft, w)
        # irfft zero-fills the frequencies above `modes` up to n // 2 + 1.
        return torch.fft.irfft(out_ft, n=n, dim=-1)

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}, modes={self.modes}"
