"""The fast path of the BOON corrections against the straightforward reference (``reference=True``).

The fast path reassociates sums (L(x) + A E d instead of L(x + E d); end values from the retained
Fourier modes instead of from the inverse FFT; probes from the weights), so it agrees with the
reference to floating-point rounding, not bit for bit: in float64, to ~1e-12 relative here (the
kernel probes divide by K~00 and KNN, which amplifies rounding by their inverse). Forward values
and gradients (input and every weight) are compared on fixed weights and inputs. float64.
"""
import pytest
import torch
from torch import nn

from pcml.constraints.boundary import corrected_sum, make_correction, probe_kernel
from pcml.constraints.boundary_kernels import (
    CallKernel, PointwiseKernel1d, SpectralKernel1d, boundary_kernel, embed_ends, ends, set_ends,
)
from pcml.models.boon import BOONFNO1d, _InteriorGelu
from pcml.models.spectral import SpectralConv1d

DT = torch.float64
BC_TYPES = ["dirichlet", "neumann", "periodic"]


def gen(seed):
    return torch.Generator().manual_seed(seed)


class MatrixLayer(nn.Module):
    """Affine layer y[b,o,i] = sum_{c,j} A[o,c,i,j] x[b,c,j] + bias[o] (no fast view: CallKernel)."""

    def __init__(self, c, n, seed):
        super().__init__()
        g = gen(seed)
        self.a = nn.Parameter(torch.randn(c, c, n, n, generator=g, dtype=DT) / n)
        self.bias = nn.Parameter(torch.randn(c, generator=g, dtype=DT))

    def forward(self, x):
        return torch.einsum("ocij,bcj->boi", self.a, x) + self.bias[None, :, None]


