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
The layer is linear and bias-free and acts on each batch item separately.
"""
from __future__ import annotations

import torch
from torch import nn

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

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply K to x (batch, in_channels, *grid); returns (batch, out_channels, *grid)."""
        d = len(self.modes)
        if x.ndim != d + 2 or x.shape[1] != self.in_channels:
            raise ValueError(f"{type(self).__name__}: expected input (batch, {self.in_channels}, "
                             f"{d} grid axes), got shape {tuple(x.shape)}")
        grid = tuple(x.shape[2:])
        self.check_grid(grid)
        axes = tuple(range(-d, 0))
        x_ft = torch.fft.rfftn(x, dim=axes)
        out_ft = x_ft.new_zeros((x.shape[0], self.out_channels) + grid[:-1] + (grid[-1] // 2 + 1,))
        # Block k: bit j of k selects the high (negative-frequency) end of axis j.
        for k, w in enumerate(self.complex_weights()):
            index = (slice(None), slice(None))
            for j, (m, n) in enumerate(zip(self.modes[:-1], grid[:-1])):
                index += (slice(n - m, n) if (k >> j) & 1 else slice(0, m),)
            index += (slice(0, self.modes[-1]),)
            out_ft[index] = torch.einsum("bi...,io...->bo...", x_ft[index], w.to(x_ft.dtype))
        return torch.fft.irfftn(out_ft, s=grid, dim=axes)

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

