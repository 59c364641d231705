"""BOON 2-D dataset builders (spec §2.6-2.8): layout, attrs, determinism, stored frames, bad input."""
import numpy as np
import pytest
import xarray as xr

from pcml.data.boon_2d import make_cavity, make_wave
from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.problems import cavity as cv
from pcml.problems import wave as wv

CAVITY = dict(n_grid=17, subsample=2, t_final=0.1, dt=1e-3)  # default out_times: 0.002, 0.006, ..., 0.098


@pytest.fixture(scope="module")
def cavity():
    return make_cavity(3, seed=7, **CAVITY)


@pytest.fixture(scope="module")
def wave():
    return make_wave(3, 16, n_levels=11, n_out=5, n_modes=6, seed=7)


def test_cavity_layout_coords_and_attrs(cavity):
    ds = cavity
    assert ds["a"].dims == ("sample", "x", "y") and ds["a"].shape == (3, 9, 9)
    assert ds["u"].dims == ("sample", "x", "y", "t") and ds["u"].shape == (3, 9, 9, 25)
    assert ds["bc_left"].dims == ds["bc_right"].dims == ("sample", "y", "t")
    assert ds["bc_bottom"].dims == ds["bc_top"].dims == ("sample", "x", "t")
    assert all(v.dtype == np.float64 for v in ds.data_vars.values())
    np.testing.assert_array_equal(ds.x.values, np.linspace(0, 1, 9))  # both walls kept (P5)
    np.testing.assert_allclose(ds.t.values, 0.1 * (0.02 + 0.04 * np.arange(25)), rtol=0, atol=1e-15)
    for c in ("x", "y", "t"):
        assert {"units", "long_name"} <= set(ds[c].attrs)
    for key in ("pde", "bc_type", "Re", "nu", "dt", "h", "u_lid", "seed", "solver", "recon"):
        assert key in ds.attrs
    assert ds.attrs["bc_type"] == "dirichlet" and ds.attrs["nu"] == 0.01 and ds.attrs["seed"] == 7
    assert ds.attrs["h"] == 1 / 16 and ds.attrs["h_out"] == 1 / 8 and "[RECON]" in ds.attrs["recon"]


def test_cavity_bc_are_the_target_walls_and_frames_are_the_solver_output(cavity):
    ds = cavity
    u = ds["u"].values
    np.testing.assert_array_equal(ds.bc_left.values, u[:, 0])
    np.testing.assert_array_equal(ds.bc_right.values, u[:, -1])
    np.testing.assert_array_equal(ds.bc_bottom.values, u[:, :, 0])
    np.testing.assert_array_equal(ds.bc_top.values, u[:, :, -1])
    # rebuild independently: same draw, full-resolution run, subsample afterwards
    x, h = cv.grid(17)
    xi = np.random.default_rng(7).standard_normal((3, 8, 8))
    omega0 = cv.initial_vorticity(cv.random_streamfunction(xi, x, 0.2), h, 1.0)
    frames = cv.simulate(omega0, h=h, nu=0.01, dt=1e-3, save_steps=[0, 2, 98])
    np.testing.assert_array_equal(ds.a.values, frames[:, 0, ::2, ::2])
    np.testing.assert_array_equal(u[..., 0], frames[:, 1, ::2, ::2])
    np.testing.assert_array_equal(u[..., -1], frames[:, 2, ::2, ::2])


def test_cavity_is_deterministic_and_chunk_independent(cavity):
    xr.testing.assert_identical(make_cavity(3, seed=7, chunk_size=2, **CAVITY), cavity)
    other = make_cavity(3, seed=8, **CAVITY)
    assert not np.array_equal(other.a.values, cavity.a.values)


def test_cavity_in_two_processes_is_bit_identical_to_one():
    # 5 samples in chunks of 2: three chunks over two processes, the last one short
    kwargs = dict(seed=3, chunk_size=2, **{**CAVITY, "t_final": 0.05})
    one = make_cavity(5, workers=1, **kwargs)
    two = make_cavity(5, workers=2, **kwargs)
    assert np.array_equal(two.a.values, one.a.values) and np.array_equal(two.u.values, one.u.values)
    xr.testing.assert_identical(two, one)
    assert len({float(np.abs(one.u.values[s]).max()) for s in range(5)}) == 5  # the samples differ


