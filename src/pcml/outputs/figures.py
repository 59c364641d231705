"""ProbConserv publication figures built from ``truth.nc`` and ``predictions/<method>.nc`` (spec §7.1).

- F-HEAT-1: mass over time (trapezoid mass of the predictive mean, mean over the test functions of
  one parameter value) per method, with the true mass (black dashed).
- F-STEF-1: solution profiles at one time of one test function, one panel per method, mean ±3 sd,
  with the true solution (black dashed).

Figures are matplotlib ``Figure`` objects (no pyplot state) in a seaborn style, never TeX, saved as
PNG (dpi 200) and PDF with no creation date, so reruns give the same bytes; files are written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (imported after the backend is fixed)
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from pcml.data.netcdf import read_netcdf  # noqa: E402
from pcml.outputs.style import (TRUE, TRUE_MARKER, atomic_output, colour, display_name, marker,  # noqa: E402
                                ordered, param_label, plot_rc)

__all__ = ["plot_mass_over_time", "plot_solution_profiles", "mass_curves", "mass_over_time_figure",
           "solution_profiles_figure", "trapezoid_weights", "save_figure"]

DPI = 200
RIBBON_SDS = 3.0
RIBBON_ALPHA = 0.15
MARKER_FRACTION = 0.1  # one marker every 10% of the axis span


def trapezoid_weights(x: np.ndarray) -> np.ndarray:
    """Trapezoid quadrature weights on the grid ``x`` (n,) -> (n,): Δx/2 at the ends, Δx inside (any spacing)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1 or x.size < 2:
        raise ValueError(f"trapezoid weights need a 1-D grid of at least 2 points, got shape {x.shape}")
    dx = np.diff(x)
    w = np.zeros_like(x)
    w[:-1] += dx / 2
    w[1:] += dx / 2
    return w


def save_figure(fig: Figure, out_png: str | Path, out_pdf: str | Path) -> None:
    """Save ``fig`` atomically as PNG (dpi 200) and PDF, both without timestamps (stable bytes)."""
    with plt.rc_context(plot_rc()):
        with atomic_output(out_png) as tmp:
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
        with atomic_output(out_pdf) as tmp:
            fig.savefig(tmp, format="pdf", metadata={"CreationDate": None, "ModDate": None})


def _load(truth_nc, predictions: Mapping[str, str | Path]) -> tuple[xr.Dataset, dict[str, xr.Dataset]]:
    """Read truth and predictions (methods in style order) and check that they share the grid."""
    truth = read_netcdf(truth_nc, ("u", "mass"))
    if "param_name" not in truth.attrs or truth.attrs["param_name"] not in truth.coords:
        raise ValueError(f"truth file {truth_nc} lacks attribute param_name naming its parameter coordinate")
    if not predictions:
        raise ValueError("no prediction files given")
    preds = {}
    for method in ordered(predictions):
        pred = read_netcdf(predictions[method], ("mean", "sd"))
        if pred.attrs.get("method", method) != method:
            raise ValueError(f"prediction file {predictions[method]} is for method {pred.attrs['method']!r}, "
                             f"not {method!r}")
        for dim in ("function", "t", "x"):
            if pred.sizes.get(dim) != truth.sizes[dim] or (
                    dim in pred.coords and not np.allclose(pred[dim].values, truth[dim].values)):
                raise ValueError(f"prediction file {predictions[method]} does not match the {dim!r} grid of "
                                 f"{truth_nc}")
        preds[method] = pred
    return truth, preds


def _group(truth: xr.Dataset, param_value: float) -> np.ndarray:
    """Indices of the test functions whose parameter is np.isclose to ``param_value``."""
    name = truth.attrs["param_name"]
    values = truth[name].values.astype(float)
    idx = np.flatnonzero(np.isclose(values, param_value))
    if idx.size == 0:
        raise ValueError(f"no test function has {name} = {param_value}; values present: {sorted(set(values))}")
    return idx


