"""Multi-head attention block of the ANP (ProbConserv spec §4.1)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from pcml.models.affine_input import AffineInput, materialise, project
from pcml.models.dropout import SeededDropout


class _SoftmaxLast(torch.autograd.Function):
    """softmax over the last axis, whose backward is cheaper to differentiate than torch's.

    SoftC-ANP's loss holds derivatives of the network's mean with respect to the inputs, so its
    training step differentiates the attention softmax's backward once more. torch's derivative of
    its fused softmax backward spends 5 products, 2 sums and 2 differences on every attention-weight
    tensor; here the backward is written as ``g w - w <g w>`` (2 products, 1 sum, 1 difference),
    which autograd differentiates directly. A first derivative alone (no graph being built) still
    uses torch's fused kernel, so the ANP's own step is unchanged. SoftC-ANP training step at the
    quick size (H = 64, batch 50, one thread): 1.54-1.70 s -> 1.40-1.43 s.
    """

    @staticmethod
    def forward(ctx, scores: torch.Tensor) -> torch.Tensor:
        w = torch.softmax(scores, dim=-1)
        ctx.save_for_backward(w)
        return w

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (w,) = ctx.saved_tensors
        if not torch.is_grad_enabled():   # a first derivative only: torch's fused kernel
            return torch.ops.aten._softmax_backward_data(grad, w, -1, w.dtype)
        gw = grad * w
        return gw - w * gw.sum(dim=-1, keepdim=True)


def softmax_last(scores: torch.Tensor) -> torch.Tensor:
    """softmax(scores, dim=-1), same values and derivatives of every order (see :class:`_SoftmaxLast`)."""
    return _SoftmaxLast.apply(scores)


def xavier_linear(n_in: int, n_out: int, bias: bool = True, gain: str = "linear") -> nn.Linear:
    """nn.Linear with Xavier-uniform weights (gain of ``gain``) and PyTorch's default bias init."""
    layer = nn.Linear(n_in, n_out, bias=bias)
    nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(gain))
    return layer


class Attention(nn.Module):
    """Multi-head scaled dot-product attention with residual connection and LayerNorm.

    forward(key (..., Nk, H), value (..., Nk, H), query (..., Nq, H)) -> (..., Nq, H):
    Q, K, V projections without bias; heads split H into ``num_heads`` blocks (hidden index
    = head * d + j); softmax over keys; dropout on the attention weights; the output is
    LayerNorm(query + Dropout(Linear(2H -> H)([query, attention]))).
    ``target_queries``: the queries are target points, so both dropouts draw their masks from the
    target stream of ``pcml.models.dropout`` (per block of target points); else the context stream.
    """

    def __init__(self, num_hidden: int, num_heads: int = 4, dropout: float = 0.1,
                 target_queries: bool = False) -> None:
        super().__init__()
        if num_hidden % num_heads:
            raise ValueError(f"num_hidden={num_hidden} must be a multiple of num_heads={num_heads}")
        self.num_heads = num_heads
        self.head_dim = num_hidden // num_heads
        self.key = xavier_linear(num_hidden, num_hidden, bias=False)
        self.value = xavier_linear(num_hidden, num_hidden, bias=False)
        self.query = xavier_linear(num_hidden, num_hidden, bias=False)
        self.attn_dropout = SeededDropout(dropout, target_axis=-2 if target_queries else None)
        self.out = xavier_linear(2 * num_hidden, num_hidden)
        self.out_dropout = SeededDropout(dropout, target_axis=-2 if target_queries else None)
        self.norm = nn.LayerNorm(num_hidden)

    def _split(self, h: torch.Tensor) -> torch.Tensor:
        """(..., N, H) -> (..., heads, N, d): head ``i`` holds hidden units i*d .. (i+1)*d - 1."""
        return h.unflatten(-1, (self.num_heads, self.head_dim)).transpose(-2, -3)

    def forward(self, key: torch.Tensor | AffineInput, value: torch.Tensor | AffineInput,
                query: torch.Tensor | AffineInput) -> torch.Tensor:
        """Attend from ``query`` (..., Nq, H) to ``key``/``value`` (..., Nk, H): returns (..., Nq, H).

        Any of the three may be an ``AffineInput`` (a linear layer of a narrow input, e.g. embedded
        points): its products with the projection weights are then folded (see
        ``pcml.models.affine_input``), the same function with fewer multiply-adds.

        The leading dims broadcast: a tensor that is the same for every latent draw may come with
        a draw axis of size 1 (e.g. (1, B, N, H) against (S, B, N, H)); the work on it is then done
        once, and the result has the broadcast leading shape. With active dropout the masks are
        drawn for the broadcast shape, in the same order as for inputs repeated along that axis.
        """
        # softmax(q k^T / sqrt(d)): the scale is applied to q (Nq x d) rather than to the Nq x Nk
        # scores (one pass fewer over the largest tensor, forward and backward).
        q = self._split(project(query, self.query.weight)) * (1.0 / math.sqrt(self.head_dim))
        k, v = self._split(project(key, self.key.weight)), self._split(project(value, self.value.weight))
        weights = softmax_last(q @ k.transpose(-1, -2))                   # (..., heads, Nq, Nk)
        lead = torch.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
        if self.attn_dropout.active():
            weights = self.attn_dropout(weights.expand(*lead, *weights.shape[-3:]))
        attended = (weights @ v).transpose(-2, -3).flatten(-2)             # (..., Nq, H)
        # out(cat[query, attended]) as two products, so a query shared by all draws is projected once.
        n = query.shape[-1]
        out = project(query, self.out.weight[:, :n], self.out.bias) + F.linear(attended, self.out.weight[:, n:])
        return self.norm(self.out_dropout(out) + materialise(query))
