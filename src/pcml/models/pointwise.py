"""The pointwise (1x1) convolution W of an FNO layer, computed as one batched matrix product.

``nn.Conv1d/2d/3d(C, C, 1)`` go through the general convolution kernels; on the CPU their backward
costs about 1.6x a batched GEMM of the same shape in 1-D (profiled at batch 20, 64 channels,
n = 500: the 10-15% by which FNO1d trailed a plain implementation) and more on the FNO2d grids
(forward + backward at (20, 16, 73, 34): 8.1 -> 2.1 ms; (20, 32, 137, 34): 42 -> 16 ms; FNO3d's
(10, 12, 26, 26, 31): 10.7 -> 7.6 ms). :class:`PointwiseConv1d`, :class:`PointwiseConv2d` and
:class:`PointwiseConv3d` keep the ``nn.ConvNd`` parameters, initialisation and state-dict keys
(``weight`` (out, in, 1[, 1[, 1]]), ``bias`` (out,)) and compute ``y[b] = W x[b] + bias`` over the
flattened grid with ``torch.baddbmm``; results equal the convolution's up to floating-point
summation order.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["PointwiseConv1d", "PointwiseConv2d", "PointwiseConv3d", "pointwise"]


def pointwise(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, who: str) -> torch.Tensor:
    """W x + b per batch item over all grid points: x (batch, in, *grid) -> (batch, out, *grid).

    ``weight`` is a 1x1 convolution's (out, in, 1, ...); ``who`` names the layer in the error raised
    when x does not have the layer's grid rank or channel count.
    """
    n_axes = weight.ndim - 2
    if x.ndim != n_axes + 2 or x.shape[1] != weight.shape[1]:
        grid = ", ".join(["n"] if n_axes == 1 else [f"n_{i}" for i in range(1, n_axes + 1)])
        raise ValueError(f"{who}: expected input (batch, {weight.shape[1]}, {grid}), got shape {tuple(x.shape)}")
    w = weight.reshape(weight.shape[:2])
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    y = torch.baddbmm(bias[:, None].expand(w.shape[0], flat.shape[-1]), w.expand(x.shape[0], -1, -1), flat)
    return y.reshape((x.shape[0], w.shape[0]) + tuple(x.shape[2:]))


class PointwiseConv1d(nn.Conv1d):
    """1x1 convolution (batch, in_channels, n) -> (batch, out_channels, n) with bias."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y = W x + b for each batch item; x (batch, in_channels, n) -> (batch, out_channels, n)."""
        return pointwise(x, self.weight, self.bias, "PointwiseConv1d")


class PointwiseConv2d(nn.Conv2d):
    """1x1 convolution (batch, in_channels, n_x, n_t) -> (batch, out_channels, n_x, n_t) with bias."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y = W x + b at every grid point of each batch item."""
        return pointwise(x, self.weight, self.bias, "PointwiseConv2d")


class PointwiseConv3d(nn.Conv3d):
    """1x1x1 convolution (batch, in, n_x, n_y, n_t) -> (batch, out, n_x, n_y, n_t) with bias."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(in_channels, out_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """y = W x + b at every grid point of each batch item."""
        return pointwise(x, self.weight, self.bias, "PointwiseConv3d")