def _marker_indices(coord: np.ndarray, lo: float | None = None, hi: float | None = None) -> list[int]:
    """Grid indices nearest to every 10% of [lo, hi] (default: the coordinate's span)."""
    lo = coord[0] if lo is None else lo
    hi = coord[-1] if hi is None else hi
    targets = np.linspace(lo, hi, int(round(1 / MARKER_FRACTION)) + 1)
    return sorted({int(np.argmin(np.abs(coord - v))) for v in targets})


def mass_curves(truth: xr.Dataset, predictions: Mapping[str, xr.Dataset],
                param_value: float) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Mass over time of every method and of the truth, mean over the functions of ``param_value``.

    Returns ``(t (n_t,), {method: Σ_i w_i mean(f, t, x_i) averaged over f, (n_t,)}, true mass (n_t,))``,
    with trapezoid weights w on the x grid.
    """
    idx = _group(truth, param_value)
    w = trapezoid_weights(truth["x"].values)
    curves = {}
    for method, pred in predictions.items():
        mean = pred["mean"].transpose("function", "t", "x").values[idx].astype(np.float64)
        curves[method] = (mean @ w).mean(axis=0)
    true = truth["mass"].transpose("function", "t").values[idx].astype(np.float64).mean(axis=0)
    return truth["t"].values.astype(np.float64), curves, true


def mass_over_time_figure(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                          title: str | None = None) -> Figure:
    """F-HEAT-1 as a Figure: one line per method (style order) and the true mass, y "Mass", x "t" (no title
    unless ``title`` is given); the plotted numbers are those of :func:`mass_curves`."""
    truth, preds = _load(truth_nc, predictions)
    t, curves, true = mass_curves(truth, preds, param_value)
    every = _marker_indices(t)
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(4.5, 3.0), layout="constrained")
        ax = fig.add_subplot()
        for method, mass in curves.items():
            ax.plot(t, mass, color=colour(method), marker=marker(method), markevery=every, markersize=4,
                    linewidth=1.2, label=display_name(method))
        name, true_colour, dash = TRUE
        ax.plot(t, true, color=true_colour, linestyle=dash, marker=TRUE_MARKER, markevery=every, markersize=4,
                linewidth=1.2, label=name)
        ax.set_xlabel("t")
        ax.set_ylabel("Mass")
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3), useMathText=True)
        ax.legend(title="Model", loc="center left", bbox_to_anchor=(1.02, 0.5),
                  frameon=False, fontsize="small", title_fontsize="small")
        if title:
            ax.set_title(title)
    return fig


def plot_mass_over_time(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                        out_png: str | Path, out_pdf: str | Path, title: str | None = None) -> None:
    """Write F-HEAT-1 (mass over time for the functions with parameter ``param_value``) as PNG and PDF."""
    fig = mass_over_time_figure(truth_nc, predictions, param_value=param_value, title=title)
    save_figure(fig, out_png, out_pdf)


def _time_index(t_grid: np.ndarray, t: float) -> int:
    """Index of the grid time nearest ``t``; ValueError if it is farther than half a grid step."""
    j = int(np.argmin(np.abs(t_grid - t)))
    step = np.diff(t_grid)[min(j, t_grid.size - 2)] if t_grid.size > 1 else 0.0
    if abs(t_grid[j] - t) > step / 2 + 1e-12 * max(1.0, abs(t)):
        raise ValueError(f"t = {t} is not within half a grid step of a grid time "
                         f"(grid spans [{t_grid[0]:g}, {t_grid[-1]:g}], nearest {t_grid[j]:g})")
    return j


def _function_and_time(truth: xr.Dataset, param_value: float, f_id: int, t: float) -> tuple[int, int]:
    """(function index, time index) of function ``f_id`` (0-based) of the group of ``param_value`` at the
    grid time nearest ``t``; ValueError when ``f_id`` is outside the group or ``t`` off the grid."""
    idx = _group(truth, param_value)
    if not 0 <= f_id < idx.size:
        raise ValueError(f"f_id = {f_id} out of range: the group {truth.attrs['param_name']} = {param_value} "
                         f"has {idx.size} functions")
    return int(idx[f_id]), _time_index(truth["t"].values.astype(float), t)


def solution_profiles_figure(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                             t: float, f_id: int = 1, xlim: tuple[float, float] | None = None,
                             title: str | None = None, error: bool = False) -> Figure:
    """F-STEF-1 as a Figure: one panel per method (style order), mean ±3 sd and the true profile at time t.

    ``error=True`` draws the error instead (F-HEAT-4, F-PME-2, F-STEF-3, F-ADV-3): mean - u with the
    ±3 sd ribbon around it and a dashed zero line (the truth), y label "û − u".

    ``f_id`` indexes the function within the group of ``param_value`` (0-based, as f_id "1" of the paper);
    ``t`` snaps to the nearest grid time. Without ``title`` the figure is titled "<param> = <value>, t = <t>".
    With ``xlim`` the shared y range fits the data inside the window.
    """
    truth, preds = _load(truth_nc, predictions)
    f, j = _function_and_time(truth, param_value, f_id, t)
    x = truth["x"].values.astype(np.float64)
    u = truth["u"].transpose("function", "t", "x").values[f, j].astype(np.float64)
    shift = u if error else np.zeros_like(u)  # the error view plots everything relative to the truth
    u = u - shift
    visible = np.ones_like(x, dtype=bool) if xlim is None else (x >= xlim[0]) & (x <= xlim[1])
    every = _marker_indices(x, *(xlim or (None, None)))
    lows, highs = [u[visible]], [u[visible]]
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(10.0, 2.6), layout="constrained")
        axes = fig.subplots(1, len(preds), sharey=True, squeeze=False)[0]
        for ax, (method, pred) in zip(axes, preds.items()):
            mean = pred["mean"].transpose("function", "t", "x").values[f, j].astype(np.float64) - shift
            sd = pred["sd"].transpose("function", "t", "x").values[f, j].astype(np.float64)
            lo, hi = mean - RIBBON_SDS * sd, mean + RIBBON_SDS * sd
            lows.append(lo[visible])
            highs.append(hi[visible])
            ax.fill_between(x, lo, hi, color=colour(method), alpha=RIBBON_ALPHA, linewidth=0)
            ax.plot(x, mean, color=colour(method), marker=marker(method), markevery=every, markersize=3.5,
                    linewidth=1.2)
            ax.plot(x, u, color=TRUE[1], linestyle=TRUE[2], linewidth=1.1)
            ax.set_title(display_name(method))
            ax.set_xlabel("x")
            if xlim is not None:
                ax.set_xlim(*xlim)
        axes[0].set_ylabel("û − u" if error else "u")
        if xlim is not None:  # autoscale would include data outside the window
            ymin, ymax = float(np.min(np.concatenate(lows))), float(np.max(np.concatenate(highs)))
            pad = 0.05 * (ymax - ymin or 1.0)
            axes[0].set_ylim(ymin - pad, ymax + pad)
        handles = [Line2D([], [], color="0.35", linewidth=1.2, label="Mean"),
                   Patch(color="0.35", alpha=RIBBON_ALPHA * 2, label=f"±{RIBBON_SDS:g} sd"),
                   Line2D([], [], color=TRUE[1], linestyle=TRUE[2], linewidth=1.1,
                          label="Zero error" if error else "True solution")]
        fig.legend(handles=handles, loc="outside right center", frameon=False)
        label = param_label(truth.attrs["param_name"], float(param_value))
        fig.suptitle(title if title else f"{label}, t = {float(truth['t'].values[j]):g}", fontsize="medium")
    return fig


def plot_solution_profiles(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                           t: float, f_id: int = 1, out_png: str | Path, out_pdf: str | Path,
                           xlim: tuple[float, float] | None = None, title: str | None = None,
                           error: bool = False) -> None:
    """Write F-STEF-1 (profiles of function ``f_id`` of ``param_value`` at time ``t``; with ``error``, the
    error view) as PNG and PDF."""
    fig = solution_profiles_figure(truth_nc, predictions, param_value=param_value, t=t, f_id=f_id, xlim=xlim,
                                   title=title, error=error)
    save_figure(fig, out_png, out_pdf)
