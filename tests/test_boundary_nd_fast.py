"""The fast 2-D/3-D corrected spectral layer (pcml.constraints.boundary_kernels_nd) equals the
straightforward one (CorrectionND(reference=True): impulse probes and full layer calls), in value
and gradient, for every BC type, in 2-D and 3-D, faithful and clean (float64)."""
from __future__ import annotations

import warnings

import pytest
import torch

from pcml.constraints.boundary_kernels_nd import SpectralWallKernel, eliminated_output, is_spectral_nd
from pcml.constraints.boundary import enforce_boundary
from pcml.constraints.boundary_nd import CorrectionND, Wall, along, enforce_walls, mollify
from pcml.constraints.elimination import probe_kernel
from pcml.models.boon_nd import BOONFNO2d, BOONFNO3d
from pcml.models.spectral_nd import SpectralConv2d, SpectralConv3d

BC = ("dirichlet", "neumann", "periodic")
# (channels, grid, modes): modes at or near the limits n//2 (x, y) and n//2+1 (t), odd and even sizes,
# and time axes as padded by the models (n_t + 9 in 2-D, + 6 in 3-D).
CASES_2D = [(3, (11, 14), (5, 8)), (2, (12, 9), (6, 5)), (4, (8, 5 + 9), (3, 2))]
CASES_3D = [(2, (7, 8, 11), (3, 4, 6)), (3, (8, 6, 5 + 6), (4, 3, 3))]


def _layer(spatial_dims: int, c: int, modes: tuple[int, ...], seed: int) -> torch.nn.Module:
    torch.manual_seed(seed)
    layer = (SpectralConv2d(c, c, *modes) if spatial_dims == 1 else SpectralConv3d(c, c, *modes)).double()
    with torch.no_grad():  # weights of both signs and of order one, so no probe sits at the clamp
        for p in layer.parameters():
            p.normal_()
    return layer


def _walls(x: torch.Tensor, spatial_dims: int, bc_type: str) -> list[Wall]:
    walls = []
    for axis in range(2, 2 + spatial_dims):
        if bc_type == "periodic":
            walls.append(Wall(axis, None, None))
            continue
        shape = x.movedim(axis, -1).shape[:-1]
        shape = (shape[0], 1) + shape[2:]
        walls.append(Wall(axis, torch.randn(shape, dtype=x.dtype), torch.randn(shape, dtype=x.dtype)))
    return walls


def _cases():
    for bc in BC:
        for faithful in (True, False):
            for spatial_dims, cases in ((1, CASES_2D), (2, CASES_3D)):
                for i, case in enumerate(cases):
                    yield pytest.param(bc, faithful, spatial_dims, case, id=f"{bc}-{faithful}-{spatial_dims + 1}d-{i}")


@pytest.mark.parametrize("bc_type, faithful, spatial_dims, case", list(_cases()))
def test_fast_layer_equals_reference(bc_type, faithful, spatial_dims, case):
    c, grid, modes = case
    layer = _layer(spatial_dims, c, modes, seed=len(grid) + sum(grid))
    fast = CorrectionND(layer, bc_type, faithful, spatial_dims)
    ref = CorrectionND(layer, bc_type, faithful, spatial_dims, reference=True)
    assert (fast.wall_kernel is not None) and ref.wall_kernel is None
    torch.manual_seed(1)
    x = torch.randn((3, c) + grid, dtype=torch.float64)
    walls = _walls(x, spatial_dims, bc_type)
    xs = [x.clone().requires_grad_(True) for _ in range(2)]
    outs = [corr(z, walls) for corr, z in zip((fast, ref), xs)]
    scale = outs[1].abs().max().item()
    assert scale > 1
    torch.testing.assert_close(outs[0], outs[1], rtol=0, atol=1e-12 * scale)
    g = torch.randn_like(outs[0])
    params = list(layer.parameters())
    grads = [torch.autograd.grad(o, [z, *params], g) for o, z in zip(outs, xs)]
    for a, b in zip(*grads):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10 * max(1.0, b.abs().max().item()))


