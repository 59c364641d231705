"""Exact 2-D Neumann wave solution (BOON spec §2.7, §9): PDE, Neumann walls, initial data."""
import numpy as np
import pytest

from pcml.problems import wave as wv

C = 1.3


@pytest.fixture(scope="module")
def coeffs():
    return wv.sample_coefficients(np.random.default_rng(3), 2, 16)


def point_eval(coeffs, x, y, t, c):
    """u at the points (x_k, y_k, t_k), summed mode by mode: (S, K)."""
    out = np.zeros((coeffs.shape[0], len(x)))
    for m in range(coeffs.shape[1]):
        for n in range(coeffs.shape[2]):
            w = c * np.pi * np.hypot(m, n)
            basis = np.cos(m * np.pi * x) * np.cos(n * np.pi * y) * np.cos(w * t)
            out += coeffs[:, m, n, None] * basis[None]
    return out


def test_coefficient_variances_follow_the_spectrum():
    a = wv.sample_coefficients(np.random.default_rng(0), 4000, 3)
    m = np.arange(4)
    expected = (1.0 + m[:, None] ** 2 + m[None, :] ** 2) ** -1.0
    np.testing.assert_allclose(a.std(axis=0), expected, rtol=0.06)


def test_tensor_evaluation_matches_a_mode_by_mode_sum(coeffs):
    x, y, t = np.linspace(0, 1, 5), np.linspace(0, 1, 4), np.array([0.0, 0.37, 1.0])
    grid = wv.solution(coeffs, x, y, t, C)
    X, Y, T = np.meshgrid(x, y, t, indexing="ij")
    ref = point_eval(coeffs, X.ravel(), Y.ravel(), T.ravel(), C).reshape(grid.shape)
    np.testing.assert_allclose(grid, ref, rtol=1e-12, atol=1e-13)


def test_pde_holds_by_finite_differences_at_second_order(coeffs):
    rng = np.random.default_rng(5)
    x, y, t = rng.uniform(0.05, 0.95, 50), rng.uniform(0.05, 0.95, 50), rng.uniform(0.1, 1.0, 50)
    u = point_eval(coeffs, x, y, t, C)
    residuals, scale = [], None
    for d in (2e-3, 1e-3):
        u_tt = (point_eval(coeffs, x, y, t + d, C) - 2 * u + point_eval(coeffs, x, y, t - d, C)) / d**2
        u_xx = (point_eval(coeffs, x + d, y, t, C) - 2 * u + point_eval(coeffs, x - d, y, t, C)) / d**2
        u_yy = (point_eval(coeffs, x, y + d, t, C) - 2 * u + point_eval(coeffs, x, y - d, t, C)) / d**2
        residuals.append(np.abs(u_tt - C**2 * (u_xx + u_yy)).max())
        scale = np.abs(u_tt).max()
    assert residuals[1] < 1e-3 * scale
    assert 3.5 < residuals[0] / residuals[1] < 4.5  # truncation error only: the PDE holds exactly


def test_analytic_derivatives_satisfy_the_pde_and_match_finite_differences(coeffs):
    x, t = np.linspace(0, 1, 9), np.array([0.3, 0.8])
    d = {k: wv.solution(coeffs, x, x, t, C, derivative=k) for k in ("xx", "yy", "tt", "x")}
    np.testing.assert_allclose(d["tt"], C**2 * (d["xx"] + d["yy"]), rtol=0, atol=1e-10 * np.abs(d["tt"]).max())
    e = 1e-6
    fd = (wv.solution(coeffs, x + e, x, t, C) - wv.solution(coeffs, x - e, x, t, C)) / (2 * e)
    np.testing.assert_allclose(d["x"], fd, rtol=0, atol=1e-5 * np.abs(d["x"]).max())


def test_neumann_walls_and_zero_initial_velocity(coeffs):
    s = np.linspace(0, 1, 33)
    t = np.linspace(0, 1, 11)
    u_x = wv.solution(coeffs, np.array([0.0, 1.0]), s, t, C, derivative="x")
    u_y = wv.solution(coeffs, s, np.array([0.0, 1.0]), t, C, derivative="y")
    interior = np.abs(wv.solution(coeffs, np.array([0.3]), s, t, C, derivative="x")).max()
    assert interior > 0.1  # the derivative series is not trivially zero
    assert np.abs(u_x).max() < 1e-12 * interior and np.abs(u_y).max() < 1e-12 * interior
    u_t0 = wv.solution(coeffs, s, s, np.zeros(1), C, derivative="t")
    np.testing.assert_array_equal(u_t0, 0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="derivative"):
        wv.solution(np.zeros((1, 2, 2)), [0.0], [0.0], [0.0], derivative="z")
    with pytest.raises(ValueError, match="n_modes"):
        wv.sample_coefficients(np.random.default_rng(0), 1, -1)
