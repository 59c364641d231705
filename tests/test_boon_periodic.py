"""Tests for the periodic Burgers dataset builder (pcml.data.boon_periodic, BOON spec §2.4, §2.5, §2.8, P4)."""

import json

import numpy as np
import pytest

from pcml.data.boon_periodic import make_burgers_periodic
from pcml.problems.burgers_periodic import evaluate_fourier, sample_grf, solve_burgers_periodic

SMALL = {"n_fine": 128, "dt": 1e-2, "n_modes": 40}


@pytest.mark.parametrize("multi_step", [False, True])
def test_layout_shapes_and_attrs(multi_step, tmp_path):
    ds = make_burgers_periodic(5, 32, multi_step=multi_step, nu=0.1, n_levels=11, n_out=4, seed=7, **SMALL)
    np.testing.assert_array_equal(ds.x, np.arange(32) / 32)
    np.testing.assert_array_equal(ds.sample, np.arange(5))
    assert ds.a.dims == ("sample", "x") and ds.a.shape == (5, 32) and ds.a.dtype == np.float64
    assert set(ds.data_vars) == {"a", "u"}
    for name in ("x", "t"):
        assert ds[name].attrs["units"] == "1" and ds[name].attrs["long_name"]
    if multi_step:
        assert ds.u.dims == ("sample", "x", "t") and ds.u.shape == (5, 32, 4)
        np.testing.assert_allclose(ds.t, np.linspace(0, 1, 11)[-4:], rtol=0, atol=1e-15)
        assert ds.attrs["experiment"] == "Burgers_Per_2D"
    else:
        assert ds.u.dims == ("sample", "x") and ds.t.ndim == 0 and float(ds.t) == 1.0
        assert ds.attrs["experiment"] == "Burgers_Per_1D"
    attrs = ds.attrs
    assert attrs["bc_type"] == "periodic" and attrs["seed"] == 7 and attrs["nu"] == 0.1
    assert attrs["overwrite_last"] == 1 and "P4" in attrs["overwrite"]
    assert "[RECON]" in attrs["recon"] and "R10" in attrs["recon"] and "ETDRK4" in attrs["solver"]
    params = json.loads(attrs["parameters"])
    assert params["n_modes"] == 40 and params["dt"] == 1e-2 and params["multi_step"] == int(multi_step)
    ds.to_netcdf(tmp_path / "b.nc")  # every attribute is netCDF-storable


@pytest.mark.parametrize("multi_step", [False, True])
def test_values_are_the_solver_on_the_seeded_grf(multi_step):
    ds = make_burgers_periodic(3, 16, multi_step=multi_step, nu=0.05, n_levels=6, n_out=2, seed=3,
                               overwrite_last=False, **SMALL)
    coef = sample_grf(np.random.default_rng(3), 3, 40)
    t = np.linspace(0, 1, 6)[-2:] if multi_step else np.array([1.0])
    np.testing.assert_array_equal(ds.a, evaluate_fourier(coef, 16))
    u = solve_burgers_periodic(coef, 0.05, t, 16, n_fine=128, dt=1e-2)
    np.testing.assert_array_equal(ds.u, u if multi_step else u[..., 0])
    assert ds.attrs["overwrite_last"] == 0
    assert np.abs(ds.a[:, -1] - ds.a[:, 0]).min() > 1e-6  # the true values differ at x = 15/16 and 0


def test_periodic_overwrite_only_touches_last_point():
    kw = dict(n_samples=4, n_x=16, multi_step=True, nu=0.05, n_levels=6, n_out=3, seed=9, **SMALL)
    faithful = make_burgers_periodic(**kw)
    clean = make_burgers_periodic(**kw, overwrite_last=False)
    np.testing.assert_array_equal(faithful.a[:, -1], faithful.a[:, 0])
    np.testing.assert_array_equal(faithful.u[:, -1], faithful.u[:, 0])
    np.testing.assert_array_equal(faithful.a[:, :-1], clean.a[:, :-1])
    np.testing.assert_array_equal(faithful.u[:, :-1], clean.u[:, :-1])
    assert not np.allclose(faithful.u[:, -1], clean.u[:, -1])


def test_deterministic_and_chunk_independent():
    kw = dict(n_samples=5, n_x=16, multi_step=True, nu=0.05, n_levels=6, n_out=2, **SMALL)
    a = make_burgers_periodic(**kw, seed=1)
    b = make_burgers_periodic(**kw, seed=1, chunk_size=2)
    c = make_burgers_periodic(**kw, seed=2)
    assert a.identical(b)
    assert not np.allclose(a.a, c.a)
    # the first samples do not depend on how many are drawn
    d = make_burgers_periodic(**{**kw, "n_samples": 2}, seed=1)
    np.testing.assert_array_equal(d.u, a.u[:2])


def test_default_modes_and_mean_conservation():
    ds = make_burgers_periodic(2, 32, multi_step=True, nu=0.1, n_fine=64, dt=1e-2, n_levels=3, n_out=3,
                               seed=0, overwrite_last=False)
    assert ds.attrs["n_modes"] == 21  # (64 - 1) // 3
    np.testing.assert_array_equal(ds.u.isel(t=0), ds.a)  # n_out = n_levels keeps t = 0
    np.testing.assert_allclose(ds.u.mean("x"), ds.a.mean("x").values[:, None].repeat(3, 1), rtol=0, atol=1e-13)


def test_bad_input_raises():
    base = dict(n_samples=2, n_x=16, multi_step=True, nu=0.1, n_levels=6, n_out=2, seed=0, **SMALL)
    for kwargs, name in [({"nu": 0.0}, "nu"), ({"dt": -1.0}, "dt"), ({"n_x": 2}, "n_x"), ({"n_out": 7}, "n_out"),
                         ({"n_samples": 0}, "n_samples"), ({"n_fine": 130, "n_modes": 65}, "n_modes"),
                         ({"n_fine": 127}, "n_fine"), ({"dt": 0.03}, "multiple of dt"),
                         ({"chunk_size": 0}, "chunk_size"), ({"seed": -1}, "seed"), ({"n_modes": 0}, "n_modes"),
                         ({"t_final": float("nan")}, "t_final")]:
        with pytest.raises(ValueError, match=name):
            make_burgers_periodic(**{**base, **kwargs})
