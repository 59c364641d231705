"""Conversion of the authors' released ProbConserv test sets (npz) to our netCDF contract.

The released files hold ``input_contexts``/``input_targets`` (function, point, [t, x]),
``output_contexts``/``output_targets`` (function, point, 1) and the parameter per function
(``m`` for PME, ``u_star`` for Stefan), grouped by parameter value. Parameters were stored
in float32 (u* = 0.6000000238); they are rounded to 6 decimals here, which recovers the
generating values (0.5, 0.6; 1, 3, 6).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from pcml.data.gpme_datasets import build_truth
from pcml.data.netcdf import write_netcdf
from pcml.problems.registry import get_problem

REQUIRED = ("input_contexts", "output_contexts", "input_targets", "output_targets")


def read_released_testset(path: str | Path, experiment: str) -> xr.Dataset:
    """Released test set as a Dataset with our split variables (t/x/u _context, _target)."""
    problem = get_problem(experiment)
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"released test set not found: {path}")
    try:
        data = dict(np.load(path))
    except Exception as exc:
        raise ValueError(f"cannot read released test set {path}: {exc}") from exc
    missing = [k for k in (*REQUIRED, problem.param_name) if k not in data]
    if missing:
        raise ValueError(f"released test set {path} lacks {missing}")
    params = np.round(np.asarray(data[problem.param_name], np.float64).reshape(-1), 6)
    xc, xt = np.asarray(data["input_contexts"], np.float64), np.asarray(data["input_targets"], np.float64)
    ds = xr.Dataset(
        {
            "t_context": (("function", "context"), xc[..., 0]),
            "x_context": (("function", "context"), xc[..., 1]),
            "u_context": (("function", "context"), np.asarray(data["output_contexts"], np.float64)[..., 0]),
            "t_target": (("function", "target"), xt[..., 0]),
            "x_target": (("function", "target"), xt[..., 1]),
            "u_target": (("function", "target"), np.asarray(data["output_targets"], np.float64)[..., 0]),
        },
        coords={"function": np.arange(len(params)), problem.param_name: ("function", params)},
    )
    ds.attrs.update(experiment=experiment, param_name=problem.param_name, split="test",
                    source=f"authors' released test set ({path.name}, amazon-science/probconserv, Apache-2.0)")
    return ds


def convert_released_testset(npz_path: str, experiment: str, *, t_star: float, grid_nx: int,
                             out_test: str, out_truth: str, profile: str = "") -> None:
    """Write the released test set (test.nc) and its exact truth at t* on ``grid_nx`` points (truth.nc)."""
    test = read_released_testset(npz_path, experiment)
    write_netcdf(test, out_test)
    truth = build_truth(get_problem(experiment), test[test.attrs["param_name"]].values, 1, grid_nx,
                        profile=profile, times=np.array([t_star]))
    truth.attrs["source"] = test.attrs["source"]
    write_netcdf(truth, out_truth)
