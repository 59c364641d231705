"""SpectralConv1d, FNO1d and BOON-FNO1d: reference values, parameter counts, exact BCs of the
BOON output, "every layer changes the output", resolution independence. float64, small sizes."""
import copy

import numpy as np
import pytest
import torch

from pcml.evaluation.boon_metrics import boundary_residual
from pcml.models.boon import BOONFNO1d
from pcml.models.fno import FNO1d, count_params
from pcml.models.spectral import SpectralConv1d

DT = torch.float64
MODES, WIDTH = 4, 8


def gen(seed):
    return torch.Generator().manual_seed(seed)


def bc_for(bc_type, batch, seed=0):
    g = gen(seed)
    if bc_type == "dirichlet":
        return {"left": torch.randn(batch, generator=g, dtype=DT),
                "right": torch.randn(batch, generator=g, dtype=DT)}
    if bc_type == "neumann":
        return {"left": 0.0, "right": 5.0 * torch.rand(batch, generator=g, dtype=DT)}
    return {}


def boon(bc_type, faithful, seed=0):
    torch.manual_seed(seed)
    return BOONFNO1d(bc_type=bc_type, faithful=faithful, modes=MODES, width=WIDTH).double()


# ---------------------------------------------------------------- SpectralConv1d


def test_spectral_conv_matches_numpy_reference():
    torch.manual_seed(0)
    layer = SpectralConv1d(3, 2, 5).double()
    x = torch.randn(4, 3, 20, generator=gen(1), dtype=DT)
    w = layer.complex_weight().detach().numpy()
    x_ft = np.fft.rfft(x.numpy(), axis=-1)
    out_ft = np.zeros((4, 2, 11), dtype=complex)
    for b in range(4):
        for o in range(2):
            for k in range(5):
                out_ft[b, o, k] = sum(x_ft[b, i, k] * w[i, o, k] for i in range(3))
    ref = np.fft.irfft(out_ft, n=20, axis=-1)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, rtol=0, atol=1e-14)
    high = torch.cos(2 * np.pi * 7 * torch.arange(20, dtype=DT) / 20).expand(1, 3, 20)
    torch.testing.assert_close(layer(high), torch.zeros(1, 2, 20, dtype=DT), rtol=0, atol=1e-14)


def test_spectral_conv_init_is_released_rng_order_and_range():
    torch.manual_seed(3)
    layer = SpectralConv1d(4, 5, 6)
    torch.manual_seed(3)
    expected = torch.rand(4, 5, 6, dtype=torch.cfloat) / 20
    torch.testing.assert_close(layer.complex_weight(), expected, rtol=0, atol=0)
    assert 0 <= layer.weight.min() and layer.weight.max() < 1 / 20
    assert layer.double().complex_weight().dtype == torch.complex128


def test_spectral_conv_rejects_too_many_modes():
    layer = SpectralConv1d(2, 2, 9)
    with pytest.raises(ValueError, match="modes=9"):
        layer(torch.randn(1, 2, 14))
    layer(torch.randn(1, 2, 16))  # 9 == 16 // 2 + 1 is allowed


# ---------------------------------------------------------------- FNO1d


def fno_param_formula(m, w):
    lift = 2 * w + w
    spectral = 4 * (w * w * m * 2)  # complex (in, out, modes) -> 2 reals each
    pointwise = 4 * (w * w + w)
    projection = (w * 128 + 128) + (128 + 1)
    return lift + spectral + pointwise + projection


def test_param_counts():
    assert count_params(FNO1d(16, 64)) == fno_param_formula(16, 64) == 549_569
    heads = (2 * 64 + 64) + (64 * 128 + 128) + (128 + 1)
    assert count_params(BOONFNO1d(bc_type="neumann", modes=16, width=64)) == 549_569 + heads == 558_210
    base = FNO1d(6, 10)
    assert count_params(BOONFNO1d(base, bc_type="periodic")) == fno_param_formula(6, 10) + 30 + 1408 + 129


@pytest.mark.parametrize("n", [8, 13, 64])
def test_fno_shapes_any_resolution_and_float64(n):
    torch.manual_seed(0)
    model = FNO1d(MODES, WIDTH).double()
    a = torch.randn(3, n, generator=gen(2), dtype=DT)
    u = model(a)
    assert u.shape == (3, n) and u.dtype == DT
    torch.testing.assert_close(model(a[..., None]), u, rtol=0, atol=0)


