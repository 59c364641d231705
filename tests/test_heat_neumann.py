"""Tests for the lifted cosine-spectral heat solver with Neumann BCs (BOON spec §2.1, §9)."""

import numpy as np
import pytest
from scipy.integrate import quad

from pcml.problems.heat_neumann import (
    duhamel_sin_cos,
    heat_crank_nicolson,
    heat_solution,
    ic_coefficients,
)

K, U = 0.01, 5.0


@pytest.mark.parametrize("omega", [2.37, 3.0, 3.99])
def test_ic_coefficients_match_quadrature(omega):
    c = ic_coefficients(np.array([omega]), 8)[0]
    for n in range(8):
        w = 1.0 if n == 0 else 2.0
        ref = w * quad(lambda x: np.cos(omega * np.pi * x) * np.cos(n * np.pi * x), 0, 1, limit=200)[0]
        assert abs(c[n] - ref) < 1e-13


def test_duhamel_closed_form_matches_quadrature():
    lam = np.array([0.0, 0.3, 5.0, 400.0])
    t = np.array([0.0, 0.2, 0.5])
    i_s, i_c = duhamel_sin_cos(lam, t)
    for a, la in enumerate(lam):
        for b, tt in enumerate(t):
            rs = quad(lambda s: np.exp(-la * (tt - s)) * np.sin(np.pi * s), 0, tt, epsabs=1e-15)[0]
            rc = quad(lambda s: np.exp(-la * (tt - s)) * np.cos(np.pi * s), 0, tt, epsabs=1e-15)[0]
            assert abs(i_s[a, b] - rs) < 1e-13 and abs(i_c[a, b] - rc) < 1e-13


def test_t0_returns_exact_ic():
    x = np.linspace(0, 1, 33)
    om = np.array([2.5, 3.7])
    u = heat_solution(om, x, np.array([0.0, 0.1]))
    np.testing.assert_allclose(u[:, :, 0], np.cos(np.pi * om[:, None] * x), rtol=0, atol=1e-15)


