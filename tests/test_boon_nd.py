"""BOON-FNO2d/3d and the 2-D/3-D corrections: exact BCs per corrected layer and at the output
(every BC type x {2-D, 3-D} x {faithful, clean}), a hand-computed faithful 2-D elimination (P10,
P11, P13), time padding of the BC data (P19), BC validation, gradients. float64, small sizes."""
import numpy as np
import pytest
import torch

from pcml.constraints.boundary_nd import CorrectionND, Wall, mollify
from pcml.models import build_model
from pcml.models.boon_nd import BOONFNO2d, BOONFNO3d
from pcml.models.fno import count_params
from pcml.models.fno_nd import FNO2d, FNO3d

DT = torch.float64
TYPES = ("dirichlet", "neumann", "periodic")
NX, NY, NT, B = 9, 8, 4, 2
LENGTH = 2.0


def gen(seed):
    return torch.Generator().manual_seed(seed)


def rnd(*shape, seed=0):
    return torch.randn(*shape, generator=gen(seed), dtype=DT)


def model(dims, bc_type, faithful, seed=0):
    torch.manual_seed(seed)
    if dims == 2:
        return BOONFNO2d(bc_type=bc_type, faithful=faithful, length=LENGTH, modes=3, width=4, modes_t=2).double()
    return BOONFNO3d(bc_type=bc_type, faithful=faithful, length=LENGTH, modes=3, width=3, modes_t=2).double()


def bc_for(dims, bc_type, faithful, seed=1):
    if bc_type == "periodic":
        return {}
    if dims == 2:
        bc = {"left": rnd(B, NT, seed=seed), "right": rnd(B, NT, seed=seed + 1)}
    else:
        bc = {"left": rnd(B, NY, NT, seed=seed), "right": rnd(B, NY, NT, seed=seed + 1),
              "bottom": rnd(B, NX, NT, seed=seed + 2), "top": rnd(B, NX, NT, seed=seed + 3)}
    if bc_type == "neumann" and faithful:  # the released left relation is exact only for g_L = 0 (P12)
        bc["left"] = torch.zeros_like(bc["left"])
        if dims == 3:
            bc["bottom"] = torch.zeros_like(bc["bottom"])
    return bc


def grid_input(dims, seed=2):
    return rnd(B, NX, NT, seed=seed) if dims == 2 else rnd(B, NX, NY, NT, seed=seed)


def check_walls(u, bc_type, pairs, faithful, h_of, scale=1.0, tol=1e-12):
    """Independent check of the BC on the walls of u. ``pairs``: (axis, low, high, interior_only_axis)
    with interior_only_axis an axis on which only the interior nodes are checked (corners) or None."""
    for axis, low, high, inner in pairs:
        um = u.movedim(axis, -1)
        if low is not None:
            low, high = low.expand(um.shape[:-1]), high.expand(um.shape[:-1])
        if inner is not None:  # skip the corners, which belong to the walls written later
            d = inner if inner < axis else inner - 1
            um = um.narrow(d, 1, u.shape[inner] - 2)
            if low is not None:
                low, high = low.narrow(d, 1, u.shape[inner] - 2), high.narrow(d, 1, u.shape[inner] - 2)
        n = u.shape[axis]
        h = h_of(n)
        if bc_type == "dirichlet":
            torch.testing.assert_close(um[..., 0], scale * low, rtol=0, atol=tol)
            torch.testing.assert_close(um[..., -1], scale * high, rtol=0, atol=tol)
        elif bc_type == "neumann":
            g0, g1 = scale * low, scale * high
            if faithful:  # released left stencil: u0 - u1 = g (P12)
                res0 = um[..., 0] - um[..., 1] - g0
            else:
                res0 = (um[..., 1] - um[..., 0]) / h - g0
            res1 = (11 * um[..., -1] - 18 * um[..., -2] + 9 * um[..., -3] - 2 * um[..., -4]) / (6 * h) - g1
            assert float(res0.detach().abs().max()) < tol * 100 and float(res1.detach().abs().max()) < tol * 100
        else:
            torch.testing.assert_close(um[..., 0], um[..., -1], rtol=0, atol=tol)


