"""BOON boundary correction of an operator layer, 1-D (spec boon.md §3, pitfalls P8-P9, P12, P14, P18, P22).

A layer L maps a latent x of shape (batch, C, n) to (batch, C, n); node 0 is x = 0 and node n-1 is
x = 1 (physical domain [0, length], spacing h = length / (n - 1) from the *current* n, P18).
A correction computes the corrected output T1 L T2 x:

* **T2** (Gaussian-elimination-like change of the boundary inputs, §3.2), from scalar kernel probes
  K00 = L(e0)[0,0,0], KN0 = L(e0)[0,0,-1], K0N = L(eN)[0,0,0], KNN = L(eN)[0,0,-1], where e0/eN are
  all-channel impulses at node 0/n-1 (output channel 0 of batch item 0; the bias of an affine layer
  is included, P9). |K| < 1e-7 is clamped to 1e-7 (a constant: no gradient through it, P22).
* **T1** sets the boundary nodes: Dirichlet values, Neumann finite-difference relations (then /2,
  P14), or the periodic average.

``faithful=True`` reproduces the released code's logic: the probes are evaluated on full-batch
impulse tensors (each probe once: the released code evaluates each twice, with identical values),
and the left Neumann relation is u0 = g_L + u1 (P12, right only for g_L = 0). ``faithful=False``
("clean") probes once with batch size 1 and uses u0 = u1 - h g_L. For identical inputs both modes
give the same Dirichlet and periodic layer outputs; the model-level differences (interior GELU mask,
P8) live in :mod:`pcml.models.boon`.

Fast path and reference: by default a correction works through the layer's boundary view
(:mod:`pcml.constraints.boundary_kernels`): one full evaluation of the layer, boundary-sized
responses for the probes and the elimination (:func:`boundary_update`), and the output
L(x'') = L(x) + A E d by linearity. ``reference=True`` runs the straightforward implementation
(:func:`probe_kernel`, :func:`eliminate`: the probes and each elimination step as full layer calls,
as the released code does); both live in :mod:`pcml.constraints.elimination`. Both give the same
outputs and gradients up to floating-point rounding (tests compare them on fixed weights and
inputs). The boundary writes go through :func:`pcml.constraints.boundary_kernels.set_ends`, whose
backward pass touches the full-size gradient once.

BC data (``bc`` dicts): Dirichlet {"left": a, "right": b}, Neumann {"left": g_L, "right": g_R}
(physical flux du/dx), periodic {} (or None). A value is a float, a 0-d tensor, a (batch,) tensor
(one value per sample, broadcast over channels), or a tensor broadcastable to ``u.shape[:-1]``.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence

import torch

from pcml.constraints.boundary_kernels import (
    EndsFn, KernelProbes, boundary_kernel, replace_ends, set_ends,
)
from pcml.constraints.elimination import TOL_1D, boundary_update, divisors, eliminate, is_clamped, probe_kernel

__all__ = [
    "BC_TYPES", "TOL_1D", "KernelProbes", "BoundaryCorrection", "DirichletCorrection",
    "NeumannCorrection", "PeriodicCorrection", "make_correction", "corrected_sum", "probe_kernel",
    "eliminate", "grid_spacing", "neumann_left_value", "neumann_right_value",
    "wall_values", "enforce_boundary", "boundary_stage", "check_bc_keys", "min_points", "boundary_update",
]

BC_TYPES = ("dirichlet", "neumann", "periodic")
PERIODIC_WEIGHTS = (0.5, 0.5)  # alpha, beta of b = alpha u_0 + beta u_{n-1}
# Right third-order stencil (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4}) / (6 h) = g_R, solved
# for u_{n-1}: coefficients of u_{n-2}, u_{n-3}, u_{n-4}, and the factor 6/11 of h g_R.
RIGHT_STENCIL = (18.0 / 11.0, -9.0 / 11.0, 2.0 / 11.0)
RIGHT_FLUX_FACTOR = 6.0 / 11.0

Layer = Callable[[torch.Tensor], torch.Tensor]


def min_points(bc_type: str) -> int:
    """Smallest grid size n the correction supports for ``bc_type`` (Neumann needs 5 nodes)."""
    return {"dirichlet": 2, "neumann": 5, "periodic": 2}[_check_type(bc_type)]


def grid_spacing(n: int, length: float = 1.0) -> float:
    """h = length / (n - 1) of a grid with both endpoints (physical units of x)."""
    if n < 2:
        raise ValueError(f"grid_spacing: need n >= 2 points, got n={n}")
    return float(length) / (n - 1)


def _check_type(bc_type: str) -> str:
    if bc_type not in BC_TYPES:
        raise ValueError(f"bc_type must be one of {BC_TYPES}, got {bc_type!r}")
    return bc_type


def _check_points(u: torch.Tensor, bc_type: str, who: str) -> None:
    need = min_points(bc_type)
    if u.ndim < 2 or u.shape[-1] < need:
        raise ValueError(f"{who}: {bc_type} needs a tensor (batch, ..., n) with n >= {need}, "
                         f"got shape {tuple(u.shape)}")


def wall_values(value: float | torch.Tensor, like: torch.Tensor, name: str) -> torch.Tensor:
    """BC value as a tensor broadcastable to ``like.shape[:-1]`` (the wall of like (batch, ..., n)).

    A 1-D value of length batch is read as per-sample and broadcast over the middle axes
    (channels). Raises ValueError naming ``name`` when the shape does not fit.
    """
    v = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    wall = like.shape[:-1]
    if v.ndim == 1 and like.ndim >= 3 and v.shape[0] == like.shape[0]:
        v = v.reshape((like.shape[0],) + (1,) * (like.ndim - 2))
    try:
        torch.broadcast_shapes(v.shape, wall)
    except RuntimeError:
        raise ValueError(f"BC value {name!r} of shape {tuple(v.shape)} does not broadcast to the "
                         f"wall shape {tuple(wall)}") from None
    if torch.broadcast_shapes(v.shape, wall) != wall:
        raise ValueError(f"BC value {name!r} of shape {tuple(v.shape)} is larger than the wall "
                         f"shape {tuple(wall)}")
    return v


def _bc_pair(bc_type: str, bc: Mapping | None, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The (left, right) wall values of a Dirichlet/Neumann BC dict, validated."""
    check_bc_keys(bc, ("left", "right"), bc_type)
    return wall_values(bc["left"], like, "left"), wall_values(bc["right"], like, "right")


