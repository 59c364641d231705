"""PINO-lite loss (spec boon.md §4.3): BC residuals, FD PDE residuals, the combined loss."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from pcml.constraints.boundary import enforce_boundary
from pcml.evaluation.boon_metrics import boundary_residual, relative_l2_loss_sum
from pcml.problems.burgers_dirichlet import burgers_solution
from pcml.problems.heat_neumann import heat_solution
from pcml.problems.stokes import stokes_solution
from pcml.training.pino import bc_residual, pde_residual, pde_settings, pino_lite_loss, wall_flux

F64 = torch.float64


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


# ----------------------------------------------------------------------------- bc_residual

def test_hand_computed_small_case():
    # u = 16 x^2 on x = 0, 1/4, ..., 1: u = (0, 1, 4, 9, 16), h = 1/4.
    u = torch.tensor([[0.0, 1.0, 4.0, 9.0, 16.0]], dtype=F64)
    # left (1 - 0)/0.25 = 4; right (11*16 - 18*9 + 9*4 - 2*1)/(6*0.25) = 48/1.5 = 32 (exact u'(1) = 32)
    r = bc_residual(u, "neumann", {"left": 1.0, "right": 2.0})
    assert torch.allclose(r, torch.tensor([[3.0, 30.0]], dtype=F64), rtol=0, atol=1e-12)
    r = bc_residual(u, "dirichlet", {"left": 0.5, "right": 10.0})
    assert torch.equal(r, torch.tensor([[-0.5, 6.0]], dtype=F64))
    assert torch.equal(bc_residual(u, "periodic", None), torch.tensor([[-16.0]], dtype=F64))
    # length 2: h = 1/2, both fluxes halve
    r = bc_residual(u, "neumann", {"left": 0.0, "right": 0.0}, length=2.0)
    assert torch.allclose(r, torch.tensor([[2.0, 16.0]], dtype=F64), rtol=0, atol=1e-13)


def test_dirichlet_zero_when_walls_hold_the_values():
    b, n, nt, ny = 3, 9, 5, 7
    u = rand(b, n, nt)
    left, right = rand(b, nt, seed=1), rand(b, nt, seed=2)
    u[:, 0], u[:, -1] = left, right
    assert torch.equal(bc_residual(u, "dirichlet", {"left": left, "right": right}), torch.zeros(b, 2 * nt, dtype=F64))
    u2 = rand(b, n, ny, nt)
    walls = {"left": u2[:, 0].clone(), "right": u2[:, -1].clone(),
             "bottom": u2[:, :, 0].clone(), "top": u2[:, :, -1].clone()}
    r = bc_residual(u2, "dirichlet", walls)
    assert r.shape == (b, 2 * nt * (ny + n)) and torch.equal(r, torch.zeros_like(r))
    u2[1, 0, 3, 2] += 1.0  # one node of the left wall of sample 1 at y index 3, t index 2
    r = bc_residual(u2, "dirichlet", walls)
    assert r.abs().sum() == 1.0 and r[1, 3 * nt + 2] == 1.0  # left block first, (n_y, n_t) row-major


def test_neumann_exact_for_fields_linear_in_x_and_y():
    # u = c(t) + q(t) x + r(t) y + s(t) x y: du/dx = q + s y, du/dy = r + s x, reproduced exactly
    # by both one-sided stencils (first order is exact on linear functions).
    b, nx, ny, nt = 2, 6, 8, 4
    c, q, r, s = (rand(b, 1, 1, nt, seed=k) for k in range(4))
    x = torch.linspace(0, 1, nx, dtype=F64)[None, :, None, None]
    y = torch.linspace(0, 1, ny, dtype=F64)[None, None, :, None]
    u = c + q * x + r * y + s * x * y
    bc = {"left": (q + s * y)[:, 0], "right": (q + s * y)[:, 0],
          "bottom": (r + s * x)[:, :, 0], "top": (r + s * x)[:, :, 0]}
    res = bc_residual(u, "neumann", bc)
    assert res.shape == (b, 2 * nt * (ny + nx))
    assert res.abs().max() < 1e-12
    # a cubic in x: the third-order right stencil is exact, the first-order left one is not
    xs = torch.linspace(0, 1, 11, dtype=F64)
    low, high = wall_flux((xs ** 3)[None], 1, 0.1)
    assert abs(high.item() - 3.0) < 1e-12 and abs(low.item() - 0.01) < 1e-12


def test_neumann_zero_on_boon_enforced_fields():
    # what BOON's clean strict enforcement writes satisfies the stencils: residual 0 to round-off
    b, n, nt = 4, 12, 6
    g_left, g_right = rand(nt, seed=3), rand(b, nt, seed=4)
    raw = rand(b, nt, n)  # space last, as the correction module wants
    u = enforce_boundary(raw, "neumann", {"left": g_left, "right": g_right}, faithful=False).transpose(1, 2)
    r = bc_residual(u, "neumann", {"left": g_left, "right": g_right})
    assert r.abs().max() < 1e-12
    assert bc_residual(raw.transpose(1, 2), "neumann", {"left": g_left, "right": g_right}).abs().max() > 1e-2


@pytest.mark.parametrize("bc_type", ["dirichlet", "neumann", "periodic"])
@pytest.mark.parametrize("shape", [(5, 10), (5, 10, 7)])
def test_agrees_with_the_numpy_metric(bc_type, shape):
    u = rand(*shape)
    wall = shape[:1] + shape[2:]
    bc = None if bc_type == "periodic" else {"left": rand(*wall, seed=1), "right": rand(*wall, seed=2)}
    r = bc_residual(u, bc_type, bc, length=2.0)
    ref = boundary_residual(u.numpy(), bc_type, None if bc is None else {k: v.numpy() for k, v in bc.items()},
                            h=2.0 / (shape[1] - 1))
    expect = np.concatenate([v.reshape(shape[0], -1) for v in ref.values()], axis=1)
    np.testing.assert_allclose(r.numpy(), expect, rtol=0, atol=1e-12)


def test_bc_value_broadcasting():
    b, n, nt = 3, 6, 4
    u = rand(b, n, nt)
    per_time, per_sample = rand(nt, seed=1), rand(b, seed=2)
    r = bc_residual(u, "dirichlet", {"left": per_time, "right": per_sample})
    assert torch.equal(r[:, :nt], u[:, 0] - per_time[None])
    assert torch.equal(r[:, nt:], u[:, -1] - per_sample[:, None])
    r = bc_residual(u, "dirichlet", {"left": 2.0, "right": torch.tensor(3.0)})
    assert torch.equal(r, torch.cat((u[:, 0] - 2, u[:, -1] - 3), dim=1))
    # 2-D+t: a (batch, n_t) value is per sample and time, constant along the wall
    ny = 5
    u2 = rand(b, n, ny, nt)
    v = rand(b, nt, seed=5)
    walls = {"left": v, "right": 0.0, "bottom": 0.0, "top": 0.0}
    r = bc_residual(u2, "dirichlet", walls)
    assert torch.equal(r[:, : ny * nt].reshape(b, ny, nt), u2[:, 0] - v[:, None, :])


def test_bad_input_refused():
    u = rand(3, 6, 4)
    ok = {"left": 0.0, "right": 0.0}
    with pytest.raises(ValueError, match="'right'"):
        bc_residual(u, "dirichlet", {"left": 0.0, "right": torch.zeros(3, 5)})
    with pytest.raises(ValueError, match="'left'"):
        bc_residual(u, "neumann", {"left": torch.zeros(2), "right": 0.0})
    with pytest.raises(ValueError, match="missing \\['right'\\]"):
        bc_residual(u, "dirichlet", {"left": 0.0})
    with pytest.raises(ValueError, match="unexpected \\['lft'\\]"):
        bc_residual(u, "dirichlet", {**ok, "lft": 0.0})
    with pytest.raises(ValueError, match="'bottom'"):
        bc_residual(rand(3, 6, 5, 4), "dirichlet", ok)
    with pytest.raises(ValueError, match="'top'"):
        bc_residual(rand(3, 6, 5, 4), "dirichlet", {**ok, "bottom": 0.0, "top": torch.zeros(3, 5, 4)})
    with pytest.raises(ValueError, match="periodic BC takes no data"):
        bc_residual(u, "periodic", ok)
    with pytest.raises(ValueError, match="bc_type"):
        bc_residual(u, "robin", ok)
    with pytest.raises(ValueError, match="shape"):
        bc_residual(rand(3), "dirichlet", ok)
    with pytest.raises(ValueError, match=">= 4 nodes"):
        bc_residual(rand(3, 3), "neumann", ok)
    with pytest.raises(ValueError, match="floating-point"):
        bc_residual(torch.zeros(3, 6, dtype=torch.long), "dirichlet", ok)
    with pytest.raises(ValueError, match="length"):
        bc_residual(u, "neumann", ok, length=0.0)


# ----------------------------------------------------------------------------- pde_residual

def test_pde_residual_exact_on_polynomials():
    # central differences are exact on quadratics: u = x^2 + t gives u_t = 1, u_xx = 2
    x = torch.linspace(0, 1, 7, dtype=F64)[:, None]
    t = 0.1 * torch.arange(5, dtype=F64)[None, :]
    u = (x ** 2 + t)[None].repeat(2, 1, 1)
    r = pde_residual(u, "heat", dx=1 / 6, dt=0.1, params={"k": 0.25})
    assert r.shape == (2, 5, 3)
    assert torch.allclose(r, torch.full_like(r, 0.5), rtol=0, atol=1e-12)
    # per-sample coefficient
    r = pde_residual(u, "stokes", dx=1 / 6, dt=0.1, params={"nu": torch.tensor([0.25, 0.5], dtype=F64)})
    assert torch.allclose(r[0], torch.full_like(r[0], 0.5), atol=1e-12)
    assert torch.allclose(r[1], torch.zeros_like(r[1]), atol=1e-12)
    # Burgers on u = x: u_t = 0, u u_x = x, u_xx = 0, residual = x at the interior nodes
    ub = x.expand(7, 5)[None].clone()
    r = pde_residual(ub, "burgers", dx=1 / 6, dt=0.1, params={"nu": 3.0})
    assert torch.allclose(r[0], x[1:-1].expand(5, 3), atol=1e-12)


def _xgrid(n, periodic):
    return np.arange(n) / n if periodic else np.linspace(0, 1, n)


STOKES = (lambda x, t: stokes_solution(np.array([5.0, 3.0]), x, t, 0.1, 2.0), "stokes", 0.1, False)
HEAT = (lambda x, t: heat_solution(np.array([3.3, 2.2]), x, t, 0.01, 5.0), "heat", 0.01, False)
BURGERS = (lambda x, t: burgers_solution(np.array([3.0]), np.array([[1.0, -0.5, 0.3, 0.2]]),
                                         np.array([[0.3, 1.0, 2.0, 0.5]]), x, t, 0.1), "burgers", 0.1, False)
# Cole-Hopf with only even terms (wavenumbers 2 pi, 4 pi): an exact 1-periodic Burgers solution
BURGERS_PER = (lambda x, t: burgers_solution(np.array([3.0]), np.array([[0.0, -0.5, 0.0, 0.2]]),
                                             np.array([[0.3, 1.0, 2.0, 0.5]]), x, t, 0.1), "burgers", 0.1, True)
EXACT = {"stokes": STOKES, "heat": HEAT, "burgers": BURGERS, "burgers_periodic": BURGERS_PER}


def _residual(case, n, dt, coef=None, t0=0.45, at_half=False):
    """max |r| over the grid, or |r| at x = 0.5 (a node of every grid used), at the one time level t0."""
    fn, pde, c, periodic = case
    x = _xgrid(n, periodic)
    u = torch.as_tensor(fn(x, t0 + dt * np.arange(-1, 2)))
    name = "k" if pde == "heat" else "nu"
    r = pde_residual(u, pde, dx=x[1] - x[0], dt=dt, params={name: c if coef is None else coef}, periodic=periodic)
    if not at_half:
        return r.abs().max().item()
    j = int(np.argmin(abs(x - 0.5)))
    assert x[j] == 0.5
    return r[:, j - (0 if periodic else 1), 0].abs().max().item()


@pytest.mark.parametrize("name", list(EXACT))
def test_exact_solutions_second_order_in_x(name):
    # dt small: the time error (~1e-7) is far below the space error; the point x = 0.5 avoids the
    # pre-asymptotic wander of the max-norm near the Stokes layer
    case = EXACT[name]
    per = case[3]
    errs = [_residual(case, n - per, 1e-4, at_half=True) for n in (33, 65, 129)]
    assert errs[-1] < 1e-3
    for coarse, fine in zip(errs, errs[1:]):
        assert 3.8 < coarse / fine < 4.2, errs


@pytest.mark.parametrize("name", list(EXACT))
def test_exact_solutions_second_order_in_t(name):
    # fine x grid: the space error (~1e-6) is far below the time error
    case = EXACT[name]
    errs = [_residual(case, 2049 - case[3], dt) for dt in (0.04, 0.02, 0.01)]
    assert errs[-1] < 5e-3
    for coarse, fine in zip(errs, errs[1:]):
        assert 3.8 < coarse / fine < 4.2, errs


@pytest.mark.parametrize("name", list(EXACT))
def test_wrong_coefficient_gives_a_large_residual(name):
    case = EXACT[name]
    n = 129 - case[3]
    right = _residual(case, n, 0.005)
    wrong = _residual(case, n, 0.005, coef=2 * case[2])
    assert right < 1e-3 and wrong > 100 * right


def test_periodic_overwritten_last_node():
    fn, pde, c, _ = BURGERS_PER
    n = 64
    x = _xgrid(n, True)
    u = torch.as_tensor(fn(x, 0.45 + 0.005 * np.arange(-1, 2)))
    kw = dict(dx=1 / n, dt=0.005, params={"nu": c})
    full = pde_residual(u, pde, periodic=True, **kw)
    assert full.shape == (1, n, 1) and full.abs().max() < 1e-3
    u[:, -1] = u[:, 0]  # the notebook's P4 overwrite
    wrapped = pde_residual(u, pde, periodic=True, **kw)
    kept = pde_residual(u, pde, periodic=True, overwritten_last=True, **kw)
    assert wrapped.abs().max() > 1.0  # the wrap sees the jump
    assert kept.shape == (1, n - 3, 1) and torch.equal(kept, full[:, 1:-2])
    with pytest.raises(ValueError, match="periodic"):
        pde_residual(u, pde, overwritten_last=True, **kw)


def test_pde_residual_bad_input():
    u = rand(2, 8, 5)
    with pytest.raises(ValueError, match="pde must be"):
        pde_residual(u, "wave", dx=0.1, dt=0.1, params={"nu": 1.0})
    with pytest.raises(ValueError, match="params\\['k'\\]"):
        pde_residual(u, "heat", dx=0.1, dt=0.1, params={"nu": 1.0})
    with pytest.raises(ValueError, match="params\\['nu'\\]"):
        pde_residual(u, "stokes", dx=0.1, dt=0.1, params={"nu": torch.ones(3)})
    with pytest.raises(ValueError, match="dt must be > 0"):
        pde_residual(u, "stokes", dx=0.1, dt=None, params={"nu": 1.0})
    with pytest.raises(ValueError, match="dx must be > 0"):
        pde_residual(u, "stokes", dx=0.0, dt=0.1, params={"nu": 1.0})
    with pytest.raises(ValueError, match="n_t >= 3"):
        pde_residual(u[:, :, :2], "stokes", dx=0.1, dt=0.1, params={"nu": 1.0})
    with pytest.raises(ValueError, match="n_x, n_t"):
        pde_residual(rand(2, 8), "stokes", dx=0.1, dt=0.1, params={"nu": 1.0})


# ----------------------------------------------------------------------------- pino_lite_loss

def test_loss_value_is_the_sum_of_its_terms():
    b, n, nt = 3, 10, 6
    true, pred = rand(b, n, nt), rand(b, n, nt, seed=1)
    bc = {"left": rand(b, nt, seed=2), "right": rand(nt, seed=3)}
    rel = relative_l2_loss_sum(pred, true)
    rbc = bc_residual(pred, "dirichlet", bc).square().mean()
    kw = dict(dx=1 / 9, dt=0.01, params={"nu": 0.1})
    rpde = pde_residual(pred, "stokes", **kw).square().mean()
    assert torch.equal(pino_lite_loss(pred, true, "dirichlet", bc, lambda_bc=0.0), rel)
    assert torch.allclose(pino_lite_loss(pred, true, "dirichlet", bc), rel + rbc, rtol=1e-14, atol=0)
    loss = pino_lite_loss(pred, true, "dirichlet", bc, lambda_bc=0.5, lambda_pde=2.0, pde="stokes", **kw)
    assert loss.ndim == 0
    assert torch.allclose(loss, rel + 0.5 * rbc + 2.0 * rpde, rtol=1e-14, atol=0)
    # periodic: the PDE term wraps in x
    rper = pde_residual(pred, "stokes", periodic=True, **kw).square().mean()
    loss = pino_lite_loss(pred, true, "periodic", None, pde="stokes", **kw)
    assert torch.allclose(loss, rel + bc_residual(pred, "periodic").square().mean() + rper, rtol=1e-14, atol=0)


def test_loss_is_differentiable():
    b, n, nt = 2, 7, 5
    true = rand(b, n, nt)
    bc = {"left": 0.3, "right": rand(nt, seed=4)}
    pred = rand(b, n, nt, seed=5).requires_grad_()
    kw = dict(pde="heat", dx=1 / 6, dt=0.1, params={"k": 0.05})
    assert torch.autograd.gradcheck(lambda p: pino_lite_loss(p, true, "neumann", bc, **kw), (pred,))
    loss = pino_lite_loss(pred, true, "neumann", bc, **kw)
    loss.backward()
    assert torch.isfinite(pred.grad).all() and pred.grad[:, 0].abs().sum() > 0  # the wall nodes get gradient


def test_loss_bad_input():
    u = rand(2, 8, 5)
    with pytest.raises(ValueError, match="same shape"):
        pino_lite_loss(u, u[:, :-1], "periodic", None)
    with pytest.raises(ValueError, match="1-D\\+t"):
        pino_lite_loss(u[:, :, 0], u[:, :, 0], "periodic", None, pde="heat", dx=0.1, dt=0.1, params={"k": 1.0})
    with pytest.raises(ValueError, match="dx must be > 0"):
        pino_lite_loss(u, u, "periodic", None, pde="heat", dt=0.1, params={"k": 1.0})
    with pytest.raises(ValueError, match="lambda_bc"):
        pino_lite_loss(u, u, "periodic", None, lambda_bc=-1.0)
    with pytest.raises(ValueError, match="bc_type"):
        pino_lite_loss(u, u, "robin", None, lambda_bc=0.0)


# ----------------------------------------------------------------------------- pde_settings

def _datasets():
    from pcml.data.boon_1d import make_burgers_dirichlet, make_heat_neumann, make_stokes
    from pcml.data.boon_periodic import make_burgers_periodic
    per = dict(multi_step=True, nu=0.1, n_fine=256, dt=1e-3, seed=0)
    return [make_heat_neumann(3, 129, multi_step=True, seed=0),
            make_stokes(3, 129, multi_step=True, nu=0.1, seed=0),
            make_burgers_dirichlet(3, 129, multi_step=True, nu=0.1, seed=0),
            make_burgers_periodic(3, 128, **per),
            make_burgers_periodic(3, 128, overwrite_last=False, **per)]


def test_pde_settings_fit_the_datasets():
    expect = [("heat", "k", 0.01, 0.5 / 199, False), ("stokes", "nu", 0.1, 1.2 / 199, False),
              ("burgers", "nu", 0.1, 1.0 / 199, False), ("burgers", "nu", 0.1, 0.01, True),
              ("burgers", "nu", 0.1, 0.01, False)]
    for ds, (pde, name, coef, dt, over) in zip(_datasets(), expect):
        s = pde_settings(ds)
        assert s["pde"] == pde and s["params"] == {name: coef} and s["overwritten_last"] is over
        assert abs(s["dt"] - dt) < 1e-12 and abs(s["dx"] - 1 / 128) < 1e-15
        u = torch.as_tensor(ds["u"].values)
        bc_type = ds.attrs["bc_type"]
        bc = ({} if bc_type == "periodic" else
              {"left": torch.as_tensor(ds["flux_left" if bc_type == "neumann" else "bc_left"].values),
               "right": torch.as_tensor(ds["flux_right" if bc_type == "neumann" else "bc_right"].values)})
        # the data's own PDE term is small; twice the coefficient makes it large
        good = pino_lite_loss(u, u, bc_type, bc, lambda_bc=0.0, **s)
        wrong = pino_lite_loss(u, u, bc_type, bc, lambda_bc=0.0, **{**s, "params": {name: 2 * coef}})
        assert good < 1e-4 * wrong, (ds.attrs["experiment"], good, wrong)
        if bc_type == "dirichlet":  # the Dirichlet data are the target's walls: exactly zero
            assert pino_lite_loss(u, u, bc_type, bc, lambda_pde=0.0, **s) == 0


def test_pde_settings_refuses_single_step_and_unknown():
    from pcml.data.boon_1d import make_stokes
    ds = make_stokes(2, 17, multi_step=False, nu=0.1, seed=0)
    with pytest.raises(ValueError, match="multi-step"):
        pde_settings(ds)
    ds.attrs["experiment"] = "NV_Dir_3D"
    with pytest.raises(ValueError, match="NV_Dir_3D"):
        pde_settings(ds)