# ---------------------------------------------------------------- each corrected layer


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("bc_type", TYPES)
@pytest.mark.parametrize("faithful", [True, False])
def test_each_corrected_layer_meets_the_bc(dims, bc_type, faithful):
    m = model(dims, bc_type, faithful)
    pad = m.padding
    shape = (B, m.width, NX, NT + pad) if dims == 2 else (B, m.width, NX, NY, NT + pad)
    x = rnd(*shape, seed=5)
    walls = m.latent_walls(m.walls(bc_for(dims, bc_type, faithful), grid_input(dims)))
    h_of = lambda n: LENGTH / (n - 1)  # noqa: E731
    for conv, w in m.base.fourier_layers():
        for layer, reference in ((conv, False), (w, False), (w, True)):
            corr = CorrectionND(layer, bc_type, faithful, dims - 1, length=LENGTH, reference=reference)
            out = corr(x, walls).detach()
            assert out.shape == x.shape
            scale = 0.5 if bc_type == "neumann" else 1.0  # Neumann layers return T / 2 (P14)
            pairs = [(2, walls[0].low, walls[0].high, 3 if dims == 3 else None)]
            if dims == 3:
                pairs.append((3, walls[1].low, walls[1].high, None))
            check_walls(out, bc_type, pairs, faithful, h_of, scale=scale)
            if bc_type == "dirichlet" and faithful and dims == 2:
                assert corr.mollifier
    if bc_type != "periodic":  # the padded time slots carry zero boundary data (P19)
        assert float(walls[0].low[..., NT:].abs().max()) == 0 and walls[0].low.shape[-1] == NT + pad


# ---------------------------------------------------------------- the model output


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("bc_type", TYPES)
@pytest.mark.parametrize("faithful", [True, False])
def test_model_output_meets_the_bc_exactly(dims, bc_type, faithful):
    m = model(dims, bc_type, faithful)
    a = grid_input(dims)
    bc = bc_for(dims, bc_type, faithful)
    u = m(a, bc)
    assert u.shape == a.shape
    h_of = lambda n: LENGTH / (n - 1)  # noqa: E731
    get = bc.get
    pairs = [(1, get("left"), get("right"), 2 if dims == 3 else None)]
    if dims == 3:
        pairs.append((2, get("bottom"), get("top"), None))
    check_walls(u, bc_type, pairs, faithful, h_of, tol=1e-12)
    if bc_type == "dirichlet":  # exact, not just close
        assert torch.equal(u[:, 0, ..., 1:-1, :] if dims == 3 else u[:, 0], bc["left"][:, 1:-1] if dims == 3 else bc["left"])


def test_clean_neumann_with_nonzero_left_flux_and_faithful_warning():
    for dims in (2, 3):
        m = model(dims, "neumann", faithful=False)
        bc = bc_for(dims, "neumann", faithful=False)
        assert float(bc["left"].abs().min()) > 0
        u = m(grid_input(dims), bc)
        h = LENGTH / (NX - 1)
        res = (u[:, 1] - u[:, 0]) / h - bc["left"]
        if dims == 3:
            res = res[:, 1:-1]
        assert float(res.detach().abs().max()) < 1e-10
    m = model(2, "neumann", faithful=True)
    with pytest.warns(UserWarning, match="P12"):
        m(grid_input(2), bc_for(2, "neumann", faithful=False))


# ---------------------------------------------------------------- hand-computed faithful 2-D case


N, C, T, TOL = 8, 2, 3, 1e-4


def dense_layer(seed=0, bias=True, channels=C):
    """An affine layer acting on each t separately: L(x)[b,o,i,t] = sum A[t,o,i,c,j] x[b,c,j,t] + bias[o].
    K00[0] is made negative (-0.3), KNN[1] negative too (-0.2)."""
    g = np.random.default_rng(seed)
    A = g.normal(size=(T, channels, N, channels, N)) / N
    b = g.normal(size=channels) if bias else np.zeros(channels)
    A[0, 0, 0, 0, 0] = -0.3 - (A[0, 0, 0, 1:, 0].sum() + b[0])
    A[1, 0, N - 1, 0, N - 1] = -0.2 - (A[1, 0, N - 1, 1:, N - 1].sum() + b[0])
    At, bt = torch.tensor(A), torch.tensor(b)

    def layer(x):
        return torch.einsum("toicj,bcjt->boit", At, x) + bt[None, :, None, None]
    return A, b, layer


