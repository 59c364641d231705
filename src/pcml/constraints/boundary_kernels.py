"""Boundary views of operator layers: the fast path of the BOON corrections (spec boon.md §3).

A BOON correction changes a layer's input only at the two boundary nodes of the corrected axis
(T2), so for an affine, batch-independent layer ``L(x) = A x + c`` the corrected output needs

* one full evaluation of ``L(x)``;
* ``L(x)`` at the two ends, shape (batch, C_out, ..., 2) (last axis: node 0, node n-1);
* the linear response *at the ends* to an input supported on the ends, ``R A E d`` for
  ``d`` of shape (batch, C_in, ..., 2) (E puts ``d[..., 0]`` at node 0 and ``d[..., 1]`` at node
  n-1; R reads nodes 0 and n-1): in 1-D, ``d`` times the four corner blocks of the kernel
  (C_in x C_out each), which a layer can compute straight from its weights;
* the final output ``L(x + E d) = L(x) + A E d`` on all nodes.

The kernel probes K00, KN0, K0N, KNN (responses of output channel 0 to all-channel impulses,
spec §3.2) are the channel sums of the corner blocks of output channel 0, plus the layer's offset
c at the ends. A :class:`BoundaryKernel` provides these operations for one layer; the correction
algebra (:mod:`pcml.constraints.boundary`) only talks to this interface, with "ends" as the last
axis and any axes in between (channels, and the time axis of a future 2-D/3-D layer, whose
kernel class supplies the same methods along its corrected axis).

Adapters: :class:`SpectralKernel1d` (a truncated-Fourier layer: the ends of L(x) and the corner
blocks come straight from the retained modes and the weights, and the output needs one inverse
FFT), :class:`PointwiseKernel1d` (a 1x1 convolution: no coupling between nodes, so the change of
the boundary inputs cannot reach the interior of the output) and :class:`CallKernel` (any affine
callable, by calling it: correct, not fast). :func:`boundary_kernel`
picks one; a layer can supply its own by defining ``boundary_kernel()``.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import torch
from torch import nn

from pcml.fourier import truncated_rfft

__all__ = ["KernelProbes", "KernelState", "BoundaryKernel", "CornerKernel1d", "SpectralKernel1d",
           "PointwiseKernel1d", "CallKernel", "boundary_kernel", "ends", "embed_ends", "end_index",
           "set_ends", "replace_ends"]


class KernelProbes(NamedTuple):
    """Scalar kernel entries (0-d tensors) of a layer: responses at node 0 / n-1 to e0 / eN."""
    k00: torch.Tensor
    kn0: torch.Tensor
    k0n: torch.Tensor
    knn: torch.Tensor


class KernelState(NamedTuple):
    """What :meth:`BoundaryKernel.begin` computed for one input x (batch, C_in, ..., n)."""
    x: torch.Tensor                 # the input
    out: torch.Tensor               # L(x), or a kernel-specific form of it (a spectrum)
    blocks: torch.Tensor | None     # corner blocks (C_in, C_out, 2_in, 2_out) in 1-D
    offset: torch.Tensor | None     # offset c at the ends, (C_out, 2), or None if L is linear
    x_ends: torch.Tensor | None = None  # x at the ends (batch, C_in, ..., 2) if begin() got them


_INDEX_CACHE: dict[tuple[tuple[int, ...], str], torch.Tensor] = {}


def node_index(nodes: tuple[int, ...], device: torch.device | str) -> torch.Tensor:
    """A long tensor of ``nodes`` on ``device`` (cached: the corrections use a few fixed ones)."""
    key = (nodes, str(device))
    index = _INDEX_CACHE.get(key)
    if index is None:
        if len(_INDEX_CACHE) > 256:
            _INDEX_CACHE.clear()
        index = _INDEX_CACHE[key] = torch.tensor(nodes, device=device, dtype=torch.long)
    return index


def end_index(n: int, device: torch.device | str) -> torch.Tensor:
    """The index tensor [0, n-1] of the two end nodes."""
    return node_index((0, n - 1), device)


def ends(t: torch.Tensor) -> torch.Tensor:
    """Nodes 0 and n-1 of t (..., n) as (..., 2). One gather: its backward is a single scatter."""
    return t.index_select(-1, end_index(t.shape[-1], t.device))


def embed_ends(t: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
    """t (..., n) plus E d: d[..., 0] added at node 0, d[..., 1] at node n-1 (out of place)."""
    return t.index_add(-1, end_index(t.shape[-1], t.device), d.to(t.dtype))


EndsFn = Callable[..., torch.Tensor]


class _SetEnds(torch.autograd.Function):
    """out = t with its two end nodes set to fn(t[..., read], *params) (see :func:`set_ends`).

    The small graph of fn is built in the forward pass and differentiated in the backward pass;
    the gradient of t is one copy of the output gradient with the ends zeroed and fn's gradient
    added at the read nodes.
    """

    @staticmethod
    def forward(ctx, t: torch.Tensor, read: torch.Tensor, scale: float, fn: EndsFn,
                *params: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            s = t.detach().index_select(-1, read).requires_grad_(ctx.needs_input_grad[0])
            p = [q.detach().requires_grad_(need) for q, need in zip(params, ctx.needs_input_grad[4:])]
            v = fn(s, *p).expand(t.shape[:-1] + (2,))
            if scale != 1:
                v = scale * v
        ctx.graph, ctx.scale = (s, p, v), scale
        ctx.save_for_backward(read)
        out = t.clone() if scale == 1 else t * scale
        out.index_copy_(-1, end_index(t.shape[-1], t.device), v.detach())
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        (read,) = ctx.saved_tensors
        s, p, v = ctx.graph
        index = end_index(grad.shape[-1], grad.device)
        wanted = [x for x in [s, *p] if x.requires_grad]
        found = iter(torch.autograd.grad(v, wanted, grad.index_select(-1, index), allow_unused=True,
                                         retain_graph=True)
                     if wanted and v.requires_grad else [None] * len(wanted))
        grads = [next(found) if x.requires_grad else None for x in [s, *p]]
        grad_t = None
        if ctx.needs_input_grad[0]:
            grad_t = grad.index_fill(-1, index, 0) if ctx.scale == 1 else (grad * ctx.scale).index_fill_(-1, index, 0)
            if grads[0] is not None:
                grad_t.index_add_(-1, read, grads[0])
        return (grad_t, None, None, None, *grads[1:])


def set_ends(t: torch.Tensor, read: list[int], fn: EndsFn, *params: torch.Tensor,
             scale: float = 1.0) -> torch.Tensor:
    """``scale`` times a copy of t (..., n) whose nodes 0 and n-1 are ``fn(t[..., read], *params)``
    (..., 2); the scaling is free (it replaces the copy).

    ``fn`` maps the gathered nodes (..., len(read)) and the tensors ``params`` to the new end
    values, broadcastable to (..., 2); it must be built from differentiable torch operations.
    Equal in value and gradient to gathering, computing and writing with index operations, but
    the backward pass touches the full-size gradient once instead of once per gather and write.
    """
    index = node_index(tuple(read), t.device)
    if torch.is_grad_enabled() and (t.requires_grad or any(q.requires_grad for q in params)):
        return _SetEnds.apply(t, index, float(scale), fn, *params)
    v = fn(t.index_select(-1, index), *params).expand(t.shape[:-1] + (2,))
    if scale != 1:
        t, v = t * scale, v * scale
    return t.index_copy(-1, end_index(t.shape[-1], t.device), v.to(t.dtype))


def replace_ends(t: torch.Tensor, left: torch.Tensor | None = None,
                  right: torch.Tensor | None = None) -> torch.Tensor:
    """Copy of t (..., n) with node 0 and/or node n-1 replaced (out of place, autograd-safe).

    Through :func:`set_ends`: the backward pass copies the full-size gradient once (slicing and
    concatenating would allocate and fill a full-size gradient per piece).
    """
    if left is None and right is None:
        return t
    wall = t.shape[:-1]
    given = [v.expand(wall).to(t.dtype) for v in (left, right) if v is not None]

    def new_ends(s: torch.Tensor, *values: torch.Tensor) -> torch.Tensor:
        it = iter(values)
        return torch.stack([s[..., 0] if left is None else next(it),
                            s[..., 1] if right is None else next(it)], dim=-1)

    return set_ends(t, [0, t.shape[-1] - 1], new_ends, *given)


class BoundaryKernel:
    """A layer seen from its boundary nodes; subclasses implement the methods below.

    ``state = begin(x)`` does the one full evaluation of L (or the part of it that the output
    shares); ``end_values(state)`` is L(x) at the ends (batch, C_out, ..., 2);
    ``end_response(state, d)`` the linear response R A E d at the ends (no offset), same shape;
    ``probes(state)`` the scalar probes of spec §3.2; ``finish(state, d)`` is L(x + E d) on all
    nodes (``d=None``: L(x)). ``couples_nodes`` is False for a layer whose output node i depends on
    input node i only: then a change of the boundary inputs changes the boundary outputs only.
    """

    couples_nodes: bool = True

    def begin(self, x: torch.Tensor) -> KernelState:
        raise NotImplementedError

    def end_values(self, state: KernelState) -> torch.Tensor:
        raise NotImplementedError

    def end_response(self, state: KernelState, d: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def probes(self, state: KernelState) -> KernelProbes:
        raise NotImplementedError

    def finish(self, state: KernelState, d: torch.Tensor | None) -> torch.Tensor:
        raise NotImplementedError


class CornerKernel1d(BoundaryKernel):
    """1-D kernels described at the boundary by four corner blocks B (C_in, C_out, 2_in, 2_out):
    B[i, o, a, b] = response of output channel o at end b to a unit impulse of channel i at end a."""

    def end_response(self, state: KernelState, d: torch.Tensor) -> torch.Tensor:
        return torch.einsum("zia,ioab->zob", d, state.blocks.to(d.dtype))

    def probes(self, state: KernelState) -> KernelProbes:
        s = state.blocks[:, 0].sum(dim=0)  # all-channel impulses, output channel 0: (2_in, 2_out)
        if state.offset is not None:
            s = s + state.offset[0]
        return KernelProbes(s[0, 0], s[0, 1], s[1, 0], s[1, 1])


class SpectralKernel1d(CornerKernel1d):
    """Boundary view of a 1-D truncated-Fourier layer y = irfft(W · rfft(x)[:modes], n).

    ``layer`` must provide ``modes`` and ``complex_weight()`` (in_channels, out_channels, modes),
    as :class:`pcml.models.spectral.SpectralConv1d` does. The state holds the output spectrum
    Y (batch, C_out, modes); the ends of irfft(Y) are weighted sums over the modes; the corner
    blocks are the same sums over the weights times the impulses' phases; the spectrum of E d is
    d_0 + d_{n-1} exp(2 pi i k / n), and the output is one irfft of Y + W · spectrum(E d).
    """

    def __init__(self, layer: nn.Module) -> None:
        self.layer = layer
        self._cache: dict[tuple, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] = {}

    def _bases(self, n: int, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Real bases (modes, 2, 2) of the end values and (modes, 2, 4) of the corner blocks, and
        the phases exp(2 pi i k / n) (modes,) of an impulse at node n-1; cached per grid size,
        number of modes, dtype and device (they do not depend on the weights).

        irfft(Y, n) at node j is sum_k w_k / n Re(Y_k e^{2 pi i k j / n}) with w_0 = 1, w_k = 2,
        and w = 1 at the Nyquist mode (n even); irfft ignores Im Y at k = 0 and at the Nyquist
        mode, whose sine weights are set to exactly 0. Node n-1 is node -1 of the periodic grid.
        """
        m = self.layer.modes
        key = (n, m, like.dtype, like.device)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        k = torch.arange(m, dtype=torch.float64)
        w = torch.full_like(k, 2.0 / n)
        w[0] = 1.0 / n
        cos, sin = torch.cos(2 * math.pi * k / n), torch.sin(2 * math.pi * k / n)
        sin[0] = 0.0
        if n % 2 == 0 and m > n // 2:
            w[n // 2] = 1.0 / n
            sin[n // 2] = 0.0
        ends_basis = torch.zeros(m, 2, 2, dtype=torch.float64)
        ends_basis[:, 0, 0] = w                 # node 0: Re Y
        ends_basis[:, 0, 1] = w * cos           # node -1: Re(Y e^{-i a}) = Re Y cos a + Im Y sin a
        ends_basis[:, 1, 1] = w * sin
        corner = torch.zeros(m, 2, 2, 2, dtype=torch.float64)  # (k, re/im, in end, out end)
        corner[:, 0, 0, 0] = corner[:, 0, 1, 1] = w             # same end: Re W
        corner[:, 0, 0, 1], corner[:, 1, 0, 1] = w * cos, w * sin    # node 0 -> node -1
        corner[:, 0, 1, 0], corner[:, 1, 1, 0] = w * cos, -w * sin   # node -1 -> node 0
        phase = torch.polar(torch.ones_like(k), 2 * math.pi * k / n)
        complex_dtype = {torch.float32: torch.complex64, torch.float64: torch.complex128}.get(like.dtype)
        out = (ends_basis.to(dtype=like.dtype, device=like.device),
               corner.reshape(m, 2, 4).to(dtype=like.dtype, device=like.device),
               phase.to(dtype=complex_dtype or torch.complex64, device=like.device))
        if len(self._cache) > 16:
            self._cache.clear()
        self._cache[key] = out
        return out

    def begin(self, x: torch.Tensor) -> KernelState:
        n = x.shape[-1]
        if self.layer.modes > n // 2 + 1:
            raise ValueError(f"SpectralKernel1d: modes={self.layer.modes} exceeds n//2+1={n // 2 + 1} "
                             f"for a grid of n={n} points")
        x_ft, x_ends = truncated_rfft(x, self.layer.modes, with_ends=True)
        w = self.layer.complex_weight().to(x_ft.dtype)
        y = torch.einsum("bix,iox->box", x_ft, w)
        _, corner, _ = self._bases(n, x)
        blocks = torch.einsum("iokr,krq->ioq", torch.view_as_real(w), corner)
        return KernelState(x, y, blocks.reshape(w.shape[0], w.shape[1], 2, 2), None, x_ends)

    def end_values(self, state: KernelState) -> torch.Tensor:
        basis, _, _ = self._bases(state.x.shape[-1], state.x)
        return torch.einsum("bcmr,mrj->bcj", torch.view_as_real(state.out), basis)

    def finish(self, state: KernelState, d: torch.Tensor | None) -> torch.Tensor:
        n, y = state.x.shape[-1], state.out
        if d is not None:
            # W . spectrum(E d) = d_0 W + phase * (d_{n-1} W): one real matmul of (batch, 2, C_in)
            # with the weights viewed as (C_in, C_out * modes * 2), then a complex combination.
            _, _, phase = self._bases(n, state.x)
            w = torch.view_as_real(self.layer.complex_weight()).to(d.dtype)
            c_in, c_out, m = w.shape[:3]
            r = torch.matmul(d.transpose(1, 2), w.reshape(c_in, -1)).reshape(d.shape[0], 2, c_out, m, 2)
            y = y + torch.view_as_complex(r[:, 0].contiguous()) + phase * torch.view_as_complex(r[:, 1].contiguous())
        return torch.fft.irfft(y, n=n, dim=-1)


class PointwiseKernel1d(CornerKernel1d):
    """Boundary view of a 1x1 convolution y = W x + b (``nn.Conv1d`` with kernel size 1): node i
    of the output sees node i of the input only (``couples_nodes = False``)."""

    couples_nodes = False

    def __init__(self, layer: nn.Conv1d) -> None:
        self.layer = layer

    def begin(self, x: torch.Tensor) -> KernelState:
        wt = self.layer.weight[..., 0].T  # (C_in, C_out)
        zero = torch.zeros_like(wt)
        blocks = torch.stack((torch.stack((wt, zero), -1), torch.stack((zero, wt), -1)), -2)
        b = self.layer.bias
        return KernelState(x, self.layer(x), blocks, None if b is None else b[:, None].expand(b.shape[0], 2))

    def end_values(self, state: KernelState) -> torch.Tensor:
        return ends(state.out)

    def finish(self, state: KernelState, d: torch.Tensor | None) -> torch.Tensor:
        return state.out if d is None else embed_ends(state.out, self.end_response(state, d))


class CallKernel(CornerKernel1d):
    """Boundary view of any affine, batch-independent callable (batch, C_in, n) -> (batch, C_out, n),
    by calling it (the fallback): corner blocks from one call on 2 C_in per-channel impulses, the
    offset from a call on zeros, and the output from a second call on x + E d."""

    def __init__(self, layer: Callable[[torch.Tensor], torch.Tensor]) -> None:
        self.layer = layer

    def begin(self, x: torch.Tensor) -> KernelState:
        c, n = x.shape[1], x.shape[-1]
        eye = torch.eye(c, dtype=x.dtype, device=x.device)
        zero = torch.zeros_like(eye)
        impulses = torch.cat((torch.stack((eye, zero), -1), torch.stack((zero, eye), -1)))  # (2c, c, 2)
        probe = torch.cat((impulses, impulses.new_zeros(1, c, 2)))
        r = ends(self.layer(embed_ends(x.new_zeros(2 * c + 1, c, n), probe)))
        offset = r[-1]
        blocks = (r[:-1] - offset).reshape(2, c, -1, 2).permute(1, 2, 0, 3)  # (C_in, C_out, 2_in, 2_out)
        return KernelState(x, self.layer(x), blocks, offset)

    def end_values(self, state: KernelState) -> torch.Tensor:
        return ends(state.out)

    def finish(self, state: KernelState, d: torch.Tensor | None) -> torch.Tensor:
        return state.out if d is None else self.layer(embed_ends(state.x, d))


def _is_pointwise(layer: object) -> bool:
    return (isinstance(layer, nn.Conv1d) and layer.kernel_size == (1,) and layer.stride == (1,)
            and layer.dilation == (1,) and layer.groups == 1 and layer.padding in ((0,), "valid"))


def boundary_kernel(layer: Callable[[torch.Tensor], torch.Tensor]) -> BoundaryKernel:
    """The boundary view of ``layer``: its own ``boundary_kernel()`` if it has one, the pointwise
    view for a 1x1 ``nn.Conv1d``, else the calling fallback :class:`CallKernel`."""
    own = getattr(layer, "boundary_kernel", None)
    if callable(own):
        return own()
    if _is_pointwise(layer):
        return PointwiseKernel1d(layer)
    return CallKernel(layer)
