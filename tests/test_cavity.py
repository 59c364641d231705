"""Lid-driven cavity solver (BOON spec §2.6, §9): Poisson, Thom walls, divergence, one step, Ghia."""
import numpy as np
import pytest
from scipy.interpolate import CubicSpline

from pcml.problems import cavity as cv

# Ghia, Ghia & Shin (1982), Table I, Re = 100: u on the vertical centre line x = 0.5.
GHIA_Y = np.array([1.0, 0.9766, 0.9688, 0.9609, 0.9531, 0.8516, 0.7344, 0.6172, 0.5,
                   0.4531, 0.2813, 0.1719, 0.1016, 0.0703, 0.0625, 0.0547, 0.0])
GHIA_U = np.array([1.0, 0.84123, 0.78871, 0.73722, 0.68717, 0.23151, 0.00332, -0.13641, -0.20581,
                   -0.21090, -0.15662, -0.10150, -0.06434, -0.04775, -0.04192, -0.03717, 0.0])


def random_ic(n_grid=17, samples=3, seed=0, u_lid=1.0):
    x, h = cv.grid(n_grid)
    xi = np.random.default_rng(seed).standard_normal((samples, 8, 8))
    psi0 = cv.random_streamfunction(xi, x, 0.2)
    return x, h, psi0, cv.initial_vorticity(psi0, h, u_lid)


def thom_reference(psi, h, u_lid):
    """Wall vorticity by Thom's formula, written out wall by wall (corners excluded)."""
    s = -2.0 / h**2
    return {"left": s * psi[:, 1, 1:-1], "right": s * psi[:, -2, 1:-1],
            "bottom": s * psi[:, 1:-1, 1], "top": s * psi[:, 1:-1, -2] - 2.0 * u_lid / h}


def walls(omega):
    return {"left": omega[:, 0, 1:-1], "right": omega[:, -1, 1:-1],
            "bottom": omega[:, 1:-1, 0], "top": omega[:, 1:-1, -1]}


def test_poisson_residual_is_round_off_and_walls_are_zero():
    x, h = cv.grid(33)
    omega = np.random.default_rng(1).standard_normal((4, 33, 33))
    psi = cv.solve_streamfunction(omega, h)
    residual = cv.laplacian(psi, h) + omega[:, 1:-1, 1:-1]
    assert np.abs(residual).max() < 1e-10
    assert np.all(psi[:, [0, -1], :] == 0) and np.all(psi[:, :, [0, -1]] == 0)


def test_poisson_converges_to_the_continuous_solution_at_second_order():
    errors = []
    for n_grid in (17, 33):
        x, h = cv.grid(n_grid)
        exact = np.sin(np.pi * x)[:, None] * np.sin(2 * np.pi * x)[None, :]
        psi = cv.solve_streamfunction((5 * np.pi**2 * exact)[None], h)[0]
        errors.append(np.abs(psi - exact).max())
    assert errors[1] < 3e-3
    assert 3.8 < errors[0] / errors[1] < 4.2


def test_velocity_is_divergence_free_to_round_off():
    x, h, psi0, omega0 = random_ic(n_grid=33)
    frames = cv.simulate(omega0, h=h, nu=0.01, dt=0.005, save_steps=[20])
    for psi in (psi0, cv.solve_streamfunction(frames[:, 0], h)):
        u, v = cv.velocity(psi, h)
        div = (u[:, 2:, 1:-1] - u[:, :-2, 1:-1] + v[:, 1:-1, 2:] - v[:, 1:-1, :-2]) / (2 * h)
        assert np.abs(u).max() > 0.1
        assert np.abs(div).max() < 1e-12 * np.abs(u).max() / h


