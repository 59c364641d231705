"""A plain FNO1d, written the way the released BOON/FNO code writes it: the speed baseline of FNO1d.

Same architecture and parameter count as :class:`pcml.models.fno.FNO1d` (lift on (a, x), four
Fourier layers ``conv_l(x) + w_l(x)`` with GELU after the first three, projection 128 -> 1), but
with the straightforward implementation choices of the released code: a complex ``cfloat``
parameter for the spectral weights, a zero-filled full spectrum into which the retained modes are
assigned, and ``torch.cat`` of the grid channel. It exists only so that the benchmark can report
our FNO1d's cost as a multiple of this one; :func:`copy_weights` loads an FNO1d's weights into it,
so tests can check that both compute the same function.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["PlainFNO1d", "copy_weights"]


class PlainSpectralConv1d(nn.Module):
    """(batch, in, n) -> (batch, out, n): rFFT, complex mixing of the lowest ``modes``, irFFT."""

    def __init__(self, in_channels: int, out_channels: int, modes: int) -> None:
        super().__init__()
        self.out_channels = out_channels
        self.modes = modes
        scale = 1.0 / (in_channels * out_channels)
        self.weights = nn.Parameter(scale * torch.rand(in_channels, out_channels, modes, dtype=torch.cfloat))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[-1]
        x_ft = torch.fft.rfft(x)
        out_ft = torch.zeros(x.shape[0], self.out_channels, n // 2 + 1, dtype=x_ft.dtype, device=x.device)
        out_ft[:, :, : self.modes] = torch.einsum("bix,iox->box", x_ft[:, :, : self.modes], self.weights)
        return torch.fft.irfft(out_ft, n=n)


class PlainFNO1d(nn.Module):
    """Plain FNO1d: a (batch, n) -> u (batch, n); modes m, width w as in FNO1d."""

    def __init__(self, modes: int = 16, width: int = 64) -> None:
        super().__init__()
        self.fc0 = nn.Linear(2, width)
        self.convs = nn.ModuleList([PlainSpectralConv1d(width, width, modes) for _ in range(4)])
        self.ws = nn.ModuleList([nn.Conv1d(width, width, 1) for _ in range(4)])
        self.fc1 = nn.Linear(width, 128)
        self.fc2 = nn.Linear(128, 1)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        grid = torch.linspace(0, 1, a.shape[1], dtype=a.dtype, device=a.device)
        x = torch.cat((a[..., None], grid.repeat(a.shape[0], 1)[..., None]), dim=-1)
        x = self.fc0(x).permute(0, 2, 1)
        for i, (conv, w) in enumerate(zip(self.convs, self.ws)):
            x = conv(x) + w(x)
            if i < 3:
                x = F.gelu(x)
        x = F.gelu(self.fc1(x.permute(0, 2, 1)))
        return self.fc2(x)[..., 0]


@torch.no_grad()
def copy_weights(fno: nn.Module, plain: PlainFNO1d) -> PlainFNO1d:
    """Load the weights of a :class:`pcml.models.fno.FNO1d` into ``plain`` (same shapes); returns it."""
    for name in ("fc0", "fc1", "fc2"):
        getattr(plain, name).load_state_dict(getattr(fno, name).state_dict())
    for i, (conv, w) in enumerate(fno.fourier_layers()):
        plain.convs[i].weights.copy_(conv.complex_weight().to(plain.convs[i].weights.dtype))
        plain.ws[i].load_state_dict(w.state_dict())
    return plain
