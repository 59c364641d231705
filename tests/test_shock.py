"""The shock-position task (ProbConserv spec §5, §9.4): sampling, front detection, position mapping."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pcml.evaluation.shock import method_covariance, sample_gaussian, sample_shocks, shock_positions
from pcml.problems.registry import get_problem


def test_front_is_the_first_non_positive_value_with_both_mappings():
    x = np.linspace(0.0, 1.0, 11)
    samples = np.array([[1, 1, 1, 0.5, -0.1, 0.3, 0, 0, 0, 0, 0],   # first <= 0 at index 4
                        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.0]])       # no crossing: index 0 (original argmin)
    np.testing.assert_allclose(shock_positions(samples, x, "original"), [4 / 11 * 1.0, 0.0])
    np.testing.assert_allclose(shock_positions(samples, x, "correct"), [0.4, 0.0])
    with pytest.raises(ValueError, match="position_mapping"):
        shock_positions(samples, x, "nearest")


def test_gaussian_samples_have_the_covariance_and_singular_ones_get_jitter():
    rng = np.random.default_rng(0)
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    samples = sample_gaussian(np.array([1.0, -1.0]), cov, 40_000, rng)
    np.testing.assert_allclose(np.cov(samples.T), cov, atol=0.05)
    singular = np.ones((2, 2))  # rank one: Cholesky needs the 1e-8 jitter
    out = sample_gaussian(np.zeros(2), singular, 10, rng)
    np.testing.assert_allclose(out[:, 0], out[:, 1], atol=1e-3)


def test_diagonal_covariance_is_sd_as_the_original_or_variance():
    sd = np.array([0.1, 0.2])
    np.testing.assert_allclose(method_covariance("anp", sd, None, 0, "sd"), np.diag(sd))
    np.testing.assert_allclose(method_covariance("anp", sd, None, 0, "variance"), np.diag(sd**2))
    with pytest.raises(ValueError, match="full posterior"):
        method_covariance("probconserv_anp", sd, None, 0, "sd")


def test_a_certain_prediction_of_the_exact_solution_finds_the_true_front():
    """Near-certain predictions of the exact Stefan solution, shifted down by 1e-3 so that the zero region
    past the front is strictly negative: every sample's front is the first grid node past the true front,
    and the summary's offset is measured against the closed-form front."""
    problem = get_problem("stefan")
    t, x = np.linspace(0.0, 0.1, 21), np.linspace(0.0, 1.0, 401)
    params = np.array([0.6, 0.6, 0.5, 0.5])
    u = np.stack([problem.solution(t[:, None], x[None, :], p) for p in params])
    truth = xr.Dataset({"u": (("function", "t", "x"), u), "mass": (("function", "t"), np.zeros((4, 21)))},
                       coords={"function": np.arange(4), "t": t, "x": x, "u_star": ("function", params)},
                       attrs={"experiment": "stefan", "param_name": "u_star"})
    pred = xr.Dataset({"mean": truth["u"] - 1e-3, "sd": xr.zeros_like(truth["u"]) + 1e-6})
    cov = xr.Dataset({"cov": (("method", "function", "x", "x2"), np.zeros((1, 2, 401, 401)))},
                     coords={"method": ["probconserv_anp"], "function": [1, 3], "x": x, "x2": x})
    positions, summary = sample_shocks(truth, {"anp": pred, "probconserv_anp": pred}, cov, t_star=0.05, f_id=1,
                                       n_samples=20, diagonal="variance", mapping="correct", seed=0)
    assert set(positions["method"]) == {"anp", "probconserv_anp"} and len(positions) == 2 * 2 * 20
    offsets = summary[summary.metric == "shock_offset"]
    assert (offsets["mean"] > 0).all() and offsets["mean"].max() <= x[1] + 1e-12 and offsets["sd"].max() == 0
    front = float(problem.front_position(np.array(0.05), 0.6))
    assert positions[np.isclose(positions.param, 0.6)]["true_front"].unique() == pytest.approx([front])
