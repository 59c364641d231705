"""Features that are a linear layer of a narrow input, kept unevaluated so later products fold in.

The ANP embeds 2- or 3-dimensional points (t, x[, y]) into H features with one ``nn.Linear`` and
then multiplies those features by H x H matrices (attention projections, the first decoder layer).
Since h = A z + a is affine in a d-dimensional z (d = 2 or 3), a following map W h + c equals
(W A) z + (W a + c): N d H multiply-adds per map instead of N H^2, for the same parameters and the
same function (only the float32 round-off differs). ``AffineInput`` carries (z, layer) so that
consumers can ask for such a folded product (``project``) or for h itself (``value``).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["AffineInput", "project", "materialise"]


@dataclass(frozen=True)
class AffineInput:
    """h = layer(z), unevaluated: z (..., N, d_in), layer an ``nn.Linear`` d_in -> H."""

    z: torch.Tensor
    layer: nn.Linear

    @property
    def shape(self) -> torch.Size:
        """The shape of h: (..., N, H)."""
        return torch.Size((*self.z.shape[:-1], self.layer.out_features))

    def value(self) -> torch.Tensor:
        """h = layer(z), (..., N, H)."""
        return self.layer(self.z)

    def project(self, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        """F.linear(h, weight, bias) computed as F.linear(z, weight A, weight a + bias): (..., N, out)."""
        a = self.layer.bias
        folded_bias = bias if a is None else F.linear(a, weight, bias)
        return F.linear(self.z, weight @ self.layer.weight, folded_bias)


def project(x: torch.Tensor | AffineInput, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """F.linear(x, weight, bias) for a tensor x, or the folded product for an ``AffineInput``."""
    return x.project(weight, bias) if isinstance(x, AffineInput) else F.linear(x, weight, bias)


def materialise(x: torch.Tensor | AffineInput) -> torch.Tensor:
    """x itself for a tensor; h = layer(z) for an ``AffineInput``."""
    return x.value() if isinstance(x, AffineInput) else x