def test_initial_condition_speed_vorticity_and_thom_walls():
    x, h, psi0, omega0 = random_ic(n_grid=33)
    xi = np.random.default_rng(0).standard_normal((3, 8, 8))
    X, Y = np.meshgrid(x, x, indexing="ij")
    for s in range(3):  # analytic psi0 and velocity, summed mode by mode
        psi, u, v = (np.zeros_like(X) for _ in range(3))
        for m in range(1, 9):
            for n in range(1, 9):
                c = xi[s, m - 1, n - 1] * (m * m + n * n) ** -1.5
                psi += c * np.sin(m * np.pi * X) * np.sin(n * np.pi * Y)
                u += c * n * np.pi * np.sin(m * np.pi * X) * np.cos(n * np.pi * Y)
                v -= c * m * np.pi * np.cos(m * np.pi * X) * np.sin(n * np.pi * Y)
        scale = 0.2 / np.sqrt(u**2 + v**2).max()  # max nodal speed is ic_velocity = 0.2
        np.testing.assert_allclose(psi0[s, 1:-1, 1:-1], scale * psi[1:-1, 1:-1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(omega0[:, 1:-1, 1:-1], -cv.laplacian(psi0, h), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cv.solve_streamfunction(omega0, h), psi0, rtol=0, atol=1e-14)
    ref = thom_reference(psi0, h, 1.0)
    for wall, values in walls(omega0).items():
        np.testing.assert_array_equal(values, ref[wall])
    np.testing.assert_array_equal(omega0[:, [0, -1], 0], 0.0)
    np.testing.assert_array_equal(omega0[:, [0, -1], -1], -1.0 / h)


def test_stored_frames_follow_thom_formula():
    x, h, psi0, omega0 = random_ic(n_grid=33)
    frames = cv.simulate(omega0, h=h, nu=0.01, dt=0.005, save_steps=[0, 7, 30])
    assert frames.shape == (3, 3, 33, 33)
    for k in range(3):
        psi = cv.solve_streamfunction(frames[:, k], h)
        ref = thom_reference(psi, h, 1.0)
        for wall, values in walls(frames[:, k]).items():
            np.testing.assert_allclose(values, ref[wall], rtol=1e-12, atol=1e-9)


def dense_heun_step(omega0, h, nu, dt, u_lid):
    """One Heun step written independently: dense Poisson matrix, pointwise loops."""
    n1 = omega0.shape[-1]
    m = n1 - 2
    d = (np.diag(-2.0 * np.ones(m)) + np.diag(np.ones(m - 1), 1) + np.diag(np.ones(m - 1), -1)) / h**2
    lap = np.kron(d, np.eye(m)) + np.kron(np.eye(m), d)  # index (i-1)*m + (j-1), i along x

    def psi_of(w):
        psi = np.zeros((n1, n1))
        psi[1:-1, 1:-1] = np.linalg.solve(lap, -w[1:-1, 1:-1].ravel()).reshape(m, m)
        return psi

    def with_walls(w, psi):
        w = w.copy()
        for k in range(1, n1 - 1):
            w[0, k], w[-1, k] = -2 * psi[1, k] / h**2, -2 * psi[-2, k] / h**2
            w[k, 0], w[k, -1] = -2 * psi[k, 1] / h**2, -2 * psi[k, -2] / h**2 - 2 * u_lid / h
        return w

    def rhs(w):
        psi = psi_of(w)
        w = with_walls(w, psi)
        f = np.zeros_like(w)
        for i in range(1, n1 - 1):
            for j in range(1, n1 - 1):
                wx, wy = (w[i + 1, j] - w[i - 1, j]) / (2 * h), (w[i, j + 1] - w[i, j - 1]) / (2 * h)
                px, py = (psi[i + 1, j] - psi[i - 1, j]) / (2 * h), (psi[i, j + 1] - psi[i, j - 1]) / (2 * h)
                lap_w = (w[i + 1, j] + w[i - 1, j] + w[i, j + 1] + w[i, j - 1] - 4 * w[i, j]) / h**2
                f[i, j] = -(py * wx - px * wy) + nu * lap_w
        return f

    k1 = rhs(omega0)
    k2 = rhs(omega0 + dt * k1)
    out = omega0 + 0.5 * dt * (k1 + k2)
    return with_walls(out, psi_of(out))


def test_one_explicit_step_matches_an_independent_dense_implementation():
    x, h, psi0, omega0 = random_ic(n_grid=9, samples=2, u_lid=0.7)
    frames = cv.simulate(omega0, h=h, nu=0.02, dt=0.002, save_steps=[0, 1], u_lid=0.7)
    for s in range(2):
        ref = dense_heun_step(omega0[s], h, 0.02, 0.002, 0.7)
        np.testing.assert_allclose(frames[s, 1][1:-1, 1:-1], ref[1:-1, 1:-1], rtol=1e-12, atol=1e-10)
        np.testing.assert_allclose(frames[s, 1][1:-1, [0, -1]], ref[1:-1, [0, -1]], rtol=1e-12, atol=1e-9)
        assert np.abs(frames[s, 1] - frames[s, 0]).max() > 1e-3  # the step did something


def test_chunking_and_subsampling_do_not_change_the_result():
    x, h, psi0, omega0 = random_ic(n_grid=17, samples=5)
    kw = dict(h=h, nu=0.01, dt=0.005, save_steps=[0, 3, 10])
    full = cv.simulate(omega0, chunk_size=5, **kw)
    np.testing.assert_array_equal(cv.simulate(omega0, chunk_size=2, **kw), full)
    np.testing.assert_array_equal(cv.simulate(omega0, subsample=4, chunk_size=1, **kw), full[:, :, ::4, ::4])


def test_stability_check_names_dt():
    x, h = cv.grid(101)
    cv.check_stability(1e-3, h, 0.01, 1.0)
    assert cv.rk2_amplification(1e-3, h, 0.01, 1.0) <= 1.0 + 1e-12
    with pytest.raises(ValueError, match="dt=0.003"):
        cv.check_stability(3e-3, h, 0.01, 1.0)   # above h^2/(4 nu) = 2.5e-3
    with pytest.raises(ValueError, match="dt="):
        cv.check_stability(0.02, 0.05, 1e-4, 1.0)  # advection-dominated: von Neumann factor > 1
    with pytest.raises(ValueError, match="save_steps"):
        cv.simulate(np.zeros((1, 9, 9)), h=0.125, nu=0.01, dt=1e-3, save_steps=[3, 2])


def test_steady_state_matches_ghia_re100_centreline():
    n_grid, dt, t_end = 41, 0.01, 20.0
    x, h = cv.grid(n_grid)
    n_steps = int(round(t_end / dt))
    frames = cv.simulate(np.zeros((1, n_grid, n_grid)), h=h, nu=1.0 / 100, dt=dt,
                         save_steps=[n_steps - 100, n_steps])
    assert np.abs(frames[0, 1] - frames[0, 0]).max() < 1e-3  # steady over the last unit of time
    u, _ = cv.velocity(cv.solve_streamfunction(frames[:, 1], h), h)
    profile = np.concatenate([[0.0], u[0, (n_grid - 1) // 2 - 1, :], [1.0]])  # x = 0.5, walls added
    error = np.abs(CubicSpline(x, profile)(GHIA_Y) - GHIA_U)
    assert error.max() < 0.015  # 41 x 41, 2nd order: measured 0.0053
