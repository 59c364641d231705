"""The original code's heat data (ProbConserv spec §9.1-9.2), kept as a faithful switch."""
import numpy as np
import pytest

from pcml.data.gpme_datasets import build_split, build_truth
from pcml.data.heat_artifacts import heat_points, heat_truth
from pcml.data.sampling import tensor_grid
from pcml.problems.registry import get_problem


def test_truth_is_sin_of_511_over_512_x_with_a_nonzero_mass():
    x = np.linspace(0.0, 2 * np.pi, 201)
    u = heat_truth(0.5, x, 1.0)
    np.testing.assert_allclose(u, np.exp(-0.5) * np.sin(511 * x / 512), rtol=0, atol=1e-15)
    assert np.abs(heat_truth(0.0, x, 1.0) - np.sin(x)).max() == pytest.approx(0.0123, abs=1e-4)  # spec §9.2
    mass = np.trapezoid(u, x)
    assert 1e-5 < abs(mass) < 1e-4                                       # the spec's 4.6e-5 (k = 1, t = 0.5)


def test_points_at_evenly_spaced_times_are_not_warped():
    t, x = tensor_grid(np.linspace(0.0, 1.0, 6), np.linspace(0.0, 6.0, 7))
    np.testing.assert_allclose(heat_points(t, x, 3.0, 6, 7), heat_truth(t, x, 3.0), rtol=0, atol=1e-14)


def test_points_at_random_times_read_rows_as_if_evenly_spaced():
    times = np.array([0.05, 0.3, 0.35, 0.9])
    t, x = tensor_grid(times, np.array([1.0, 2.0]))
    got = heat_points(t, x, 2.0, 4, 2).reshape(4, 2)
    rows = heat_truth(times[:, None], np.array([1.0, 2.0])[None], 2.0)
    r = times[1] * 3                                                     # 0.9: between rows 0 and 1
    np.testing.assert_allclose(got[1], (1 - r) * rows[0] + r * rows[1], rtol=1e-14)
    np.testing.assert_allclose(got[3], 0.3 * rows[2] + 0.7 * rows[3], rtol=1e-13)  # r = 2.7
    assert not np.allclose(got, np.exp(-2.0 * t.reshape(4, 2)) * np.sin(x.reshape(4, 2)), atol=1e-3)


def test_datasets_switch_between_exact_and_faithful_heat_data():
    problem = get_problem("diffusion")
    exact = build_split(problem, "test", 4, train_range=(1.0, 5.0), test_values=[1.0, 5.0], seed=0)
    faithful = build_split(problem, "test", 4, train_range=(1.0, 5.0), test_values=[1.0, 5.0], seed=0,
                           heat_artifacts=True)
    np.testing.assert_array_equal(exact["t_context"], faithful["t_context"])      # same points
    assert np.abs(exact["u_context"] - faithful["u_context"]).max() > 1e-2
    truth = build_truth(problem, [1.0, 5.0], 11, 21, heat_artifacts=True)
    assert truth.attrs["heat_artifacts"] == 1 and np.all(truth["mass"].values == 0.0)
