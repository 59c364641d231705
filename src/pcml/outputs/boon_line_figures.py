"""BOON figures of 1-D predictions against x (spec boon.md §6.3), one test sample, from prediction files.

- :func:`stokes_panels_figure`: the paper's ``stokes.png``: 2 rows (BOON-FNO top, FNO bottom) by 4 output
  steps (evenly spaced, 1, 9, 17, 25 of 25); each panel the predicted u(x) on x in [0, ``x_max``], the line
  coloured by the pointwise |error| on a log colour scale [``vmin``, ``vmax``] (a red sequential map, one
  colour bar "abs error"), a "time" arrow over the columns, and an inset on the 2nd column zooming 4x near
  x = 0 with true (solid), BOON (dotted) and FNO (dashed).
- :func:`sample_error_figure`: the appendix figure [RECON]: per output time (the first and last; one for a
  single-step experiment) the sample's truth and every method's prediction, and below the |error| on a log
  axis (values under ``floor`` drawn at ``floor``, BOON's exact boundary nodes for instance).
The ``plot_*`` functions write PNG and PDF atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context and colormaps only
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from pcml.outputs.boon_figure_data import load_predictions, output_steps, pick_pair
from pcml.outputs.boon_methods import method_colour, method_name
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc

__all__ = ["segment_errors", "stokes_panels_figure", "plot_stokes_panels", "sample_error_figure",
           "plot_sample_error", "ERROR_FLOOR"]

ERROR_FLOOR = 1e-16  # |error| below this is drawn at it on log axes (exact zeros of BOON's boundary nodes)
ZOOM = 4.0
CMAP = "Reds"
_STYLES = {"boon": ":", "fno": "--"}


def _sample(ds, sample: int, path: str = "") -> int:
    if not 0 <= sample < ds.sizes["sample"]:
        raise ValueError(f"sample position {sample} out of range: {path or 'the files'} hold {ds.sizes['sample']}")
    return sample


def segment_errors(u_pred: np.ndarray, u_true: np.ndarray, vmin: float) -> np.ndarray:
    """|error| of each segment between nodes (n,) -> (n - 1,): the mean of its two nodes' |error|, at least vmin."""
    err = np.abs(np.asarray(u_pred, dtype=np.float64) - np.asarray(u_true, dtype=np.float64))
    return np.maximum(0.5 * (err[1:] + err[:-1]), vmin)


def _coloured_line(ax, x, u_pred, u_true, norm) -> LineCollection:
    points = np.column_stack([x, u_pred])
    segments = np.stack([points[:-1], points[1:]], axis=1)
    lc = LineCollection(segments, cmap=CMAP, norm=norm, linewidth=2.0)
    lc.set_array(segment_errors(u_pred, u_true, norm.vmin))
    ax.add_collection(lc)
    return lc


def stokes_panels_figure(predictions: Mapping[str, str | Path], *, sample: int = 0, n_panels: int = 4,
                         x_max: float = 0.5, vmin: float = 1e-6, vmax: float = 0.05,
                         title: str | None = None) -> Figure:
    """The 2 x ``n_panels`` Stokes figure of one test sample (position ``sample``) of a 1-D+t experiment.

    ``predictions``: {method: path} with u_pred/u_true over (sample, x, t), including one BOON-FNO and one
    FNO (:func:`pick_pair`). Columns are the output steps :func:`output_steps` (n_t, n_panels). ValueError for
    other layouts, a bad sample or vmin/vmax not 0 < vmin < vmax.
    """
    if not 0 < vmin < vmax:
        raise ValueError(f"need 0 < vmin < vmax, got {vmin}, {vmax}")
    loaded = load_predictions(predictions, layouts=(("sample", "x", "t"),))
    boon, fno = pick_pair(list(loaded))
    first = loaded[boon]
    _sample(first, sample)
    x = first["x"].values.astype(np.float64)
    t = first["t"].values
    steps = output_steps(t.size, n_panels)
    shown = x <= x_max + 1e-12 * (x[-1] - x[0])
    true = first["u_true"].values[sample].astype(np.float64)
    preds = {m: loaded[m]["u_pred"].values[sample].astype(np.float64) for m in (boon, fno)}
    lo = min(true[shown].min(), *(p[shown].min() for p in preds.values()))
    hi = max(true[shown].max(), *(p[shown].max() for p in preds.values()))
    pad = 0.05 * (hi - lo or 1.0)
    norm = LogNorm(vmin=vmin, vmax=vmax, clip=True)
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(3.0 * len(steps) + 1.0, 5.8), layout="constrained")
        grid = fig.add_gridspec(3, len(steps), height_ratios=(0.12, 1.0, 1.0))
        _time_arrow(fig.add_subplot(grid[0, :], label="time arrow"))
        axes = grid[1:, :].subgridspec(2, len(steps)).subplots(sharex=True, sharey=True, squeeze=False)
        for row, method in enumerate((boon, fno)):
            for col, k in enumerate(steps):
                ax = axes[row, col]
                lc = _coloured_line(ax, x[shown], preds[method][shown, k], true[shown, k], norm)
                ax.set_xlim(x[0], x_max)
                ax.set_ylim(lo - pad, hi + pad)
                if row == 0:
                    ax.set_title(f"output step {k + 1} (t = {t[k]:.3g})", fontsize="medium")
                if row == 1:
                    ax.set_xlabel("x")
                if col == 0:
                    ax.set_ylabel(f"{method_name(method)}\nu(x, t)")
                if col == 1:
                    _zoom_inset(ax, x, true[:, k], preds[boon][:, k], preds[fno][:, k], x_max, (boon, fno))
        fig.colorbar(lc, ax=axes, label="abs error", location="right", shrink=0.9, extend="both")
        sample_id = first["sample"].values[sample] if "sample" in first.coords else sample
        fig.suptitle(title or f"{first.attrs.get('dataset', '')}: test sample {sample_id}, line colour = "
                     f"|u_pred - u_true|".lstrip(": "), fontsize="medium")
    return fig


