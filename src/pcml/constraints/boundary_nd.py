"""BOON boundary corrections in 2-D (x, t) and 3-D (x, y, t) (spec boon.md §3.2-3.5, P10-P13, P19, P22).

Layouts: a latent is (batch, C, n_x, n_t) or (batch, C, n_x, n_y, n_t); a model output is
(batch, n_x, n_t) or (batch, n_x, n_y, n_t). The walls are x = 0, 1 (2-D and 3-D) and y = 0, 1
(3-D); t is never a wall. Everything reuses the 1-D formulas with the wall axis moved last:
:func:`pcml.constraints.elimination.probe_kernel` / :func:`eliminate` (T2) and
:func:`pcml.constraints.boundary.enforce_boundary` (T1: Dirichlet values, Neumann one-sided
stencils with h = length / (n - 1) along that axis, periodic average).

A corrected layer (:class:`CorrectionND`; with ``reference=True`` the straightforward
implementation: every probe and elimination step is a full layer call, the probes once per call;
by default a spectral layer takes the fast path of :mod:`pcml.constraints.boundary_kernels_nd`
and a 1x1 convolution skips T2, both with the same outputs up to rounding, see ``reference``) computes

* Dirichlet / Neumann: probes K00, KN0, K0N, KNN along x, vectors over t (output channel 0 of
  batch item 0, at y index 0 in 3-D, as the released code); elimination along x on both sides;
  T = L(x''); then T1 on the x-walls and (3-D) on the y-walls, which are simply overwritten (no
  elimination along y); the y-walls are written last, so the corners take the y-wall values.
  Neumann returns T / 2 (P14). The released code has no 3-D Neumann correction: this one is the
  spec's [RECON] (§3.5 note): elimination along x, the FD relations on the x-walls then the
  y-walls, then / 2.
* Periodic: T = L(x), ends averaged along x (and then y in 3-D) (the 3-D periodic layer is [RECON]
  too: the released code has only its final enforcement).

``faithful=True`` (released code): full-batch probes; the 2-D clamp without abs (K < tol -> tol,
P10; 3-D uses abs as released); the right-elimination index bug x''_{N-1} = 2 x'_0 - ... (P13,
2-D and 3-D); the 2-D Dirichlet mollifier after each corrected layer (P11); the left Neumann
relation u0 = g_L + u1 (P12; on every wall with a left-type stencil, in 3-D too). ``faithful=False``
(clean): batch-1 probes, abs in all clamps, the correct index, no mollifier, u0 = u1 - h g_L.
In both modes a clamped probe is a constant (no gradient through it, P22) and tol = 1e-4.

Wall data (:class:`Wall`): (axis, low-end value, high-end value), the values broadcastable to the
wall, i.e. to ``t.movedim(axis, -1).shape[:-1]``; the models pass (batch, 1, ..., n_t) tensors for
latents (broadcast over channels, zero on padded time slots, P19) and (batch, ..., n_t) for outputs.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn

from pcml.constraints.boundary import BC_TYPES, boundary_stage
from pcml.constraints.boundary_kernels_nd import SpectralWallKernel, eliminated_output, is_spectral_nd
from pcml.constraints.elimination import divisors, eliminate, is_clamped, probe_kernel
from pcml.constraints.ends_along import EndsStage, set_ends_along

__all__ = ["TOL_ND", "NUM_SMOOTH", "Wall", "along", "mollify", "enforce_walls", "CorrectionND",
           "min_points_nd"]

TOL_ND = 1e-4
NUM_SMOOTH = 5  # the released 2-D Dirichlet mollifier's num_smooth

Layer = Callable[[torch.Tensor], torch.Tensor]


class Wall(NamedTuple):
    """BC data of one pair of opposite walls: the axis, and the values at index 0 and index n-1
    (None for periodic)."""
    axis: int
    low: torch.Tensor | None
    high: torch.Tensor | None


def min_points_nd(bc_type: str, faithful: bool, mollifier: bool) -> int:
    """Smallest wall-axis size supported: Neumann 5 (stencils), the mollifier 6, else 3 (interior)."""
    if bc_type not in BC_TYPES:
        raise ValueError(f"bc_type must be one of {BC_TYPES}, got {bc_type!r}")
    need = 5 if bc_type == "neumann" else 3
    if faithful and mollifier and bc_type == "dirichlet":
        need = max(need, NUM_SMOOTH + 1)
    return need


def along(layer: Layer, axis: int) -> Layer:
    """``layer`` seen with its ``axis`` moved last: z (..., n) -> layer(z with n back at ``axis``), n last."""
    def moved(z: torch.Tensor) -> torch.Tensor:
        return layer(z.movedim(-1, axis)).movedim(axis, -1)
    return moved


def mollify(u: torch.Tensor, axis: int, num_smooth: int = NUM_SMOOTH) -> torch.Tensor:
    """The released 2-D Dirichlet mollifier along ``axis`` (P11); returns a new tensor, same shape.

    With k = num_smooth and n the size of ``axis``: nodes 1..k-1 become the 3-point means
    (u_{j-1} + u_j + u_{j+1}) / 3 of the input, then nodes n-k..n-2 the 3-point means of that
    result (the released code's two in-place slice writes, in order; they overlap for n <= 2k).
    The end nodes 0 and n-1 are unchanged. Needs n >= k + 1.
    """
    n, k = u.shape[axis], int(num_smooth)
    if n < k + 1:
        raise ValueError(f"mollify: num_smooth={k} needs at least {k + 1} nodes along axis {axis}, got {n}")
    if n >= 2 * k + 1:
        # The two slabs do not interact: gather the nodes read (0..k, n-k-1..n-1), form the means
        # in the same order as below, write nodes 1..k-1 and n-k..n-2 (one full copy each way).
        read = torch.tensor(list(range(k + 1)) + list(range(n - k - 1, n)), device=u.device)
        s = u.index_select(axis, read).movedim(axis, -1)
        lo, hi = s[..., :k + 1], s[..., k + 1:]
        new = torch.cat(((lo[..., 0:k - 1] + lo[..., 1:k] + lo[..., 2:k + 1]) / 3,
                         (hi[..., 0:k - 1] + hi[..., 1:k] + hi[..., 2:k + 1]) / 3), dim=-1)
        write = torch.tensor(list(range(1, k)) + list(range(n - k, n - 1)), device=u.device)
        return u.index_copy(axis, write, new.movedim(-1, axis))
    um = u.movedim(axis, -1)
    low = (um[..., 0:k - 1] + um[..., 1:k] + um[..., 2:k + 1]) / 3
    um = torch.cat((um[..., :1], low, um[..., k:]), dim=-1)
    high = (um[..., n - k - 1:n - 2] + um[..., n - k:n - 1] + um[..., n - k + 1:n]) / 3
    um = torch.cat((um[..., :n - k], high, um[..., n - 1:]), dim=-1)
    return um.movedim(-1, axis)


def enforce_walls(u: torch.Tensor, bc_type: str, walls: Sequence[Wall], faithful: bool = True,
                  length: float = 1.0, mollifier: bool = False, scale: float = 1.0) -> torch.Tensor:
    """T1 on every wall pair in order (later pairs overwrite shared corners); returns a new tensor.

    Dirichlet: the values; Neumann: u_0 from the first-order stencil (faithful: g + u_1, P12;
    clean: u_1 - h g) and u_{n-1} from the third-order stencil, h = length / (n - 1) along the
    wall's axis; periodic: both ends set to their mean. ``mollifier``: afterwards the released 2-D
    mollifier along the first wall's axis (Dirichlet only).

    All wall pairs are written into one copy of u (:func:`pcml.constraints.ends_along.set_ends_along`):
    the same values as one :func:`pcml.constraints.boundary.enforce_boundary` per pair, each pair reading
    what the earlier ones wrote, with one full copy of the tensor and of its gradient instead of one per
    pair. ``scale``: the result times ``scale`` in the same copy. T1 and the mollifier are linear in
    (u, data), so the copy is scaled and the data multiplied by ``scale``; for a power of two (the Neumann
    halving, 0.5) every rounding commutes with the scaling and the result is bit-identical to
    ``scale * enforce_walls(u, ...)``.
    """
    stages = []
    for wall in walls:
        data = None
        if bc_type != "periodic":
            data = {"left": wall.low if scale == 1 else scale * wall.low,
                    "right": wall.high if scale == 1 else scale * wall.high}
        read, fn, params = boundary_stage(u.movedim(wall.axis, -1), bc_type, data, faithful, length)
        stages.append(EndsStage(wall.axis, read, fn, params))
    u = set_ends_along(u, stages, scale)
    if mollifier and bc_type == "dirichlet":
        u = mollify(u, walls[0].axis)
    return u


class CorrectionND:
    """Corrected layer T1 L T2 of a 2-D/3-D layer: call as ``correction(x, walls)``.

    Args:
        layer: an affine, batch-independent map (batch, C, n_x, [n_y,] n_t) -> same shape (e.g. a
            base model's ``conv_l`` or ``w_l``; held by reference, not registered).
        bc_type: 'dirichlet', 'neumann' or 'periodic'.
        faithful: released-code logic or clean (module doc).
        spatial_dims: 1 (2-D model, layout (batch, C, x, t)) or 2 (3-D model, (batch, C, x, y, t)).
        tol: clamp of the probes (1e-4).
        length: physical side length; the Neumann h = length / (n - 1) along each wall axis.
        reference: the straightforward path (every probe and elimination step a full layer call).
            By default (a) T2 is skipped for a pointwise layer (1x1 convolution): T2 changes only
            the x-wall inputs, which reach only the x-wall outputs of a layer that does not couple
            nodes, and T1 overwrites those before anything reads them, so the output (and its
            gradient) is the same up to rounding, for 5 fewer layer calls; (b) a spectral layer
            (:class:`pcml.models.spectral_nd.SpectralConvNd`) is corrected from its x-walls by
            :func:`pcml.constraints.boundary_kernels_nd.eliminated_output`: analytic probes and
            L(x'') with one forward and one inverse FFT, the same numbers up to rounding.

    ``walls`` is [Wall(2, left, right)] in 2-D and [Wall(2, left, right), Wall(3, bottom, top)] in
    3-D (no data for periodic: the axes only). Returns a tensor shaped like x.
    """

    def __init__(self, layer: Layer, bc_type: str, faithful: bool = True, spatial_dims: int = 1,
                 tol: float = TOL_ND, length: float = 1.0, reference: bool = False) -> None:
        if not callable(layer):
            raise ValueError(f"CorrectionND: layer must be callable, got {type(layer).__name__}")
        if bc_type not in BC_TYPES:
            raise ValueError(f"CorrectionND: bc_type must be one of {BC_TYPES}, got {bc_type!r}")
        if spatial_dims not in (1, 2):
            raise ValueError(f"CorrectionND: spatial_dims must be 1 (x, t) or 2 (x, y, t), got {spatial_dims}")
        if length <= 0:
            raise ValueError(f"CorrectionND: domain length must be > 0, got {length}")
        self.layer = layer
        self.bc_type = bc_type
        self.faithful = bool(faithful)
        self.spatial_dims = int(spatial_dims)
        self.tol = float(tol)
        self.length = float(length)
        self.reference = bool(reference)
        self.pointwise = isinstance(layer, nn.modules.conv._ConvNd) and all(k == 1 for k in layer.kernel_size)
        self.wall_kernel = (SpectralWallKernel(layer) if is_spectral_nd(layer, self.spatial_dims + 1)
                            and not self.reference else None)

    @property
    def mollifier(self) -> bool:
        """True for the released 2-D Dirichlet mollifier (faithful 2-D Dirichlet only, P11)."""
        return self.faithful and self.spatial_dims == 1 and self.bc_type == "dirichlet"

    @property
    def signed_clamp(self) -> bool:
        """True for the released 2-D clamp without abs (faithful 2-D only, P10)."""
        return self.faithful and self.spatial_dims == 1

    def divisors(self, n_x: int) -> torch.Tensor:
        """The elimination's divisors (KNN, K~00) of a spectral layer for n_x nodes along x, from its weights
        and before their clamp (:func:`pcml.constraints.elimination.divisors`): a float64 tensor (2,)."""
        kernel = self.wall_kernel or SpectralWallKernel(self.layer)
        probes = kernel.probes(int(n_x), kernel.weights(torch.complex128))
        return torch.stack(divisors(probes, self.tol, self.signed_clamp)).to(torch.float64)

    def clamped(self, values: torch.Tensor) -> torch.Tensor:
        """Boolean mask of the ``values`` (e.g. :meth:`divisors`) that this correction's clamp replaces by tol."""
        return is_clamped(values, self.tol, self.signed_clamp)

    def eliminated(self, x: torch.Tensor) -> torch.Tensor:
        """T2 x: x with its x-wall nodes changed by the elimination along x (both sides)."""
        layer_x = along(self.layer, 2)
        xm = x.movedim(2, -1)
        probes = probe_kernel(layer_x, xm, full_batch=self.faithful)
        out = eliminate(layer_x, xm, probes, left=True, right=True, tol=self.tol,
                        signed_clamp=self.signed_clamp,
                        right_from_first=self.faithful)
        return out.movedim(-1, 2)

    def __call__(self, x: torch.Tensor, walls: Sequence[Wall]) -> torch.Tensor:
        return self.enforce(self.before_walls(x, walls), walls)

    def before_walls(self, x: torch.Tensor, walls: Sequence[Wall]) -> torch.Tensor:
        """L T2 x: the corrected layer before T1 (and before the Neumann halving); checks x and walls."""
        if x.ndim != self.spatial_dims + 3:
            raise ValueError(f"CorrectionND: expected a latent with {self.spatial_dims + 3} axes "
                             f"(batch, C, x, {'y, ' if self.spatial_dims == 2 else ''}t), got {tuple(x.shape)}")
        if [w.axis for w in walls] != list(range(2, 2 + self.spatial_dims)):
            raise ValueError(f"CorrectionND: walls must be given for the axes {list(range(2, 2 + self.spatial_dims))}, "
                             f"got {[w.axis for w in walls]}")
        need = min_points_nd(self.bc_type, self.faithful, self.mollifier)
        for w in walls:
            if x.shape[w.axis] < need:
                raise ValueError(f"CorrectionND: {self.bc_type} needs >= {need} nodes on axis {w.axis}, "
                                 f"got {x.shape[w.axis]}")
        if self.bc_type == "periodic":
            return self.layer(x)
        if self.wall_kernel is not None:
            return eliminated_output(self.wall_kernel, x, self.tol, signed_clamp=self.signed_clamp,
                                     right_from_first=self.faithful)
        return self.layer(x if self.pointwise and not self.reference else self.eliminated(x))

    def enforce(self, t: torch.Tensor, walls: Sequence[Wall], copies: int = 1) -> torch.Tensor:
        """T1 (and the Neumann halving) on t = :meth:`before_walls` output, or on the sum of ``copies``
        such outputs of corrections with the same settings and walls: T1 is affine in (t, data) with
        the data entering linearly, so the sum of the corrected layers is T1 of the sum with the data
        times ``copies`` (equal up to rounding; the models use it to enforce once per Fourier layer)."""
        if self.bc_type == "periodic":
            return enforce_walls(t, "periodic", walls)
        if copies != 1:
            walls = [Wall(w.axis, copies * w.low, copies * w.high) for w in walls]
        # Neumann returns T / 2 (P14), folded into T1's copy (bit-identical: see enforce_walls)
        return enforce_walls(t, self.bc_type, walls, faithful=self.faithful, length=self.length,
                             mollifier=self.mollifier, scale=0.5 if self.bc_type == "neumann" else 1.0)

    def __repr__(self) -> str:
        return (f"CorrectionND(layer={self.layer!r}, bc_type={self.bc_type!r}, faithful={self.faithful}, "
                f"spatial_dims={self.spatial_dims}, reference={self.reference})")
