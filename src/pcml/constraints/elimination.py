"""T2 of the BOON corrections: the kernel probes and the Gaussian-elimination-like change of the
boundary inputs (spec boon.md §3.2, pitfalls P9, P22), in two implementations.

* Reference (the released code's straightforward way): :func:`probe_kernel` calls the layer on
  impulse tensors, :func:`eliminate` calls it on x and on x' and returns x''; the corrected layer
  then calls it on x''.
* Fast: :func:`boundary_update` computes the same x'' - x from the layer's boundary view
  (:mod:`pcml.constraints.boundary_kernels`): end values and end responses only.

Both use the same formulas and the same clamp |K| < tol -> tol (a constant: no gradient flows
through a clamped entry, P22).
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from pcml.constraints.boundary_kernels import (
    BoundaryKernel, KernelProbes, KernelState, ends, replace_ends,
)

__all__ = ["TOL_1D", "probe_kernel", "clamp_probe", "is_clamped", "divisors", "eliminate", "boundary_update"]

TOL_1D = 1e-7
Layer = Callable[[torch.Tensor], torch.Tensor]


def probe_kernel(layer: Layer, x: torch.Tensor, full_batch: bool) -> KernelProbes:
    """K00, KN0, K0N, KNN of ``layer`` at the resolution, channels, dtype and device of x (batch, C, ..., n).

    The corrected axis is the last one. ``full_batch=True`` (faithful) probes with impulse tensors
    shaped like x; otherwise with one call on a batch of two (e0, eN). Output channel 0 of the first
    impulse item is read. With axes between the channels and the corrected axis (2-D/3-D layers
    seen along x: (batch, C, [y,] t, n)), index 0 is taken on all of them but the last, so the
    probes are vectors over that last one (t), as in the released 2-D/3-D code; in 1-D they are
    0-d tensors.
    """
    if full_batch:
        e0 = torch.zeros_like(x)
        e0[..., 0] = 1
        en = torch.zeros_like(x)
        en[..., -1] = 1
        r0, rn = layer(e0)[0, 0], layer(en)[0, 0]
    else:
        e = x.new_zeros((2,) + tuple(x.shape[1:]))
        e[0, ..., 0] = 1
        e[1, ..., -1] = 1
        r = layer(e)
        r0, rn = r[0, 0], r[1, 0]
    while r0.ndim > 2:
        r0, rn = r0[0], rn[0]
    return KernelProbes(r0[..., 0], r0[..., -1], rn[..., 0], rn[..., -1])


def clamp_probe(k: torch.Tensor, tol: float, signed: bool = False) -> torch.Tensor:
    """|k| < tol -> tol (a constant, so no gradient flows through a clamped entry, P22).

    ``signed=True``: k < tol -> tol, the released 2-D code's clamp without abs (P10), which turns
    every negative entry into +tol.
    """
    return torch.where(is_clamped(k, tol, signed), torch.full_like(k, tol), k)


def is_clamped(k: torch.Tensor, tol: float, signed: bool = False) -> torch.Tensor:
    """Boolean mask of the entries that :func:`clamp_probe` replaces by tol."""
    return k < tol if signed else k.abs() < tol


def divisors(probes: KernelProbes, tol: float, signed: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """The elimination's divisors before their own clamp: (KNN, K~00 = clamp(K00) - KN0 K0N / clamp(KNN)).

    The elimination divides by clamp_probe of each (:func:`eliminate`, :func:`boundary_update`, the 2-D/3-D
    fast path); the pivot trace of training reads them unclamped.
    """
    k00, knn = clamp_probe(probes.k00, tol, signed), clamp_probe(probes.knn, tol, signed)
    return probes.knn, k00 - probes.kn0 * probes.k0n / knn


def eliminate(layer: Layer, x: torch.Tensor, probes: KernelProbes, left: bool, right: bool,
              tol: float = TOL_1D, *, signed_clamp: bool = False,
              right_from_first: bool = False) -> torch.Tensor:
    """T2: the input x (batch, C, n) with its boundary nodes changed (§3.2); returns (batch, C, n).

    Left (if ``left``): x'_0 = 2 x_0 - [ (Lx)_0 - (Lx)_{n-1} K0N/KNN + K0N x_{n-1} ] / K~00 with
    K~00 = K00 - KN0 K0N / KNN. Right (if ``right``, applied to x'):
    x''_{n-1} = 2 x'_{n-1} - (L x')_{n-1} / KNN. For a single-channel linear L this makes
    (L x'')_0 = K~00 x_0 (when both sides are eliminated) and (L x'')_{n-1} = KNN x_{n-1}.

    x may carry axes between the channels and the corrected (last) axis; the probes then are
    tensors broadcasting against x[..., 0] (vectors over t in 2-D/3-D). Released 2-D/3-D quirks:
    ``signed_clamp`` clamps without abs (2-D, P10); ``right_from_first`` reads the right step as
    x''_{n-1} = 2 x'_0 - (L x')_{n-1} / KNN (the index bug P13).
    """
    knn = clamp_probe(probes.knn, tol, signed_clamp)
    out = x
    if left:
        k_tilde = clamp_probe(divisors(probes, tol, signed_clamp)[1], tol, signed_clamp)
        kx = layer(x)
        x0 = 2 * x[..., 0] - (kx[..., 0] - kx[..., -1] * probes.k0n / knn
                              + probes.k0n * x[..., -1]) / k_tilde
        out = replace_ends(out, left=x0)
    if right:
        ky = layer(out)
        xn = 2 * (out[..., 0] if right_from_first else out[..., -1]) - ky[..., -1] / knn
        out = replace_ends(out, right=xn)
    return out


def boundary_update(kernel: BoundaryKernel, state: KernelState, left: bool, right: bool,
                    tol: float = TOL_1D) -> torch.Tensor:
    """T2 as a boundary update: d (batch, C, ..., 2) such that x'' = x + E d (fast :func:`eliminate`).

    The same formulas as :func:`eliminate`, on the end values only: (Lx) at the ends comes from
    ``kernel.end_values(state)`` (state = ``kernel.begin(x)``), the probes from
    ``kernel.probes(state)``, and (Lx')_{n-1} after the left step is (Lx)_{n-1} plus the kernel's
    end response to the left change. Axes between the channels and the ends (none in 1-D) are
    carried along.
    """
    probes = kernel.probes(state)
    knn = clamp_probe(probes.knn, tol)
    x_end = ends(state.x) if state.x_ends is None else state.x_ends
    y_end = kernel.end_values(state)
    x0, xn, y0, yn = x_end[..., 0], x_end[..., 1], y_end[..., 0], y_end[..., 1]
    d0 = dn = torch.zeros_like(x0)
    if left:
        k_tilde = clamp_probe(divisors(probes, tol)[1], tol)
        x0_new = 2 * x0 - (y0 - yn * probes.k0n / knn + probes.k0n * xn) / k_tilde
        d0 = x0_new - x0
        if right:
            yn = yn + kernel.end_response(state, torch.stack((d0, torch.zeros_like(d0)), dim=-1))[..., 1]
    if right:
        xn_new = 2 * xn - yn / knn
        dn = xn_new - xn
    return torch.stack((d0, dn), dim=-1)