def numpy_released_2d(A, b, x, left, right, signed, index_bug, smooth):
    """The released 2-D Dirichlet corrected layer, written out with numpy from the spec's formulas."""
    L = lambda z: np.einsum("toicj,bcjt->boit", A, z) + b[None, :, None, None]  # noqa: E731
    e0 = np.zeros_like(x); e0[:, :, 0, :] = 1  # noqa: E702
    en = np.zeros_like(x); en[:, :, -1, :] = 1  # noqa: E702
    K00, KN0 = L(e0)[0, 0, 0, :], L(e0)[0, 0, -1, :]
    K0N, KNN = L(en)[0, 0, 0, :], L(en)[0, 0, -1, :]
    small = (lambda k: k < TOL) if signed else (lambda k: np.abs(k) < TOL)
    K00 = np.where(small(K00), TOL, K00)
    KNN = np.where(small(KNN), TOL, KNN)
    Kt = K00 - KN0 * K0N / KNN
    Kt = np.where(small(Kt), TOL, Kt)
    Kx = L(x)
    x1 = x.copy()
    x1[:, :, 0, :] = 2 * x[:, :, 0, :] - (Kx[:, :, 0, :] - Kx[:, :, -1, :] * K0N / KNN + K0N * x[:, :, -1, :]) / Kt
    Ky = L(x1)
    x2 = x1.copy()
    src = x1[:, :, 0, :] if index_bug else x1[:, :, -1, :]
    x2[:, :, -1, :] = 2 * src - Ky[:, :, -1, :] / KNN
    out = L(x2)
    out[:, :, 0, :] = left
    out[:, :, -1, :] = right
    if smooth:
        k = 5
        out[:, :, 1:k, :] = (out[:, :, 0:k - 1, :] + out[:, :, 1:k, :] + out[:, :, 2:k + 1, :]) / 3
        out[:, :, -k:-1, :] = (out[:, :, -k - 1:-2, :] + out[:, :, -k:-1, :] + out[:, :, -k + 1:, :]) / 3
    return out, (L(e0)[0, 0, 0, :], L(en)[0, 0, -1, :])


def test_faithful_2d_dirichlet_matches_hand_computation_p10_p11_p13():
    A, b, layer = dense_layer()
    x = rnd(2, C, N, T, seed=7)
    left, right = rnd(2, 1, T, seed=8), rnd(2, 1, T, seed=9)
    walls = [Wall(2, left, right)]
    got = CorrectionND(layer, "dirichlet", faithful=True, spatial_dims=1)(x, walls).numpy()
    ref, (k00, knn) = numpy_released_2d(A, b, x.numpy(), left.numpy(), right.numpy(), True, True, True)
    assert k00[0] == pytest.approx(-0.3) and knn[1] == pytest.approx(-0.2)  # P10 applies
    np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-9)
    # Each quirk matters here: dropping one changes the result.
    for signed, bug, smooth in [(False, True, True), (True, False, True), (True, True, False)]:
        other, _ = numpy_released_2d(A, b, x.numpy(), left.numpy(), right.numpy(), signed, bug, smooth)
        assert np.abs(other - got).max() > 1e-3
    clean = CorrectionND(layer, "dirichlet", faithful=False, spatial_dims=1)(x, walls).numpy()
    ref_clean, _ = numpy_released_2d(A, b, x.numpy(), left.numpy(), right.numpy(), False, False, False)
    np.testing.assert_allclose(clean, ref_clean, rtol=1e-12, atol=1e-12)


