"""ProbConserv metrics against hand-computed values (spec §5)."""
import math

import numpy as np
import pytest

from pcml.evaluation.metrics import conservation_error, log_likelihood, mean_and_se, mse


def test_mse_by_hand():
    assert mse(np.array([1.0, 2.0, 4.0]), np.array([1.0, 0.0, 1.0])) == pytest.approx((0 + 4 + 9) / 3)


def test_log_likelihood_by_hand():
    ll = log_likelihood(np.array([0.0, 1.0]), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    expected = 0.5 * ((-0.5 - 0.5 * math.log(2 * math.pi)) + (-math.log(2) - 0.5 * math.log(2 * math.pi)))
    assert ll == pytest.approx(expected, rel=1e-14)


def test_conservation_error_by_hand():
    w = np.array([0.25, 0.5, 0.25])
    assert conservation_error(np.array([[1.0, 2.0, 3.0]]), w, np.array([1.5]))[0] == pytest.approx(0.5)


def test_mean_and_se_by_hand():
    mean, sd, se = mean_and_se(np.array([1.0, 2.0, 3.0, 6.0]))
    assert mean == 3.0
    assert sd == pytest.approx(math.sqrt(14 / 3))
    assert se == pytest.approx(math.sqrt(14 / 3) / 2)
    _, sd1, se1 = mean_and_se(np.array([[1.0, 2.0]]))
    assert np.isnan(sd1).all() and np.isnan(se1).all()


def test_combine_seeds_by_hand():
    import pandas as pd

    from pcml.evaluation.metrics import combine_seeds

    keys = ["method", "metric"]
    seeds = [pd.DataFrame({"method": ["anp", "anp"], "metric": ["mse", "ce"], "mean": [1.0, 4.0], "se": [9, 9]}),
             pd.DataFrame({"method": ["anp", "anp"], "metric": ["ce", "mse"], "mean": [6.0, 3.0], "se": [9, 9]})]
    out = combine_seeds(seeds, keys).set_index(keys)
    assert out.loc[("anp", "mse"), "mean"] == 2.0 and out.loc[("anp", "ce"), "mean"] == 5.0
    assert np.isclose(out.loc[("anp", "mse"), "sd"], np.sqrt(2.0))  # values 1 and 3
    assert np.isclose(out.loc[("anp", "mse"), "se"], 1.0) and (out["n"] == 2).all()
    assert combine_seeds(seeds[:1], keys) is not None and combine_seeds(seeds[:1], keys)["se"].tolist() == [9, 9]
    with pytest.raises(ValueError, match="other rows"):
        combine_seeds([seeds[0], seeds[1].iloc[:1]], keys)
