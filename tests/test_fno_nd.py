"""SpectralConv2d/3d, FNO2d, FNO3d and check_modes: numpy references, released init order,
parameter counts, padding (P6) and mode limits (P21). float64, small sizes."""
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pcml.models.fno import count_params
from pcml.models.fno_nd import FNO2d, FNO3d, check_modes, padded_grid, unit_grids
from pcml.models.spectral_nd import SpectralConv2d, SpectralConv3d

DT = torch.float64


def gen(seed):
    return torch.Generator().manual_seed(seed)


def numpy_spectral(x, weights, modes):
    """Hand reference: rfftn over the grid axes, each sign block multiplied by its weights."""
    d = len(modes)
    axes = tuple(range(-d, 0))
    grid = x.shape[2:]
    x_ft = np.fft.rfftn(x, axes=axes)
    out = np.zeros(x.shape[:1] + (weights[0].shape[1],) + grid[:-1] + (grid[-1] // 2 + 1,), dtype=complex)
    for k, w in enumerate(weights):
        for local in itertools.product(*(range(m) for m in modes)):
            glob = tuple(n - m + i if (k >> j) & 1 else i
                         for j, (i, m, n) in enumerate(zip(local[:-1], modes[:-1], grid[:-1]))) + local[-1:]
            sl = (slice(None), slice(None)) + glob
            out[sl] = np.einsum("bi,io->bo", x_ft[sl], w[(slice(None), slice(None)) + local])
    return np.fft.irfftn(out, s=grid, axes=axes)


@pytest.mark.parametrize("cls,modes,grid", [(SpectralConv2d, (3, 2), (8, 5)),
                                            (SpectralConv3d, (2, 3, 2), (6, 7, 4))])
def test_spectral_conv_nd_matches_numpy_reference(cls, modes, grid):
    torch.manual_seed(0)
    layer = cls(3, 2, *modes).double()
    x = torch.randn(2, 3, *grid, generator=gen(1), dtype=DT)
    weights = [w.detach().numpy() for w in layer.complex_weights()]
    assert len(weights) == 2 ** (len(modes) - 1)
    ref = numpy_spectral(x.numpy(), weights, modes)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=0, atol=1e-13)


def test_spectral_conv_nd_init_is_released_rng_order_and_range():
    torch.manual_seed(5)
    layer = SpectralConv3d(2, 3, 2, 2, 3)
    torch.manual_seed(5)
    scale = 1.0 / 6
    expected = [scale * torch.rand(2, 3, 2, 2, 3, dtype=torch.cfloat) for _ in range(4)]
    for got, want in zip((w.detach() for w in layer.complex_weights()), expected):
        assert torch.equal(got, want)
        assert float(got.real.min()) >= 0 and float(got.real.max()) < scale
        assert float(got.imag.min()) >= 0 and float(got.imag.max()) < scale
    assert [n for n, _ in layer.named_parameters()] == ["weights1", "weights2", "weights3", "weights4"]
    assert layer.weights1.shape == (2, 3, 2, 2, 3, 2) and not layer.weights1.is_complex()


def test_spectral_conv_nd_mode_limits():
    layer = SpectralConv2d(1, 1, 4, 3).double()
    layer(torch.zeros(1, 1, 8, 4, dtype=DT))  # 4 <= 8//2, 3 <= 4//2+1: fine
    with pytest.raises(ValueError, match="n//2=3"):
        layer(torch.zeros(1, 1, 7, 4, dtype=DT))
    with pytest.raises(ValueError, match=r"n//2\+1 \(real-FFT axis\)=2"):
        layer(torch.zeros(1, 1, 8, 3, dtype=DT))
    with pytest.raises(ValueError, match="modes"):
        SpectralConv3d(1, 1, 0, 2, 2)


# ---------------------------------------------------------------- FNO2d / FNO3d


def test_fno2d_shapes_and_parameter_count():
    m, mt, w = 3, 2, 5
    model = FNO2d(modes=m, width=w, modes_t=mt).double()
    a = torch.randn(2, 7, 4, generator=gen(0), dtype=DT)
    assert model(a).shape == (2, 7, 4)
    assert model(a[..., None]).shape == (2, 7, 4)
    assert count_params(model) == 4 * w + 16 * m * mt * w ** 2 + 4 * (w * w + w) + 128 * w + 128 + 129
    assert count_params(FNO2d()) == 2_368_001
    assert FNO2d(modes=4).modes_t == 4
    with pytest.raises(ValueError, match="input a must have shape"):
        model(torch.zeros(2, 7, dtype=DT))


def test_fno3d_shapes_and_parameter_count():
    m, mt, w = 2, 3, 4
    model = FNO3d(modes=m, width=w, modes_t=mt).double()
    a = torch.randn(2, 5, 6, 3, generator=gen(0), dtype=DT)
    assert model(a).shape == (2, 5, 6, 3)
    assert count_params(model) == (5 * w + 32 * m * m * mt * w ** 2 + 4 * (w * w + w) + 8 * w
                                   + 128 * w + 128 + 129)
    assert count_params(FNO3d()) == 6_558_357


def test_fno_nd_creation_order_matches_released_code():
    torch.manual_seed(11)
    model = FNO2d(modes=2, width=3)
    torch.manual_seed(11)
    fc0 = torch.nn.Linear(3, 3)
    convs = [SpectralConv2d(3, 3, 2, 2) for _ in range(4)]
    ws = [torch.nn.Conv2d(3, 3, 1) for _ in range(4)]
    fc1 = torch.nn.Linear(3, 128)
    assert torch.equal(model.fc0.weight, fc0.weight)
    assert torch.equal(model.conv3.weights2, convs[3].weights2)
    assert torch.equal(model.w2.bias, ws[2].bias)
    assert torch.equal(model.fc1.weight, fc1.weight)
    assert [c for c, _ in model.fourier_layers()] == [model.conv0, model.conv1, model.conv2, model.conv3]


def manual_forward(model, a, pad_spec):
    """The released forward written out by hand with an explicit F.pad spec."""
    n = a.ndim - 1
    grids = [torch.linspace(0, 1, s, dtype=DT) for s in a.shape[1:]]
    mesh = torch.meshgrid(*grids, indexing="ij")
    inp = torch.stack([a] + [g.expand(a.shape) for g in mesh], dim=-1)
    x = model.fc0(inp).movedim(-1, 1)
    x = F.pad(x, pad_spec)
    for i, (conv, w) in enumerate(model.fourier_layers()):
        x = conv(x) + w(x)
        if i < 3:
            x = F.gelu(x)
    x = x[(slice(None), slice(None)) + tuple(slice(0, s) for s in a.shape[1:])]
    return model.fc2(F.gelu(model.fc1(x.movedim(1, -1))))[..., 0]


def test_fno_nd_padding_rules_p6():
    torch.manual_seed(0)
    m2 = FNO2d(modes=3, width=4, modes_t=2).double()
    a2 = torch.randn(2, 6, 4, generator=gen(1), dtype=DT)
    torch.testing.assert_close(m2(a2), manual_forward(m2, a2, [0, 9, 0, 9]), rtol=0, atol=1e-13)
    assert not torch.allclose(m2(a2), manual_forward(m2, a2, [0, 9]))  # x is padded too
    m3 = FNO3d(modes=2, width=4, modes_t=2).double()
    a3 = torch.randn(2, 5, 4, 3, generator=gen(2), dtype=DT)
    torch.testing.assert_close(m3(a3), manual_forward(m3, a3, [0, 6]), rtol=0, atol=1e-13)
    assert not torch.allclose(m3(a3), manual_forward(m3, a3, [0, 6, 0, 6, 0, 6]))
    # Mode limits follow the padded grid: x of FNO2d is padded (8 + 9 = 17 -> modes <= 8),
    # x of FNO3d is not (8 -> modes <= 4).
    FNO2d(modes=8, width=2, modes_t=2).double()(torch.zeros(1, 8, 3, dtype=DT))
    with pytest.raises(ValueError, match="exceeds"):
        FNO3d(modes=5, width=2, modes_t=2).double()(torch.zeros(1, 8, 8, 3, dtype=DT))


def test_unit_grids():
    a = torch.zeros(2, 3, 5, dtype=DT)
    g = unit_grids(a)
    assert g.shape == (2, 3, 5, 3)
    torch.testing.assert_close(g[0, :, 0, 1], torch.linspace(0, 1, 3, dtype=DT))
    torch.testing.assert_close(g[1, 2, :, 2], torch.linspace(0, 1, 5, dtype=DT))


def test_fno_nd_gradients_flow():
    torch.manual_seed(0)
    model = FNO3d(modes=2, width=3, modes_t=2).double()
    model(torch.randn(2, 4, 4, 3, generator=gen(0), dtype=DT)).pow(2).sum().backward()
    assert model.conv0.weights4.grad.abs().sum() > 0 and model.fc0.weight.grad.abs().sum() > 0
    assert model.bn0.weight.grad is None  # unused, as released


# ---------------------------------------------------------------- check_modes (P21)


def test_check_modes_limits():
    check_modes("fno2d", 12, 12, (64, 25))  # padded (73, 34): 12 <= 36, 12 <= 18
    with pytest.raises(ValueError, match=r"modes_t=14 exceeds the limit 13 .*n_t=25"):
        check_modes("boon_fno2d", 12, 14, (64, 25), "periodic")  # P21: periodic, no time padding
    check_modes("boon_fno2d", 12, 13, (64, 25), "periodic")
    check_modes("boon_fno2d_clean", 12, 18, (64, 25), "dirichlet")  # (25 + 9)//2 + 1 = 18
    with pytest.raises(ValueError, match="modes_t=19 exceeds the limit 18"):
        check_modes("boon_fno2d", 12, 19, (64, 25), "neumann")
    with pytest.raises(ValueError, match="modes=13 exceeds the limit 12 on the n_x axis"):
        check_modes("boon_fno2d", 13, 4, (25, 25), "dirichlet")  # BOON does not pad x
    check_modes("fno2d", 17, 4, (25, 25))  # FNO2d pads x: (25 + 9)//2 = 17
    with pytest.raises(ValueError, match="n_y axis"):
        check_modes("fno3d", 9, 8, (20, 17, 25))
    with pytest.raises(ValueError, match="modes_t=11 exceeds the limit 10"):
        check_modes("boon_fno3d", 8, 11, (20, 20, 13), "dirichlet")  # (13 + 6)//2 + 1 = 10
    with pytest.raises(ValueError, match="modes_t=8 exceeds the limit 7"):
        check_modes("boon_fno3d", 8, None, (20, 20, 13), "periodic")
    check_modes("fno1d", 33, None, (64,))
    with pytest.raises(ValueError, match="limit 33"):
        check_modes("boon_fno1d", 34, None, (64,), "dirichlet")
    with pytest.raises(ValueError, match="bc_type"):
        check_modes("boon_fno2d", 4, 4, (16, 16))
    with pytest.raises(ValueError, match="grid of 3 sizes"):
        check_modes("fno3d", 4, 4, (16, 16))
    with pytest.raises(ValueError, match="not an FNO"):
        check_modes("anp", 4, 4, (16,))
    assert padded_grid("fno3d", (5, 6, 7)) == (5, 6, 13)


def test_check_modes_agrees_with_the_layers():
    """The function's limits are exactly where the models' own layers start to fail."""
    for n_t, modes_t in [(5, 7), (5, 8)]:
        ok = modes_t <= (n_t + 9) // 2 + 1
        model = FNO2d(modes=2, width=2, modes_t=modes_t).double()
        if ok:
            check_modes("fno2d", 2, modes_t, (6, n_t))
            model(torch.zeros(1, 6, n_t, dtype=DT))
        else:
            with pytest.raises(ValueError):
                check_modes("fno2d", 2, modes_t, (6, n_t))
            with pytest.raises(ValueError):
                model(torch.zeros(1, 6, n_t, dtype=DT))
