"""Multi-head attention block of the ANP (ProbConserv spec §4.1)."""

from __future__ import annotations

import math

import torch
from torch import nn

from pcml.models.dropout import SeededDropout


def xavier_linear(n_in: int, n_out: int, bias: bool = True, gain: str = "linear") -> nn.Linear:
    """nn.Linear with Xavier-uniform weights (gain of ``gain``) and PyTorch's default bias init."""
    layer = nn.Linear(n_in, n_out, bias=bias)
    nn.init.xavier_uniform_(layer.weight, gain=nn.init.calculate_gain(gain))
    return layer


class Attention(nn.Module):
    """Multi-head scaled dot-product attention with residual connection and LayerNorm.

    forward(key (B, Nk, H), value (B, Nk, H), query (B, Nq, H)) -> (B, Nq, H):
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
        b, n, _ = h.shape
        return h.view(b, n, self.num_heads, self.head_dim).transpose(1, 2)  # (B, heads, N, d)

    def forward(self, key: torch.Tensor, value: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
        k, v, q = self._split(self.key(key)), self._split(self.value(value)), self._split(self.query(query))
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(self.head_dim), dim=-1)
        attended = self.attn_dropout(weights) @ v                            # (B, heads, Nq, d)
        attended = attended.transpose(1, 2).reshape(query.shape[0], query.shape[1], -1)
        out = self.out_dropout(self.out(torch.cat([query, attended], dim=-1)))
        return self.norm(out + query)
