"""FNO1d: the 1-D Fourier neural operator used as BOON's base model (spec boon.md §4.1).

Architecture (as in the released BOON code): lift ``fc0 = Linear(2, width)`` on (a(x), x) with x the
grid linspace(0, 1, n); four Fourier layers ``x <- conv_l(x) + w_l(x)`` with ``conv_l`` a
SpectralConv1d and ``w_l = Conv1d(width, width, 1)`` (with bias; computed as a batched GEMM by
:class:`pcml.models.pointwise.PointwiseConv1d`, same parameters); exact GELU after layers 0-2;
projection ``fc1 = Linear(width, 128)``, GELU, ``fc2 = Linear(128, 1)``. No padding (P6).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pcml.models.pointwise import PointwiseConv1d
from pcml.models.spectral import SpectralConv1d

__all__ = ["FNO1d", "count_params", "unit_grid", "check_input_1d", "N_FOURIER_LAYERS"]

N_FOURIER_LAYERS = 4
PROJECTION_WIDTH = 128


def count_params(module: nn.Module) -> int:
    """Number of real parameters of ``module`` (a complex entry counts 2), each tensor once."""
    return sum(p.numel() * (2 if p.is_complex() else 1) for p in module.parameters())


def unit_grid(batch: int, n: int, like: torch.Tensor) -> torch.Tensor:
    """The normalised grid linspace(0, 1, n) as (batch, n), in ``like``'s dtype and device."""
    return torch.linspace(0.0, 1.0, n, dtype=like.dtype, device=like.device).expand(batch, n)


def check_input_1d(a: torch.Tensor, who: str) -> torch.Tensor:
    """Validate a 1-D operator input: (batch, n) or (batch, n, 1); returns (batch, n)."""
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim != 2:
        raise ValueError(f"{who}: input a must have shape (batch, n), got {tuple(a.shape)}")
    if not a.is_floating_point():
        raise ValueError(f"{who}: input a must be a floating-point tensor, got {a.dtype}")
    return a


class FNO1d(nn.Module):
    """1-D FNO: a (batch, n) -> u (batch, n), at any resolution n >= 2 * (modes - 1).

    Parameters: ``3 w + 4 (2 m w^2) + 4 (w^2 + w) + (128 w + 128) + 129`` for modes m, width w
    (549,569 for m = 16, w = 64). The Fourier layers are attributes ``conv0..conv3`` and
    ``w0..w3`` (the names of the released code), listed in order by :meth:`fourier_layers`.
    """

    def __init__(self, modes: int = 16, width: int = 64) -> None:
        super().__init__()
        if int(width) != width or width < 1:
            raise ValueError(f"FNO1d: width must be a positive integer, got {width!r}")
        self.modes = int(modes)
        self.width = int(width)
        # Creation order matches the released code (fc0, conv0..3, w0..3, fc1, fc2), so that the
        # same seed gives the same initial weights.
        self.fc0 = nn.Linear(2, self.width)
        for layer in range(N_FOURIER_LAYERS):
            setattr(self, f"conv{layer}", SpectralConv1d(self.width, self.width, self.modes))
        for layer in range(N_FOURIER_LAYERS):
            setattr(self, f"w{layer}", PointwiseConv1d(self.width, self.width))
        self.fc1 = nn.Linear(self.width, PROJECTION_WIDTH)
        self.fc2 = nn.Linear(PROJECTION_WIDTH, 1)

    def fourier_layers(self) -> list[tuple[SpectralConv1d, PointwiseConv1d]]:
        """The (conv_l, w_l) pairs for l = 0..3."""
        return [(getattr(self, f"conv{i}"), getattr(self, f"w{i}")) for i in range(N_FOURIER_LAYERS)]

    def lift(self, a: torch.Tensor) -> torch.Tensor:
        """fc0 on (a, x): (batch, n) -> latent (batch, width, n), channels first."""
        grid = unit_grid(a.shape[0], a.shape[1], a)
        return self.fc0(torch.stack((a, grid), dim=-1)).permute(0, 2, 1)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        """Map the input function a of shape (batch, n) (or (batch, n, 1)) to u of shape (batch, n)."""
        return self.body(self.lift(check_input_1d(a, "FNO1d")))

    def body(self, x: torch.Tensor) -> torch.Tensor:
        """The Fourier layers and the projection: latent (batch, width, n) -> u (batch, n)."""
        for layer, (conv, w) in enumerate(self.fourier_layers()):
            x = conv(x) + w(x)
            if layer < N_FOURIER_LAYERS - 1:
                x = F.gelu(x)
        x = F.gelu(self.fc1(x.permute(0, 2, 1)))
        return self.fc2(x)[..., 0]
