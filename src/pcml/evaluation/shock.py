"""The shock-position downstream task (ProbConserv spec §5, §7.1 F-STEF-2 / F-ADV-1, §9.4-9.5).

For one test function per parameter value (``f_id``) and a method's posterior N(m, C) on the
x-grid at t*, draw n samples; a sample's shock index is the first i with y_i <= 0 (none: 0, as
the original's argmin); its position is index / N_x * x_max ("original" mapping, §9.4) or
x0 + index * (x1 - x0) / (N_x - 1) ("correct"). C is the full posterior covariance (mean over
draws) for ProbConserv-ANP and its w/diff variant, and a diagonal matrix for the other methods:
diag(sd) in the original code (a bug kept as the ``sd`` setting, §9.4) or diag(sd^2)
(``variance``). Writes the positions and, per method and value, the signed offset of their mean
from the true front (the scorecard's ``shock_offset``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from pcml import seeding
from pcml.data.netcdf import read_netcdf, write_csv
from pcml.problems.registry import get_problem

FULL_COVARIANCE = ("probconserv_anp", "probconserv_anp_wdiff")
JITTER = 1e-8


def functions_of_each_value(params: np.ndarray, f_id: int) -> list[tuple[float, int]]:
    """(value, function index) of the ``f_id``-th test function of each parameter value, in file order."""
    return [(float(v), int(np.flatnonzero(np.isclose(params, v))[f_id])) for v in pd.unique(params)]


def sample_gaussian(mean: np.ndarray, cov: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n samples (n, N) of N(mean, cov); Cholesky, with cov + 1e-8 I where cov is singular."""
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        chol = np.linalg.cholesky(cov + JITTER * np.eye(len(mean)))
    return mean + rng.standard_normal((n, len(mean))) @ chol.T


def shock_positions(samples: np.ndarray, x: np.ndarray, mapping: str = "original") -> np.ndarray:
    """Front position of every sample (n, N) -> (n,): first index with y <= 0, mapped to x."""
    below = samples <= 0.0
    index = np.where(below.any(axis=1), below.argmax(axis=1), 0)
    if mapping == "original":
        return index / len(x) * x[-1]
    if mapping == "correct":
        return x[0] + index * (x[-1] - x[0]) / (len(x) - 1)
    raise ValueError(f"shock position_mapping must be 'original' or 'correct', got {mapping!r}")


def method_covariance(method: str, sd: np.ndarray, full: xr.Dataset | None, f: int, diagonal: str) -> np.ndarray:
    """The covariance used to sample ``method``'s prediction of function ``f`` at t* (N, N)."""
    if method in FULL_COVARIANCE:
        if full is None or method not in full["method"].values:
            raise ValueError(f"no full posterior covariance of {method} in the t* posterior file")
        return full["cov"].sel({"method": method, "function": f}).values  # dict: sel() has its own method=
    if diagonal == "sd":
        return np.diag(sd)
    if diagonal == "variance":
        return np.diag(sd**2)
    raise ValueError(f"shock diag_covariance must be 'sd' or 'variance', got {diagonal!r}")


def sample_shocks(truth: xr.Dataset, predictions: dict[str, xr.Dataset], posterior: xr.Dataset, *,
                  t_star: float, f_id: int, n_samples: int, diagonal: str, mapping: str,
                  seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sampled positions (method, param_name, param, sample, position, true_front) and their summary.

    The summary is in the metrics.csv format: method, param_name, param, t, metric, mean, sd, se, n
    with metrics shock_offset (positions minus the true front), shock_position and true_front.
    """
    experiment = str(truth.attrs.get("experiment", ""))
    problem = get_problem(experiment)
    param_name = truth.attrs["param_name"]
    params = truth[param_name].values
    t = truth["t"].values
    j = int(np.argmin(np.abs(t - t_star)))
    x = truth["x"].values
    rows, summary = [], []
    for value, f in functions_of_each_value(params, f_id):
        true_front = float(problem.front_position(np.array(t[j]), float(value)))
        for method, pred in predictions.items():
            mean = pred["mean"].values[f, j]
            cov = method_covariance(method, pred["sd"].values[f, j], posterior, f, diagonal)
            rng = np.random.default_rng(seeding.derive_seed(seed, "shock", experiment, method, f))
            pos = shock_positions(sample_gaussian(mean, cov, n_samples, rng), x, mapping)
            rows.append(pd.DataFrame({"method": method, "param_name": param_name, "param": float(value),
                                      "sample": np.arange(n_samples),
                                      "position": pos, "true_front": true_front}))
            offset = pos - true_front
            for metric, values in (("shock_offset", offset), ("shock_position", pos)):
                summary.append({"method": method, "param_name": param_name, "param": float(value), "t": float(t[j]),
                                "metric": metric, "mean": values.mean(), "sd": values.std(ddof=1),
                                "se": values.std(ddof=1) / np.sqrt(n_samples), "n": n_samples})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(summary)


def run_shock_task(truth_path: str, prediction_paths: dict[str, str], posterior_path: str, *, t_star: float,
                   f_id: int, n_samples: int, diagonal: str, mapping: str, seed: int, out_positions: str,
                   out_metrics: str) -> None:
    """Read the truth, the predictions and the t* posterior; write positions and summary CSVs."""
    truth = read_netcdf(truth_path, ("u", "mass"))
    predictions = {m: read_netcdf(p, ("mean", "sd")) for m, p in prediction_paths.items()}
    posterior = read_netcdf(posterior_path, ("cov",))
    positions, summary = sample_shocks(truth, predictions, posterior, t_star=t_star, f_id=f_id,
                                       n_samples=n_samples, diagonal=diagonal, mapping=mapping, seed=seed)
    write_csv(positions, out_positions, float_format="%.10g")
    write_csv(summary, out_metrics, float_format="%.10g")