def perturbed(model, name):
    m = copy.deepcopy(model)
    with torch.no_grad():
        p = dict(m.named_parameters())[name]
        p.add_(0.05 * torch.randn(p.shape, generator=gen(11), dtype=p.dtype))
    return m


FNO_LAYERS = ["fc0", "fc1", "fc2"] + [f"conv{i}" for i in range(4)] + [f"w{i}" for i in range(4)]


def test_fno_every_layer_changes_the_output():
    torch.manual_seed(0)
    model = FNO1d(MODES, WIDTH).double()
    a = torch.randn(2, 16, generator=gen(3), dtype=DT)
    u = model(a)
    for layer in FNO_LAYERS:
        for name, _ in getattr(model, layer).named_parameters():
            diff = (perturbed(model, f"{layer}.{name}")(a) - u).abs().max()
            assert diff > 1e-8, f"{layer}.{name} does not change the output"


def test_fno_output_does_not_satisfy_bcs():
    torch.manual_seed(0)
    model = FNO1d(MODES, WIDTH).double()
    a = torch.randn(3, 32, generator=gen(4), dtype=DT)
    u = model(a).detach()
    for bc_type in ("dirichlet", "neumann", "periodic"):
        res = boundary_residual(u, bc_type, bc_for(bc_type, 3))
        assert max(np.abs(r).max() for r in res.values()) > 1e-5  # far from the 1e-12 of BOON


# ---------------------------------------------------------------- BOON-FNO1d


@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("bc_type", ["dirichlet", "neumann", "periodic"])
@pytest.mark.parametrize("n", [8, 33, 64])
def test_boon_output_satisfies_bc_exactly(n, bc_type, faithful):
    model = boon(bc_type, faithful)
    a = torch.randn(3, n, generator=gen(5), dtype=DT)
    bc = bc_for(bc_type, 3, seed=n)
    u = model(a, bc)
    assert u.shape == (3, n) and u.dtype == DT
    res = boundary_residual(u.detach(), bc_type, bc, h=1.0 / (n - 1))
    scale = 1 + u.abs().max().item()
    tol = 1e-12 * scale * (n if bc_type == "neumann" else 1)  # Neumann residuals carry 1/h
    for side, r in res.items():
        assert np.abs(r).max() <= tol, f"{bc_type} {side}: {np.abs(r).max()}"


def test_boon_neumann_nonzero_left_flux_clean_mode_and_h_follows_resolution():
    model = boon("neumann", faithful=False)
    for n in (9, 40):  # the same model at two resolutions: h = 1/(n-1) is rebuilt (P18)
        a = torch.randn(2, n, generator=gen(6), dtype=DT)
        bc = {"left": torch.tensor([-1.0, 2.0], dtype=DT), "right": 3.0}
        res = boundary_residual(model(a, bc).detach(), "neumann", bc)
        assert max(np.abs(r).max() for r in res.values()) < 1e-10


def test_boon_every_layer_changes_the_output_and_base_heads_are_unused():
    model = boon("dirichlet", faithful=True)
    a = torch.randn(2, 16, generator=gen(7), dtype=DT)
    bc = bc_for("dirichlet", 2)
    u = model(a, bc)
    used = ["fc0", "fc1", "fc2"] + [f"base.conv{i}" for i in range(4)] + [f"base.w{i}" for i in range(4)]
    names = [name for name, _ in model.named_parameters()]
    for layer in used:
        for name in [p for p in names if p.startswith(layer + ".")]:
            diff = (perturbed(model, name)(a, bc) - u)[:, 1:-1].abs().max()
            assert diff > 1e-8, f"{name} does not change the output"
    for name in ("base.fc0.weight", "base.fc1.weight", "base.fc2.weight"):
        torch.testing.assert_close(perturbed(model, name)(a, bc), u, rtol=0, atol=0)


