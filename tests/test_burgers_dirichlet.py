"""Tests for the exact Cole-Hopf Burgers family with Dirichlet data (BOON spec §2.3, §9)."""

import numpy as np
import pytest

from pcml.problems.burgers_dirichlet import burgers_solution, cole_hopf_phi, sample_cole_hopf

D1 = np.array([1, -8, 0, 8, -1]) / 12.0
D2 = np.array([-1, 16, -30, 16, -1]) / 12.0
OFF = np.arange(-2, 3)


@pytest.mark.parametrize("nu", [0.1, 0.02])
def test_pde_residual_finite_differences(nu):
    p = sample_cole_hopf(np.random.default_rng(1), 6, 4)
    x0, t0 = np.array([0.0, 0.21, 0.5, 1.0]), np.array([0.0, 0.4, 1.0])
    h, dt = 1e-3, 1e-3
    xs = (x0[:, None] + h * OFF).ravel()
    ts = (t0[:, None] + dt * OFF).ravel()
    ux = burgers_solution(p["c0"], p["c"], p["theta"], xs, t0, nu).reshape(6, 4, 5, 3)
    ut = burgers_solution(p["c0"], p["c"], p["theta"], x0, ts, nu).reshape(6, 4, 3, 5)
    u = ux[:, :, 2]
    u_x = np.einsum("sxkt,k->sxt", ux, D1) / h
    u_xx = np.einsum("sxkt,k->sxt", ux, D2) / h**2
    u_t = np.einsum("sxtk,k->sxt", ut, D1) / dt
    res = u_t + u * u_x - nu * u_xx
    scale = np.abs(u_t).max() + np.abs(nu * u_xx).max()
    assert np.abs(res).max() / scale < 1e-7
    # a wrong viscosity must fail the same check (the test can fail)
    assert np.abs(u_t + u * u_x - 1.5 * nu * u_xx).max() / scale > 1e-3


def test_phi_positive_and_family_definition():
    rng = np.random.default_rng(0)
    p = sample_cole_hopf(rng, 2000, 4)
    np.testing.assert_allclose(p["c0"], p["s"] * np.abs(p["c"]).sum(1), rtol=1e-15)
    assert p["s"].min() >= 1.1 and p["s"].max() <= 2.0
    assert p["theta"].min() >= 0 and p["theta"].max() < 2 * np.pi
    phi, _ = cole_hopf_phi(p["c0"], p["c"], p["theta"], np.linspace(0, 1, 101), np.array([0.0, 0.5]), 0.1)
    bound = (p["c0"] * (1 - 1 / p["s"]))[:, None, None]
    assert np.all(phi >= bound * (1 - 1e-12)) and np.all(phi > 0)


def test_solution_matches_closed_form_at_t0():
    c0, c, th = np.array([3.0]), np.array([[1.0, -0.5]]), np.array([[0.3, 1.1]])
    x, nu = np.linspace(0, 1, 11), 0.05
    phi = 3.0 + np.cos(np.pi * x + 0.3) - 0.5 * np.cos(2 * np.pi * x + 1.1)
    phi_x = -np.pi * np.sin(np.pi * x + 0.3) + np.pi * np.sin(2 * np.pi * x + 1.1)
    u = burgers_solution(c0, c, th, x, np.array([0.0]), nu)[0, :, 0]
    np.testing.assert_allclose(u, -2 * nu * phi_x / phi, rtol=1e-14, atol=1e-16)


def test_deterministic_and_bad_arguments():
    a = sample_cole_hopf(np.random.default_rng(3), 4)
    b = sample_cole_hopf(np.random.default_rng(3), 4)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    with pytest.raises(ValueError, match="nu"):
        burgers_solution(a["c0"], a["c"], a["theta"], np.zeros(3), np.zeros(2), -0.1)
    with pytest.raises(ValueError, match="n_terms"):
        sample_cole_hopf(np.random.default_rng(0), 4, 0)


# ---- dataset builder (pcml.data.boon_1d.make_burgers_dirichlet) ----
from pcml.data.boon_1d import make_burgers_dirichlet  # noqa: E402


@pytest.mark.parametrize("multi_step", [False, True])
def test_make_burgers_dirichlet_contract(multi_step, tmp_path):
    ds = make_burgers_dirichlet(5, 16, multi_step=multi_step, nu=0.05, n_levels=11, n_out=3, seed=4)
    x = np.linspace(0, 1, 16)
    assert ds.attrs["bc_type"] == "dirichlet" and ds.attrs["nu"] == 0.05 and "Cole-Hopf" in ds.attrs["recon"]
    assert ds.c.dims == ("sample", "term") and ds.c0.dims == ("sample",)
    args = (ds.c0.values, ds.c.values, ds.theta.values, x)
    np.testing.assert_array_equal(ds.a, burgers_solution(*args, np.zeros(1), 0.05)[..., 0])
    if multi_step:
        t = np.linspace(0, 1, 11)[-3:]
        np.testing.assert_array_equal(ds.t, t)
        assert ds.u.shape == (5, 16, 3) and ds.bc_right.dims == ("sample", "t")
        np.testing.assert_array_equal(ds.u, burgers_solution(*args, t, 0.05))
    else:
        assert ds.u.dims == ("sample", "x") and float(ds.t) == 1.0 and ds.bc_right.dims == ("sample",)
        np.testing.assert_array_equal(ds.u, burgers_solution(*args, np.array([1.0]), 0.05)[..., 0])
    np.testing.assert_array_equal(ds.bc_left, ds.u.isel(x=0))
    np.testing.assert_array_equal(ds.bc_right, ds.u.isel(x=-1))
    assert np.abs(ds.bc_left).min() > 0  # boundary data are non-trivial
    ds.to_netcdf(tmp_path / "b.nc")


def test_make_burgers_dirichlet_deterministic_and_bad_arguments():
    kw = {"multi_step": True, "nu": 0.1, "n_levels": 6, "n_out": 2}
    a = make_burgers_dirichlet(4, 8, seed=9, **kw)
    b = make_burgers_dirichlet(4, 8, seed=9, chunk_size=3, **kw)
    c = make_burgers_dirichlet(4, 8, seed=10, **kw)
    assert a.identical(b) and not np.array_equal(a.u, c.u)
    base = {"n_samples": 2, "n_x": 8, "seed": 0, **kw}
    for kwargs, name in [({"nu": 0.0}, "nu"), ({"n_out": 7}, "n_out"), ({"n_x": 2}, "n_x"),
                         ({"n_terms": 0}, "n_terms")]:
        with pytest.raises(ValueError, match=name):
            make_burgers_dirichlet(**{**base, **kwargs})
