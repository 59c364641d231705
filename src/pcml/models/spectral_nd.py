"""2-D and 3-D spectral convolutions of the Fourier neural operator (Li et al.), as used by BOON.

A layer maps (batch, in_channels, n_1, ..., n_d) -> (batch, out_channels, n_1, ..., n_d): a real
FFT over the last d axes (the real FFT runs along the last axis, t in the BOON models), a complex
linear map between channels of the retained low frequencies, zero for the rest, and the inverse FFT
back to the same grid. Along every axis but the last both the lowest ``m`` non-negative and the
``m`` most negative frequencies are kept, each sign combination with its own weights:
2 blocks in 2-D (``weights1``: [:m_x, :m_t], ``weights2``: [-m_x:, :m_t]) and 4 in 3-D
(``weights1..4``: x low/high times y low/high, x varying fastest), as the released code.

Mode limits (spec P21): ``m <= n // 2`` along the axes with both signs (so the two blocks do not
overlap) and ``m <= n // 2 + 1`` along the real-FFT axis; a grid too small raises ValueError.
The layer is linear and bias-free and acts on each batch item separately. It is computed on the
retained modes only, with small DFT matrices instead of full FFTs (:mod:`pcml.fourier`).
"""
from __future__ import annotations

import torch
from torch import nn

from pcml.fourier import truncated_irfftn, truncated_rfftn

__all__ = ["SpectralConvNd", "SpectralConv2d", "SpectralConv3d", "mode_limits"]


def mode_limits(grid: tuple[int, ...]) -> tuple[int, ...]:
    """Largest allowed mode count per axis of ``grid`` (already padded): n//2, ..., n_last//2 + 1."""
    return tuple(n // 2 for n in grid[:-1]) + (grid[-1] // 2 + 1,)


class SpectralConvNd(nn.Module):
    """Fourier layer K over the last ``len(modes)`` axes; see the module doc.

    The complex weights of block k, (in_channels, out_channels, *modes), are stored as the real
    parameter ``weights{k}`` of shape (in_channels, out_channels, *modes, 2) (real, imaginary), so
    ``module.double()`` gives complex128 weights and a complex entry counts 2 parameters.
    Initialisation (spec P17): ``scale * torch.rand(..., dtype=cfloat)``, scale = 1/(in*out), real
    and imaginary parts ~ U[0, scale), blocks drawn in order from the global torch RNG, as the
    released code.
    """

    def __init__(self, in_channels: int, out_channels: int, modes: tuple[int, ...]) -> None:
        super().__init__()
        name = type(self).__name__
        for label, value in (("in_channels", in_channels), ("out_channels", out_channels),
                             *((f"modes[{i}]", m) for i, m in enumerate(modes))):
            if int(value) != value or value < 1:
                raise ValueError(f"{name}: {label} must be a positive integer, got {value!r}")
        self.in_channels = int(in_channels)
        self.out_channels = int(out_channels)
        self.modes = tuple(int(m) for m in modes)
        scale = 1.0 / (self.in_channels * self.out_channels)
        self.n_blocks = 2 ** (len(self.modes) - 1)
        for k in range(1, self.n_blocks + 1):
            w = scale * torch.rand(self.in_channels, self.out_channels, *self.modes, dtype=torch.cfloat)
            setattr(self, f"weights{k}", nn.Parameter(torch.view_as_real(w).clone()))

    def complex_weights(self) -> list[torch.Tensor]:
        """The blocks as complex tensors (in_channels, out_channels, *modes), in order."""
        return [torch.view_as_complex(getattr(self, f"weights{k}")) for k in range(1, self.n_blocks + 1)]

    def check_grid(self, grid: tuple[int, ...]) -> None:
        """Raise ValueError when a retained mode count exceeds the limit of ``grid`` (spec P21)."""
        for axis, (m, n, limit) in enumerate(zip(self.modes, grid, mode_limits(grid))):
            if m > limit:
                rule = "n//2+1 (real-FFT axis)" if axis == len(grid) - 1 else "n//2"
                raise ValueError(f"{type(self).__name__}: modes={m} on axis {axis} exceeds {rule}={limit} "
                                 f"for a grid of n={n} points (grid {tuple(grid)})")

    def combined_weights(self, dtype: torch.dtype | None = None) -> torch.Tensor:
        """The blocks as one complex tensor (in, out, 2 m_x, [2 m_y,] m_t), frequencies laid out as
        :func:`pcml.fourier.truncated_rfftn` returns them (low then high along x and y)."""
        w = self.complex_weights()
        if dtype is not None:
            w = [b.to(dtype) for b in w]
        if len(self.modes) == 2:
            return torch.cat(w, dim=2)
        return torch.cat((torch.cat(w[0:2], dim=2), torch.cat(w[2:4], dim=2)), dim=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply K to x (batch, in_channels, *grid); returns (batch, out_channels, *grid).

        Computed on the retained modes only (:func:`pcml.fourier.truncated_rfftn` and
        :func:`pcml.fourier.truncated_irfftn`, products with small DFT matrices): the same map as
        ``irfftn(W . rfftn(x) on the kept blocks, zero elsewhere)``, equal to it up to rounding.
        """
        d = len(self.modes)
        if x.ndim != d + 2 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input (batch, {self.in_channels}, "
                             f"{d} grid axes), got shape {tuple(x.shape)}")
        grid = tuple(x.shape[2:])
        self.check_grid(grid)
        x_ft = truncated_rfftn(x, self.modes)
        out_ft = torch.einsum("bi...,io...->bo...", x_ft, self.combined_weights(x_ft.dtype))
        return truncated_irfftn(out_ft, grid)

    def extra_repr(self) -> str:
        return f"in_channels={self.in_channels}, out_channels={self.out_channels}, modes={self.modes}"


class SpectralConv2d(SpectralConvNd):
    """(batch, in, n_x, n_t) -> (batch, out, n_x, n_t); modes_x along x (both signs), modes_t along t."""

    def __init__(self, in_channels: int, out_channels: int, modes_x: int, modes_t: int) -> None:
        super().__init__(in_channels, out_channels, (modes_x, modes_t))


class SpectralConv3d(SpectralConvNd):
    """(batch, in, n_x, n_y, n_t) -> (batch, out, n_x, n_y, n_t); both signs along x and y."""

    def __init__(self, in_channels: int, out_channels: int, modes_x: int, modes_y: int,
                 modes_t: int) -> None:
        super().__init__(in_channels, out_channels, (modes_x, modes_y, modes_t))