@pytest.mark.parametrize("workers", [0, -1, 1.5, 2.0, True, "2", None])
def test_cavity_refuses_a_bad_workers_count(workers):
    with pytest.raises(ValueError, match="workers"):
        make_cavity(2, seed=0, workers=workers, **CAVITY)


def test_cavity_custom_out_times_store_only_those_frames():
    ds = make_cavity(2, seed=1, out_times=[0.0, 0.05], **CAVITY)
    assert ds.sizes["t"] == 2 and set(ds.sizes) == {"sample", "x", "y", "t"}
    np.testing.assert_array_equal(ds.u.values[..., 0], ds.a.values)


@pytest.mark.parametrize("kwargs, name", [
    (dict(dt=0.05, out_times=[0.1]), "dt=0.05 is unstable"),  # h = 1/16: h^2/(4 nu) = 0.098, von Neumann not ok
    (dict(dt=0.1, out_times=[0.1]), "dt=0.1 is unstable"),
    (dict(out_times=[0.05, 0.2]), "out_times"),   # beyond t_final
    (dict(out_times=[-0.01, 0.05]), "out_times"),
    (dict(out_times=[0.0105]), "out_times"),      # not a multiple of dt
    (dict(out_times=[0.05, 0.02]), "out_times"),  # not increasing
    (dict(subsample=3), "subsample"),
    (dict(Re=-1.0), "Re"),
    (dict(n_grid=2), "n_grid"),
    (dict(ic_velocity=-0.1), "ic_velocity"),
])
def test_cavity_bad_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        make_cavity(1, seed=0, **{**CAVITY, **kwargs})


def test_cavity_needs_samples():
    with pytest.raises(ValueError, match="n_samples"):
        make_cavity(0, seed=0)


def test_wave_layout_and_values(wave):
    ds = wave
    assert ds["a"].shape == (3, 16, 16) and ds["u"].dims == ("sample", "x", "y", "t")
    assert ds["u"].shape == (3, 16, 16, 5)
    np.testing.assert_array_equal(ds.t.values, np.linspace(0, 1, 11)[-5:])
    np.testing.assert_array_equal(ds.x.values, np.linspace(0, 1, 16))
    for wall in ("left", "right", "bottom", "top"):
        assert ds[f"flux_{wall}"].dims == ("t",)
        np.testing.assert_array_equal(ds[f"flux_{wall}"].values, 0.0)
    assert ds.attrs["bc_type"] == "neumann" and ds.attrs["c"] == 1.0 and ds.attrs["dt"] == 0.1
    assert {"pde", "h", "seed", "solver", "recon", "n_modes"} <= set(ds.attrs)
    coeffs = wv.sample_coefficients(np.random.default_rng(7), 3, 6)
    x = np.linspace(0, 1, 16)
    np.testing.assert_array_equal(ds.a.values, wv.solution(coeffs, x, x, [0.0])[..., 0])
    np.testing.assert_allclose(ds.u.values, wv.solution(coeffs, x, x, ds.t.values), rtol=0, atol=1e-14)
    assert np.abs(ds.u.values[..., -1] - ds.a.values).max() > 1e-2  # the field moves


def test_wave_is_deterministic(wave):
    xr.testing.assert_identical(make_wave(3, 16, n_levels=11, n_out=5, n_modes=6, seed=7), wave)
    assert not np.array_equal(make_wave(3, 16, n_levels=11, n_out=5, n_modes=6, seed=8).a.values,
                              wave.a.values)


@pytest.mark.parametrize("kwargs, name", [
    (dict(n_out=12), "n_out"), (dict(c=0.0), "c"), (dict(t_final=-1.0), "t_final"),
    (dict(n_levels=1), "n_levels"), (dict(n_modes=-1), "n_modes"), (dict(n_grid=1), "n_grid"),
])
def test_wave_bad_arguments_name_the_argument(kwargs, name):
    args = {**dict(n_grid=8, n_levels=11, n_out=5), **kwargs}
    with pytest.raises(ValueError, match=name):
        make_wave(1, seed=0, **args)


def test_datasets_round_trip_through_netcdf(tmp_path, cavity, wave):
    for name, ds in (("cavity", cavity), ("wave", wave)):
        path = write_netcdf(ds, tmp_path / f"{name}.nc")
        xr.testing.assert_identical(read_netcdf(path), ds)