def make_layer(kind, c, n, seed, modes=None):
    torch.manual_seed(seed)
    if kind == "spectral":
        layer = SpectralConv1d(c, c, modes or min(5, n // 2 + 1)).double()
        with torch.no_grad():  # zero-mean weights: kernel entries of both signs, O(1/c)
            layer.weight.uniform_(-1.0 / c, 1.0 / c)
        return layer
    if kind == "pointwise":
        return nn.Conv1d(c, c, 1).double()
    return MatrixLayer(c, n, seed)


def bc_for(bc_type, batch, seed):
    g = gen(seed)
    if bc_type == "dirichlet":
        return {"left": torch.randn(batch, generator=g, dtype=DT), "right": torch.randn(batch, generator=g, dtype=DT)}
    if bc_type == "neumann":
        return {"left": torch.randn(batch, generator=g, dtype=DT), "right": torch.randn(batch, generator=g, dtype=DT)}
    return {}


def outputs_and_grads(fn, x, params):
    x = x.clone().requires_grad_(True)
    y = fn(x)
    weight = torch.randn(y.shape, generator=gen(99), dtype=DT)
    grads = torch.autograd.grad((y * weight).sum(), [x, *params])
    return y.detach(), grads


def assert_close_scaled(a, b, rtol=1e-12):
    scale = 1.0 + b.abs().max().item()
    torch.testing.assert_close(a, b, rtol=0, atol=rtol * scale)


@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("bc_type", BC_TYPES)
@pytest.mark.parametrize("kind", ["spectral", "pointwise", "matrix"])
@pytest.mark.parametrize("n,c", [(9, 3), (24, 5), (33, 4)])
def test_fast_layer_correction_equals_reference(n, c, kind, bc_type, faithful):
    layer = make_layer(kind, c, n, seed=n * c)
    params = list(layer.parameters())
    x = torch.randn(4, c, n, generator=gen(n), dtype=DT)
    bc = bc_for(bc_type, 4, seed=c)
    if faithful and bc_type == "neumann":
        bc["left"] = torch.zeros(4, dtype=DT)
    fast = make_correction(layer, bc_type, faithful=faithful)
    ref = make_correction(layer, bc_type, faithful=faithful, reference=True)
    y_fast, g_fast = outputs_and_grads(lambda v: fast(v, bc), x, params)
    y_ref, g_ref = outputs_and_grads(lambda v: ref(v, bc), x, params)
    assert_close_scaled(y_fast, y_ref)
    for a, b in zip(g_fast, g_ref):
        assert_close_scaled(a, b)
    if kind != "pointwise" and bc_type != "periodic":  # the correction did change the interior
        assert (y_ref[..., 1:-1] - layer(x)[..., 1:-1]).abs().max() > 1e-6


@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("bc_type", BC_TYPES)
@pytest.mark.parametrize("n", [16, 33])
def test_fast_boon_model_equals_reference_values_and_gradients(n, bc_type, faithful):
    torch.manual_seed(3)
    fast = BOONFNO1d(bc_type=bc_type, faithful=faithful, modes=6, width=8).double()
    ref = BOONFNO1d(bc_type=bc_type, faithful=faithful, modes=6, width=8, reference=True).double()
    ref.load_state_dict(fast.state_dict())
    a = torch.randn(3, n, generator=gen(4), dtype=DT)
    bc = bc_for(bc_type, 3, seed=5)
    if faithful and bc_type == "neumann":
        bc["left"] = 0.0
    outs, grads = [], []
    for model in (fast, ref):
        u = model(a, bc)
        outs.append(u.detach())
        grads.append(torch.autograd.grad((u * torch.randn(u.shape, generator=gen(6), dtype=DT)).sum(),
                                         list(model.parameters()), allow_unused=True))
    assert_close_scaled(outs[0], outs[1])
    for name, g_fast, g_ref in zip([k for k, _ in fast.named_parameters()], *grads):
        assert (g_fast is None) == (g_ref is None), name
        if g_ref is not None:
            assert_close_scaled(g_fast, g_ref)


def test_fast_boon_float32_close_to_reference():
    """Training precision: float32 agrees to float32 rounding amplified by the probes (1e-4 relative)."""
    torch.manual_seed(0)
    fast = BOONFNO1d(bc_type="dirichlet", faithful=True, modes=16, width=32)
    ref = BOONFNO1d(bc_type="dirichlet", faithful=True, modes=16, width=32, reference=True)
    ref.load_state_dict(fast.state_dict())
    a = torch.randn(4, 100, generator=gen(7))
    bc = {"left": torch.randn(4, generator=gen(8)), "right": torch.randn(4, generator=gen(9))}
    u_fast, u_ref = fast(a, bc), ref(a, bc)
    torch.testing.assert_close(u_fast, u_ref, rtol=0, atol=1e-4 * u_ref.abs().max().item())


@pytest.mark.parametrize("n,modes", [(16, 9), (16, 4), (15, 8), (40, 7)])  # 16/9: Nyquist retained
def test_spectral_kernel_view_matches_layer_calls(n, modes):
    c = 3
    layer = make_layer("spectral", c, n, seed=n, modes=modes)
    kernel = boundary_kernel(layer)
    assert isinstance(kernel, SpectralKernel1d)
    x = torch.randn(2, c, n, generator=gen(1), dtype=DT)
    d = torch.randn(2, c, 2, generator=gen(2), dtype=DT)
    state = kernel.begin(x)
    torch.testing.assert_close(kernel.end_values(state), ends(layer(x)), rtol=0, atol=1e-14)
    torch.testing.assert_close(state.x_ends, ends(x), rtol=0, atol=0)
    on_ends = embed_ends(torch.zeros(2, c, n, dtype=DT), d)
    torch.testing.assert_close(kernel.end_response(state, d), ends(layer(on_ends)), rtol=0, atol=1e-14)
    torch.testing.assert_close(kernel.finish(state, d), layer(embed_ends(x, d)), rtol=0, atol=1e-14)
    torch.testing.assert_close(torch.stack(kernel.probes(state)),
                               torch.stack(probe_kernel(layer, x, full_batch=True)), rtol=0, atol=1e-14)


@pytest.mark.parametrize("kind", ["pointwise", "matrix"])
def test_pointwise_and_call_kernel_views_match_layer_calls(kind):
    n, c = 12, 3
    layer = make_layer(kind, c, n, seed=1)
    kernel = boundary_kernel(layer)
    assert isinstance(kernel, PointwiseKernel1d if kind == "pointwise" else CallKernel)
    x = torch.randn(2, c, n, generator=gen(3), dtype=DT)
    d = torch.randn(2, c, 2, generator=gen(4), dtype=DT)
    state = kernel.begin(x)
    zero = torch.zeros(1, c, n, dtype=DT)
    response = ends(layer(embed_ends(torch.zeros(2, c, n, dtype=DT), d))) - ends(layer(zero))
    torch.testing.assert_close(kernel.end_values(state), ends(layer(x)), rtol=0, atol=1e-14)
    torch.testing.assert_close(kernel.end_response(state, d), response, rtol=0, atol=1e-14)
    torch.testing.assert_close(kernel.finish(state, d), layer(embed_ends(x, d)), rtol=0, atol=1e-14)
    torch.testing.assert_close(torch.stack(kernel.probes(state)),
                               torch.stack(probe_kernel(layer, x, full_batch=False)), rtol=0, atol=1e-14)


@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_set_ends_values_and_gradients(scale):
    t = torch.randn(2, 3, 9, dtype=DT, requires_grad=True)
    g = torch.randn(2, 3, dtype=DT, requires_grad=True)

    def fn(s, g):  # nonlinear in the read nodes and in the parameter
        return torch.stack((s[..., 1] ** 2 + g, torch.sin(s[..., 2]) * g), dim=-1)

    assert torch.autograd.gradcheck(lambda t, g: set_ends(t, [0, 1, 7], fn, g, scale=scale), (t, g))
    out = set_ends(t, [0, 1, 7], fn, g, scale=scale)
    torch.testing.assert_close(out[..., 1:-1], scale * t[..., 1:-1], rtol=0, atol=0)
    torch.testing.assert_close(out[..., 0], scale * (t[..., 1] ** 2 + g), rtol=0, atol=0)
    torch.testing.assert_close(out[..., -1], scale * torch.sin(t[..., 7]) * g, rtol=0, atol=0)
    with torch.no_grad():  # the no-grad path gives the same values
        torch.testing.assert_close(set_ends(t, [0, 1, 7], fn, g, scale=scale), out, rtol=0, atol=0)


@pytest.mark.parametrize("dim", [-1, 1])
def test_interior_gelu_values_and_gradient(dim):
    x = torch.randn(2, 5, 7, dtype=DT, requires_grad=True)
    y = _InteriorGelu.apply(x, dim)
    n = x.shape[dim]
    inner = torch.nn.functional.gelu(x.narrow(dim, 1, n - 2))  # GELU's vectorised and scalar
    torch.testing.assert_close(y.narrow(dim, 1, n - 2), inner, rtol=1e-15, atol=1e-17)  # loops: 1 ulp
    torch.testing.assert_close(y.narrow(dim, 0, 1), x.narrow(dim, 0, 1), rtol=0, atol=0)
    torch.testing.assert_close(y.narrow(dim, n - 1, 1), x.narrow(dim, n - 1, 1), rtol=0, atol=0)
    assert torch.autograd.gradcheck(lambda v: _InteriorGelu.apply(v, dim), (x,))


def test_corrected_sum_equals_sum_of_calls_and_checks_settings():
    n, c = 20, 4
    conv, w = make_layer("spectral", c, n, seed=2), make_layer("pointwise", c, n, seed=3)
    x = torch.randn(3, c, n, generator=gen(5), dtype=DT)
    for bc_type in BC_TYPES:
        bc = bc_for(bc_type, 3, seed=6)
        pair = [make_correction(layer, bc_type, faithful=False) for layer in (conv, w)]
        expected = pair[0](x, bc) + pair[1](x, bc)
        assert_close_scaled(corrected_sum(pair, x, bc), expected, rtol=1e-14)
    mixed = [make_correction(conv, "dirichlet"), make_correction(w, "neumann")]
    with pytest.raises(ValueError, match="differ"):
        corrected_sum(mixed, x, bc_for("dirichlet", 3, 0))
    with pytest.raises(ValueError, match="left"):
        corrected_sum([make_correction(conv, "dirichlet")], x, {"right": 1.0})


def test_fast_path_makes_fewer_layer_calls():
    """The point of the fast path: the reference calls a generic layer 5 times per Dirichlet
    correction (2 probes, L(x), L(x'), L(x'')); the fast path's fallback view calls it 3 times."""
    n, c = 10, 2
    layer = make_layer("matrix", c, n, seed=0)
    calls = []
    hook = layer.register_forward_hook(lambda *args: calls.append(1))
    x = torch.randn(2, c, n, generator=gen(0), dtype=DT)
    bc = bc_for("dirichlet", 2, 0)
    make_correction(layer, "dirichlet", reference=True)(x, bc)
    n_ref, calls[:] = len(calls), []
    make_correction(layer, "dirichlet")(x, bc)
    hook.remove()
    assert (n_ref, len(calls)) == (5, 3)