def _time_arrow(ax) -> None:
    """A thin axes over the columns holding a left-to-right arrow labelled "time"."""
    ax.axis("off")
    ax.add_patch(FancyArrowPatch((0.02, 0.5), (0.98, 0.5), transform=ax.transAxes, arrowstyle="-|>",
                                 mutation_scale=14, color="0.3", linewidth=1.4))
    ax.text(0.5, 0.75, "time", transform=ax.transAxes, ha="center", va="bottom", color="0.3")


def _zoom_inset(ax, x, true, u_boon, u_fno, x_max, pair) -> None:
    """A 4x zoom near x = 0: true solid black, BOON dotted, FNO dashed."""
    width = (x_max - x[0]) / ZOOM
    mask = x <= x[0] + width + 1e-12
    inset = ax.inset_axes((0.5, 0.5, 0.46, 0.44))
    inset.plot(x[mask], true[mask], color="black", linewidth=1.0, label="true")
    for u, m in zip((u_boon, u_fno), pair):
        inset.plot(x[mask], u[mask], color=method_colour(m), linestyle=_STYLES["boon" if m == pair[0] else "fno"],
                   linewidth=1.2, label=method_name(m))
    inset.set_xlim(x[0], x[0] + width)
    inset.tick_params(labelsize="x-small")
    inset.legend(fontsize="xx-small", loc="best")


def plot_stokes_panels(predictions: Mapping[str, str | Path], *, out_png: str | Path, out_pdf: str | Path,
                       **kwargs) -> None:
    """Write :func:`stokes_panels_figure` as PNG and PDF (``kwargs`` go to it)."""
    save_figure(stokes_panels_figure(predictions, **kwargs), out_png, out_pdf)


def sample_error_figure(predictions: Mapping[str, str | Path], *, sample: int = 0, floor: float = ERROR_FLOOR,
                        title: str | None = None) -> Figure:
    """Sample prediction and |error| vs x of every method at the first and last output time.

    ``predictions``: {method: path}, u_pred/u_true over (sample, x) (one column) or (sample, x, t) (two
    columns: the first and last output steps). Row 1: truth (black dashed) and predictions; row 2:
    max(|u_pred - u_true|, floor) on a log axis with the floor drawn as a grey line.
    """
    if not floor > 0:
        raise ValueError(f"floor must be > 0, got {floor}")
    loaded = load_predictions(predictions, layouts=(("sample", "x"), ("sample", "x", "t")))
    first = next(iter(loaded.values()))
    _sample(first, sample)
    x = first["x"].values.astype(np.float64)
    multi = "t" in first["u_pred"].dims
    steps = [0, first.sizes["t"] - 1] if multi and first.sizes["t"] > 1 else [0]
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(max(6.0, 3.6 * len(steps) + 0.8), 5.2), layout="constrained")
        axes = fig.subplots(2, len(steps), sharex=True, squeeze=False)
        for col, k in enumerate(steps):
            top, bottom = axes[0, col], axes[1, col]
            true = first["u_true"].values[sample]
            true = true[:, k] if multi else true
            top.plot(x, true, color="black", linestyle="--", linewidth=1.2, label="True", zorder=5)
            for i, (method, ds) in enumerate(loaded.items()):
                pred = ds["u_pred"].values[sample]
                pred = pred[:, k] if multi else pred
                top.plot(x, pred, color=method_colour(method, i), linewidth=1.2, label=method_name(method))
                bottom.semilogy(x, np.maximum(np.abs(pred - true), floor), color=method_colour(method, i),
                                linewidth=1.0)
            bottom.axhline(floor, color="0.6", linewidth=0.8, linestyle=":")
            bottom.set_xlabel("x")
            when = f"output step {k + 1}, t = {first['t'].values[k]:.3g}" if multi else "output"
            top.set_title(when, fontsize="medium")
            if col == 0:
                top.set_ylabel("u(x)")
                bottom.set_ylabel(f"|u_pred - u_true| (floor {floor:g})")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
        sample_id = first["sample"].values[sample] if "sample" in first.coords else sample
        fig.suptitle(title or f"{first.attrs.get('dataset', '')}: test sample {sample_id}".lstrip(": "),
                     fontsize="medium")
    return fig


def plot_sample_error(predictions: Mapping[str, str | Path], *, out_png: str | Path, out_pdf: str | Path,
                      **kwargs) -> None:
    """Write :func:`sample_error_figure` as PNG and PDF (``kwargs`` go to it)."""
    save_figure(sample_error_figure(predictions, **kwargs), out_png, out_pdf)
