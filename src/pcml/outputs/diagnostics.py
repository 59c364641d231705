"""Per-experiment diagnostic figures and tables of ProbConserv (spec probconserv.md §7.2, analyze.py).

Inputs are files on disk: ``truth.nc`` (``u`` (function, t, x), ``mass`` (function, t), the parameter
coordinate named by ``attrs["param_name"]``), ``predictions/<method>.nc`` (``mean``, ``sd`` on the same
dims) and the test split ``data/test.nc`` (``t_context``, ``x_context`` (function, context)).

Figures (one panel per parameter value, or parameter x method):
- ``mse_over_time``: MSE(t) per method, unsmoothed (the original smooths it with LOESS, span 0.05).
- ``cons_plot``: mass of test function ``f_id`` over time, left and right Riemann sums per method, true mass.
- ``time_plot``: the predictive means of every test function at t*, true solutions dashed.
- ``time_plot_fid``: function ``f_id`` at t*, mean ±3 sd, true dashed, its context x-locations at y = 0.
- ``input_context``: the context (x, t) locations of function ``f_id``.
Tables at t*: ``mse_at_t`` (MSE, LL: mean, sd, SE over the test functions; LL of f_id) and ``cons_df``
(mean signed CE). All metric values come from :mod:`pcml.evaluation.evaluate` (one implementation).
``f_id`` indexes a function within its parameter group (0-based; the paper's f_id "1" is the second).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pcml.data.netcdf import read_netcdf, write_csv
from pcml.evaluation.evaluate import function_metrics, metrics_table
from pcml.outputs.figures import RIBBON_ALPHA, RIBBON_SDS, _group, _load, save_figure
from pcml.outputs.style import TRUE, colour, display_name, param_label, plot_rc, write_text_atomic

__all__ = ["DiagnosticInputs", "FIGURES", "load_inputs", "riemann_masses", "function_index", "grid_time_index",
           "metrics_long", "mse_over_time", "mse_at_t_table", "cons_table", "mse_over_time_figure",
           "cons_plot_figure", "time_plot_figure", "time_plot_fid_figure", "input_context_figure",
           "write_diagnostics"]

#: figure name -> what its caption says about it (before the run's common caption).
FIGURES: dict[str, str] = {
    "mse_over_time": "MSE(t) of every method, mean over the test functions of each parameter value; raw values "
                     "at every grid time (the original smooths the curve with LOESS, span 0.05).",
    "cons_plot": "Mass over time of test function f_id {f_id} of each parameter value: left (solid) and right "
                 "(dotted) Riemann sums of each method's predictive mean on the x grid, true mass dashed.",
    "time_plot": "Predictive means of every test function at t = {t:g}, rows = parameter value, columns = method; "
                 "true solutions dashed.",
    "time_plot_fid": "Test function f_id {f_id} at t = {t:g}: predictive mean +-3 sd, true solution dashed, its "
                     "context x-locations as x markers at u = 0; rows = method, columns = parameter value.",
    "input_context": "Context (x, t) locations of test function f_id {f_id} of each parameter value.",
}


@dataclass(frozen=True)
class DiagnosticInputs:
    """Truth, predictions (methods in the papers' order) and the test split of one experiment."""

    truth: xr.Dataset
    predictions: dict[str, xr.Dataset]
    test: xr.Dataset

    @property
    def param_name(self) -> str:
        return str(self.truth.attrs["param_name"])

    @property
    def params(self) -> list[float]:
        """Distinct parameter values of the test functions, in file order."""
        return [float(v) for v in pd.unique(self.truth[self.param_name].values.astype(float))]


def load_inputs(truth_nc: str | Path, predictions: Mapping[str, str | Path], test_nc: str | Path) -> DiagnosticInputs:
    """Read and cross-check the files; ValueError naming the file whose functions or grid do not match."""
    truth, preds = _load(truth_nc, predictions)
    test = read_netcdf(test_nc, ("t_context", "x_context"))
    name = truth.attrs["param_name"]
    if name not in test.coords or test.sizes.get("function") != truth.sizes["function"] or not np.allclose(
            test[name].values, truth[name].values):
        raise ValueError(f"test split {test_nc} does not hold the test functions of {truth_nc} "
                         f"(same count and {name} values in the same order)")
    return DiagnosticInputs(truth, preds, test)


def riemann_masses(values: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left and right Riemann sums over the last axis: values (..., n_x) on the increasing grid x (n_x,).

    left = Σ_{i<n-1} (x_{i+1} - x_i) values_i, right = Σ_{i<n-1} (x_{i+1} - x_i) values_{i+1}; each (...,).
    Their average is the trapezoid mass.
    """
    x = np.asarray(x, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size < 2 or np.any(np.diff(x) <= 0):
        raise ValueError(f"Riemann sums need an increasing 1-D grid of at least 2 points, got {x!r}")
    if values.shape[-1] != x.size:
        raise ValueError(f"values have {values.shape[-1]} points on their last axis, the grid {x.size}")
    dx = np.diff(x)
    return values[..., :-1] @ dx, values[..., 1:] @ dx


def function_index(inputs: DiagnosticInputs, param_value: float, f_id: int) -> int:
    """Index into ``function`` of the ``f_id``-th (0-based) test function of ``param_value``."""
    idx = _group(inputs.truth, param_value)
    if not 0 <= f_id < idx.size:
        raise ValueError(f"f_id = {f_id} out of range: {inputs.param_name} = {param_value:g} has {idx.size} "
                         "test functions")
    return int(idx[f_id])


def metrics_long(inputs: DiagnosticInputs) -> pd.DataFrame:
    """metrics.csv's long format (method, param_name, param, t, metric, mean, sd, se, n) of every method."""
    return pd.concat([metrics_table(m, p, inputs.truth) for m, p in inputs.predictions.items()], ignore_index=True)


def mse_over_time(metrics: pd.DataFrame) -> pd.DataFrame:
    """MSE(t) rows of :func:`metrics_long`: method, param, t, mse (mean over the functions of the value)."""
    rows = metrics[metrics.metric == "mse"]
    return rows[["method", "param", "t", "mean"]].rename(columns={"mean": "mse"}).reset_index(drop=True)


def grid_time_index(t_grid: np.ndarray, t: float) -> int:
    """Index of the grid time equal to ``t`` (to 1e-9 relative); ValueError if ``t`` is not a grid node."""
    t_grid = np.asarray(t_grid, dtype=np.float64)
    j = int(np.argmin(np.abs(t_grid - t)))
    if abs(t_grid[j] - t) > 1e-9 * max(1.0, abs(t)):
        raise ValueError(f"t* = {t} is not a node of the evaluation time grid ({t_grid.size} times on "
                         f"[{t_grid[0]:g}, {t_grid[-1]:g}], nearest {t_grid[j]:g})")
    return j


def _at(metrics: pd.DataFrame, inputs: DiagnosticInputs, t_star: float) -> tuple[float, pd.DataFrame]:
    """The grid time nearest ``t_star`` (ValueError if off the grid) and the metric rows at it."""
    t_grid = inputs.truth["t"].values.astype(float)
    t = float(t_grid[grid_time_index(t_grid, t_star)])
    return t, metrics[np.isclose(metrics.t.to_numpy(float), t, rtol=0, atol=1e-12)]


def _wide(rows: pd.DataFrame, metric: str, label: str) -> pd.DataFrame:
    out = rows[rows.metric == metric].set_index(["method", "param"])[["mean", "sd", "se"]]
    return out.rename(columns={"mean": label, "sd": f"{label}_sd", "se": f"{label}_se"})


def mse_at_t_table(inputs: DiagnosticInputs, metrics: pd.DataFrame, t_star: float, f_id: int) -> pd.DataFrame:
    """analyze.py's mse_at_t: per method x parameter at t*: MSE, MSE_sd, MSE_se, loglik, loglik_sd, loglik_se
    (over the test functions of the value, sd with ddof 1, se = sd/√n) and loglik_fid (LL of function f_id)."""
    t, rows = _at(metrics, inputs, t_star)
    table = _wide(rows, "mse", "MSE").join(_wide(rows, "ll", "loglik")).reset_index()
    j = grid_time_index(inputs.truth["t"].values.astype(float), t_star)
    rows_fid = {p: function_index(inputs, p, f_id) for p in inputs.params}
    fid_ll = {}
    for m, pred in inputs.predictions.items():
        ll = function_metrics(pred, inputs.truth)["ll"]  # (function, t)
        fid_ll.update({(m, p): ll[f, j] for p, f in rows_fid.items()})
    table["loglik_fid"] = [fid_ll[(m, p)] for m, p in zip(table.method, table.param)]
    table.insert(1, "param_name", inputs.param_name)
    table.insert(3, "t", t)
    return _sorted(table, inputs)


def cons_table(inputs: DiagnosticInputs, metrics: pd.DataFrame, t_star: float) -> pd.DataFrame:
    """analyze.py's cons_df: per method x parameter at t*, the mean signed CE (CE_sd, CE_se over functions)."""
    t, rows = _at(metrics, inputs, t_star)
    table = _wide(rows, "ce", "CE").reset_index()
    table.insert(1, "param_name", inputs.param_name)
    table.insert(3, "t", t)
    return _sorted(table, inputs)


def _sorted(table: pd.DataFrame, inputs: DiagnosticInputs) -> pd.DataFrame:
    order = {m: i for i, m in enumerate(inputs.predictions)}
    return table.sort_values(["method", "param"], key=lambda s: s.map(order) if s.name == "method" else s,
                             kind="stable").reset_index(drop=True)


def _grid(n_rows: int, n_cols: int, size: tuple[float, float], sharey: bool | str = True):
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(n_rows, n_cols, sharex=True, sharey=sharey, squeeze=False)


def _method_legend(fig: Figure, methods, extra: list[Line2D]) -> None:
    handles = [Line2D([], [], color=colour(m), linewidth=1.2, label=display_name(m)) for m in methods] + extra
    fig.legend(handles=handles, loc="outside lower center", ncol=min(len(handles), 4), frameon=False,
               fontsize="small")


def _true_handle(label: str = "True") -> Line2D:
    return Line2D([], [], color=TRUE[1], linestyle=TRUE[2], linewidth=1.1, label=label)


def mse_over_time_figure(inputs: DiagnosticInputs, metrics: pd.DataFrame) -> Figure:
    """MSE(t) per method (colour), one panel per parameter value, legend at the bottom (6 x 3 in)."""
    curves = mse_over_time(metrics)
    with plt.rc_context(plot_rc()):
        fig, axes = _grid(1, len(inputs.params), (6.0, 3.0))
        for ax, p in zip(axes[0], inputs.params):
            for m in inputs.predictions:
                c = curves[(curves.method == m) & np.isclose(curves.param, p)]
                ax.plot(c.t.to_numpy(float), c.mse.to_numpy(float), color=colour(m), linewidth=1.1)
            ax.set_title(param_label(inputs.param_name, p), fontsize="medium")
            ax.set_xlabel("t")
        axes[0, 0].set_ylabel("MSE")
        _method_legend(fig, inputs.predictions, [])
    return fig


def cons_plot_figure(inputs: DiagnosticInputs, f_id: int) -> Figure:
    """Mass of function ``f_id`` over t: per method its left (solid) and right (dotted) Riemann sums; true
    mass dashed black; one panel per parameter value (9 x 4.5 in)."""
    x, t = inputs.truth["x"].values, inputs.truth["t"].values.astype(float)
    with plt.rc_context(plot_rc()):
        fig, axes = _grid(1, len(inputs.params), (9.0, 4.5), sharey=False)
        for ax, p in zip(axes[0], inputs.params):
            f = function_index(inputs, p, f_id)
            for m, pred in inputs.predictions.items():
                left, right = riemann_masses(pred["mean"].transpose("function", "t", "x").values[f], x)
                ax.plot(t, left, color=colour(m), linewidth=1.1, linestyle="-")
                ax.plot(t, right, color=colour(m), linewidth=1.1, linestyle=":")
            ax.plot(t, inputs.truth["mass"].transpose("function", "t").values[f].astype(float), color=TRUE[1],
                    linestyle=TRUE[2], linewidth=1.1)
            ax.set_title(param_label(inputs.param_name, p), fontsize="medium")
            ax.set_xlabel("t")
        axes[0, 0].set_ylabel("Mass")
        _method_legend(fig, inputs.predictions, [
            Line2D([], [], color="0.35", linestyle="-", label="Left sum"),
            Line2D([], [], color="0.35", linestyle=":", label="Right sum"), _true_handle("True mass")])
    return fig


def _profiles(inputs: DiagnosticInputs, var: str, t_star: float, source: xr.Dataset) -> np.ndarray:
    j = grid_time_index(inputs.truth["t"].values.astype(float), t_star)
    return source[var].transpose("function", "t", "x").values[:, j].astype(np.float64)


def time_plot_figure(inputs: DiagnosticInputs, t_star: float) -> Figure:
    """Predictive means of every test function at t* (method colour) over the true solutions (black dashed);
    rows = parameter value, columns = method (8 x 8 in)."""
    x = inputs.truth["x"].values.astype(float)
    u = _profiles(inputs, "u", t_star, inputs.truth)
    with plt.rc_context(plot_rc()):
        fig, axes = _grid(len(inputs.params), len(inputs.predictions), (8.0, 8.0))
        for r, p in enumerate(inputs.params):
            idx = _group(inputs.truth, p)
            for c, (m, pred) in enumerate(inputs.predictions.items()):
                ax = axes[r, c]
                for f, mean in zip(idx, _profiles(inputs, "mean", t_star, pred)[idx]):
                    ax.plot(x, mean, color=colour(m), linewidth=0.6, alpha=0.6)
                    ax.plot(x, u[f], color=TRUE[1], linestyle=TRUE[2], linewidth=0.6)
                ax.set_title(f"{display_name(m)}\n{param_label(inputs.param_name, p)}", fontsize="small")
        for ax in axes[-1]:
            ax.set_xlabel("x")
        for ax in axes[:, 0]:
            ax.set_ylabel("u")
        _method_legend(fig, inputs.predictions, [_true_handle()])
    return fig


def time_plot_fid_figure(inputs: DiagnosticInputs, t_star: float, f_id: int) -> Figure:
    """Function ``f_id`` at t*: mean ±3 sd (method colour), true dashed, context x-locations as "x" at u = 0;
    rows = method, columns = parameter value (12 x 2.4·n_methods in)."""
    x = inputs.truth["x"].values.astype(float)
    u = _profiles(inputs, "u", t_star, inputs.truth)
    n_m = len(inputs.predictions)
    with plt.rc_context(plot_rc()):
        fig, axes = _grid(n_m, len(inputs.params), (12.0, 2.4 * n_m))
        for c, p in enumerate(inputs.params):
            f = function_index(inputs, p, f_id)
            x_context = np.unique(inputs.test["x_context"].values[f])
            for r, (m, pred) in enumerate(inputs.predictions.items()):
                ax = axes[r, c]
                mean = _profiles(inputs, "mean", t_star, pred)[f]
                sd = _profiles(inputs, "sd", t_star, pred)[f]
                ax.fill_between(x, mean - RIBBON_SDS * sd, mean + RIBBON_SDS * sd, color=colour(m),
                                alpha=RIBBON_ALPHA, linewidth=0)
                ax.plot(x, mean, color=colour(m), linewidth=1.1)
                ax.plot(x, u[f], color=TRUE[1], linestyle=TRUE[2], linewidth=1.1)
                ax.plot(x_context, np.zeros_like(x_context), linestyle="none", marker="x", color="0.2",
                        markersize=5)
                ax.set_title(f"{display_name(m)}, {param_label(inputs.param_name, p)}", fontsize="small")
        for ax in axes[-1]:
            ax.set_xlabel("x")
        for ax in axes[:, 0]:
            ax.set_ylabel("u")
        _method_legend(fig, inputs.predictions, [
            _true_handle("True solution"),
            Line2D([], [], linestyle="none", marker="x", color="0.2", label="Context x")])
    return fig


def input_context_figure(inputs: DiagnosticInputs, f_id: int) -> Figure:
    """Context (x, t) locations of function ``f_id``, one panel per parameter value (10 x 6 in)."""
    with plt.rc_context(plot_rc()):
        fig, axes = _grid(1, len(inputs.params), (10.0, 6.0))
        for ax, p in zip(axes[0], inputs.params):
            f = function_index(inputs, p, f_id)
            ax.scatter(inputs.test["x_context"].values[f], inputs.test["t_context"].values[f], s=12,
                       color="0.2")
            ax.set_title(param_label(inputs.param_name, p), fontsize="medium")
            ax.set_xlabel("x")
        axes[0, 0].set_ylabel("t")
        fig.suptitle(f"Context points of test function f_id {f_id}", fontsize="medium")
    return fig


def write_diagnostics(truth_nc: str | Path, predictions: Mapping[str, str | Path], test_nc: str | Path, *,
                      t_star: float, f_id: int, figures: Mapping[str, Mapping[str, str | Path]],
                      mse_at_t_csv: str | Path, cons_df_csv: str | Path, caption: str = "") -> None:
    """Write every figure of :data:`FIGURES` and both tables.

    ``figures``: name -> {"png": path, "pdf": path, "caption": path}; every name of :data:`FIGURES` is required.
    Each caption file holds the figure's note followed by ``caption`` (the run's settings).
    """
    missing = sorted(set(FIGURES) - set(figures))
    unknown = sorted(set(figures) - set(FIGURES))
    if missing or unknown:
        raise ValueError(f"diagnostic figures: missing outputs {missing}, unknown names {unknown}")
    for name, paths in figures.items():
        if set(paths) != {"png", "pdf", "caption"}:
            raise ValueError(f"diagnostic figure {name}: give paths for png, pdf and caption, got {sorted(paths)}")
    inputs = load_inputs(truth_nc, predictions, test_nc)
    t = float(inputs.truth["t"].values[grid_time_index(inputs.truth["t"].values, t_star)])
    for p in inputs.params:  # refuse a bad f_id before any work
        function_index(inputs, p, f_id)
    metrics = metrics_long(inputs)
    tables = {mse_at_t_csv: mse_at_t_table(inputs, metrics, t_star, f_id),
              cons_df_csv: cons_table(inputs, metrics, t_star)}
    built = {"mse_over_time": lambda: mse_over_time_figure(inputs, metrics),
             "cons_plot": lambda: cons_plot_figure(inputs, f_id),
             "time_plot": lambda: time_plot_figure(inputs, t_star),
             "time_plot_fid": lambda: time_plot_fid_figure(inputs, t_star, f_id),
             "input_context": lambda: input_context_figure(inputs, f_id)}
    for name, paths in figures.items():
        fig = built[name]()
        save_figure(fig, paths["png"], paths["pdf"])
        write_text_atomic(paths["caption"], (FIGURES[name].format(f_id=f_id, t=t) + " " + caption).strip() + "\n")
    for path, table in tables.items():
        write_csv(table, path, float_format="%.10g")
