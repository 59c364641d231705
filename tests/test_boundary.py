"""BOON boundary correction (pcml.constraints.boundary): exactness per layer, the T2 algebra, a
hand-computed pin of the released formulas, clamps, gradients and input validation. float64."""
import numpy as np
import pytest
import torch
from torch import nn

from pcml.constraints.boundary import (
    TOL_1D, DirichletCorrection, NeumannCorrection, PeriodicCorrection, eliminate,
    enforce_boundary, grid_spacing, make_correction, neumann_left_value, neumann_right_value,
    probe_kernel,
)
from pcml.evaluation.boon_metrics import neumann_flux
from pcml.models.spectral import SpectralConv1d

DT = torch.float64


class MatrixLayer(nn.Module):
    """Explicit affine layer y[b,o,i] = sum_{c,j} A[o,c,i,j] x[b,c,j] + bias[o]."""

    def __init__(self, a: torch.Tensor, bias: torch.Tensor | None = None):
        super().__init__()
        self.a = nn.Parameter(a)
        self.bias = None if bias is None else nn.Parameter(bias)

    def forward(self, x):
        y = torch.einsum("ocij,bcj->boi", self.a, x)
        return y if self.bias is None else y + self.bias[None, :, None]


def gen(seed):
    return torch.Generator().manual_seed(seed)


