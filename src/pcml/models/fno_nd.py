"""FNO2d (1-D space + time) and FNO3d (2-D space + time): BOON's multi-step base models (spec boon.md §4.1).

Both follow the released code (vendored from Li et al.):

* input: the initial condition already repeated along t by the caller, a (batch, n_x, n_t) or
  (batch, n_x, n_y, n_t) (a trailing axis of size 1 is accepted);
* the grid coordinates appended as channels, each ``linspace(0, 1, n)`` whatever the physical
  domain (x, t) or (x, y, t); lift ``fc0 = Linear(3 | 4, width)``; channels first;
* zero padding at the end (P6): FNO2d pads x **and** t by 9, FNO3d pads t only by 6;
* four Fourier layers ``x <- conv_l(x) + w_l(x)`` (SpectralConv2d/3d and a 1x1 ``nn.Conv2d/3d``
  with bias, computed as one batched matrix product: :mod:`pcml.models.pointwise`), exact GELU after
  layers 0-2; crop the padding;
* projection ``fc1 = Linear(width, 128)``, GELU, ``fc2 = Linear(128, 1)``; output the same shape
  as a (without a trailing axis).

FNO3d also defines ``bn0..bn3`` (BatchNorm3d) that are never used, as the released code does, so
that parameter counts agree with it. Modules are created in the released order (fc0, conv0..3,
w0..3[, bn0..3], fc1, fc2), so the same seed gives the same initial weights.

:func:`check_modes` checks a model's mode counts against a data grid before any work (P21).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from pcml.models.fno import N_FOURIER_LAYERS, PROJECTION_WIDTH
from pcml.models.pointwise import PointwiseConv2d, PointwiseConv3d
from pcml.models.spectral_nd import SpectralConv2d, SpectralConv3d, mode_limits

__all__ = ["FNO2d", "FNO3d", "PAD_2D", "PAD_3D", "check_input_nd", "unit_grids", "padded_grid",
           "check_modes"]

PAD_2D = 9  # FNO2d pads x and t; BOON-FNO2d pads t only, not at all when periodic (P6)
PAD_3D = 6  # FNO3d and BOON-FNO3d pad t only; BOON-FNO3d not at all when periodic


def check_input_nd(a: torch.Tensor, n_axes: int, who: str) -> torch.Tensor:
    """Validate an input of ``n_axes`` grid axes: (batch, *grid) or (batch, *grid, 1); returns (batch, *grid)."""
    if a.ndim == n_axes + 2 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim != n_axes + 1:
        names = ("n_x", "n_t") if n_axes == 2 else ("n_x", "n_y", "n_t")
        raise ValueError(f"{who}: input a must have shape (batch, {', '.join(names)}), got {tuple(a.shape)}")
    if not a.is_floating_point():
        raise ValueError(f"{who}: input a must be a floating-point tensor, got {a.dtype}")
    return a


def unit_grids(a: torch.Tensor) -> torch.Tensor:
    """(a, grid_1, ..., grid_d) stacked on a new last axis: (batch, *grid, 1 + d), grids linspace(0, 1)."""
    shape = a.shape
    d = a.ndim - 1
    chans = [a]
    for axis in range(d):
        g = torch.linspace(0.0, 1.0, shape[axis + 1], dtype=a.dtype, device=a.device)
        view = [1] * (d + 1)
        view[axis + 1] = shape[axis + 1]
        chans.append(g.reshape(view).expand(shape))
    return torch.stack(chans, dim=-1)


def _check_width_modes(who: str, width: int, modes: int, modes_t: int) -> None:
    for name, value in (("width", width), ("modes", modes), ("modes_t", modes_t)):
        if int(value) != value or value < 1:
            raise ValueError(f"{who}: {name} must be a positive integer, got {value!r}")


class _FNOnd(nn.Module):
    """Shared forward of FNO2d/FNO3d; subclasses set the layer classes, grid axes and padding."""

    n_axes: int = 0
    pad_axes: tuple[int, ...] = ()  # grid axes (0 = x) padded at the end by ``padding``
    padding: int = 0

    def fourier_layers(self) -> list[tuple[nn.Module, nn.Module]]:
        """The (conv_l, w_l) pairs for l = 0..3."""
        return [(getattr(self, f"conv{i}"), getattr(self, f"w{i}")) for i in range(N_FOURIER_LAYERS)]

    def lift(self, a: torch.Tensor) -> torch.Tensor:
        """fc0 on (a, grids): (batch, *grid) -> latent (batch, width, *grid), channels first."""
        return self.fc0(unit_grids(a)).movedim(-1, 1)

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        spec = [0, 0] * self.n_axes  # F.pad lists the last axis first
        for axis in self.pad_axes:
            spec[2 * (self.n_axes - 1 - axis) + 1] = self.padding
        return F.pad(x, spec)

    def _crop(self, x: torch.Tensor, grid: tuple[int, ...]) -> torch.Tensor:
        return x[(slice(None), slice(None)) + tuple(slice(0, n) for n in grid)]

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        """Map a (batch, *grid) (the IC repeated along t) to u (batch, *grid)."""
        a = check_input_nd(a, self.n_axes, type(self).__name__)
        grid = tuple(a.shape[1:])
        x = self._pad(self.lift(a))
        for layer, (conv, w) in enumerate(self.fourier_layers()):
            x = conv(x) + w(x)
            if layer < N_FOURIER_LAYERS - 1:
                x = F.gelu(x)
        x = self._crop(x, grid).movedim(1, -1)
        return self.fc2(F.gelu(self.fc1(x)))[..., 0]


class FNO2d(_FNOnd):
    """FNO over (x, t): a (batch, n_x, n_t) -> u (batch, n_x, n_t); pads x and t by 9 (P6).

    Parameters, for width w, modes m (x) and m_t (t):
    ``4w + 16 m m_t w^2 + 4 (w^2 + w) + (128 w + 128) + 129``; 2,368,001 for m = m_t = 12, w = 32.
    """

    n_axes = 2
    pad_axes = (0, 1)
    padding = PAD_2D

    def __init__(self, modes: int = 12, width: int = 32, modes_t: int | None = None) -> None:
        super().__init__()
        modes_t = modes if modes_t is None else modes_t
        _check_width_modes("FNO2d", width, modes, modes_t)
        self.modes, self.modes_t, self.width = int(modes), int(modes_t), int(width)
        self.fc0 = nn.Linear(3, self.width)
        for i in range(N_FOURIER_LAYERS):
            setattr(self, f"conv{i}", SpectralConv2d(self.width, self.width, self.modes, self.modes_t))
        for i in range(N_FOURIER_LAYERS):
            setattr(self, f"w{i}", PointwiseConv2d(self.width, self.width))
        self.fc1 = nn.Linear(self.width, PROJECTION_WIDTH)
        self.fc2 = nn.Linear(PROJECTION_WIDTH, 1)


class FNO3d(_FNOnd):
    """FNO over (x, y, t): a (batch, n_x, n_y, n_t) -> u (batch, n_x, n_y, n_t); pads t only by 6 (P6).

    Parameters, for width w, modes m (x and y) and m_t (t), counting the unused bn0..bn3:
    ``5w + 32 m^2 m_t w^2 + 4 (w^2 + w) + 8 w + (128 w + 128) + 129``; 6,558,357 for m = m_t = 8,
    w = 20.
    """

    n_axes = 3
    pad_axes = (2,)
    padding = PAD_3D

    def __init__(self, modes: int = 8, width: int = 20, modes_t: int | None = None) -> None:
        super().__init__()
        modes_t = modes if modes_t is None else modes_t
        _check_width_modes("FNO3d", width, modes, modes_t)
        self.modes, self.modes_t, self.width = int(modes), int(modes_t), int(width)
        self.fc0 = nn.Linear(4, self.width)
        for i in range(N_FOURIER_LAYERS):
            setattr(self, f"conv{i}", SpectralConv3d(self.width, self.width, self.modes, self.modes,
                                                      self.modes_t))
        for i in range(N_FOURIER_LAYERS):
            setattr(self, f"w{i}", PointwiseConv3d(self.width, self.width))
        for i in range(N_FOURIER_LAYERS):  # defined but never used, as in the released code
            setattr(self, f"bn{i}", nn.BatchNorm3d(self.width))
        self.fc1 = nn.Linear(self.width, PROJECTION_WIDTH)
        self.fc2 = nn.Linear(PROJECTION_WIDTH, 1)


def padded_grid(model_name: str, grid: tuple[int, ...], bc_type: str | None = None) -> tuple[int, ...]:
    """The grid the Fourier layers of ``model_name`` see for a data grid (n_x[, n_y], n_t) (or (n,) in 1-D).

    fno2d: x and t + 9; boon_fno2d*: t + 9 (none when periodic); fno3d: t + 6; boon_fno3d*: t + 6
    (none when periodic); fno1d and boon_fno1d*: no padding.
    """
    dims = 1 if "1d" in model_name else 2 if "2d" in model_name else 3 if "3d" in model_name else 0
    if dims == 0 or "fno" not in model_name:
        raise ValueError(f"check_modes: {model_name!r} is not an FNO model (fno1d/2d/3d, boon_fno1d/2d/3d)")
    if len(grid) != dims:
        raise ValueError(f"check_modes: {model_name} needs a grid of {dims} sizes, got {tuple(grid)}")
    boon = model_name.startswith("boon")
    if boon and bc_type not in ("dirichlet", "neumann", "periodic"):
        raise ValueError(f"check_modes: {model_name} needs bc_type dirichlet/neumann/periodic, got {bc_type!r}")
    grid = tuple(int(n) for n in grid)
    if dims == 1 or (boon and bc_type == "periodic"):
        return grid
    if dims == 2 and not boon:
        return (grid[0] + PAD_2D, grid[1] + PAD_2D)
    return grid[:-1] + (grid[-1] + (PAD_2D if dims == 2 else PAD_3D),)


def check_modes(model_name: str, modes: int, modes_t: int | None, grid: tuple[int, ...],
                bc_type: str | None = None) -> None:
    """Raise ValueError, naming the limit, if ``modes``/``modes_t`` do not fit ``grid`` (spec P21).

    ``grid`` is the data grid (n_x, n_t), (n_x, n_y, n_t) or (n,) for 1-D models; the limits apply to
    the padded grid of :func:`padded_grid`: ``modes <= n//2`` along x (and y), ``modes_t <= n_t//2 + 1``
    along t (the real-FFT axis), ``modes <= n//2 + 1`` in 1-D. ``modes_t=None`` means modes_t =
    modes (it must be None for 1-D models). ``bc_type`` is required for the boon_* models
    (BOON-periodic does not pad t, so with n_t = 25 it allows modes_t <= 13 only).
    """
    padded = padded_grid(model_name, grid, bc_type)
    if len(padded) == 1:
        if modes_t is not None:
            raise ValueError(f"check_modes: {model_name} is 1-D and takes no modes_t (got {modes_t})")
        wanted = (modes,)
    else:
        wanted = (modes,) * (len(padded) - 1) + (modes if modes_t is None else modes_t,)
    names = ("n",) if len(padded) == 1 else ("n_x", "n_t") if len(padded) == 2 else ("n_x", "n_y", "n_t")
    for m, n, p, limit, name in zip(wanted, grid, padded, mode_limits(padded), names):
        if m > limit:
            what = "modes_t" if name == "n_t" else "modes"
            raise ValueError(f"{model_name}: {what}={m} exceeds the limit {limit} on the {name} axis "
                             f"(data {name}={n}, padded to {p}; bc_type={bc_type})")
