"""Sampling, dataset builders and netCDF I/O of the ProbConserv data stage (spec §2.6)."""
import numpy as np
import pytest
import xarray as xr

from pcml.data.gpme_datasets import build_split, build_truth, write_experiment_data
from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.problems.registry import get_problem

DATA = dict(n_train=12, n_valid=4, n_test_per_value=3, n_context_t=10, n_context_x=10,
            n_target_t=10, n_target_x=10, grid_nt=41, grid_nx=21)
PROBLEM = dict(train_range=[0.55, 0.7], test_values=[0.5, 0.6], t_star=0.05)


def make(tmp_path, seed=0, name="run"):
    paths = {k: tmp_path / name / f"{k}.nc" for k in ("train", "valid", "test", "truth")}
    write_experiment_data("stefan", problem_settings=PROBLEM, data_settings=DATA, seed=seed, profile="test",
                          out_train=paths["train"], out_valid=paths["valid"], out_test=paths["test"],
                          out_truth=paths["truth"])
    return {k: read_netcdf(p) for k, p in paths.items()}


def test_same_seed_gives_identical_data_other_seed_differs(tmp_path):
    a, b, c = make(tmp_path, 0, "a"), make(tmp_path, 0, "b"), make(tmp_path, 1, "c")
    for split in ("train", "valid", "test", "truth"):
        xr.testing.assert_identical(a[split], b[split])
    assert not np.array_equal(a["train"]["t_context"].values, c["train"]["t_context"].values)
    # splits use independent streams
    assert not np.array_equal(a["train"]["x_context"].values[:4], a["valid"]["x_context"].values)


def test_split_layout_and_sampling_rules(tmp_path):
    ds = make(tmp_path)
    train, test, truth = ds["train"], ds["test"], ds["truth"]
    assert train.sizes == {"function": 12, "context": 100, "target": 100}
    lo, hi = PROBLEM["train_range"]
    assert ((train.u_star >= lo) & (train.u_star <= hi)).all()
    np.testing.assert_array_equal(test.u_star.values, [0.5] * 3 + [0.6] * 3)
    stefan = get_problem("stefan")
    for f in range(12):
        t_c = train.t_context.values[f].reshape(10, 10)
        x_c = train.x_context.values[f].reshape(10, 10)
        # t-major tensor grid: rows share a time, columns share a position
        assert np.all(t_c == t_c[:, :1]) and np.all(x_c == x_c[:1, :])
        # stratified context times: exactly one in each tenth of [0, 0.1]
        np.testing.assert_array_equal(np.floor(t_c[:, 0] / 0.01), np.arange(10))
        assert np.all(np.diff(x_c[0]) >= 0)
        t_t = train.t_target.values[f].reshape(10, 10)[:, 0]
        assert np.all(np.diff(t_t) >= 0)
        np.testing.assert_array_equal(
            train.u_context.values[f],
            stefan.solution(train.t_context.values[f], train.x_context.values[f], float(train.u_star[f])))
    assert truth.u.dims == ("function", "t", "x") and truth.u.shape == (6, 41, 21)
    np.testing.assert_allclose(truth.t.values, np.linspace(0, 0.1, 41))
    np.testing.assert_array_equal(truth.u_star.values, test.u_star.values)
    np.testing.assert_allclose(truth.mass.values[4], stefan.mass(truth.t.values, 0.6), rtol=1e-15)
    assert truth.attrs["param_name"] == "u_star" and truth.attrs["seed"] == 0


def test_test_split_must_divide_evenly():
    with pytest.raises(ValueError, match="multiple"):
        build_split(get_problem("pme"), "test", 7, train_range=(1, 6), test_values=[1, 3, 6])


def test_write_is_atomic_and_read_errors_are_clear(tmp_path):
    ds = build_truth(get_problem("pme"), np.array([1.0, 3.0]), 5, 5)
    path = write_netcdf(ds, tmp_path / "sub" / "truth.nc")
    assert [p.name for p in path.parent.iterdir()] == ["truth.nc"]
    xr.testing.assert_identical(read_netcdf(path), ds)
    with pytest.raises(FileNotFoundError, match="missing.nc"):
        read_netcdf(tmp_path / "missing.nc")
    bad = tmp_path / "corrupt.nc"
    bad.write_bytes(b"not a netcdf file")
    with pytest.raises(ValueError, match="corrupt.nc"):
        read_netcdf(bad)
    with pytest.raises(ValueError, match="lacks required"):
        read_netcdf(path, ("u", "nothing"))


def test_netcdf_files_get_the_usual_permissions(tmp_path):
    import os
    mask = os.umask(0o022)
    try:
        path = write_netcdf(xr.Dataset({"a": ("x", np.arange(3.0))}), tmp_path / "a.nc")
    finally:
        os.umask(mask)
    assert (path.stat().st_mode & 0o777) == 0o644