def test_clean_elimination_decouples_the_boundary_of_a_single_channel_linear_layer():
    """Spec §9 (ii), per t: after T2, (L x'')_0 = K~00 x_0 and (L x'')_{N-1} = KNN x_{N-1}.
    The faithful index bug (P13) breaks them."""
    A, _, layer = dense_layer(seed=3, bias=False, channels=1)
    A[:, 0, 0, 0, 0] += 1.0  # positive K00, KNN, K~00: no clamp in either mode
    A[:, 0, N - 1, 0, N - 1] += 1.0
    At = torch.tensor(A)
    layer = lambda z: torch.einsum("toicj,bcjt->boit", At, z)  # noqa: E731
    x = rnd(3, 1, N, T, seed=4)
    k = A[:, 0, :, 0, :]  # (T, N, N)
    k00, kn0, k0n, knn = k[:, 0, 0], k[:, -1, 0], k[:, 0, -1], k[:, -1, -1]
    kt = k00 - kn0 * k0n / knn
    assert min(k00.min(), knn.min(), kt.min()) > 0.1
    for faithful in (False, True):
        corr = CorrectionND(layer, "dirichlet", faithful=faithful, spatial_dims=1)
        y = layer(corr.eliminated(x)).numpy()[:, 0]
        left_ok = np.allclose(y[:, 0, :], kt * x.numpy()[:, 0, 0, :], rtol=1e-10, atol=1e-12)
        right_ok = np.allclose(y[:, -1, :], knn * x.numpy()[:, 0, -1, :], rtol=1e-10, atol=1e-12)
        # Clean: both hold. Faithful: x''_{N-1} is built from x'_0 (P13), which breaks the right
        # relation and, through K0N, the left one too.
        assert (left_ok, right_ok) == ((False, False) if faithful else (True, True))


def test_mollify_is_the_released_sequential_slice_writes():
    u = rnd(2, 8, 3, seed=1)
    ref = u.clone()
    ref[:, 1:5] = (ref[:, 0:4] + ref[:, 1:5] + ref[:, 2:6]) / 3
    ref[:, -5:-1] = (ref[:, -6:-2] + ref[:, -5:-1] + ref[:, -4:]) / 3
    torch.testing.assert_close(mollify(u, 1), ref, rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="at least 6 nodes"):
        mollify(rnd(2, 5, 3), 1)


def test_faithful_2d_output_is_enforced_then_mollified():
    m = model(2, "dirichlet", True)
    a, bc = grid_input(2), bc_for(2, "dirichlet", True)
    x, _ = m.latent(a, bc)
    pre = m.head(x).detach().clone()
    pre[:, 0], pre[:, -1] = bc["left"], bc["right"]
    pre[:, 1:5] = (pre[:, 0:4] + pre[:, 1:5] + pre[:, 2:6]) / 3
    pre[:, -5:-1] = (pre[:, -6:-2] + pre[:, -5:-1] + pre[:, -4:]) / 3
    torch.testing.assert_close(m(a, bc), pre, rtol=0, atol=1e-14)
    clean = model(2, "dirichlet", False)
    x, _ = clean.latent(a, bc)
    pre = clean.head(x).detach().clone()
    pre[:, 0], pre[:, -1] = bc["left"], bc["right"]
    torch.testing.assert_close(clean(a, bc), pre, rtol=0, atol=1e-14)


# ---------------------------------------------------------------- padding (P6, P19) and structure


@pytest.mark.parametrize("dims,pad", [(2, 9), (3, 6)])
def test_time_padding_and_zero_bc_on_padded_slots(dims, pad):
    m = model(dims, "dirichlet", True)
    bc = bc_for(dims, "dirichlet", True)
    x, _ = m.latent(grid_input(dims), bc)
    assert x.shape[2:] == ((NX, NT + pad) if dims == 2 else (NX, NY, NT + pad))  # t only
    left = x[:, :, 0, 1:-1] if dims == 3 else x[:, :, 0]
    want = bc["left"][:, 1:-1] if dims == 3 else bc["left"]
    torch.testing.assert_close(left[..., :NT], (2 * want[:, None]).expand_as(left[..., :NT]), rtol=0, atol=1e-13)
    assert float(left[..., NT:].detach().abs().max()) == 0  # two corrected paths, each zero on the pad (P19)
    per = model(dims, "periodic", True)
    assert per.padding == 0 and per.latent(grid_input(dims), {})[0].shape[-1] == NT


