"""Metrics of the sigma_G sweep (ProbConserv spec §4.6, §5, F-PME-4), one time slice.

``predictions/sigma_g_sweep.nc`` holds ProbConserv-ANP's mean and sd (precision, function, x) at
one grid time for each constraint precision 1 / sigma_G^2. This module reduces it to a long table
per training seed: one row per (precision, parameter value, metric) with the mean, sd and SE over
the test functions of that value. Metrics: MSE, LL, signed CE and CE^2 (the figure's quantity:
the mean over functions of CE_f^2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from pcml.constraints.conservation import trapezoid_weights
from pcml.data.netcdf import read_netcdf, write_csv
from pcml.evaluation.metrics import combine_seeds, conservation_error, log_likelihood, mean_and_se, mse

SWEEP_METRICS = ("ce2", "mse", "ll", "ce")
SWEEP_COLUMNS = ("precision", "param_name", "param", "t", "metric", "mean", "sd", "se", "n")


def sweep_metrics(sweep: xr.Dataset, param_name: str, params: np.ndarray) -> pd.DataFrame:
    """Long-format metrics (columns ``SWEEP_COLUMNS``) of a sweep dataset.

    ``sweep``: mean, sd (precision, function, x), u (function, x), mass (function,), attrs["t"].
    ``params``: the parameter value of each test function (function,), grouped by value.
    """
    w = trapezoid_weights(sweep["x"].values)
    mean, sd, u = sweep["mean"].values, sweep["sd"].values, sweep["u"].values[None]
    ce = conservation_error(mean, w, sweep["mass"].values[None])      # (precision, function)
    per_function = {"mse": mse(mean, u), "ll": log_likelihood(mean, sd, u), "ce": ce, "ce2": ce**2}
    precisions = sweep["precision"].values
    rows = []
    for value in pd.unique(params):
        group = np.isclose(params, value)
        for metric in SWEEP_METRICS:
            m, s, se = mean_and_se(per_function[metric][:, group], axis=1)
            rows.append(pd.DataFrame({"precision": precisions, "param_name": param_name, "param": float(value),
                                      "t": float(sweep.attrs["t"]), "metric": metric, "mean": m, "sd": s,
                                      "se": se, "n": int(group.sum())}))
    return pd.concat(rows, ignore_index=True)


def evaluate_sweep(sweep_path: str, truth_path: str, out_csv: str) -> pd.DataFrame:
    """Write the sweep metrics of one training seed (``sweep_metrics``) to ``out_csv``."""
    truth = read_netcdf(truth_path, ("u", "mass"))
    sweep = read_netcdf(sweep_path, ("mean", "sd", "u", "mass"))
    param_name = truth.attrs["param_name"]
    table = sweep_metrics(sweep, param_name, truth[param_name].values)
    write_csv(table, out_csv, float_format="%.10g")
    return table


def combine_sweep_seeds(frames: list[pd.DataFrame], row: str = "precision") -> pd.DataFrame:
    """Mean over training seeds of the per-seed means, SE over seeds (one seed: unchanged).

    ``row``: the swept setting's column, "precision" (sigma_G sweep) or "lambda" (SoftC sweep).
    """
    return combine_seeds(frames, [row, "param_name", "param", "t", "metric"])


LAMBDA_COLUMNS = ("lambda", "param_name", "param", "t", "metric", "mean", "sd", "se", "n")


def evaluate_lambda_sweep(truth_path: str, predictions: dict[float, str], t_star: float, out_csv: str) -> pd.DataFrame:
    """Metrics at t = t_star of SoftC-ANP trained with each lambda: columns ``LAMBDA_COLUMNS``.

    ``predictions`` maps lambda to the prediction file of the SoftC-ANP trained with it. The metrics
    are those of the main tables (MSE, LL, signed CE; mean, sd, SE over the test functions).
    """
    from pcml.evaluation.evaluate import metrics_table

    truth = read_netcdf(truth_path, ("u", "mass"))
    j = int(np.argmin(np.abs(truth["t"].values - t_star)))
    if not np.isclose(truth["t"].values[j], t_star, rtol=0, atol=1e-9):
        raise ValueError(f"t_star = {t_star} is not a time of {truth_path}")
    frames = []
    for lam, path in sorted(predictions.items()):
        table = metrics_table("softc_anp", read_netcdf(path, ("mean", "sd")), truth)
        table = table[np.isclose(table["t"], truth["t"].values[j])].drop(columns="method")
        frames.append(table.assign(**{"lambda": float(lam)}))
    out = pd.concat(frames, ignore_index=True)[list(LAMBDA_COLUMNS)]
    write_csv(out, out_csv, float_format="%.10g")
    return out
