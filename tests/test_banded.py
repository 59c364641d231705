"""ProbConserv-ANP (w/diff), batched: pentadiagonal LDL^T, selected inverse, and the two-step update
against the dense per-slice reference (``conservation.wdiff_update`` + ``probconserv_update_full``)."""
import numpy as np
import pytest

from pcml.constraints.banded import inverse_band, pentadiagonal_ldl, solve_ldl, wdiff_probconserv_update
from pcml.constraints.conservation import probconserv_update_full, trapezoid_weights, wdiff_update


def random_pentadiagonal(rng, batch, m):
    """Symmetric, diagonally dominant pentadiagonal matrices: (bands a0, a1, a2) and dense (batch, m, m)."""
    a1 = rng.normal(size=(batch, m))
    a2 = rng.normal(size=(batch, m))
    a1[:, 0] = 0.0
    a2[:, :2] = 0.0
    a0 = 5.0 + rng.uniform(size=(batch, m))
    dense = np.zeros((batch, m, m))
    i = np.arange(m)
    dense[:, i, i] = a0
    dense[:, i[1:], i[1:] - 1] = dense[:, i[1:] - 1, i[1:]] = a1[:, 1:]
    dense[:, i[2:], i[2:] - 2] = dense[:, i[2:] - 2, i[2:]] = a2[:, 2:]
    return (a0, a1, a2), dense


def test_ldl_solve_and_inverse_band_match_dense_algebra():
    rng = np.random.default_rng(0)
    bands, dense = random_pentadiagonal(rng, 6, 11)
    d, l1, l2 = pentadiagonal_ldl(*bands)
    rhs = rng.normal(size=(6, 11))
    np.testing.assert_allclose(solve_ldl(d, l1, l2, rhs), np.linalg.solve(dense, rhs[..., None])[..., 0],
                               rtol=1e-12, atol=1e-13)
    inverse = np.linalg.inv(dense)
    z0, z1, z2 = inverse_band(d, l1, l2)
    i = np.arange(11)
    np.testing.assert_allclose(z0, inverse[:, i, i], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(z1[:, :-1], inverse[:, i[:-1], i[:-1] + 1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(z2[:, :-2], inverse[:, i[:-2], i[:-2] + 2], rtol=1e-12, atol=1e-14)
    assert not z1[:, -1].any() and not z2[:, -2:].any()


@pytest.mark.parametrize("alpha,sigma_g2", [(0.9, 0.0), (0.5, 0.0), (-0.3, 1e-3), (0.9, 0.1)])
def test_batched_wdiff_update_matches_the_dense_reference(alpha, sigma_g2):
    rng = np.random.default_rng(1)
    n = 17
    w = trapezoid_weights(np.linspace(0.0, 1.0, n))
    mu = rng.normal(size=(3, 4, n))
    var = rng.uniform(0.01, 0.4, size=(3, 4, n))
    b = rng.normal(size=(3, 4))
    mean, post_var = wdiff_probconserv_update(mu, var, w, b, alpha=alpha, sigma_g2=sigma_g2)
    for i in range(3):
        for j in range(4):
            step_mean, step_cov = wdiff_update(mu[i, j], var[i, j], alpha)
            ref_mean, ref_var = probconserv_update_full(step_mean, step_cov, w, b[i, j], sigma_g2)
            np.testing.assert_allclose(mean[i, j], ref_mean, rtol=1e-10, atol=1e-12)
            np.testing.assert_allclose(post_var[i, j], ref_var, rtol=1e-10, atol=1e-12)
    if sigma_g2 == 0.0:  # the conservation constraint holds to float64 round-off
        assert np.abs(mean @ w - b).max() < 1e-13


def test_wdiff_refuses_bad_alpha_and_shapes():
    w = np.ones(9)
    with pytest.raises(ValueError, match="alpha"):
        wdiff_probconserv_update(np.zeros(9), np.ones(9), w, 0.0, alpha=1.0)
    with pytest.raises(ValueError, match="last axis"):
        wdiff_probconserv_update(np.zeros(9), np.ones(8), w, 0.0)