def make_layer(kind, c, n, seed):
    torch.manual_seed(seed)
    if kind == "spectral":
        layer = SpectralConv1d(c, c, min(4, n // 2 + 1))
        with torch.no_grad():  # zero-mean weights so that the kernel entries are O(1/c)
            layer.weight.uniform_(-1.0 / c, 1.0 / c)
        return layer.double()
    if kind == "pointwise":
        return nn.Conv1d(c, c, 1).double()
    g = gen(seed)
    return MatrixLayer(torch.randn(c, c, n, n, generator=g, dtype=DT) / n,
                       torch.randn(c, generator=g, dtype=DT))


SIZES = [(8, 2), (17, 5), (64, 8)]
KINDS = ["spectral", "pointwise", "matrix"]


@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,c", SIZES)
def test_dirichlet_layer_boundary_equals_bc(n, c, kind, faithful):
    layer = make_layer(kind, c, n, seed=n + c)
    x = torch.randn(3, c, n, generator=gen(1), dtype=DT)
    bc = {"left": torch.tensor([0.3, -1.2, 2.0], dtype=DT), "right": torch.tensor([1.0, 0.0, -0.7], dtype=DT)}
    y = DirichletCorrection(layer, faithful=faithful)(x, bc)
    assert y.shape == x.shape
    torch.testing.assert_close(y[..., 0], bc["left"][:, None].expand(3, c), rtol=0, atol=1e-12)
    torch.testing.assert_close(y[..., -1], bc["right"][:, None].expand(3, c), rtol=0, atol=1e-12)
    if kind != "pointwise":  # a pointwise layer's interior does not see the changed boundary inputs
        assert not torch.allclose(y[..., 1:-1], layer(x)[..., 1:-1])


@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("n,c", SIZES)
def test_neumann_layers_satisfy_fd_relation(n, c, faithful):
    torch.manual_seed(n)
    conv, w = make_layer("spectral", c, n, seed=n), make_layer("pointwise", c, n, seed=n + 1)
    x = torch.randn(4, c, n, generator=gen(2), dtype=DT)
    g_left = 0.0 if faithful else 1.5
    bc = {"left": g_left, "right": torch.tensor([5.0, -2.0, 0.0, 3.0], dtype=DT)}
    y_conv = NeumannCorrection(conv, faithful=faithful)(x, bc)
    y_w = NeumannCorrection(w, faithful=faithful)(x, bc)
    h = 1.0 / (n - 1)
    for y, factor in ((y_conv, 0.5), (y_w, 0.5), (y_conv + y_w, 1.0)):  # each path holds T/2 (P14)
        flux = neumann_flux(y.reshape(-1, n), h)
        scale = 1 + y.abs().max().item()
        np.testing.assert_allclose(flux["left"], factor * g_left, rtol=0, atol=1e-12 * scale / h)
        np.testing.assert_allclose(flux["right"].reshape(4, c),
                                   factor * bc["right"][:, None].expand(4, c).numpy(),
                                   rtol=0, atol=1e-12 * scale / h)


def test_neumann_faithful_left_relation_for_nonzero_flux():
    """Released code (P12): u0 = g_L + u1, not u1 - h g_L; the clean mode uses the latter."""
    n, c = 12, 3
    layer = make_layer("pointwise", c, n, seed=0)
    x = torch.randn(2, c, n, generator=gen(3), dtype=DT)
    bc = {"left": 0.8, "right": 1.0}
    t_f = 2 * NeumannCorrection(layer, faithful=True)(x, bc)
    t_c = 2 * NeumannCorrection(layer, faithful=False)(x, bc)
    torch.testing.assert_close(t_f[..., 0], 0.8 + t_f[..., 1], rtol=0, atol=1e-14)
    torch.testing.assert_close(t_c[..., 0], t_c[..., 1] - 0.8 / (n - 1), rtol=0, atol=1e-14)
    torch.testing.assert_close(t_f[..., 1:], t_c[..., 1:], rtol=0, atol=1e-13)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("n,c", SIZES)
def test_periodic_layer_ends_equal(n, c, kind):
    layer = make_layer(kind, c, n, seed=n)
    x = torch.randn(2, c, n, generator=gen(4), dtype=DT)
    y = PeriodicCorrection(layer)(x, {})
    assert torch.equal(y[..., 0], y[..., -1])
    t = layer(x)
    torch.testing.assert_close(y[..., 0], 0.5 * (t[..., 0] + t[..., -1]), rtol=0, atol=1e-15)
    torch.testing.assert_close(y[..., 1:-1], t[..., 1:-1], rtol=0, atol=0)


@pytest.mark.parametrize("full_batch", [True, False])
@pytest.mark.parametrize("kind", ["spectral", "matrix"])
@pytest.mark.parametrize("n", [8, 23, 64])
def test_single_channel_linear_boundary_rows_decouple(n, kind, full_batch):
    """§3.2: for a single-channel bias-free linear K, (K T2 x)_0 = K~00 x_0 and
    (K T2 x)_{n-1} = KNN x_{n-1}, whatever the interior of x."""
    if kind == "spectral":
        torch.manual_seed(n)
        layer = SpectralConv1d(1, 1, 5).double()
        with torch.no_grad():
            layer.weight.uniform_(-1.0, 1.0)
    else:
        layer = MatrixLayer(torch.randn(1, 1, n, n, generator=gen(n), dtype=DT))
    k = layer(torch.eye(n, dtype=DT)[:, None, :])[:, 0, :].T  # K[i, j] = response at i to e_j
    k_tilde = k[0, 0] - k[-1, 0] * k[0, -1] / k[-1, -1]
    x = torch.randn(5, 1, n, generator=gen(5), dtype=DT)
    x2 = x.clone()
    x2[..., 1:-1] = torch.randn(5, 1, n - 2, generator=gen(6), dtype=DT) * 10
    for xx in (x, x2):
        probes = probe_kernel(layer, xx, full_batch=full_batch)
        torch.testing.assert_close(torch.stack(probes), torch.stack(
            [k[0, 0], k[-1, 0], k[0, -1], k[-1, -1]]), rtol=0, atol=1e-14)
        out = layer(eliminate(layer, xx, probes, left=True, right=True))
        torch.testing.assert_close(out[..., 0], k_tilde * x[..., 0], rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(out[..., -1], k[-1, -1] * x[..., -1], rtol=1e-12, atol=1e-12)
        out_r = layer(eliminate(layer, xx, probes, left=False, right=True))  # Neumann: right only
        torch.testing.assert_close(out_r[..., -1], k[-1, -1] * x[..., -1], rtol=1e-12, atol=1e-12)


def reference_correction(a, bias, x, bc_type, left, right, faithful):
    """Hand-written numpy version of the released 1-D formulas (§3.2, §3.3) for an affine layer."""
    n = x.shape[-1]

    def apply(v):
        return np.einsum("ocij,bcj->boi", a, v) + bias[None, :, None]

    def clamp(v):
        return TOL_1D if abs(v) < TOL_1D else v

    k00 = clamp(a[0, :, 0, 0].sum() + bias[0])
    kn0 = a[0, :, -1, 0].sum() + bias[0]
    k0n = a[0, :, 0, -1].sum() + bias[0]
    knn = clamp(a[0, :, -1, -1].sum() + bias[0])
    x1 = x.copy()
    if bc_type == "dirichlet":
        kt = clamp(k00 - kn0 * k0n / knn)
        kx = apply(x)
        x1[..., 0] = 2 * x[..., 0] - (kx[..., 0] - kx[..., -1] * k0n / knn + k0n * x[..., -1]) / kt
    ky = apply(x1)
    x2 = x1.copy()
    x2[..., -1] = 2 * x1[..., -1] - ky[..., -1] / knn
    t = apply(x2)
    if bc_type == "dirichlet":
        t[..., 0], t[..., -1] = left[:, None], right[:, None]
        return t
    h = 1.0 / (n - 1)
    left, right = left[:, None], right[:, None]
    t0 = left + t[..., 1] if faithful else t[..., 1] - h * left
    tn = 6 * h / 11 * right + 18 / 11 * t[..., -2] - 9 / 11 * t[..., -3] + 2 / 11 * t[..., -4]
    t[..., 0], t[..., -1] = t0, tn
    return t / 2


@pytest.mark.parametrize("zero_corner", [False, True])
@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("bc_type", ["dirichlet", "neumann"])
def test_pin_against_hand_computed_formulas(bc_type, faithful, zero_corner):
    """N = 8, C = 2, multi-channel affine layer with bias (the scalar heuristic of P9); with
    zero_corner the probes K00 and KNN are exactly 0 and get clamped to 1e-7."""
    n, c = 8, 2
    g = gen(7)
    a = torch.randn(c, c, n, n, generator=g, dtype=DT)
    bias = torch.randn(c, generator=g, dtype=DT)
    if zero_corner:
        a[0, :, 0, 0] = torch.tensor([0.25, -0.25], dtype=DT) - bias[0] / 2
        a[0, :, -1, -1] = torch.tensor([0.5, -0.5], dtype=DT) - bias[0] / 2
    x = torch.randn(3, c, n, generator=g, dtype=DT)
    left = torch.tensor([0.0, 0.0, 0.0] if faithful and bc_type == "neumann" else [1.0, -2.0, 0.5], dtype=DT)
    right = torch.tensor([3.0, 0.0, -1.0], dtype=DT)
    layer = MatrixLayer(a.clone(), bias.clone())
    y = make_correction(layer, bc_type, faithful=faithful)(x, {"left": left, "right": right})
    ref = reference_correction(a.numpy(), bias.numpy(), x.numpy(), bc_type, left.numpy(),
                               right.numpy(), faithful)
    assert np.all(np.isfinite(ref))
    scale = 1 + np.abs(ref).max()
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=0, atol=1e-13 * scale)


def test_probes_full_batch_and_batch_one_agree():
    layer = make_layer("spectral", 6, 40, seed=0)
    x = torch.randn(7, 6, 40, generator=gen(8), dtype=DT)
    p_full = torch.stack(probe_kernel(layer, x, full_batch=True))
    p_one = torch.stack(probe_kernel(layer, x, full_batch=False))
    torch.testing.assert_close(p_full, p_one, rtol=0, atol=1e-15)
    bc = {"left": torch.ones(7, dtype=DT), "right": -torch.ones(7, dtype=DT)}
    torch.testing.assert_close(DirichletCorrection(layer, faithful=True)(x, bc),
                               DirichletCorrection(layer, faithful=False)(x, bc), rtol=0, atol=1e-13)


@pytest.mark.parametrize("bc_type", ["dirichlet", "neumann"])
def test_gradient_through_probes_matches_finite_differences(bc_type):
    n, c = 7, 2
    g = gen(9)
    a0 = torch.randn(c, c, n, n, generator=g, dtype=DT)
    bias = torch.randn(c, generator=g, dtype=DT)
    x = torch.randn(2, c, n, generator=g, dtype=DT)
    bc = {"left": torch.tensor([0.0, 0.0], dtype=DT), "right": torch.tensor([1.0, -1.0], dtype=DT)}

    def f(a):
        def layer(v):  # functional affine layer, so that gradients reach `a` through every call
            return torch.einsum("ocij,bcj->boi", a, v) + bias[None, :, None]
        return make_correction(layer, bc_type, faithful=True)(x, bc)

    assert torch.autograd.gradcheck(f, (a0.clone().requires_grad_(True),), eps=1e-6, atol=1e-6)


def test_enforce_boundary_all_types():
    u = torch.randn(4, 3, 10, generator=gen(10), dtype=DT)
    d = enforce_boundary(u, "dirichlet", {"left": torch.arange(4.0, dtype=DT), "right": 2.0})
    assert torch.equal(d[..., 0], torch.arange(4.0, dtype=DT)[:, None].expand(4, 3))
    assert torch.equal(d[..., -1], torch.full((4, 3), 2.0, dtype=DT))
    torch.testing.assert_close(d[..., 1:-1], u[..., 1:-1], rtol=0, atol=0)
    p = enforce_boundary(u, "periodic", None)
    assert torch.equal(p[..., 0], p[..., -1])
    h = grid_spacing(10)
    nm = enforce_boundary(u, "neumann", {"left": -1.0, "right": 4.0}, faithful=False)
    flux = neumann_flux(nm.reshape(-1, 10), h)
    np.testing.assert_allclose(flux["left"], -1.0, atol=1e-12)
    np.testing.assert_allclose(flux["right"], 4.0, atol=1e-12)
    with pytest.warns(UserWarning, match="P12"):
        enforce_boundary(u, "neumann", {"left": -1.0, "right": 4.0}, faithful=True)


def test_fd_values_are_the_stencils():
    """u = x^3 on a grid: the right 3rd-order stencil is exact; the left is first order."""
    n = 9
    xg = torch.linspace(0, 1, n, dtype=DT)
    u = xg**3
    h = grid_spacing(n)
    torch.testing.assert_close(neumann_right_value(u, torch.tensor(3.0, dtype=DT), h), u[-1],
                               rtol=0, atol=1e-14)
    torch.testing.assert_close(neumann_left_value(u, torch.tensor(h**2, dtype=DT), h, faithful=False),
                               u[0], rtol=0, atol=1e-15)


def test_bad_input_raises():
    layer = make_layer("pointwise", 2, 8, seed=0)
    x = torch.randn(3, 2, 8, dtype=DT)
    with pytest.raises(ValueError, match="left"):
        DirichletCorrection(layer)(x, {"right": 1.0})
    with pytest.raises(ValueError, match="unexpected"):
        DirichletCorrection(layer)(x, {"left": 0.0, "right": 1.0, "top": 2.0})
    with pytest.raises(ValueError, match="wall shape"):
        DirichletCorrection(layer)(x, {"left": torch.zeros(4), "right": 1.0})
    with pytest.raises(ValueError, match="n >= 5"):
        NeumannCorrection(layer)(x[..., :4], {"left": 0.0, "right": 1.0})
    with pytest.raises(ValueError, match="batch, C, n"):
        PeriodicCorrection(layer)(x[0], {})
    with pytest.raises(ValueError, match="takes no data"):
        PeriodicCorrection(layer)(x, {"left": 0.0})
    with pytest.raises(ValueError, match="bc_type"):
        make_correction(layer, "robin")
    with pytest.raises(ValueError, match="bc_type"):
        enforce_boundary(x, "robin", {})
