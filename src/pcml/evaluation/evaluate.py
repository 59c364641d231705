"""Per-function metrics of every method at every grid time, reduced per parameter value.

Writes the long-format ``metrics.csv`` of the DESIGN data contract: one row per
(method, parameter value, t, metric) with the mean, sd and standard error over the test
functions of that parameter value (spec §5).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import xarray as xr

from pcml.constraints.conservation import trapezoid_weights
from pcml.data.netcdf import read_netcdf, write_csv
from pcml.evaluation.metrics import conservation_error, log_likelihood, mean_and_se, mse

METRICS = ("mse", "ll", "ce")


def function_metrics(pred: xr.Dataset, truth: xr.Dataset) -> dict[str, np.ndarray]:
    """MSE, LL and signed CE of every function at every grid time: each (function, t)."""
    for dim in ("t", "x"):
        if not np.allclose(pred[dim].values, truth[dim].values):
            raise ValueError(f"prediction grid {dim} does not match the truth grid")
    mean, sd, u = pred["mean"].values, pred["sd"].values, truth["u"].values
    w = trapezoid_weights(truth["x"].values)
    return {
        "mse": mse(mean, u),
        "ll": log_likelihood(mean, sd, u),
        "ce": conservation_error(mean, w, truth["mass"].values),
    }


def metrics_table(method: str, pred: xr.Dataset, truth: xr.Dataset) -> pd.DataFrame:
    """Long-format metrics of one method: method, param_name, param, t, metric, mean, sd, se, n."""
    param_name = truth.attrs["param_name"]
    params = truth[param_name].values
    per_function = function_metrics(pred, truth)
    rows = []
    for value in pd.unique(params):
        group = np.isclose(params, value)
        for metric in METRICS:
            mean, sd, se = mean_and_se(per_function[metric][group], axis=0)
            rows.append(pd.DataFrame({
                "method": method, "param_name": param_name, "param": float(value),
                "t": truth["t"].values, "metric": metric, "mean": mean, "sd": sd, "se": se,
                "n": int(group.sum()),
            }))
    return pd.concat(rows, ignore_index=True)


def evaluate_predictions(truth_path: str, prediction_paths: dict[str, str], out_csv: str) -> pd.DataFrame:
    """Compute metrics.csv for every method of ``prediction_paths`` (method -> netCDF path)."""
    truth = read_netcdf(truth_path, ("u", "mass"))
    frames = [metrics_table(m, read_netcdf(p, ("mean", "sd")), truth) for m, p in prediction_paths.items()]
    table = pd.concat(frames, ignore_index=True)
    write_csv(table, out_csv, float_format="%.10g")
    return table
