"""Closed forms of linear advection and inviscid Burgers (spec §2.4, §2.5): PDE, masses, shocks, parameters."""
import numpy as np
import pytest
from scipy.integrate import quad

from pcml.data.gpme_datasets import build_split, build_truth
from pcml.problems.registry import PROBLEMS, get_problem

ADVECTION, BURGERS = get_problem("advection"), get_problem("burgers")
EPS = np.finfo(float).eps


def test_registry_holds_the_five_experiments_in_the_spec_order():
    assert list(PROBLEMS) == ["diffusion", "pme", "stefan", "advection", "burgers"]
    assert (ADVECTION.param_name, ADVECTION.x_range, ADVECTION.t_range) == ("beta", (0.0, 1.0), (0.0, 1.0))
    assert (BURGERS.param_name, BURGERS.x_range, BURGERS.t_range) == ("a", (-1.0, 1.0), (0.0, 1.0))


# ---------------------------------------------------------------- the PDE away from the discontinuities

def smooth_points(problem, param, n=4000, seed=0):
    """Random (t, x) inside the domain at least 0.05 away from every kink and jump of u(t, .)."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0.01, 0.99, n)
    x = rng.uniform(*problem.x_range, n)
    if problem is ADVECTION:
        kinks = [0.5 + param * t]
    else:  # Burgers: ramp ends a t - 1 and 0 before breaking; the shock (a t - 1)/2 after
        s = param * t - 1
        kinks = [np.where(s <= 0, s, 0.5 * s), np.where(s <= 0, 0.0, 0.5 * s)]
    keep = np.all([np.abs(x - k) > 0.05 for k in kinks], axis=0)
    keep &= (np.abs(x - problem.x_range[0]) > 0.02) & (np.abs(x - problem.x_range[1]) > 0.02)
    return t[keep], x[keep]


def fd_residual(problem, param, flux, t, x, h):
    """Central-difference residual u_t + f(u)_x of the closed form at (t, x), second order in h."""
    u = lambda tt, xx: problem.solution(tt, xx, param)
    return ((u(t + h, x) - u(t - h, x)) / (2 * h)
            + (flux(u(t, x + h), param) - flux(u(t, x - h), param)) / (2 * h))


@pytest.mark.parametrize("problem,param,flux", [
    (ADVECTION, 1.0, lambda u, p: p * u), (ADVECTION, 3.0, lambda u, p: p * u),
    (BURGERS, 1.0, lambda u, p: 0.5 * u**2), (BURGERS, 3.0, lambda u, p: 0.5 * u**2),
    (BURGERS, 4.0, lambda u, p: 0.5 * u**2),
])
def test_pde_holds_away_from_the_discontinuities(problem, param, flux):
    t, x = smooth_points(problem, param)
    assert len(t) > 1000
    scale = param**2  # |u_t|, |f(u)_x| <= a^2 / |a t - 1| on the Burgers ramp
    r_coarse = np.abs(fd_residual(problem, param, flux, t, x, 2e-5)).max()
    r_fine = np.abs(fd_residual(problem, param, flux, t, x, 1e-5)).max()
    assert r_fine < 1e-5 * scale
    # the residual is truncation error (u is rational in t on the ramp): it falls like h^2, unless it is
    # round-off already (advection and Burgers' constant states: exactly 0)
    assert r_fine < 0.3 * r_coarse or r_fine < 1e-9 * scale, (r_fine, r_coarse)


def test_advection_is_constant_along_characteristics():
    rng = np.random.default_rng(1)
    for beta in (1.0, 3.0, 4.7):
        t = rng.uniform(0, 1, 2000)
        x = rng.uniform(0, 1, 2000)
        foot = x - beta * t  # the characteristic through (t, x) starts at (0, foot) or enters at x = 0
        expected = np.where(foot >= 0, ADVECTION.solution(0.0, np.maximum(foot, 0), beta), 1.0)
        np.testing.assert_array_equal(ADVECTION.solution(t, x, beta), expected)
    np.testing.assert_array_equal(ADVECTION.solution(0.0, [0.0, 0.5, 0.5 + 1e-12, 1.0], 2.0), [1, 1, 0, 0])
    np.testing.assert_array_equal(ADVECTION.solution(np.linspace(0, 1, 5), 0.0, 2.0), 1.0)  # inflow


def test_burgers_initial_and_inflow_values():
    x = np.linspace(-1, 1, 41)
    for a in (1.0, 3.0):
        np.testing.assert_allclose(BURGERS.solution(0.0, x, a), np.where(x <= 0, -a * x, 0.0), rtol=0, atol=4 * EPS * a)
        np.testing.assert_array_equal(BURGERS.solution(np.linspace(0, 1, 9), -1.0, a), a)
    assert not np.signbit(BURGERS.solution(0.3, np.linspace(-0.5, 0, 7), 1.0)).any()  # no negative zeros


# ---------------------------------------------------------------- masses

def quadrature(problem, t, param):
    """int u(t, x) dx by adaptive quadrature split at every kink/jump, with its error estimate."""
    x0, x1 = problem.x_range
    if problem is ADVECTION:
        points = [0.5 + param * t]
    else:
        s = param * t - 1
        points = [s, 0.0] if s <= 0 else [0.5 * s]
    points = sorted(p for p in points if x0 < p < x1)
    edges = [x0, *points, x1]
    total, error = 0.0, 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        value, err = quad(lambda xx: float(problem.solution(t, xx, param)), lo, hi, epsabs=1e-13, epsrel=1e-13)
        total, error = total + value, error + err
    return total, error


@pytest.mark.parametrize("problem,params", [(ADVECTION, [1.0, 3.0, 4.9, 0.2]), (BURGERS, [1.0, 3.0, 3.9, 0.5])])
def test_mass_formula_matches_quadrature(problem, params):
    for param in params:
        for t in np.linspace(0, 1, 21):
            exact = problem.mass(t, param)
            integral, err = quadrature(problem, t, param)
            # quad integrates the pieces (constants and lines) to round-off
            assert abs(exact - integral) <= err + 1e-13 * max(1.0, param), (param, t, exact, integral)
            # independently of the kink positions: any Riemann sum is within h * TV(u) of the integral,
            # and u(t, .) is monotone from its left to its right value (TV = 1 for advection, a for Burgers)
            n = 20000
            h = (problem.x_range[1] - problem.x_range[0]) / n
            mids = problem.x_range[0] + h * (np.arange(n) + 0.5)
            riemann = h * problem.solution(t, mids, param).sum()
            total_variation = 1.0 if problem is ADVECTION else param
            assert abs(exact - riemann) <= h * total_variation + 1e-12 * param


def test_mass_values_of_the_spec():
    assert ADVECTION.mass(0.1, 1.0) == pytest.approx(0.6, abs=1e-15)
    assert ADVECTION.mass(0.1, 3.0) == pytest.approx(0.8, abs=1e-15)
    np.testing.assert_array_equal(ADVECTION.mass(np.array([0.2, 1.0]), 3.0), 1.0)  # the step has left
    t = np.linspace(0, 1, 11)
    for a in (1.0, 3.0):  # the original's (a/2)(1 + a t) holds on the whole test time range
        np.testing.assert_allclose(BURGERS.mass(t, a), 0.5 * a * (1 + a * t), rtol=4 * EPS)
    assert BURGERS.mass(0.5, 3.0) == pytest.approx(3.75, abs=1e-15)
    assert BURGERS.mass(1.0, 4.0) == 8.0  # shock gone at t = 3/4: u = a on [-1, 1]


def test_mass_balance_with_the_boundary_fluxes():
    """dU/dt = f(u(t, x0)) - f(u(t, x1)): the integral form of the law, from u alone."""
    t = np.linspace(0.013, 0.987, 60)
    dt = 1e-6
    for beta in (1.0, 3.0):
        rate = (ADVECTION.mass(t + dt, beta) - ADVECTION.mass(t - dt, beta)) / (2 * dt)
        flux = beta * (ADVECTION.solution(t, 0.0, beta) - ADVECTION.solution(t, 1.0, beta))
        away = np.abs(0.5 + beta * t - 1.0) > 2 * dt * beta  # the step reaching x = 1 is a kink of U
        np.testing.assert_allclose(rate[away], flux[away], rtol=0, atol=1e-8)
    for a in (1.0, 3.0, 4.0):
        rate = (BURGERS.mass(t + dt, a) - BURGERS.mass(t - dt, a)) / (2 * dt)
        flux = 0.5 * (BURGERS.solution(t, -1.0, a) ** 2 - BURGERS.solution(t, 1.0, a) ** 2)
        away = np.abs(a * t - 3.0) > 2 * dt * a
        np.testing.assert_allclose(rate[away], flux[away], rtol=0, atol=1e-7 * a**2)


# ---------------------------------------------------------------- fronts and shocks

def jump_position(problem, t, param, lo, hi):
    """Bisection for the point where u(t, .) drops from its left value to its right value."""
    left = problem.solution(t, lo, param)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if problem.solution(t, mid, param) == left:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@pytest.mark.parametrize("a", [1.0, 1.7, 3.0, 4.0])
def test_burgers_shock_moves_at_the_rankine_hugoniot_speed(a):
    t_break, t_exit = 1 / a, 3 / a  # the closed form holds beyond t1 = 1 too (a = 1 breaks at t = 1)
    times = np.linspace(t_break, t_exit, 7)[1:-1]
    positions = np.array([jump_position(BURGERS, t, a, -1.0, 1.0) for t in times])
    np.testing.assert_allclose(positions, BURGERS.front_position(times, a), rtol=0, atol=1e-14)
    speeds = np.diff(positions) / np.diff(times)
    np.testing.assert_allclose(speeds, a / 2, rtol=1e-12)
    for t, xs in zip(times, positions):  # [f(u)] / [u] from the states on either side of the shock
        u_left, u_right = BURGERS.solution(t, xs - 1e-9, a), BURGERS.solution(t, xs + 1e-9, a)
        assert (u_left, u_right) == (a, 0.0)
        assert (0.5 * u_left**2 - 0.5 * u_right**2) / (u_left - u_right) == pytest.approx(a / 2, rel=1e-15)


@pytest.mark.parametrize("beta", [1.0, 3.0])
def test_advection_front_moves_at_speed_beta_and_is_clipped_at_the_right_end(beta):
    times = np.linspace(0.0, 0.5 / beta, 6)[1:-1]
    positions = np.array([jump_position(ADVECTION, t, beta, 0.0, 1.0) for t in times])
    np.testing.assert_allclose(positions, ADVECTION.front_position(times, beta), rtol=0, atol=1e-14)
    np.testing.assert_allclose(np.diff(positions) / np.diff(times), beta, rtol=1e-12)
    assert ADVECTION.front_position(0.1, beta) == pytest.approx(0.5 + 0.1 * beta, abs=1e-15)  # spec: 0.6, 0.8
    assert ADVECTION.front_position(0.9, beta) == 1.0


def test_burgers_front_before_breaking_is_nan_and_starts_at_zero():
    front = BURGERS.front_position(np.array([0.0, 0.2, 1 / 3, 0.5, 0.9, 1.0]), 3.0)
    assert np.isnan(front[:2]).all()
    np.testing.assert_allclose(front[2:], [0.0, 0.25, 0.85, 1.0], atol=1e-15)  # spec: 0.25 at t = 0.5
    assert BURGERS.front_position(1.0, 4.0) == 1.0  # (4 - 1)/2 = 1.5: the shock has left, clipped at x1
    assert np.isnan(BURGERS.front_position(0.5, 1.0))  # a = 1, t = 0.5: the smooth ramp, no shock yet


@pytest.mark.parametrize("a", [1.0, 3.0, 2.5])
def test_burgers_pieces_join_continuously_at_breaking(a):
    t_break = 1 / a
    x = np.linspace(-1, 1, 4001)
    step = np.where(x <= 0, a, 0.0)
    np.testing.assert_array_equal(BURGERS.solution(t_break, x, a), step)
    for delta in (1e-2, 1e-3, 1e-4):
        before = BURGERS.solution(t_break - delta, x, a)
        after = BURGERS.solution(t_break + delta, x, a)
        differ = x[before != after]
        # they differ only where the ramp (width a delta) and the new shock (at a delta / 2) lie
        assert differ.size and differ.min() >= -a * delta - 1e-12 and differ.max() <= a * delta / 2 + 1e-12
        dx = x[1] - x[0]
        l1 = np.abs(before - after).sum() * dx  # -> 0 with delta (values differ by at most a)
        assert l1 <= a * (1.5 * a * delta + 2 * dx)
        assert BURGERS.mass(t_break + delta, a) - BURGERS.mass(t_break - delta, a) == pytest.approx(a * a * delta)


# ---------------------------------------------------------------- parameters and datasets

@pytest.mark.parametrize("problem,bad", [(ADVECTION, 0.0), (ADVECTION, -1.0), (ADVECTION, float("nan")),
                                         (BURGERS, 0.0), (BURGERS, -3.0), (BURGERS, float("inf"))])
def test_out_of_range_parameters_are_refused(problem, bad):
    name = problem.param_name
    for call in (lambda: problem.solution(0.1, 0.1, bad), lambda: problem.mass(0.1, bad),
                 lambda: problem.front_position(0.1, bad)):
        with pytest.raises(ValueError, match=rf"{problem.name}: parameter {name}=.* outside its valid range"):
            call()


@pytest.mark.parametrize("name,train_range,test_values", [("advection", (1.0, 5.0), [1.0, 3.0]),
                                                          ("burgers", (1.0, 4.0), [1.0, 3.0])])
def test_datasets_and_truth_of_the_hyperbolic_experiments(name, train_range, test_values):
    problem = get_problem(name)
    train = build_split(problem, "train", 6, train_range=train_range, test_values=test_values, seed=0)
    params = train[problem.param_name].values
    assert ((params >= train_range[0]) & (params <= train_range[1])).all()
    x0, x1 = problem.x_range
    assert ((train.x_context >= x0) & (train.x_context <= x1)).all()
    for f in range(6):
        np.testing.assert_array_equal(train.u_context[f], problem.solution(train.t_context[f], train.x_context[f],
                                                                            params[f]))
    truth = build_truth(problem, np.repeat(test_values, 2), 41, 41)
    assert truth.x.values[0] == x0 and truth.x.values[-1] == x1
    np.testing.assert_array_equal(truth[problem.param_name].values, np.repeat(test_values, 2))
    np.testing.assert_array_equal(truth.mass.values[2], problem.mass(truth.t.values, test_values[1]))
