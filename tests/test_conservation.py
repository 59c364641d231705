"""Conservation constraints: exactness to float64 round-off and agreement with the dense formula."""
import numpy as np
import pytest

from pcml.constraints.conservation import (aggregate_draws, dense_update, hardc_update, probconserv_covariance,
                                           probconserv_update, probconserv_update_full, second_difference_matrix,
                                           trapezoid_weights, wdiff_update)

RNG = np.random.default_rng(0)
X = np.linspace(0.0, 1.0, 41)
W = trapezoid_weights(X)


def random_prior(shape=(5, 3, 41)):
    return RNG.normal(size=shape), RNG.uniform(1e-4, 1e-1, size=shape), RNG.normal(size=shape[:-1])


def test_trapezoid_weights():
    np.testing.assert_allclose(W[[0, -1]], 0.0125, rtol=0, atol=1e-16)
    np.testing.assert_allclose(W[1:-1], 0.025, rtol=0, atol=1e-16)
    assert W.sum() == pytest.approx(1.0, abs=1e-15)
    x = np.sort(RNG.uniform(0, 2, 17))
    assert trapezoid_weights(x) @ (3 * x - 1) == pytest.approx(np.trapezoid(3 * x - 1, x), abs=1e-14)
    with pytest.raises(ValueError, match="increasing"):
        trapezoid_weights(np.array([0.0, 0.5, 0.4]))


@pytest.mark.parametrize("sigma_g2", [0.0, 1e-6, 1e-3])
def test_rank_one_update_equals_dense_formula(sigma_g2):
    mu, var, b = random_prior()
    mu_post, var_post = probconserv_update(mu, var, W, b, sigma_g2)
    cov_post = probconserv_covariance(var, W, sigma_g2)
    for idx in np.ndindex(mu.shape[:-1]):
        m_ref, c_ref = dense_update(mu[idx], np.diag(var[idx]), W[None], np.array([b[idx]]), sigma_g2)
        np.testing.assert_allclose(mu_post[idx], m_ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(var_post[idx], np.maximum(np.diag(c_ref), 1e-8), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(cov_post[idx], c_ref, rtol=1e-10, atol=1e-14)


def test_exact_constraint_holds_to_round_off_and_variance_shrinks():
    mu, var, b = random_prior()
    mu_post, var_post = probconserv_update(mu, var, W, b, 0.0)
    assert np.abs(mu_post @ W - b).max() <= 1e-14 * (1 + np.abs(b).max())
    assert np.all(var_post <= var)
    # G Sigma~ G^T = 0 in the limit
    cov = probconserv_covariance(var, W, 0.0)
    assert np.abs(np.einsum("...i,...ij,...j->...", W, cov, W)).max() < 1e-15
    # huge constraint noise leaves the prior unchanged
    mu_inf, var_inf = probconserv_update(mu, var, W, b, 1e12)
    np.testing.assert_allclose(mu_inf, mu, atol=1e-9)
    np.testing.assert_allclose(var_inf, var, rtol=1e-9)


def test_correction_is_proportional_to_variance_and_hardc_is_euclidean():
    mu, var, b = random_prior((41,))
    mu_post, _ = probconserv_update(mu, var, W, b)
    np.testing.assert_allclose((mu_post - mu) / (W * var), ((mu_post - mu) / (W * var))[0], rtol=1e-10)
    var_small = var.copy()
    var_small[:20] = 1e-12
    moved = np.abs(probconserv_update(mu, var_small, W, b)[0] - mu)
    assert moved[:20].max() < 1e-8 * moved[20:].max()
    hard = hardc_update(mu, W, b)
    assert abs(hard @ W - b) < 1e-14
    np.testing.assert_allclose(hard, probconserv_update(mu, np.full(41, 0.3), W, b)[0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(hard - mu, (hard - mu)[1] / W[1] * W, rtol=1e-10)


def test_wdiff_smooths_then_conservation_still_exact():
    mu = np.sin(np.linspace(0, 3, 41)) + 0.05 * RNG.normal(size=41)
    var = np.full(41, 1e-2)
    mu_s, cov_s = wdiff_update(mu, var)
    G2 = second_difference_matrix(41)
    assert np.linalg.norm(G2 @ mu_s) < 0.5 * np.linalg.norm(G2 @ mu)
    final, fvar = probconserv_update_full(mu_s, cov_s, W, 0.7)
    assert abs(final @ W - 0.7) < 1e-13 and np.all(fvar >= 1e-8)


def test_aggregate_draws_by_hand():
    mu_s = np.array([[1.0, 2.0], [3.0, 6.0]])
    var_s = np.array([[0.5, 1.0], [1.5, 1.0]])
    mean, var = aggregate_draws(mu_s, var_s)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    np.testing.assert_allclose(var, [1.0 + 2.0, 1.0 + 8.0])


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="sigma_g2"):
        probconserv_update(np.zeros(3), np.ones(3), np.ones(3), 0.0, -1.0)
    with pytest.raises(ValueError, match="weights"):
        hardc_update(np.zeros(4), np.ones(3), 0.0)
