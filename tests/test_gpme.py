"""Closed-form GPME solutions: PDE residual, boundary values, masses, Stefan constants (spec §2)."""
import math

import numpy as np
import pytest
from scipy.integrate import quad

from pcml.problems.gpme import stefan_constants
from pcml.problems.registry import get_problem

# Stefan constants of spec §2.3 (z1, alpha, c1, x*(0.05), U(0.05)) for each u*.
STEFAN_TABLE = {
    0.50: (0.62006, 1.24013, 0.80716, 0.27730, 0.203656),
    0.55: (0.57215, 1.14430, 0.77377, 0.25587, 0.195233),
    0.60: (0.52567, 1.05134, 0.73697, 0.23509, 0.185946),
    0.70: (0.43436, 0.86871, 0.65081, 0.19425, 0.164208),
}


@pytest.mark.parametrize("u_star", sorted(STEFAN_TABLE))
def test_stefan_constants_match_spec_table(u_star):
    z1, alpha, c1 = stefan_constants(u_star)
    z1_ref, alpha_ref, c1_ref, front_ref, mass_ref = STEFAN_TABLE[u_star]
    stefan = get_problem("stefan")
    assert z1 == pytest.approx(z1_ref, abs=1e-5)
    assert alpha == pytest.approx(alpha_ref, abs=1e-5)
    assert c1 == pytest.approx(c1_ref, abs=1e-5)
    assert stefan.front_position(0.05, u_star) == pytest.approx(front_ref, abs=1e-5)
    assert stefan.mass(0.05, u_star) == pytest.approx(mass_ref, abs=1e-6)
    # z1 is a root of the transcendental equation to float64 precision.
    residual = u_star * math.erf(z1) * z1 * math.exp(z1**2) - (1 - u_star) / math.sqrt(math.pi)
    assert abs(residual) < 1e-14


def gpme_residual(problem, param, t, x, h, kfun):
    """FD residual u_t - d/dx(k(u) u_x) at (t, x), second order in h."""
    u = lambda tt, xx: problem.solution(tt, xx, param)
    u_t = (u(t + h, x) - u(t - h, x)) / (2 * h)
    flux = lambda xx: kfun(0.5 * (u(t, xx) + u(t, xx + h))) * (u(t, xx + h) - u(t, xx)) / h
    return u_t - (flux(x) - flux(x - h)) / h


@pytest.mark.parametrize(
    "name,param,kfun",
    [
        ("diffusion", 1.0, lambda u: 1.0),
        ("diffusion", 5.0, lambda u: 5.0),
        ("pme", 1.0, lambda u: u**1.0),
        ("pme", 3.0, lambda u: u**3.0),
        ("pme", 6.0, lambda u: u**6.0),
        ("stefan", 0.6, lambda u: 1.0),
        ("stefan", 0.5, lambda u: 1.0),
    ],
)
def test_solution_satisfies_pde_away_from_fronts(name, param, kfun):
    problem = get_problem(name)
    rng = np.random.default_rng(0)
    (x0, x1), (t0, t1) = problem.x_range, problem.t_range
    t = rng.uniform(t0 + 0.2 * (t1 - t0), t1 - 0.05 * (t1 - t0), 200)
    x = rng.uniform(x0 + 0.02 * (x1 - x0), x1 - 0.02 * (x1 - x0), 200)
    front = problem.front_position(t, param)
    if front is not None:  # stay clear of the front, where u is not smooth
        keep = np.abs(x - front) > 0.05 * (x1 - x0)
        t, x = t[keep], x[keep]
    assert len(t) > 50
    scale = np.abs(problem.solution(t, x, param)).max() + 1.0
    r_coarse = np.abs(gpme_residual(problem, param, t, x, 2e-4 * (x1 - x0), kfun)).max()
    r_fine = np.abs(gpme_residual(problem, param, t, x, 1e-4 * (x1 - x0), kfun)).max()
    assert r_fine < 1e-4 * scale
    # second-order FD: the residual is truncation error, so it shrinks with h
    assert r_fine < 0.5 * r_coarse or r_fine < 1e-8 * scale


@pytest.mark.parametrize("name,param", [("diffusion", 1.0), ("diffusion", 5.0), ("pme", 1.0), ("pme", 3.0),
                                        ("pme", 6.0), ("stefan", 0.5), ("stefan", 0.6), ("stefan", 0.7)])
def test_mass_formula_matches_quadrature(name, param):
    problem = get_problem(name)
    x0, x1 = problem.x_range
    for t in np.linspace(*problem.t_range, 6)[1:]:
        front = problem.front_position(t, param)
        points = [float(front)] if front is not None and x0 < front < x1 else None
        integral, _ = quad(lambda xx: float(problem.solution(t, xx, param)), x0, x1, points=points,
                           epsabs=1e-13, epsrel=1e-12, limit=200)
        assert problem.mass(t, param) == pytest.approx(integral, abs=1e-9)


def test_pme_mass_values_of_spec():
    pme = get_problem("pme")
    assert pme.mass(0.5, 1.0) == pytest.approx(0.125, abs=1e-12)
    assert pme.mass(0.5, 3.0) == pytest.approx(0.429268, abs=1e-6)
    assert pme.mass(0.5, 6.0) == pytest.approx(0.514687, abs=1e-6)


def test_boundary_and_initial_values():
    stefan, pme = get_problem("stefan"), get_problem("pme")
    t = np.linspace(0.001, 0.1, 7)
    np.testing.assert_array_equal(stefan.solution(t, 0.0, 0.6), 1.0)
    np.testing.assert_array_equal(stefan.solution(0.0, np.linspace(0.01, 1, 5), 0.6), 0.0)
    # at the front u jumps from u* to 0
    front = stefan.front_position(0.05, 0.6)
    assert stefan.solution(0.05, front * (1 - 1e-12), 0.6) == pytest.approx(0.6, abs=1e-9)
    assert stefan.solution(0.05, front * (1 + 1e-9), 0.6) == 0.0
    np.testing.assert_allclose(pme.solution(t, 0.0, 3.0), (3 * t) ** (1 / 3), rtol=1e-14)
    assert pme.solution(0.4, 0.5, 3.0) == 0.0


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="u_star"):
        get_problem("stefan").solution(0.1, 0.1, 1.5)
    with pytest.raises(ValueError, match="m="):
        get_problem("pme").mass(0.5, -1.0)
    with pytest.raises(ValueError, match="unknown ProbConserv problem"):
        get_problem("stephan")