@pytest.mark.parametrize("spatial_dims, case", [(1, CASES_2D[0]), (2, CASES_3D[0])])
@pytest.mark.parametrize("full_batch", [True, False])
def test_analytic_probes_equal_impulse_probes(spatial_dims, case, full_batch):
    c, grid, modes = case
    layer = _layer(spatial_dims, c, modes, seed=3)
    x = torch.randn((4, c) + grid, dtype=torch.float64)
    called = probe_kernel(along(layer, 2), x.movedim(2, -1), full_batch=full_batch)
    kernel = SpectralWallKernel(layer)
    analytic = kernel.probes(grid[0], kernel.weights(torch.complex128))
    for a, b in zip(analytic, called):  # the impulse responses are constant over t
        torch.testing.assert_close(a.expand_as(b), b, rtol=0, atol=1e-13)


@pytest.mark.parametrize("cls, grid, kw", [
    (BOONFNO2d, (12, 6), dict(modes=5, width=4, modes_t=7)),
    (BOONFNO3d, (8, 7, 4), dict(modes=3, width=3, modes_t=5)),
])
@pytest.mark.parametrize("bc_type", BC)
@pytest.mark.parametrize("faithful", [True, False])
def test_models_fast_equal_reference(cls, grid, kw, bc_type, faithful):
    if bc_type == "periodic":  # no time padding: the t modes must fit the bare grid
        kw = dict(kw, modes_t=grid[-1] // 2 + 1)
    torch.manual_seed(0)
    fast = cls(bc_type=bc_type, faithful=faithful, **kw).double()
    ref = cls(bc_type=bc_type, faithful=faithful, reference=True, **kw).double()
    ref.load_state_dict(fast.state_dict())
    a = torch.randn((2,) + grid, dtype=torch.float64)
    if bc_type == "periodic":
        bc = {}
    elif cls is BOONFNO2d:
        bc = {"left": torch.randn(2, grid[-1], dtype=torch.float64), "right": 0.3}
    else:
        bc = {"left": torch.randn(2, grid[1], grid[2], dtype=torch.float64), "right": 0.3,
              "bottom": torch.randn(grid[2], dtype=torch.float64), "top": -0.2}
    u_fast, u_ref = fast(a, bc), ref(a, bc)
    torch.testing.assert_close(u_fast, u_ref, rtol=0, atol=1e-10 * max(1.0, u_ref.abs().max().item()))
    g = torch.randn_like(u_ref)
    names = [k for k, p in fast.named_parameters()]
    grads = [torch.autograd.grad(u, list(m.parameters()), g, allow_unused=True)
             for u, m in ((u_fast, fast), (u_ref, ref))]
    for name, gf, gr in zip(names, *grads):
        if gr is None:  # the base model's unused heads
            assert gf is None, name
            continue
        torch.testing.assert_close(gf, gr, rtol=0, atol=1e-9 * max(1.0, gr.abs().max().item()), msg=name)


def test_kernel_rejects_other_layers():
    assert not is_spectral_nd(torch.nn.Conv2d(2, 2, 1))
    assert is_spectral_nd(SpectralConv2d(2, 2, 2, 2), 2) and not is_spectral_nd(SpectralConv2d(2, 2, 2, 2), 3)
    with pytest.raises(ValueError, match="SpectralConvNd"):
        SpectralWallKernel(torch.nn.Conv2d(2, 2, 1))
    layer = SpectralConv2d(2, 2, 4, 2).double()
    with pytest.raises(ValueError, match="modes=4"):  # 4 > 6 // 2: the layer's own grid check
        eliminated_output(SpectralWallKernel(layer), torch.zeros(1, 2, 6, 5, dtype=torch.float64), 1e-4,
                          signed_clamp=False, right_from_first=False)
    with pytest.raises(ValueError, match="expected"):
        eliminated_output(SpectralWallKernel(layer), torch.zeros(1, 3, 9, 5, dtype=torch.float64), 1e-4,
                          signed_clamp=False, right_from_first=False)


@pytest.mark.parametrize("shape, first, n_axes", [((3, 4, 9, 7), 2, 1), ((2, 3, 6, 5, 4), 2, 2),
                                                  ((2, 9, 7, 16), 1, 1), ((2, 6, 5, 4, 8), 1, 2)])
def test_interior_gelu_equals_the_mask_form(shape, first, n_axes):
    from pcml.models.boon_nd import _InteriorGelu
    torch.manual_seed(0)
    x = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    mask = torch.zeros(shape[first:first + n_axes], dtype=torch.bool)
    mask[(slice(1, -1),) * n_axes] = True
    mask = mask.reshape(mask.shape + (1,) * (len(shape) - first - n_axes))
    outs = [torch.where(mask, torch.nn.functional.gelu(x), x), _InteriorGelu.apply(x, first, n_axes)]
    assert torch.equal(outs[0], outs[1])
    g = torch.randn_like(outs[0])
    assert torch.equal(*[torch.autograd.grad(o, x, g)[0] for o in outs])


@pytest.mark.parametrize("shape, axis", [((2, 3, 11, 7), 2), ((2, 3, 12, 7), 2), ((2, 3, 40, 7), 2),
                                         ((2, 30, 5), 1), ((2, 8, 3), 1)])
def test_mollify_equals_the_two_slice_writes(shape, axis):
    """The gathered form of the mollifier (n >= 2k + 1) equals the released two in-place slice writes."""
    from pcml.constraints.boundary_nd import mollify
    k = 5
    torch.manual_seed(0)
    u = torch.randn(shape, dtype=torch.float64, requires_grad=True)
    ref = u.movedim(axis, -1).clone()
    n = ref.shape[-1]
    ref[..., 1:k] = (ref[..., 0:k - 1] + ref[..., 1:k] + ref[..., 2:k + 1]).clone() / 3
    ref[..., n - k:n - 1] = (ref[..., n - k - 1:n - 2] + ref[..., n - k:n - 1] + ref[..., n - k + 1:n]).clone() / 3
    ref = ref.movedim(-1, axis)
    out = mollify(u, axis, k)
    assert torch.equal(out, ref)
    g = torch.randn_like(out)
    torch.testing.assert_close(*[torch.autograd.grad(o, u, g)[0] for o in (out, ref)], rtol=0, atol=1e-15)


def _sequential_walls(u, bc_type, walls, faithful, mollifier):
    """The straightforward T1: one enforce_boundary (a full copy) per wall pair, then the mollifier."""
    for wall in walls:
        data = None if bc_type == "periodic" else {"left": wall.low, "right": wall.high}
        u = enforce_boundary(u.movedim(wall.axis, -1), bc_type, data, faithful=faithful).movedim(-1, wall.axis)
    return mollify(u, walls[0].axis) if mollifier and bc_type == "dirichlet" else u


@pytest.mark.parametrize("bc_type", BC)
@pytest.mark.parametrize("faithful", [True, False])
@pytest.mark.parametrize("shape, n_walls", [((2, 3, 9, 7), 1), ((2, 3, 8, 9, 5), 2), ((2, 3, 6, 5, 4), 2)])
@pytest.mark.parametrize("scale", [1.0, 0.5])
def test_walls_in_one_copy_bit_identical_to_one_copy_per_wall(bc_type, faithful, shape, n_walls, scale):
    # enforce_walls writes every wall pair into one copy (set_ends_along), with the Neumann halving folded
    # in (scale=0.5): values and gradients (of u and of the wall data) must be bit-identical to one
    # enforce_boundary per wall pair followed by scale * (...).
    gen = torch.Generator().manual_seed(3)
    u = torch.randn(shape, generator=gen, dtype=torch.float64, requires_grad=True)
    walls = []
    for axis in range(2, 2 + n_walls):
        wall_shape = u.movedim(axis, -1).shape[:-1]
        if bc_type == "periodic":
            walls.append(Wall(axis, None, None))
        else:
            walls.append(Wall(axis, *(torch.randn(wall_shape, generator=gen, dtype=torch.float64,
                                                  requires_grad=True) for _ in range(2))))
    mollifier = faithful and n_walls == 1 and bc_type == "dirichlet"
    weight = torch.randn(shape, generator=gen, dtype=torch.float64)
    leaves = [u] + [v for w in walls for v in (w.low, w.high) if v is not None]

    def run(fast: bool):
        with warnings.catch_warnings():  # faithful Neumann with g_L != 0 warns (P12), both ways alike
            warnings.simplefilter("ignore")
            out = (enforce_walls(u, bc_type, walls, faithful, 1.0, mollifier, scale=scale) if fast
                   else scale * _sequential_walls(u, bc_type, walls, faithful, mollifier))
        return out, torch.autograd.grad((out * weight).sum(), leaves)

    (fast, g_fast), (ref, g_ref) = run(True), run(False)
    assert torch.equal(fast, ref)
    assert all(torch.equal(a, b) for a, b in zip(g_fast, g_ref, strict=True))
    with torch.no_grad():  # the no-graph path (predictions) too
        assert torch.equal(enforce_walls(u, bc_type, walls, faithful, 1.0, mollifier, scale=scale), ref)