def test_boon_faithful_and_clean():
    a = torch.randn(2, 20, generator=gen(8), dtype=DT)
    for bc_type in ("dirichlet", "neumann"):  # P8: GELU at the boundary nodes in faithful mode only
        bc = bc_for(bc_type, 2)
        diff = (boon(bc_type, True)(a, bc) - boon(bc_type, False)(a, bc)).abs().max()
        assert diff > 1e-6
    torch.testing.assert_close(boon("periodic", True)(a, {}), boon("periodic", False)(a, {}),
                               rtol=0, atol=0)
    x = torch.randn(2, 3, 10, generator=gen(9), dtype=DT)
    clean, faithful = boon("dirichlet", False), boon("dirichlet", True)
    y_clean, y_faithful = clean._act(x, dim=-1), faithful._act(x, dim=-1)
    torch.testing.assert_close(y_clean[..., [0, -1]], x[..., [0, -1]], rtol=0, atol=0)
    torch.testing.assert_close(y_clean[..., 1:-1], torch.nn.functional.gelu(x[..., 1:-1]))
    torch.testing.assert_close(y_faithful, torch.nn.functional.gelu(x))


def test_boon_wraps_given_base_and_seeds_base_first():
    torch.manual_seed(4)
    ref = FNO1d(MODES, WIDTH)
    torch.manual_seed(4)
    model = BOONFNO1d(bc_type="dirichlet", modes=MODES, width=WIDTH)
    for key, value in ref.state_dict().items():
        torch.testing.assert_close(model.base.state_dict()[key], value, rtol=0, atol=0)
    base = FNO1d(MODES, WIDTH)
    wrapped = BOONFNO1d(base, bc_type="periodic")
    assert wrapped.base is base
    assert BOONFNO1d({"modes": MODES, "width": WIDTH}, bc_type="neumann").base.modes == MODES


def test_boon_backward_gives_finite_gradients():
    model = boon("neumann", faithful=True)
    a = torch.randn(3, 24, generator=gen(10), dtype=DT)
    u = model(a, {"left": 0.0, "right": 5.0})
    u.square().sum().backward()
    for name, p in model.named_parameters():
        if name.startswith(("base.fc0", "base.fc1", "base.fc2")):
            assert p.grad is None
        else:
            assert p.grad is not None and torch.isfinite(p.grad).all(), name
    assert model.base.conv0.weight.grad.abs().max() > 0


def test_boon_bad_input_raises():
    with pytest.raises(ValueError, match="bc_type"):
        BOONFNO1d(bc_type="robin", modes=MODES, width=WIDTH)
    with pytest.raises(ValueError, match="base"):
        BOONFNO1d(base="fno", bc_type="periodic")
    model = boon("dirichlet", True)
    with pytest.raises(ValueError, match="left"):
        model(torch.randn(2, 16, dtype=DT), {"right": 1.0})
    with pytest.raises(ValueError, match="shape"):
        model(torch.randn(2, 3, 16, dtype=DT), bc_for("dirichlet", 2))
    with pytest.raises(ValueError, match="n >= 5"):
        boon("neumann", True)(torch.randn(2, 4, dtype=DT), {"left": 0.0, "right": 1.0})


@pytest.mark.parametrize("bc_type", ["dirichlet", "neumann", "periodic"])
def test_boon_pivots_are_the_layer_probes_and_k_tilde_shrinks_like_n_cubed(bc_type):
    from pcml.constraints.elimination import probe_kernel
    torch.manual_seed(5)
    model = boon(bc_type, faithful=True)
    n = 64
    pivots = model.pivots(n)
    if bc_type == "periodic":
        assert pivots.shape == (0, 2)
        return
    assert pivots.shape == ((4, 2) if bc_type == "dirichlet" else (4, 1)) and pivots.dtype == torch.float64
    for layer, (conv, _) in enumerate(model.base.fourier_layers()):
        p = probe_kernel(conv, torch.zeros(3, WIDTH, n, dtype=torch.float64), full_batch=False)
        knn = p.knn.flatten()[0]
        expected = [knn, p.k00.flatten()[0] - p.kn0.flatten()[0] * p.k0n.flatten()[0] / knn][:pivots.shape[1]]
        torch.testing.assert_close(pivots[layer], torch.stack(expected), rtol=1e-12, atol=0)
    assert model.clamped(torch.tensor([[5e-8, -2e-7]], dtype=torch.float64)).tolist() == [[True, False]]
    if bc_type == "dirichlet":  # K00 ~ 1/n but K~00 ~ 1/n^3: nodes 0 and n-1 are neighbours of the periodic kernel
        coarse, fine = model.pivots(256).abs(), model.pivots(512).abs()
        assert torch.all((coarse[:, 0] / fine[:, 0] - 2).abs() < 0.05)
        assert torch.all((coarse[:, 1] / fine[:, 1] - 8).abs() < 0.5)