def check_bc_keys(bc: Mapping | None, needed: tuple[str, ...], bc_type: str) -> Mapping:
    """``bc`` itself, after checking it is a dict with exactly the keys ``needed``; ValueError naming them."""
    if not isinstance(bc, Mapping):
        raise ValueError(f"{bc_type} BC needs a dict with keys {list(needed)}, got {type(bc).__name__}")
    missing = [k for k in needed if k not in bc]
    extra = sorted(set(bc) - set(needed))
    if missing or extra:
        raise ValueError(f"{bc_type} BC dict needs exactly the keys {list(needed)}; missing {missing}, "
                         f"unexpected {extra}")
    return bc


def _check_periodic_bc(bc: Mapping | None) -> None:
    if bc is not None and len(bc) > 0:
        raise ValueError(f"periodic BC takes no data, got keys {sorted(bc)}")


def neumann_left_value(u: torch.Tensor, g_left: torch.Tensor, h: float,
                       faithful: bool = True) -> torch.Tensor:
    """Value at node 0 implied by the first-order stencil (u1 - u0) / h = g_L; shape u.shape[:-1].

    Clean: u0 = u1 - h g_L. Faithful (released code, P12): u0 = g_L + u1 (equal when g_L = 0).
    """
    if faithful:
        return g_left + u[..., 1]
    return u[..., 1] - h * g_left


def neumann_right_value(u: torch.Tensor, g_right: torch.Tensor, h: float) -> torch.Tensor:
    """Value at node n-1 implied by the third-order backward stencil; shape u.shape[:-1].

    u_{n-1} = (6h/11) g_R + (18/11) u_{n-2} - (9/11) u_{n-3} + (2/11) u_{n-4}.
    """
    c1, c2, c3 = RIGHT_STENCIL
    return (RIGHT_FLUX_FACTOR * h) * g_right + (c1 * u[..., -2] + c2 * u[..., -3] + c3 * u[..., -4])


