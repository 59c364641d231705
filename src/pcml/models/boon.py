"""BOON-FNO1d: an FNO1d whose every Fourier layer is boundary-corrected (spec boon.md §3.5, §4.1).

The wrapper owns its own lift/projection heads (fc0, fc1, fc2) and calls the base model's
``conv_l`` and ``w_l`` through the BOON correction of :mod:`pcml.constraints.boundary` in every
layer, in both paths: ``x <- Corr(conv_l)(x, bc) + Corr(w_l)(x, bc)``. GELU follows layers 0-2 and
fc1; the final output gets strict enforcement of the BC.

Faithful mode (default, the released code): GELU on all nodes (the 1-D interior-mask bug, P8) and
full-batch probes. Clean mode: for Dirichlet/Neumann, GELU on the interior nodes 1..n-2 only (so
the latent boundary values set by the corrections pass unchanged), batch-1 probes, and the
correct left Neumann relation u0 = u1 - h g_L. Periodic applies GELU everywhere in both modes
(the released code's periodic mask is all nodes, and a pointwise map keeps equal ends equal).

Parameter count = base FNO1d (including its unused fc0/fc1/fc2, as the released code counts them)
+ the wrapper heads ``(2w + w) + (128 w + 128) + (128 + 1)``; for modes 16, width 64:
549,569 + 8,641 = 558,210.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from pcml.constraints.boundary import (
    BC_TYPES, TOL_1D, BoundaryCorrection, corrected_sum, enforce_boundary, make_correction, min_points,
)
from pcml.models.fno import (
    FNO1d, N_FOURIER_LAYERS, PROJECTION_WIDTH, check_input_1d, unit_grid,
)

__all__ = ["BOONFNO1d", "resolve_base"]


def resolve_base(base: nn.Module | Mapping | None, base_cls: type, who: str, fno_kwargs: Mapping) -> nn.Module:
    """The base FNO of a BOON wrapper: ``base`` itself (an instance of ``base_cls``), or ``base_cls`` built
    from the dict ``base`` or from ``fno_kwargs`` when ``base`` is None. ValueError naming ``who`` when the
    base has another type or settings are given twice."""
    if base is None:
        return base_cls(**fno_kwargs)
    if isinstance(base, Mapping):
        if fno_kwargs:
            raise ValueError(f"{who}: give the base settings either in `base` or as keywords, not both")
        return base_cls(**base)
    if not isinstance(base, base_cls):
        raise ValueError(f"{who}: base must be a {base_cls.__name__}, a dict of its kwargs or None, "
                         f"got {type(base).__name__}")
    if fno_kwargs:
        raise ValueError(f"{who}: unexpected keywords {sorted(fno_kwargs)} with a base model")
    return base


class _InteriorGelu(torch.autograd.Function):
    """GELU on nodes 1..n-2 along ``dim``, identity on the two boundary nodes: one pass forward
    and one backward (GELU everywhere, then the end values and end gradients written back)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.dim = dim
        y = F.gelu(x)
        n = x.shape[dim]
        y.narrow(dim, 0, 1).copy_(x.narrow(dim, 0, 1))
        y.narrow(dim, n - 1, 1).copy_(x.narrow(dim, n - 1, 1))
        return y

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (x,) = ctx.saved_tensors
        dim, n = ctx.dim, x.shape[ctx.dim]
        gx = torch.ops.aten.gelu_backward(grad, x)
        gx.narrow(dim, 0, 1).copy_(grad.narrow(dim, 0, 1))
        gx.narrow(dim, n - 1, 1).copy_(grad.narrow(dim, n - 1, 1))
        return gx, None