def test_wall_flux_series_and_finite_difference():
    t = np.array([0.15, 0.3, 0.5])
    om = np.array([2.01, 2.8, 3.99])
    d = heat_solution(om, np.array([0.0, 1.0]), t, K, U, derivative=True)
    np.testing.assert_allclose(d[:, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(d[:, 1], np.broadcast_to(U * np.sin(np.pi * t), (3, 3)), rtol=0, atol=1e-12)
    # independent check: 4th-order one-sided FD of the evaluated solution at the walls
    h = 2e-3
    w = np.array([-25, 48, -36, 16, -3]) / (12 * h)
    left = heat_solution(om, h * np.arange(5), t, K, U)
    right = heat_solution(om, 1 - h * np.arange(5), t, K, U)
    assert np.abs(np.einsum("i,sit->st", w, left)).max() < 1e-4
    assert np.abs(-np.einsum("i,sit->st", w, right) - U * np.sin(np.pi * t)).max() < 1e-4


def test_series_converged_in_n_modes():
    x = np.linspace(0, 1, 101)
    t = np.array([0.1, 0.5])
    om = np.array([2.37])
    diff = np.abs(heat_solution(om, x, t, n_modes=4096) - heat_solution(om, x, t, n_modes=8192)).max()
    assert diff < 1e-9


def test_crank_nicolson_converges_to_spectral_at_second_order():
    """CN error is O(h^2 + dt^2): halving both must cut it ~4x, and Richardson extrapolation of the two
    CN runs must agree with the spectral solution far better than either run."""
    omega, t = 2.37, np.array([0.25, 0.5])
    runs = []
    for n_x, dt in [(101, 2e-3), (201, 1e-3)]:
        x = np.linspace(0, 1, n_x)
        runs.append((heat_crank_nicolson(omega, n_x, dt, t, K, U), heat_solution(np.array([omega]), x, t)[0]))
    (uc, rc), (uf, rf) = runs
    scale = np.abs(rf).max()
    err_c, err_f = np.abs(uc - rc).max() / scale, np.abs(uf - rf).max() / scale
    assert err_f < 1e-3
    assert 3.5 < err_c / err_f < 4.5
    rich = (4 * uf[::2] - uc) / 3
    assert np.abs(rich - rf[::2]).max() / scale < err_f / 100


def test_bad_arguments():
    x, t = np.linspace(0, 1, 5), np.array([0.1])
    with pytest.raises(ValueError, match="k"):
        heat_solution(np.array([2.5]), x, t, k=0.0)
    with pytest.raises(ValueError, match="n_modes"):
        heat_solution(np.array([2.5]), x, t, n_modes=1)
    with pytest.raises(ValueError, match="t"):
        heat_solution(np.array([2.5]), x, np.array([-0.1]))
    with pytest.raises(ValueError, match="n_x"):
        heat_crank_nicolson(2.5, 3, 1e-3, t)
    with pytest.raises(ValueError, match="t_out"):
        heat_crank_nicolson(2.5, 11, 1e-3, np.array([0.10005]))


# ---- dataset builder (pcml.data.boon_1d.make_heat_neumann) ----
from pcml.data.boon_1d import make_heat_neumann  # noqa: E402

SMALL = {"n_levels": 10, "n_out": 3, "n_modes": 512}


@pytest.mark.parametrize("multi_step", [False, True])
def test_make_heat_neumann_contract(multi_step, tmp_path):
    ds = make_heat_neumann(4, 21, multi_step=multi_step, seed=3, **SMALL)
    x = np.linspace(0, 1, 21)
    om = ds.omega.values
    assert np.all((om >= 2.01) & (om <= 3.99))
    assert ds.attrs["bc_type"] == "neumann" and ds.attrs["seed"] == 3 and "RECON" in ds.attrs["recon"]
    np.testing.assert_array_equal(ds.x, x)
    np.testing.assert_allclose(ds.a, np.cos(np.pi * om[:, None] * x), rtol=0, atol=1e-15)
    if multi_step:
        t = np.linspace(0, 0.5, 10)[-3:]
        np.testing.assert_array_equal(ds.t, t)
        assert ds.u.dims == ("sample", "x", "t") and ds.u.shape == (4, 21, 3)
        assert ds.flux_left.dims == ("t",) and ds.flux_right.dims == ("t",)
        np.testing.assert_array_equal(ds.u, heat_solution(om, x, t, n_modes=512))
    else:
        t = np.array([0.5])
        assert ds.u.dims == ("sample", "x") and ds.t.ndim == 0 and float(ds.t) == 0.5
        assert ds.flux_left.ndim == 0
        np.testing.assert_array_equal(ds.u, heat_solution(om, x, t, n_modes=512)[..., 0])
    np.testing.assert_array_equal(ds.flux_left, 0.0)
    np.testing.assert_allclose(ds.flux_right, U * np.sin(np.pi * t).squeeze(), rtol=1e-15)
    ds.to_netcdf(tmp_path / "h.nc")


def test_make_heat_neumann_all_levels_and_determinism():
    a = make_heat_neumann(3, 9, multi_step=True, seed=5, n_levels=4, n_out=4, n_modes=256)
    b = make_heat_neumann(3, 9, multi_step=True, seed=5, n_levels=4, n_out=4, n_modes=256)
    c = make_heat_neumann(3, 9, multi_step=True, seed=6, n_levels=4, n_out=4, n_modes=256)
    assert a.identical(b) and not np.array_equal(a.omega, c.omega)
    # chunking changes only BLAS summation order
    d = make_heat_neumann(3, 9, multi_step=True, seed=5, n_levels=4, n_out=4, n_modes=256, chunk_size=1)
    np.testing.assert_allclose(d.u, a.u, rtol=0, atol=1e-14)
    np.testing.assert_array_equal(a.u.isel(t=0), a.a)  # n_out = n_levels keeps t = 0


def test_make_heat_neumann_bad_arguments():
    base = {"n_samples": 2, "n_x": 8, "multi_step": False, "seed": 0, **SMALL}
    for kwargs, name in [({"n_out": 11}, "n_out"), ({"n_x": 3}, "n_x"), ({"k": -1.0}, "k"),
                         ({"n_samples": 0}, "n_samples"), ({"t_final": 0.0}, "t_final")]:
        with pytest.raises(ValueError, match=name):
            make_heat_neumann(**{**base, **kwargs})