def enforce_boundary(u: torch.Tensor, bc_type: str, bc: Mapping | None, faithful: bool = True,
                     length: float = 1.0, scale: float = 1.0) -> torch.Tensor:
    """Strict enforcement on a field u (batch, ..., n) (space last); returns a new tensor, same shape.

    Dirichlet: u0 = left, u_{n-1} = right. Neumann: the FD relations of :func:`neumann_left_value`
    and :func:`neumann_right_value` with h = length/(n-1). Periodic: both ends set to
    0.5 u0 + 0.5 u_{n-1}. ``scale``: the result times ``scale``, in the same pass as the copy
    (bit-identical to multiplying afterwards when ``scale`` is a power of two).
    """
    read, fn, params = boundary_stage(u, bc_type, bc, faithful, length)
    return set_ends(u, list(read), fn, *params, scale=scale)


def boundary_stage(u: torch.Tensor, bc_type: str, bc: Mapping | None, faithful: bool = True,
                   length: float = 1.0) -> tuple[tuple[int, ...], EndsFn, tuple[torch.Tensor, ...]]:
    """The end-node write of :func:`enforce_boundary` on u (..., n): (nodes read, fn, params), such that
    nodes 0 and n-1 become ``fn(u[..., read], *params)`` (..., 2). Checks the BC type, data and grid size."""
    _check_type(bc_type)
    _check_points(u, bc_type, "enforce_boundary")
    n, wall = u.shape[-1], u.shape[:-1]
    if bc_type == "periodic":
        _check_periodic_bc(bc)
        return (0, n - 1), _periodic_average, ()
    left, right = (v.expand(wall).to(u.dtype) for v in _bc_pair(bc_type, bc, u))
    if bc_type == "dirichlet":
        return (0, n - 1), _given_values, (left, right)
    if faithful and bool(torch.any(left != 0)):
        warnings.warn("faithful Neumann mode uses u0 = g_L + u1 (released code), which is the "
                      "first-order Neumann relation only for g_L = 0 (spec P12)", stacklevel=3)
    return _neumann_read(n), _neumann_stencils(grid_spacing(n, length), faithful), (left, right)


def _periodic_average(s: torch.Tensor) -> torch.Tensor:
    """Both ends set to alpha u_0 + beta u_{n-1}, from s = u[..., [0, n-1]]."""
    alpha, beta = PERIODIC_WEIGHTS
    b = alpha * s[..., 0] + beta * s[..., 1]
    return torch.stack((b, b), dim=-1)