class BOONFNO1d(nn.Module):
    """BOON-corrected FNO1d: forward(a (batch, n), bc) -> u (batch, n) satisfying the BC exactly.

    Args:
        base: an FNO1d to wrap, or a dict of FNO1d keyword arguments, or None (then
            ``fno_kwargs``, e.g. ``modes=16, width=64``, build it). The base is created before the
            wrapper heads, as in the released notebooks, so a seed gives the same initial weights.
        bc_type: 'dirichlet', 'neumann' or 'periodic'.
        faithful: released-code logic (True) or the clean variant (False); see the module doc.
        length: physical domain length; the Neumann spacing is h = length / (n - 1) at the
            current n (P18).
        tol: clamp of the kernel probes (1e-7 in 1-D).
        reference: run the corrections' straightforward implementation (full layer calls for
            every probe and elimination step) instead of the fast path; same outputs up to
            floating-point rounding, several times slower. For tests and benchmarks.

    BC dict (values may be floats, 0-d tensors or (batch,) tensors): Dirichlet
    {"left": u(0), "right": u(1)}; Neumann {"left": du/dx(0), "right": du/dx(1)}; periodic {}.
    """

    def __init__(self, base: FNO1d | Mapping | None = None, bc_type: str = "dirichlet",
                 faithful: bool = True, length: float = 1.0, tol: float = TOL_1D,
                 reference: bool = False, **fno_kwargs: int) -> None:
        super().__init__()
        if bc_type not in BC_TYPES:
            raise ValueError(f"BOONFNO1d: bc_type must be one of {BC_TYPES}, got {bc_type!r}")
        base = resolve_base(base, FNO1d, "BOONFNO1d", fno_kwargs)
        self.base = base
        self.bc_type = bc_type
        self.faithful = bool(faithful)
        self.length = float(length)
        self.reference = bool(reference)
        self.width = base.width
        self.modes = base.modes
        self.fc0 = nn.Linear(2, self.width)
        self.fc1 = nn.Linear(self.width, PROJECTION_WIDTH)
        self.fc2 = nn.Linear(PROJECTION_WIDTH, 1)
        # Plain callables holding references to the base layers (no duplicate parameters).
        self._corrections: list[tuple[BoundaryCorrection, BoundaryCorrection]] = [
            (make_correction(conv, bc_type, self.faithful, tol, self.length, reference),
             make_correction(w, bc_type, self.faithful, tol, self.length, reference))
            for conv, w in base.fourier_layers()
        ]

    @property
    def masks_boundary(self) -> bool:
        """True when GELU skips the two boundary nodes (clean Dirichlet/Neumann)."""
        return not self.faithful and self.bc_type != "periodic"

    def _act(self, x: torch.Tensor, dim: int) -> torch.Tensor:
        """GELU on all nodes, or on nodes 1..n-2 along ``dim`` only when masking the boundary."""
        if not self.masks_boundary:
            return F.gelu(x)
        return _InteriorGelu.apply(x, dim)

    def pivots(self, n_x: int) -> torch.Tensor:
        """The elimination's divisors of every spectral layer at the current weights, before the clamp.

        Returns float64: (4, 2) for Dirichlet, per Fourier layer KNN and the pivot K~00 = K00 - KN0 K0N / KNN
        (spec §3.2); (4, 1) for Neumann, KNN only (its elimination is the right one alone); (0, 2) when
        periodic (no elimination). ``n_x`` is the number of grid nodes (FNO1d does not pad). Each spectral
        layer's correction gives its own (:meth:`BoundaryCorrection.divisors`); the pointwise paths do not
        divide (they do not couple nodes). K~00 is a difference of nearly equal numbers (the spectral
        kernel is periodic, so nodes 0 and n-1 are neighbours): it shrinks like 1/n^3 as the grid is refined.
        """
        if self.bc_type == "periodic":
            return torch.zeros(0, 2, dtype=torch.float64)
        w = self.fc0.weight
        latent = torch.zeros(1, self.width, int(n_x), dtype=w.dtype, device=w.device)
        return torch.stack([corr_conv.divisors(latent) for corr_conv, _ in self._corrections])

    def clamped(self, pivots: torch.Tensor) -> torch.Tensor:
        """Boolean mask of the entries of :meth:`pivots` that the 1-D clamp (|K| < tol) replaces by tol."""
        return self._corrections[0][0].clamped(pivots)

    def forward(self, a: torch.Tensor, bc: Mapping | None = None) -> torch.Tensor:
        """Map a (batch, n) (or (batch, n, 1)) with BC data ``bc`` to u (batch, n).

        Raises ValueError for a malformed input, BC dict, or a grid below the minimum size.
        """
        a = check_input_1d(a, "BOONFNO1d")
        n = a.shape[1]
        if n < max(min_points(self.bc_type), 3):
            raise ValueError(f"BOONFNO1d: {self.bc_type} needs n >= {max(min_points(self.bc_type), 3)} "
                             f"grid points, got n={n}")
        if self.bc_type == "periodic":
            bc = {} if bc is None else bc
        grid = unit_grid(a.shape[0], n, a)
        x = self.fc0(torch.stack((a, grid), dim=-1)).permute(0, 2, 1)
        for layer, (corr_conv, corr_w) in enumerate(self._corrections):
            x = corrected_sum((corr_conv, corr_w), x, bc)  # = corr_conv(x, bc) + corr_w(x, bc)
            if layer < N_FOURIER_LAYERS - 1:
                x = self._act(x, dim=-1)
        x = self._act(self.fc1(x.permute(0, 2, 1)), dim=1)
        u = self.fc2(x)[..., 0]
        return enforce_boundary(u, self.bc_type, bc, faithful=self.faithful, length=self.length)

    def extra_repr(self) -> str:
        return f"bc_type={self.bc_type!r}, faithful={self.faithful}, length={self.length}"
