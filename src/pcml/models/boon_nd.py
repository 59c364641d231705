"""BOON-FNO2d and BOON-FNO3d: FNO2d/FNO3d with every Fourier layer boundary-corrected (spec §3.5, §4.1).

The wrapper owns its own heads (fc0 = Linear(3 | 4, w), fc1 = Linear(w, 128), fc2 = Linear(128, 1))
and calls the base model's ``conv_l`` and ``w_l`` through :class:`pcml.constraints.boundary_nd.CorrectionND`
in every layer, in both paths: ``x <- Corr(conv_l)(x, walls) + Corr(w_l)(x, walls)``. By default the
two corrected layers share one T1 (``CorrectionND.enforce`` of the sum with the wall data doubled, equal
up to rounding) and the spectral layer takes the fast path of :mod:`pcml.constraints.boundary_kernels_nd`;
``reference=True`` runs the straightforward corrections (full layer calls, one T1 each).

Forward, as the released BOON_FNO2d / BOON_FNO3d:

1. (a, grids) -> fc0 -> channels first; the grids are linspace(0, 1) on every axis (x, [y,] t);
2. zero-pad **t only** at the end (9 in 2-D, 6 in 3-D; nothing when periodic, P6), and the BC
   tensors by the same amount with zeros, so the padded time slots are corrected to zero
   boundary data (P19);
3. four corrected layers; GELU on the interior nodes only (x in 1..n_x-2 and, in 3-D, y in
   1..n_y-2, every t) after layers 0-2 (all nodes when periodic); the 2-D/3-D mask is correct in
   the released code, so both modes use it;
4. crop t, fc1, GELU on the interior nodes, fc2;
5. strict enforcement on the output (x-walls, then y-walls in 3-D: corners take the y-wall values;
   faithful 2-D Dirichlet also mollifies, P11).

Faithful / clean differences are those of :mod:`pcml.constraints.boundary_nd`.

BC dicts (values: a float, a (n_t,) tensor, or anything broadcasting to the wall shape by the usual
right-aligned rules; a per-sample scalar is (batch, 1) in 2-D and (batch, 1, 1) in 3-D):

* 2-D: Dirichlet {"left": u(0, t), "right": u(1, t)}, Neumann {"left": du/dx(0, t), "right":
  du/dx(1, t)}, each broadcasting to (batch, n_t); periodic {} (or None).
* 3-D: Dirichlet {"left": u(0, y, t), "right": u(1, y, t)} -> (batch, n_y, n_t) and {"bottom":
  u(x, 0, t), "top": u(x, 1, t)} -> (batch, n_x, n_t); Neumann the same keys with du/dx at
  x = 0, 1 and du/dy at y = 0, 1 (derivatives along +x / +y, not the outward normal); periodic {}.

Parameter count = base (FNO2d/FNO3d, including its unused fc0/fc1/fc2 and, in 3-D, bn0..3) +
the wrapper heads ``(d + 1) w + w + (128 w + 128) + 129`` with d = 2 (2-D) or 3 (3-D).
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
import torch.nn.functional as F
from torch import nn

from pcml.constraints.boundary import BC_TYPES, check_bc_keys
from pcml.constraints.boundary_nd import TOL_ND, CorrectionND, Wall, enforce_walls, min_points_nd
from pcml.models.boon import resolve_base
from pcml.models.fno import N_FOURIER_LAYERS, PROJECTION_WIDTH
from pcml.models.fno_nd import FNO2d, FNO3d, PAD_2D, PAD_3D, check_input_nd, unit_grids

__all__ = ["BOONFNO2d", "BOONFNO3d"]


def _copy_walls(dst: torch.Tensor, src: torch.Tensor, first: int, n_axes: int) -> torch.Tensor:
    """dst with nodes 0 and n-1 of the axes first..first+n_axes-1 copied from src (in place)."""
    for axis in range(first, first + n_axes):
        for node in (0, -1):
            dst.select(axis, node).copy_(src.select(axis, node))
    return dst


class _InteriorGelu(torch.autograd.Function):
    """GELU on the interior nodes, identity on the walls: the values and gradients of
    ``where(interior, gelu(x), x)`` in one full pass each way (gelu / gelu_backward, then the
    walls copied) instead of the mask's extra full passes."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, first: int, n_axes: int) -> torch.Tensor:
        ctx.save_for_backward(x)
        ctx.first, ctx.n_axes = first, n_axes
        return _copy_walls(F.gelu(x), x, first, n_axes)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        (x,) = ctx.saved_tensors
        return _copy_walls(torch.ops.aten.gelu_backward(grad, x), grad, ctx.first, ctx.n_axes), None, None