def _given_values(s: torch.Tensor, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """The Dirichlet values as the new ends (s, the old ends, unused)."""
    return torch.stack((left, right), dim=-1)


def _neumann_read(n: int) -> tuple[int, ...]:
    """The nodes the Neumann stencils read (with the two ends), for n nodes: s = t[..., read] has
    s[..., 1] = t[..., 1] and s[..., -k] = t[..., -k] for k = 1..4."""
    return (0, 1, n - 4, n - 3, n - 2, n - 1)


def _neumann_stencils(h: float, faithful: bool) -> EndsFn:
    # Both relations read interior nodes only (n >= 5), so the order does not matter; the nodes are
    # gathered by _neumann_read.
    def stencils(s: torch.Tensor, g_left: torch.Tensor, g_right: torch.Tensor) -> torch.Tensor:
        return torch.stack((neumann_left_value(s, g_left, h, faithful), neumann_right_value(s, g_right, h)), dim=-1)
    return stencils


def _neumann_ends(t: torch.Tensor, left: torch.Tensor, right: torch.Tensor, h: float,
                  faithful: bool, scale: float = 1.0) -> torch.Tensor:
    n, wall = t.shape[-1], t.shape[:-1]
    return set_ends(t, list(_neumann_read(n)), _neumann_stencils(h, faithful),
                    left.expand(wall).to(t.dtype), right.expand(wall).to(t.dtype), scale=scale)


class BoundaryCorrection:
    """Corrected layer T1 L T2 for one BC type; call as ``correction(x, bc)`` with x (batch, C, n).

    Holds a reference to ``layer`` (not registered as a submodule: the layer's parameters belong
    to the model that owns the layer). The kernel is re-probed from the current weights, at the
    current resolution, on every call, and gradients flow through the probes. ``reference=True``
    selects the straightforward implementation (full layer calls), kept to test the fast path.

    A call is ``overwrite(pre(x), bc)``: ``pre`` is L T2 x and ``overwrite`` is T1, which is
    affine in (T, BC data), so that the sum of k corrected paths on the same x equals one overwrite
    of the summed ``pre`` outputs with k times the BC data (:func:`corrected_sum`).
    """

    bc_type: str = ""
    left_elimination: bool = False
    right_elimination: bool = False

    def __init__(self, layer: Layer, faithful: bool = True, tol: float = TOL_1D,
                 length: float = 1.0, reference: bool = False) -> None:
        if not callable(layer):
            raise ValueError(f"{type(self).__name__}: layer must be callable, got {type(layer).__name__}")
        if length <= 0:
            raise ValueError(f"{type(self).__name__}: domain length must be > 0, got {length}")
        self.layer = layer
        self.faithful = bool(faithful)
        self.tol = float(tol)
        self.length = float(length)
        self.reference = bool(reference)
        self.kernel = boundary_kernel(layer)

    def check(self, x: torch.Tensor) -> None:
        """Raise ValueError unless x is (batch, C, n) with enough nodes for the BC type."""
        if x.ndim != 3:
            raise ValueError(f"{type(self).__name__}: expected x of shape (batch, C, n), got {tuple(x.shape)}")
        _check_points(x, self.bc_type, type(self).__name__)

    def pre(self, x: torch.Tensor) -> torch.Tensor:
        """L(T2 x) (batch, C, n), correct at every node that T1 keeps (the ends may be stale).

        Fast path: the layer's boundary view, one full evaluation plus boundary-sized work. For
        a layer that does not couple nodes (pointwise), T2 changes the boundary outputs only,
        which T1 overwrites from BC data and interior nodes, so L(x) is returned as it is.
        """
        if not (self.left_elimination or self.right_elimination):
            return self.layer(x)
        if self.reference:
            return self.layer(eliminate(self.layer, x, self._reference_probes(x), self.left_elimination,
                                        self.right_elimination, tol=self.tol))
        if not self.kernel.couples_nodes:
            return self.layer(x)
        state = self.kernel.begin(x)
        d = boundary_update(self.kernel, state, self.left_elimination, self.right_elimination, self.tol)
        return self.kernel.finish(state, d)

    def _reference_probes(self, x: torch.Tensor) -> KernelProbes:
        return probe_kernel(self.layer, x, full_batch=self.faithful)

    def divisors(self, x: torch.Tensor) -> torch.Tensor:
        """What this correction's elimination divides by, from the layer's current weights and before the
        clamp (:func:`pcml.constraints.elimination.divisors`), at the resolution, channels, dtype and device
        of x (batch, C, n; its values do not matter). Returns float64: (KNN, K~00) with a left elimination
        (Dirichlet), (KNN,) with the right one alone (Neumann), () without elimination (periodic, or a layer
        that does not couple nodes).
        """
        if not (self.left_elimination or self.right_elimination) or not self.kernel.couples_nodes:
            return torch.zeros(0, dtype=torch.float64)
        with torch.no_grad():
            knn, k_tilde = (d.flatten()[0] for d in divisors(self._reference_probes(x), self.tol))
        return torch.stack((knn, k_tilde) if self.left_elimination else (knn,)).double()

    def clamped(self, values: torch.Tensor) -> torch.Tensor:
        """Boolean mask of the ``values`` (e.g. :meth:`divisors`) that this correction's clamp (|K| < tol)
        replaces by tol."""
        return is_clamped(values, self.tol)

    def overwrite(self, t: torch.Tensor, bc: Mapping | None, scale: float = 1.0) -> torch.Tensor:
        """T1 on t (batch, C, n) with the BC data times ``scale``; returns a new tensor."""
        raise NotImplementedError

    def __call__(self, x: torch.Tensor, bc: Mapping | None) -> torch.Tensor:
        self.check(x)
        self.validate_bc(bc, x)
        return self.overwrite(self.pre(x), bc)

    def validate_bc(self, bc: Mapping | None, like: torch.Tensor) -> None:
        """Raise ValueError for a BC dict that does not fit this type and the wall of ``like``."""
        if self.bc_type == "periodic":
            _check_periodic_bc(bc)
        else:
            _bc_pair(self.bc_type, bc, like)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(layer={self.layer!r}, faithful={self.faithful}, "
                f"reference={self.reference})")


class DirichletCorrection(BoundaryCorrection):
    """Dirichlet: eliminate left then right, T = L(x''), overwrite T_0 = left, T_{n-1} = right
    (the per-sample values broadcast over all channels). Returns (batch, C, n)."""

    bc_type = "dirichlet"
    left_elimination = right_elimination = True

    def overwrite(self, t: torch.Tensor, bc: Mapping | None, scale: float = 1.0) -> torch.Tensor:
        left, right = _bc_pair(self.bc_type, bc, t)
        return replace_ends(t, scale * left, scale * right) if scale != 1 else replace_ends(t, left, right)


class NeumannCorrection(BoundaryCorrection):
    """Neumann (1-D, released code): right-side elimination only, T = L(x''), then the FD relations
    on T's own interior nodes with the physical flux and h = length/(n-1), then T / 2 (P14).
    The returned (batch, C, n) tensor satisfies the relations with flux g/2, so the sum of the
    two corrected paths (spectral + pointwise) satisfies them with g."""

    bc_type = "neumann"
    right_elimination = True

    def _reference_probes(self, x: torch.Tensor) -> KernelProbes:
        # Only KNN enters a right-only elimination: probe eN alone (full batch when faithful;
        # the released code also probes e0, whose entries are unused).
        en = x.new_zeros(((x.shape[0] if self.faithful else 1),) + tuple(x.shape[1:]))
        en[:, :, -1] = 1
        r = self.layer(en)[0, 0]
        return KernelProbes(r[0], r[0], r[0], r[-1])

    def overwrite(self, t: torch.Tensor, bc: Mapping | None, scale: float = 1.0) -> torch.Tensor:
        left, right = _bc_pair(self.bc_type, bc, t)
        if scale != 1:
            left, right = scale * left, scale * right
        # The released layer output T / 2 (P14), with the halving folded into the overwrite's copy.
        return _neumann_ends(t, left, right, grid_spacing(t.shape[-1], self.length), self.faithful, scale=0.5)


class PeriodicCorrection(BoundaryCorrection):
    """Periodic: T = L(x), both ends set to 0.5 T_0 + 0.5 T_{n-1} (no elimination)."""

    bc_type = "periodic"

    def overwrite(self, t: torch.Tensor, bc: Mapping | None, scale: float = 1.0) -> torch.Tensor:
        _check_periodic_bc(bc)
        return set_ends(t, [0, t.shape[-1] - 1], _periodic_average)


_CORRECTIONS = {"dirichlet": DirichletCorrection, "neumann": NeumannCorrection,
                "periodic": PeriodicCorrection}


def make_correction(layer: Layer, bc_type: str, faithful: bool = True, tol: float = TOL_1D,
                    length: float = 1.0, reference: bool = False) -> BoundaryCorrection:
    """The correction of ``layer`` for ``bc_type`` in {'dirichlet', 'neumann', 'periodic'}
    (``reference=True``: the straightforward implementation, see the module doc)."""
    return _CORRECTIONS[_check_type(bc_type)](layer, faithful=faithful, tol=tol, length=length,
                                              reference=reference)


def corrected_sum(corrections: Sequence[BoundaryCorrection], x: torch.Tensor,
                  bc: Mapping | None) -> torch.Tensor:
    """sum_p corrections[p](x, bc) for corrections of one BC type and settings: (batch, C, n).

    Fast path: T1 is affine in (T, BC data), so the k corrected paths are summed before a single
    overwrite with k times the BC data (one full-size overwrite instead of k; equal up to
    floating-point rounding, bit for bit for Dirichlet). With reference corrections, the plain
    sum of the k calls.
    """
    if not corrections:
        raise ValueError("corrected_sum: no corrections given")
    first = corrections[0]
    keys = {(type(c), c.faithful, c.length, c.reference) for c in corrections}
    if len(keys) > 1:
        raise ValueError(f"corrected_sum: the corrections differ in type or settings: {sorted(map(str, keys))}")
    if first.reference:
        return sum(c(x, bc) for c in corrections)
    first.check(x)
    first.validate_bc(bc, x)
    total = first.pre(x)
    for c in corrections[1:]:
        total = total + c.pre(x)
    return first.overwrite(total, bc, scale=float(len(corrections)))
