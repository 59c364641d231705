"""Tests for the exact Stokes-layer solution (BOON spec §2.2, §9)."""

import numpy as np
import pytest

from pcml.problems.stokes import stokes_kappa, stokes_solution

D1 = np.array([1, -8, 0, 8, -1]) / 12.0  # 4th-order central first derivative (times 1/h)
D2 = np.array([-1, 16, -30, 16, -1]) / 12.0  # 4th-order central second derivative (times 1/h^2)
OFF = np.arange(-2, 3)


@pytest.mark.parametrize("nu", [0.1, 0.001])
def test_pde_residual_finite_differences(nu):
    omega, U = np.array([2.0, 5.3, 8.0]), 2.0
    kap = stokes_kappa(omega, nu)
    y0, t0 = np.array([0.0, 0.013, 0.3, 0.97]), 0.77
    for s in range(omega.size):
        h, dt = 0.01 / kap[s], 0.01 / omega[s]
        u_y = stokes_solution(omega[s:s + 1], (y0[:, None] + h * OFF).ravel(), np.array([t0]), nu, U)
        u_t = stokes_solution(omega[s:s + 1], y0, t0 + dt * OFF, nu, U)
        uyy = u_y[0, :, 0].reshape(-1, 5) @ D2 / h**2
        ut = u_t[0] @ D1 / dt
        scale = nu * kap[s] ** 2 * U  # size of nu u_yy at the wall
        assert np.abs(ut - nu * uyy).max() / scale < 1e-8
        assert np.abs(ut - 1.5 * nu * uyy).max() / scale > 1e-3  # a wrong viscosity fails the same check


def test_boundary_and_initial_values():
    omega, nu, U = np.array([2.0, 7.5]), 0.02, 2.0
    t = np.linspace(0, 1.2, 7)
    y = np.linspace(0, 1, 9)
    u = stokes_solution(omega, y, t, nu, U)
    kap = np.sqrt(omega / (2 * nu))
    np.testing.assert_allclose(u[:, 0], U * np.cos(omega[:, None] * t), rtol=0, atol=1e-15)
    right = U * np.exp(-kap[:, None]) * np.cos(kap[:, None] - omega[:, None] * t)
    np.testing.assert_allclose(u[:, -1], right, rtol=1e-14, atol=1e-300)
    ic = U * np.exp(-kap[:, None] * y) * np.cos(kap[:, None] * y)
    np.testing.assert_allclose(u[:, :, 0], ic, rtol=1e-14, atol=1e-300)


def test_bad_arguments():
    with pytest.raises(ValueError, match="nu"):
        stokes_solution(np.array([2.0]), np.zeros(3), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="omega"):
        stokes_solution(np.array([-1.0]), np.zeros(3), np.zeros(2), 0.1)


# ---- dataset builder (pcml.data.boon_1d.make_stokes) ----
from pcml.data.boon_1d import make_stokes  # noqa: E402


@pytest.mark.parametrize("multi_step", [False, True])
def test_make_stokes_contract(multi_step, tmp_path):
    ds = make_stokes(5, 17, multi_step=multi_step, nu=0.01, n_levels=12, n_out=4, seed=7)
    t_all = np.linspace(0, 1.2, 12)
    x = np.linspace(0, 1, 17)
    assert ds.attrs["bc_type"] == "dirichlet" and ds.attrs["seed"] == 7 and "RECON" in ds.attrs["recon"]
    np.testing.assert_array_equal(ds.x, x)
    assert ds.a.dims == ("sample", "x") and ds.omega.dims == ("sample",)
    om = ds.omega.values
    assert np.all((om >= 2.0) & (om <= 8.0))
    np.testing.assert_allclose(ds.a, stokes_solution(om, x, np.zeros(1), 0.01, 2.0)[..., 0], rtol=0, atol=0)
    if multi_step:
        assert ds.u.dims == ("sample", "x", "t") and ds.u.shape == (5, 17, 4)
        np.testing.assert_array_equal(ds.t, t_all[-4:])
        assert ds.bc_left.dims == ("sample", "t")
        ref = stokes_solution(om, x, t_all[-4:], 0.01, 2.0)
    else:
        assert ds.u.dims == ("sample", "x") and ds.t.ndim == 0 and float(ds.t) == 1.2
        assert ds.bc_left.dims == ("sample",)
        ref = stokes_solution(om, x, np.array([1.2]), 0.01, 2.0)[..., 0]
    np.testing.assert_array_equal(ds.u, ref)
    np.testing.assert_array_equal(ds.bc_left, ds.u.isel(x=0))
    np.testing.assert_array_equal(ds.bc_right, ds.u.isel(x=-1))
    ds.to_netcdf(tmp_path / "s.nc")


def test_make_stokes_deterministic_and_bad_arguments():
    a = make_stokes(3, 8, multi_step=True, nu=0.1, n_levels=5, n_out=2, seed=1)
    b = make_stokes(3, 8, multi_step=True, nu=0.1, n_levels=5, n_out=2, seed=1, chunk_size=2)
    c = make_stokes(3, 8, multi_step=True, nu=0.1, n_levels=5, n_out=2, seed=2)
    assert a.identical(b) and not np.array_equal(a.omega, c.omega)
    for kwargs, name in [({"nu": 0.0}, "nu"), ({"n_out": 6}, "n_out"), ({"n_x": 3}, "n_x"),
                         ({"omega_range": (3.0, 2.0)}, "omega_range")]:
        args = {"n_samples": 2, "n_x": 8, "multi_step": True, "nu": 0.1, "n_levels": 5, "n_out": 2, "seed": 0}
        with pytest.raises(ValueError, match=name):
            make_stokes(**{**args, **kwargs})