def test_parameter_count_is_base_plus_heads_and_registry():
    for dims, base_cls, d_in in [(2, FNO2d, 3), (3, FNO3d, 4)]:
        m = model(dims, "dirichlet", True)
        base = base_cls(modes=3, width=m.width, modes_t=2)
        w = m.width
        assert count_params(m) == count_params(base) + d_in * w + w + 128 * w + 128 + 129
    for name, cls, faithful in [("boon_fno2d", BOONFNO2d, True), ("boon_fno2d_clean", BOONFNO2d, False),
                                ("boon_fno3d", BOONFNO3d, True), ("boon_fno3d_clean", BOONFNO3d, False)]:
        built = build_model(name, bc_type="neumann", modes=2, width=2)
        assert isinstance(built, cls) and built.faithful is faithful
    assert isinstance(build_model("fno2d", modes=2, width=2), FNO2d)
    assert isinstance(build_model("fno3d", modes=2, width=2), FNO3d)
    torch.manual_seed(4)
    wrapped = BOONFNO2d(base={"modes": 2, "width": 3})
    torch.manual_seed(4)
    assert torch.equal(wrapped.base.conv1.weights1, FNO2d(modes=2, width=3).conv1.weights1)
    with pytest.raises(ValueError, match="base must be"):
        BOONFNO3d(base=FNO2d(modes=2, width=2))


# ---------------------------------------------------------------- BC validation


def test_bc_shapes_broadcast_and_bad_shapes_raise():
    m2 = model(2, "dirichlet", False)
    a2 = grid_input(2)
    u = m2(a2, {"left": 1.5, "right": torch.arange(NT, dtype=DT)})  # scalar, (n_t,)
    assert torch.equal(u[:, 0], torch.full((B, NT), 1.5, dtype=DT))
    assert torch.equal(u[:, -1], torch.arange(NT, dtype=DT).expand(B, NT))
    u = m2(a2, {"left": rnd(B, 1), "right": 0.0})  # per sample
    with pytest.raises(ValueError, match=r"'left' of shape \(2, 5\)"):
        m2(a2, {"left": rnd(B, NT + 1), "right": 0.0})
    with pytest.raises(ValueError, match="missing \\['right'\\]"):
        m2(a2, {"left": 0.0})
    with pytest.raises(ValueError, match="unexpected \\['top'\\]"):
        m2(a2, {"left": 0.0, "right": 0.0, "top": 0.0})
    with pytest.raises(ValueError, match="needs a dict"):
        m2(a2, None)
    with pytest.raises(ValueError, match="periodic BC takes no data"):
        model(2, "periodic", True)(a2, {"left": 0.0})
    m3 = model(3, "neumann", False)
    a3 = grid_input(3)
    ok = {"left": 0.0, "right": rnd(NT), "bottom": rnd(B, 1, 1), "top": rnd(B, NX, NT)}
    assert m3(a3, ok).shape == a3.shape
    with pytest.raises(ValueError, match=r"'bottom' of shape \(2, 8, 4\)"):
        m3(a3, {**ok, "bottom": rnd(B, NY, NT)})  # y-walls run along x (n_x = 9)
    with pytest.raises(ValueError, match="input a must have shape"):
        m3(grid_input(2), ok)
    with pytest.raises(ValueError, match="needs >= 5 nodes"):
        model(2, "neumann", False)(rnd(B, 4, NT), {"left": 0.0, "right": 0.0})
    with pytest.raises(ValueError, match="needs >= 6 nodes"):
        model(2, "dirichlet", True)(rnd(B, 5, NT), {"left": 0.0, "right": 0.0})


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("bc_type", TYPES)
def test_gradients_flow(dims, bc_type):
    for faithful in (True, False):
        m = model(dims, bc_type, faithful)
        m(grid_input(dims), bc_for(dims, bc_type, faithful)).pow(2).sum().backward()
        assert float(m.base.conv0.weights1.grad.abs().sum()) > 0
        assert float(m.base.w3.weight.grad.abs().sum()) > 0
        assert float(m.fc0.weight.grad.abs().sum()) > 0
        assert m.base.fc0.weight.grad is None  # the base's own heads are unused


def test_faithful_and_clean_differ():
    for dims in (2, 3):
        a, bc = grid_input(dims), bc_for(dims, "dirichlet", True)
        assert not torch.allclose(model(dims, "dirichlet", True)(a, bc), model(dims, "dirichlet", False)(a, bc))


