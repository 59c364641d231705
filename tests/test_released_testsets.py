"""Conversion of the authors' released test sets to our data contract."""
import numpy as np
import pytest

from pcml.data.released_testsets import convert_released_testset, read_released_testset
from pcml.data.netcdf import read_netcdf
from pcml.problems.registry import get_problem
from conftest import REF

needs_reference = pytest.mark.skipif(REF is None, reason="released ProbConserv models not available")


@needs_reference
@pytest.mark.parametrize("experiment,values", [("pme", [1.0, 3.0, 6.0]), ("stefan", [0.5, 0.6])])
def test_released_testset_matches_our_closed_forms(tmp_path, experiment, values):
    ds = read_released_testset(REF / experiment / "test.npz", experiment)
    problem = get_problem(experiment)
    params = ds[problem.param_name].values
    np.testing.assert_array_equal(np.unique(params), values)
    assert ds.sizes["context"] == ds.sizes["target"] == 100
    # the released targets are the exact solution at the released points (float32 storage)
    for f in (0, len(params) - 1):
        u = problem.solution(ds.t_target.values[f], ds.x_target.values[f], params[f])
        front = problem.front_position(ds.t_target.values[f], params[f])
        away = np.abs(ds.x_target.values[f] - front) > 1e-3
        np.testing.assert_allclose(ds.u_target.values[f][away], u[away], atol=1e-5)
    convert_released_testset(REF / experiment / "test.npz", experiment, t_star=0.05 if experiment == "stefan" else 0.5,
                             grid_nx=21, out_test=tmp_path / "test.nc", out_truth=tmp_path / "truth.nc")
    truth = read_netcdf(tmp_path / "truth.nc")
    assert truth.u.shape == (len(params), 1, 21)


def test_missing_released_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        read_released_testset(tmp_path / "nothing.npz", "stefan")