class _BOONFNOnd(nn.Module):
    """Shared implementation; subclasses set the base class, the wall keys and the time padding."""

    base_cls: type = FNO2d
    wall_keys: tuple[tuple[str, str], ...] = (("left", "right"),)
    time_padding: int = PAD_2D

    def __init__(self, base: nn.Module | Mapping | None = None, bc_type: str = "dirichlet",
                 faithful: bool = True, length: float = 1.0, tol: float = TOL_ND, reference: bool = False,
                 **fno_kwargs: int) -> None:
        super().__init__()
        name = type(self).__name__
        if bc_type not in BC_TYPES:
            raise ValueError(f"{name}: bc_type must be one of {BC_TYPES}, got {bc_type!r}")
        if length <= 0:
            raise ValueError(f"{name}: domain length must be > 0, got {length}")
        base = resolve_base(base, self.base_cls, name, fno_kwargs)
        self.base = base
        self.bc_type = bc_type
        self.faithful = bool(faithful)
        self.length = float(length)
        self.reference = bool(reference)
        self.width, self.modes, self.modes_t = base.width, base.modes, base.modes_t
        self.spatial_dims = len(self.wall_keys)
        # Created after the base, as in the released notebooks (same seed, same weights).
        self.fc0 = nn.Linear(self.spatial_dims + 2, self.width)
        self.fc1 = nn.Linear(self.width, PROJECTION_WIDTH)
        self.fc2 = nn.Linear(PROJECTION_WIDTH, 1)
        self._corrections = [
            tuple(CorrectionND(layer, bc_type, self.faithful, self.spatial_dims, tol, self.length, reference)
                  for layer in pair)
            for pair in base.fourier_layers()
        ]

    @property
    def padding(self) -> int:
        """Zero padding of the time axis: 9 (2-D) / 6 (3-D), none when periodic."""
        return 0 if self.bc_type == "periodic" else self.time_padding

    # ------------------------------------------------------------------ BC data

    def walls(self, bc: Mapping | None, a: torch.Tensor) -> list[Wall]:
        """Validate ``bc`` for the input a (batch, n_x, [n_y,] n_t); the output's walls.

        Returns [Wall(1, left, right)] (+ [Wall(2, bottom, top)] in 3-D), each value expanded to
        (batch, n_y | n_x, n_t) in 3-D or (batch, n_t) in 2-D. Raises ValueError naming a missing,
        unexpected or mis-shaped key.
        """
        name = type(self).__name__
        keys = [k for pair in self.wall_keys for k in pair]
        if self.bc_type == "periodic":
            if bc:
                raise ValueError(f"{name}: periodic BC takes no data, got keys {sorted(bc)}")
            return [Wall(axis + 1, None, None) for axis in range(self.spatial_dims)]
        try:
            check_bc_keys(bc, tuple(keys), self.bc_type)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        out = []
        for axis, pair in enumerate(self.wall_keys):
            wall = a.movedim(axis + 1, -1).shape[:-1]  # (batch, [other space axis,] n_t)
            out.append(Wall(axis + 1, *(self._wall_value(bc[k], wall, k, a) for k in pair)))
        return out

    def _wall_value(self, value: object, wall: torch.Size, key: str, like: torch.Tensor) -> torch.Tensor:
        v = torch.as_tensor(value, dtype=like.dtype, device=like.device)
        try:
            ok = v.ndim <= len(wall) and torch.broadcast_shapes(v.shape, wall) == wall
        except RuntimeError:
            ok = False
        if not ok:
            raise ValueError(f"{type(self).__name__}: BC value {key!r} of shape {tuple(v.shape)} does not "
                             f"broadcast to the wall shape {tuple(wall)} (batch, ..., n_t)")
        return v.expand(wall)

    def latent_walls(self, walls: list[Wall]) -> list[Wall]:
        """The output walls as latent walls: axis + 1, zero-padded in t (P19), broadcast over channels."""
        def prep(v: torch.Tensor | None) -> torch.Tensor | None:
            if v is None:
                return None
            return F.pad(v, [0, self.padding]).unsqueeze(1)
        return [Wall(w.axis + 1, prep(w.low), prep(w.high)) for w in walls]

    # ------------------------------------------------------------------ diagnostics
    @torch.no_grad()
    def pivots(self, n_x: int) -> torch.Tensor:
        """The elimination's divisors of every spectral layer at the current weights, before the clamp.

        Returns a float64 tensor (4, 2): per Fourier layer, KNN (= K00 for a spectral layer) and the pivot
        K~00 = K00 - KN0 K0N / KNN (spec §3.2; :meth:`CorrectionND.divisors`), for a latent with ``n_x``
        nodes along x. Empty (0, 2) when periodic (no elimination). A value that the clamp replaces by tol
        (:meth:`clamped`) turns 1/K into 1/tol = 1e4 in the elimination, and no gradient flows through it
        (P10, P22): the diagnostic of a run whose boundary inputs blow up.
        """
        if self.bc_type == "periodic":
            return torch.zeros(0, 2, dtype=torch.float64)
        return torch.stack([spectral.divisors(n_x) for spectral, _ in self._corrections])

    def clamped(self, pivots: torch.Tensor) -> torch.Tensor:
        """Boolean mask of the entries of :meth:`pivots` that the elimination's clamp replaces by tol:
        K < tol in faithful 2-D (P10), |K| < tol otherwise."""
        return self._corrections[0][0].clamped(pivots)

    # ------------------------------------------------------------------ forward

    def _interior_gelu(self, x: torch.Tensor, first: int) -> torch.Tensor:
        """GELU on the nodes away from the walls; the wall axes start at ``first`` (all nodes if periodic)."""
        if self.bc_type == "periodic":
            return F.gelu(x)
        return _InteriorGelu.apply(x, first, self.spatial_dims)

    def latent(self, a: torch.Tensor, bc: Mapping | None) -> tuple[torch.Tensor, list[Wall]]:
        """The lifted input through the four corrected layers, before the crop, and the output walls.

        Returns (x, walls): x (batch, width, n_x, [n_y,] n_t + padding), walls as :meth:`walls`.
        """
        name = type(self).__name__
        a = check_input_nd(a, self.spatial_dims + 1, name)
        need = max(3, min_points_nd(self.bc_type, self.faithful,
                                    mollifier=self.faithful and self.spatial_dims == 1))
        for axis in range(1, self.spatial_dims + 1):
            if a.shape[axis] < need:
                raise ValueError(f"{name}: {self.bc_type} needs >= {need} nodes along each wall axis, "
                                 f"got shape {tuple(a.shape)}")
        walls = self.walls(bc, a)
        inner = self.latent_walls(walls)
        x = self.fc0(unit_grids(a)).movedim(-1, 1)
        x = F.pad(x, [0, self.padding])
        for layer, (corr_conv, corr_w) in enumerate(self._corrections):
            if self.reference:
                x = corr_conv(x, inner) + corr_w(x, inner)
            else:  # one T1 for the sum (CorrectionND.enforce): the same up to rounding, half the wall passes
                x = corr_conv.enforce(corr_conv.before_walls(x, inner) + corr_w.before_walls(x, inner), inner, 2)
            if layer < N_FOURIER_LAYERS - 1:
                x = self._interior_gelu(x, first=2)
        return x, walls

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Crop the time padding of a latent, fc1, interior GELU, fc2: (batch, *grid), not yet enforced."""
        if self.padding:
            x = x[..., :-self.padding]
        x = self._interior_gelu(self.fc1(x.movedim(1, -1)), first=1)
        return self.fc2(x)[..., 0]

    def forward(self, a: torch.Tensor, bc: Mapping | None = None) -> torch.Tensor:
        """Map a (batch, n_x, [n_y,] n_t) (the IC repeated along t) with BC data to u of the same shape.

        Raises ValueError for a malformed input or BC dict, or a grid below the minimum size
        (3 nodes per wall axis; Neumann 5; faithful 2-D Dirichlet 6 for the mollifier).
        """
        x, walls = self.latent(a, bc)
        return enforce_walls(self.head(x), self.bc_type, walls, faithful=self.faithful, length=self.length,
                             mollifier=self.faithful and self.spatial_dims == 1)

    def extra_repr(self) -> str:
        return f"bc_type={self.bc_type!r}, faithful={self.faithful}, length={self.length}"


class BOONFNO2d(_BOONFNOnd):
    """BOON-corrected FNO2d: forward(a (batch, n_x, n_t), bc) -> u (batch, n_x, n_t), BC exact at x = 0, 1.

    Args: ``base`` (an FNO2d, a dict of its kwargs, or None: then ``fno_kwargs`` such as
    ``modes=12, width=32, modes_t=None``), ``bc_type``, ``faithful`` (released logic, default) or
    clean, ``length`` (physical domain length; Neumann h = length / (n_x - 1)), ``tol`` (1e-4),
    ``reference`` (the straightforward corrections: impulse probes and full layer calls, elimination
    in the pointwise path too, one T1 per corrected layer; same outputs up to rounding, slower; see
    :class:`pcml.constraints.boundary_nd.CorrectionND`).
    """

    base_cls = FNO2d
    wall_keys = (("left", "right"),)
    time_padding = PAD_2D


class BOONFNO3d(_BOONFNOnd):
    """BOON-corrected FNO3d: forward(a (batch, n_x, n_y, n_t), bc) -> u (batch, n_x, n_y, n_t).

    The BC holds exactly on x = 0, 1 and y = 0, 1 at every t (corners: the y-wall value).
    Same arguments as :class:`BOONFNO2d`, with an FNO3d base (``modes=8, width=20``); ``length``
    is the side of the square domain (Neumann h = length / (n - 1) along x and along y).
    """

    base_cls = FNO3d
    wall_keys = (("left", "right"), ("bottom", "top"))
    time_padding = PAD_3D
