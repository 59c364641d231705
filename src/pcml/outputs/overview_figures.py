"""ProbConserv overview figures: all methods in one panel (spec probconserv.md §7.1-7.2).

- F-HEAT-3 / F-PME-3 (``time_plot``): the predictive means of every method at one time, overlaid in a
  single panel with the true solution (black dashed), for one test function; no ribbons.
- F-STEF-4 / F-ADV-4 and the per-experiment ``mse_over_time`` diagnostic: MSE(t) of every method, the
  mean over the test functions of one parameter value and over the grid points of (mean - u)^2. The
  original smooths the curve with LOESS (span 0.05); these figures show the raw per-time values.

Both read the same files as :mod:`pcml.outputs.figures` (``truth.nc`` and ``predictions/<method>.nc``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

import matplotlib.pyplot as plt
from pcml.outputs.figures import _function_and_time, _group, _load, _marker_indices, save_figure
from pcml.outputs.style import TRUE, colour, display_name, marker, param_label, plot_rc

__all__ = ["mse_curves", "mse_over_time_figure", "overlaid_profiles_figure", "plot_mse_over_time",
           "plot_overlaid_profiles"]


def mse_curves(truth: xr.Dataset, predictions: Mapping[str, xr.Dataset],
               param_value: float) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """MSE over time of every method for the functions of ``param_value``.

    Returns ``(t (n_t,), {method: (n_t,)})`` with MSE(t) = mean over those functions and the x grid of
    (mean(f, t, x) - u(f, t, x))^2 (dimensionless, the square of u's units).
    """
    idx = _group(truth, param_value)
    u = truth["u"].transpose("function", "t", "x").values[idx].astype(np.float64)
    curves = {}
    for method, pred in predictions.items():
        mean = pred["mean"].transpose("function", "t", "x").values[idx].astype(np.float64)
        curves[method] = ((mean - u) ** 2).mean(axis=(0, 2))
    return truth["t"].values.astype(np.float64), curves


def mse_over_time_figure(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                         tlim: tuple[float, float] | None = None, title: str | None = None) -> Figure:
    """F-STEF-4 as a Figure: MSE(t) per method (log y axis), optionally restricted to ``tlim``."""
    truth, preds = _load(truth_nc, predictions)
    t, curves = mse_curves(truth, preds, param_value)
    eps = 1e-9 * max(1.0, float(np.abs(t).max()))  # grid times like 0.6000000000000001 count as inside
    keep = np.ones_like(t, dtype=bool) if tlim is None else (t >= tlim[0] - eps) & (t <= tlim[1] + eps)
    if not keep.any():
        raise ValueError(f"tlim = {tlim} selects no time of the grid [{t[0]:g}, {t[-1]:g}]")
    every = _marker_indices(t[keep])
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(6.0, 3.0), layout="constrained")
        ax = fig.add_subplot()
        for method, mse in curves.items():
            ax.plot(t[keep], mse[keep], color=colour(method), marker=marker(method), markevery=every,
                    markersize=4, linewidth=1.2, label=display_name(method))
        ax.set_yscale("log")
        ax.set_xlabel("t")
        ax.set_ylabel("MSE")
        ax.legend(title="Model", loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
                  fontsize="small", title_fontsize="small")
        ax.set_title(title if title else param_label(truth.attrs["param_name"], float(param_value)),
                     fontsize="medium")
    return fig


def overlaid_profiles_figure(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                             t: float, f_id: int = 1, xlim: tuple[float, float] | None = None,
                             title: str | None = None) -> Figure:
    """F-HEAT-3 as a Figure: the mean of every method and the true profile of function ``f_id`` of
    ``param_value`` at the grid time nearest ``t``, in one panel (no uncertainty ribbons)."""
    truth, preds = _load(truth_nc, predictions)
    f, j = _function_and_time(truth, param_value, f_id, t)
    x = truth["x"].values.astype(np.float64)
    every = _marker_indices(x, *(xlim or (None, None)))
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(6.0, 3.2), layout="constrained")
        ax = fig.add_subplot()
        for method, pred in preds.items():
            mean = pred["mean"].transpose("function", "t", "x").values[f, j].astype(np.float64)
            ax.plot(x, mean, color=colour(method), marker=marker(method), markevery=every, markersize=3.5,
                    linewidth=1.2, label=display_name(method))
        name, true_colour, dash = TRUE
        u = truth["u"].transpose("function", "t", "x").values[f, j].astype(np.float64)
        ax.plot(x, u, color=true_colour, linestyle=dash, linewidth=1.2, label=name)
        ax.set_xlabel("x")
        ax.set_ylabel("u")
        if xlim is not None:
            ax.set_xlim(*xlim)
        ax.legend(title="Model", loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False,
                  fontsize="small", title_fontsize="small")
        label = param_label(truth.attrs["param_name"], float(param_value))
        ax.set_title(title if title else f"{label}, t = {float(truth['t'].values[j]):g}", fontsize="medium")
    return fig


def plot_mse_over_time(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                       out_png: str | Path, out_pdf: str | Path, tlim: tuple[float, float] | None = None,
                       title: str | None = None) -> None:
    """Write the MSE-over-time figure (:func:`mse_over_time_figure`) as PNG and PDF."""
    save_figure(mse_over_time_figure(truth_nc, predictions, param_value=param_value, tlim=tlim, title=title),
                out_png, out_pdf)


def plot_overlaid_profiles(truth_nc: str | Path, predictions: Mapping[str, str | Path], *, param_value: float,
                           t: float, f_id: int = 1, out_png: str | Path, out_pdf: str | Path,
                           xlim: tuple[float, float] | None = None, title: str | None = None) -> None:
    """Write the overlaid-profiles figure (:func:`overlaid_profiles_figure`) as PNG and PDF."""
    save_figure(overlaid_profiles_figure(truth_nc, predictions, param_value=param_value, t=t, f_id=f_id,
                                         xlim=xlim, title=title), out_png, out_pdf)
