"""BOON metrics against values computed by hand on tiny arrays."""
import numpy as np
import pytest
import torch

from pcml.evaluation.boon_metrics import (
    boundary_error, boundary_residual, derivative_profile, neumann_flux, neumann_flux_2nd_order,
    relative_l2, relative_l2_loss_sum,
)


def test_relative_l2_by_hand():
    true = np.array([[3.0, 4.0], [1.0, 0.0]])
    pred = np.array([[3.0, 5.0], [0.0, 0.0]])
    np.testing.assert_allclose(relative_l2(pred, true), [0.2, 1.0], rtol=1e-15)
    # over all non-batch axes (space and time), torch input
    t3 = torch.tensor([[[1.0, 2.0], [2.0, 4.0]]])  # norm 5
    p3 = t3 + torch.tensor([[[0.0, 3.0], [0.0, 4.0]]])  # error norm 5
    out = relative_l2(p3, t3)
    assert out.dtype == np.float64 and out.shape == (1,)
    np.testing.assert_allclose(out, [1.0], rtol=1e-15)
    with pytest.raises(ValueError, match="same shape"):
        relative_l2(pred, true[:, :1])


def test_relative_l2_loss_sum_is_the_batch_sum_and_differentiable():
    true = torch.tensor([[3.0, 4.0], [1.0, 0.0]], dtype=torch.float64)
    pred = torch.tensor([[3.0, 5.0], [0.0, 0.0]], dtype=torch.float64, requires_grad=True)
    loss = relative_l2_loss_sum(pred, true)
    assert loss.ndim == 0
    torch.testing.assert_close(loss, torch.tensor(1.2, dtype=torch.float64), rtol=1e-15, atol=0)
    loss.backward()
    # d/dp ||p - t|| / ||t|| = (p - t) / (||p - t|| ||t||): sample 0 -> [0, 1/5], sample 1 -> [-1, 0]
    torch.testing.assert_close(pred.grad, torch.tensor([[0.0, 0.2], [-1.0, 0.0]], dtype=torch.float64))


def test_dirichlet_and_periodic_residuals_by_hand():
    u = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [0.0, 1.0, 1.0, 1.0, 2.0]])
    res = boundary_residual(u, "dirichlet", {"left": 0.5, "right": np.array([6.0, 2.0])})
    np.testing.assert_array_equal(res["left"], [0.5, -0.5])
    np.testing.assert_array_equal(res["right"], [-1.0, 0.0])
    np.testing.assert_allclose(boundary_error(u, "dirichlet", {"left": 0.5, "right": np.array([6.0, 2.0])}),
                               [np.sqrt((0.25 + 1.0) / 2), np.sqrt(0.25 / 2)])
    per = boundary_residual(u, "periodic")
    np.testing.assert_array_equal(per["ends"], [-4.0, -2.0])
    np.testing.assert_array_equal(boundary_error(u, "periodic"), [4.0, 2.0])


def test_neumann_stencils_by_hand():
    x = np.linspace(0, 1, 5)  # h = 0.25
    u = np.stack([x**2, x**3])
    flux = neumann_flux(u)
    # left first order: (u1 - u0)/h = h for x^2, h^2 for x^3; right third order: exact for cubics
    np.testing.assert_allclose(flux["left"], [0.25, 0.0625], rtol=1e-14)
    np.testing.assert_allclose(flux["right"], [2.0, 3.0], rtol=1e-13)
    f2 = neumann_flux_2nd_order(u)
    # 2nd order: exact for quadratics; for x^3, left = (4 h^3 - 8 h^3)/(2h) = -2 h^2, right = 3 - 2 h^2
    np.testing.assert_allclose(f2["left"], [0.0, -0.125], atol=1e-14)
    np.testing.assert_allclose(f2["right"], [2.0, 2.875], rtol=1e-14)
    res = boundary_residual(u, "neumann", {"left": 0.0, "right": np.array([2.0, 3.0])})
    np.testing.assert_allclose(res["left"], [0.25, 0.0625], rtol=1e-14)
    np.testing.assert_allclose(res["right"], [0.0, 0.0], atol=1e-13)
    res2 = boundary_residual(u, "neumann", {"left": 0.0, "right": 2.0}, stencil="second_order")
    np.testing.assert_allclose(res2["right"], [0.0, 0.875], atol=1e-13)
    np.testing.assert_allclose(boundary_error(u, "neumann", {"left": 0.0, "right": np.array([2.0, 3.0])}),
                               [0.25 / np.sqrt(2), 0.0625 / np.sqrt(2)], rtol=1e-12)
    # an explicit h scales the flux
    np.testing.assert_allclose(neumann_flux(u, h=0.5)["left"], [0.125, 0.03125], rtol=1e-14)