def test_interior_gelu_skips_the_walls():
    x = rnd(2, 3, NX, NY, NT, seed=3)
    y = model(3, "dirichlet", True)._interior_gelu(x, first=2)
    inner = (slice(None), slice(None), slice(1, -1), slice(1, -1))
    torch.testing.assert_close(y[inner], torch.nn.functional.gelu(x[inner]), rtol=0, atol=1e-15)
    assert torch.equal(y[:, :, 0], x[:, :, 0]) and torch.equal(y[:, :, -1], x[:, :, -1])
    assert torch.equal(y[:, :, :, 0], x[:, :, :, 0]) and torch.equal(y[:, :, :, -1], x[:, :, :, -1])
    x2 = rnd(2, 3, NX, NT, seed=4)
    y2 = model(2, "neumann", False)._interior_gelu(x2, first=2)
    assert torch.equal(y2[:, :, 0], x2[:, :, 0]) and torch.equal(y2[:, :, -1], x2[:, :, -1])
    torch.testing.assert_close(y2[:, :, 1:-1], torch.nn.functional.gelu(x2[:, :, 1:-1]), rtol=0, atol=1e-15)
    assert torch.equal(model(2, "periodic", True)._interior_gelu(x2, first=2), torch.nn.functional.gelu(x2))


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("bc_type", ("dirichlet", "neumann"))
def test_skipping_t2_in_the_pointwise_path_changes_nothing(dims, bc_type):
    for faithful in (True, False):
        fast = model(dims, bc_type, faithful)
        torch.manual_seed(0)
        kwargs = dict(modes=3, width=fast.width, modes_t=2)
        ref = (BOONFNO2d if dims == 2 else BOONFNO3d)(bc_type=bc_type, faithful=faithful, length=LENGTH,
                                                       reference=True, **kwargs).double()
        ref.load_state_dict(fast.state_dict())
        a, bc = grid_input(dims), bc_for(dims, bc_type, faithful)
        u_fast, u_ref = fast(a, bc), ref(a, bc)
        torch.testing.assert_close(u_fast, u_ref, rtol=0, atol=1e-12)
        u_fast.pow(2).sum().backward()
        u_ref.pow(2).sum().backward()
        for (name, p), q in zip(fast.named_parameters(), ref.parameters()):
            if p.grad is not None:
                torch.testing.assert_close(p.grad, q.grad, rtol=1e-10, atol=1e-11, msg=name)


@pytest.mark.parametrize("dims", [2, 3])
def test_pivots_are_the_probes_of_the_layer_calls_and_the_clamp_rule(dims):
    from pcml.constraints.elimination import probe_kernel
    from pcml.constraints.boundary_nd import along
    m = model(dims, "dirichlet", faithful=True, seed=4)
    n_x = NX
    pivots = m.pivots(n_x)
    assert pivots.shape == (4, 2) and pivots.dtype == DT
    pad = m.padding
    shape = (B, m.width, NX, NT + pad) if dims == 2 else (B, m.width, NX, NY, NT + pad)
    for layer, (conv, _) in enumerate(m.base.fourier_layers()):
        probes = probe_kernel(along(conv, 2), torch.zeros(shape, dtype=DT).movedim(2, -1), full_batch=False)
        knn = probes.knn.flatten()[0]  # constant over t (an all-t impulse reaches only kt = 0)
        k_tilde = probes.k00.flatten()[0] - probes.kn0.flatten()[0] * probes.k0n.flatten()[0] / knn
        torch.testing.assert_close(pivots[layer], torch.stack((knn, k_tilde)), rtol=1e-10, atol=1e-14)
    probe = torch.tensor([[-0.01, 5e-5], [2e-4, -5e-5]], dtype=DT)
    faithful_rule = m.clamped(probe)  # 2-D: K < tol (P10); 3-D: |K| < tol
    expected = [[True, True], [False, True]] if dims == 2 else [[False, True], [False, True]]
    assert faithful_rule.tolist() == expected
    assert model(dims, "neumann", faithful=False).clamped(probe).tolist() == [[False, True], [False, True]]
    assert model(dims, "periodic", faithful=True).pivots(n_x).shape == (0, 2)
