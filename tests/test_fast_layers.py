"""The faster building blocks of FNO1d against the straightforward torch operations they replace:
the truncated rfft with its inverse-real-FFT backward, the pointwise convolution as a batched GEMM,
and the plain FNO1d that the benchmark uses as its baseline (same function as FNO1d)."""
import pytest
import torch
from torch import nn

from pcml.bench.plain_fno import PlainFNO1d, copy_weights
from pcml.fourier import truncated_rfft
from pcml.models.fno import FNO1d
from pcml.models.pointwise import PointwiseConv1d, PointwiseConv2d, PointwiseConv3d

DT = torch.float64


def gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("n,modes", [(16, 9), (16, 1), (16, 5), (15, 8), (15, 3)])  # 16/9: Nyquist mode
def test_truncated_rfft_values_and_gradient_equal_torch(n, modes):
    x = torch.randn(3, 2, n, generator=gen(n), dtype=DT, requires_grad=True)
    g = torch.randn(3, 2, modes, generator=gen(1), dtype=torch.complex128)
    g_ends = torch.randn(3, 2, 2, generator=gen(2), dtype=DT)
    y, e = truncated_rfft(x, modes, with_ends=True)
    y_ref = torch.fft.rfft(x, dim=-1)[..., :modes]
    e_ref = torch.stack((x[..., 0], x[..., -1]), dim=-1)
    torch.testing.assert_close(y, y_ref, rtol=0, atol=0)
    torch.testing.assert_close(e, e_ref, rtol=0, atol=0)
    grad = torch.autograd.grad((y * g.conj()).real.sum() + (e * g_ends).sum(), x)[0]
    grad_ref = torch.autograd.grad((y_ref * g.conj()).real.sum() + (e_ref * g_ends).sum(), x)[0]
    torch.testing.assert_close(grad, grad_ref, rtol=0, atol=1e-13)
    assert torch.autograd.gradcheck(lambda v: truncated_rfft(v, modes), (x,))


def test_truncated_rfft_rejects_bad_modes():
    with pytest.raises(ValueError, match="modes"):
        truncated_rfft(torch.zeros(1, 8), 6)


@pytest.mark.parametrize("ours_cls,conv_cls,grid", [(PointwiseConv1d, nn.Conv1d, (11,)),
                                                    (PointwiseConv2d, nn.Conv2d, (7, 5)),
                                                    (PointwiseConv3d, nn.Conv3d, (4, 3, 5))])
def test_pointwise_conv_equals_conv_with_same_init(ours_cls, conv_cls, grid):
    torch.manual_seed(0)
    ours = ours_cls(5, 4).double()
    torch.manual_seed(0)
    conv = conv_cls(5, 4, 1).double()
    assert ours.state_dict().keys() == conv.state_dict().keys()
    for key, value in conv.state_dict().items():
        torch.testing.assert_close(ours.state_dict()[key], value, rtol=0, atol=0)
    x = torch.randn(3, 5, *grid, generator=gen(3), dtype=DT, requires_grad=True)
    g = torch.randn(3, 4, *grid, generator=gen(4), dtype=DT)
    outs = []
    for layer in (ours, conv):
        y = layer(x)
        outs.append((y, torch.autograd.grad((y * g).sum(), [x, *layer.parameters()])))
    torch.testing.assert_close(outs[0][0], outs[1][0], rtol=0, atol=1e-14)
    for a, b in zip(outs[0][1], outs[1][1]):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match="expected input"):
        ours(torch.zeros(2, 3, *grid, dtype=DT))
    with pytest.raises(ValueError, match="expected input"):
        ours(torch.zeros(2, 5, *grid, 2, dtype=DT))


def test_plain_fno_baseline_computes_the_same_function():
    torch.manual_seed(1)
    fno = FNO1d(6, 8).double()
    plain = copy_weights(fno, PlainFNO1d(6, 8)).double()
    with torch.no_grad():  # Module.double() leaves complex parameters alone: cast them too
        for conv in plain.convs:
            conv.weights.data = conv.weights.data.to(torch.complex128)
    a = torch.randn(4, 30, generator=gen(5), dtype=DT)
    torch.testing.assert_close(plain(a), fno(a), rtol=0, atol=1e-13)
    assert sum(p.numel() * (2 if p.is_complex() else 1) for p in plain.parameters()) == \
        sum(p.numel() for p in fno.parameters())