def test_residuals_with_time_axis_and_global_flux():
    x = np.linspace(0, 1, 6)
    t_levels = np.array([0.0, 1.0, 2.0])
    u = (x[None, :, None] ** 2) * t_levels[None, None, :] * np.ones((2, 1, 1))  # (2, 6, 3)
    flux_right = 2.0 * t_levels  # global per-time flux (n_t,)
    res = boundary_residual(u, "neumann", {"left": 0.0, "right": flux_right})
    assert res["right"].shape == (2, 3)
    np.testing.assert_allclose(res["right"], 0.0, atol=1e-12)
    np.testing.assert_allclose(res["left"], np.broadcast_to(0.2 * t_levels, (2, 3)), rtol=1e-13)
    expected = np.sqrt(np.sum((0.2 * t_levels) ** 2) / 6)  # RMS over 2 walls x 3 times
    np.testing.assert_allclose(boundary_error(u, "neumann", {"left": 0.0, "right": flux_right}),
                               [expected, expected], rtol=1e-12)
    dres = boundary_residual(u, "dirichlet", {"left": np.zeros((2, 1)), "right": np.array([[0.0], [1.0]])})
    np.testing.assert_allclose(dres["right"], [[0.0, 1.0, 2.0], [-1.0, 0.0, 1.0]])


def test_derivative_profile_by_hand():
    x = np.linspace(0, 1, 5)
    du = derivative_profile(torch.tensor(x**2)[None])
    assert du.shape == (1, 5) and du.dtype == np.float64
    np.testing.assert_allclose(du[0], [0.25, 0.5, 1.0, 1.5, 2.0], rtol=1e-13)


def test_metric_bad_input_raises():
    u = np.zeros((2, 5))
    with pytest.raises(ValueError, match="left"):
        boundary_residual(u, "dirichlet", {"right": 0.0})
    with pytest.raises(ValueError, match="wall shape"):
        boundary_residual(u, "dirichlet", {"left": np.zeros(3), "right": 0.0})
    with pytest.raises(ValueError, match="bc_type"):
        boundary_residual(u, "robin", {})
    with pytest.raises(ValueError, match="stencil"):
        boundary_residual(u, "neumann", {"left": 0.0, "right": 0.0}, stencil="fourth")
    with pytest.raises(ValueError, match="n >= 4"):
        neumann_flux(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="h must be > 0"):
        neumann_flux(u, h=0.0)


def test_two_d_walls_residuals_and_stencils_by_hand():
    from pcml.evaluation.boon_metrics import wall_derivative, wall_mean_abs

    x = np.linspace(0, 1, 5)  # h = 0.25
    y = np.linspace(0, 1, 6)  # h = 0.2
    u = (x[:, None] ** 3 + 2 * y[None, :] ** 2)[None, :, :, None] * np.array([1.0, 2.0])  # (1, 5, 6, 2)
    # third-order backward is exact for cubics: du/dx(1) = 3 t, du/dy(1) = 4 t
    np.testing.assert_allclose(wall_derivative(u, "right", n_space=2), np.broadcast_to([3.0, 6.0], (1, 6, 2)),
                               rtol=1e-12)
    np.testing.assert_allclose(wall_derivative(u, "top", n_space=2), np.broadcast_to([4.0, 8.0], (1, 5, 2)),
                               rtol=1e-12)
    # first-order forward: (u1 - u0)/h = h^2 (x^3 at x = 0), 2 h (2 y^2 at y = 0)
    np.testing.assert_allclose(wall_derivative(u, "left", n_space=2), np.broadcast_to([0.0625, 0.125], (1, 6, 2)),
                               rtol=1e-12)
    np.testing.assert_allclose(wall_derivative(u, "bottom", n_space=2), np.broadcast_to([0.4, 0.8], (1, 5, 2)),
                               rtol=1e-12)
    # second order, bottom: exact for quadratics in y -> 0
    np.testing.assert_allclose(wall_derivative(u, "bottom", stencil="second_order", n_space=2), 0.0, atol=1e-12)
    res = boundary_residual(u, "neumann", {"left": 0.0, "right": 3.0 * np.array([1.0, 2.0]), "bottom": 0.0,
                                           "top": np.array([4.0, 8.0])}, n_space=2)
    # Neumann walls in 2-D leave out their two corner nodes
    assert set(res) == {"left", "right", "bottom", "top"} and res["bottom"].shape == (1, 3, 2)
    assert res["left"].shape == (1, 4, 2)
    np.testing.assert_allclose(res["right"], 0.0, atol=1e-12)
    np.testing.assert_allclose(res["top"], 0.0, atol=1e-12)
    np.testing.assert_allclose(wall_mean_abs(res["left"]), [(0.0625 + 0.125) / 2], rtol=1e-12)
    dres = boundary_residual(u, "dirichlet", {"left": u[:, 0], "right": u[:, -1], "bottom": u[:, :, 0] + 1.0,
                                              "top": u[:, :, -1]}, n_space=2)
    assert dres["left"].shape == (1, 6, 2) and dres["bottom"].shape == (1, 5, 2)
    np.testing.assert_array_equal(dres["bottom"], -1.0)
    np.testing.assert_array_equal(dres["top"], 0.0)
    with pytest.raises(ValueError, match="wall must be one of"):
        wall_derivative(u[:, :, 0], "top")
    with pytest.raises(ValueError, match="1-D space only"):
        boundary_residual(u, "periodic", n_space=2)


def test_per_step_and_near_boundary_errors_by_hand():
    from pcml.evaluation.boon_metrics import near_boundary_mask, relative_l2_near_boundary, relative_l2_per_step

    true = np.ones((1, 20, 2))
    pred = true.copy()
    pred[0, 0, 1] = 3.0  # error 2 at node 0 (a near-boundary node), step 2
    pred[0, 10, 0] = 2.0  # error 1 at node 10 (interior), step 1
    np.testing.assert_allclose(relative_l2_per_step(pred, true), [[1 / np.sqrt(20), 2 / np.sqrt(20)]], rtol=1e-14)
    # 5% of 20 nodes = 1 node per end: nodes 0 and 19, both steps -> 4 points, error 2
    np.testing.assert_array_equal(np.flatnonzero(near_boundary_mask((20,))), [0, 19])
    np.testing.assert_allclose(relative_l2_near_boundary(pred, true), [2 / np.sqrt(4)], rtol=1e-14)
    assert near_boundary_mask((41,)).sum() == 6  # ceil(2.05) = 3 nodes per end
    assert near_boundary_mask((10, 10)).sum() == 100 - 64
    with pytest.raises(ValueError, match="fraction"):
        near_boundary_mask((10,), fraction=0.6)


def test_two_d_neumann_residuals_leave_out_the_corners():
    u = np.ones((1, 6, 6))  # du/dx = du/dy = 0 everywhere
    zero = {w: 0.0 for w in ("left", "right", "bottom", "top")}
    u[0, 0, 0] = 5.0  # a corner: breaks the left wall's relation at y = 0 and the bottom's at x = 0
    res = boundary_residual(u, "neumann", zero, n_space=2)
    assert all(np.all(r == 0.0) for r in res.values())
    u[0, 0, 2] = 5.0  # a left-wall node off the corners: seen
    res = boundary_residual(u, "neumann", zero, n_space=2)
    assert np.abs(res["left"]).max() > 0 and np.all(res["bottom"] == 0.0)
    # Dirichlet residuals keep the corners
    d = boundary_residual(u, "dirichlet", {w: 1.0 for w in zero}, n_space=2)
    assert d["left"].shape == (1, 6) and d["bottom"][0, 0] == 4.0


def test_the_evaluation_jobs_run_without_importing_torch():
    """evaluate_operator jobs (77 at the quick profile) import the metrics only: about 0.7 s instead of 2 s."""
    import subprocess
    import sys

    code = ("import sys; import pcml.evaluation.operator_eval, pcml.logs; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0, "operator_eval imports torch"
