"""BOON curves over the output steps (spec boon.md §6.3): relative error and boundary residual vs time.

- :func:`error_step_summary` / :func:`error_steps_figure`: relative L2 per output step (metrics
  ``rel_l2_step<k>``), per method the mean over the test samples of each seed, then the mean over the seeds
  with a band of +-1 SE across seeds (several seeds); optionally one test sample's curves dashed
  (cavity panel (c): "BOON:sample", "FNO:sample", "BOON:average", "FNO:average").
- :func:`wall_residuals` / :func:`boundary_residual_figure`: |BC residual| per wall against t, mean over the
  test samples (and the wall's nodes in 2-D), one panel per wall, log axis with a floor for exact zeros.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure

from pcml.evaluation.boon_metrics import neumann_flux
from pcml.outputs.boon_figure_data import load_predictions, step_errors
from pcml.outputs.boon_methods import method_colour, method_name, method_order
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc

__all__ = ["error_step_summary", "error_steps_figure", "plot_error_steps", "wall_residuals",
           "boundary_residual_figure", "plot_boundary_residual", "RESIDUAL_FLOOR"]

RESIDUAL_FLOOR = 1e-16
#: the paper's NS-video colours, method kind -> (average, sample): dark blue / light blue, dark red / salmon
PAPER_STEP_COLOURS = {"BOON-FNO": ("#00008B", "#87CEFA"), "FNO": ("#8B0000", "#FA8072")}
BAND_ALPHA = 0.2
_WALLS_2D = {"left": ("x", 0, -1.0), "right": ("x", -1, 1.0), "bottom": ("y", 0, -1.0), "top": ("y", -1, 1.0)}


# ---------------------------------------------------------------------------------------- error vs step
def error_step_summary(metrics: Mapping[int, str | Path], methods: Sequence[str]) -> pd.DataFrame:
    """Per (method, step): mean over seeds of each seed's mean over samples, SE over seeds (ddof 1; NaN for 1).

    Returns columns method, step (1-based), mean, se, n_seeds, n_samples (methods in display order).
    """
    frame = step_errors(metrics, methods)
    per_seed = frame.groupby(["method", "step", "seed"], as_index=False).agg(value=("value", "mean"),
                                                                             n_samples=("value", "size"))
    rows = []
    for (method, step), grp in per_seed.groupby(["method", "step"]):
        v = grp["value"].to_numpy(dtype=np.float64)
        se = float(np.std(v, ddof=1) / np.sqrt(v.size)) if v.size > 1 else float("nan")
        rows.append((method, int(step), float(v.mean()), se, int(v.size), int(grp["n_samples"].max())))
    out = pd.DataFrame(rows, columns=["method", "step", "mean", "se", "n_seeds", "n_samples"])
    rank = {m: i for i, m in enumerate(method_order(out["method"]))}
    return out.sort_values(["method", "step"], key=lambda c: c.map(rank) if c.name == "method" else c,
                           ignore_index=True)


def _sample_curve(metrics: Mapping[int, str | Path], method: str, sample: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(steps, values, sample id) of the sample at position ``sample`` (sorted ids) of the first seed."""
    seed = next(iter(metrics))
    frame = step_errors({seed: metrics[seed]}, [method])
    ids = np.sort(frame["sample"].unique())
    if not 0 <= sample < ids.size:
        raise ValueError(f"sample position {sample} out of range: {metrics[seed]} holds {ids.size} samples")
    mine = frame[frame["sample"] == ids[sample]].sort_values("step")
    return mine["step"].to_numpy(), mine["value"].to_numpy(dtype=np.float64), int(ids[sample])


def error_steps_figure(metrics: Mapping[int, str | Path], methods: Sequence[str], *, sample: int | None = None,
                       paper_colours: bool = False, log: bool = False, title: str | None = None) -> Figure:
    """Relative L2 vs output step of ``methods``; ``metrics`` = {seed: per-seed metrics.csv}.

    Solid "<name>:average" lines (mean over seeds, band +-1 SE over seeds when there are several); with
    ``sample`` (position among the sorted sample ids of the first seed) dashed "<name>:sample" curves.
    ``paper_colours``: FNO and BOON-FNO in the NS video's colours (:data:`PAPER_STEP_COLOURS`), the sample
    curves lighter; otherwise the suite's method colours, the sample curves translucent.
    """
    summary = error_step_summary(metrics, methods)
    n_seeds = int(summary["n_seeds"].max())
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(5.5, 3.6), layout="constrained")
        ax = fig.subplots()
        sample_id = None
        for i, method in enumerate(method_order(methods)):
            mine = summary[summary["method"] == method]
            colour, name = method_colour(method, i), method_name(method)
            light, alpha = colour, 0.6
            if paper_colours and name in PAPER_STEP_COLOURS:
                (colour, light), alpha = PAPER_STEP_COLOURS[name], 1.0
            if sample is not None:
                steps, values, sample_id = _sample_curve(metrics, method, sample)
                ax.plot(steps, values, color=light, linestyle="--", alpha=alpha, linewidth=1.1,
                        label=f"{name}:sample")
            ax.plot(mine["step"], mine["mean"], color=colour, marker="o", markersize=3, linewidth=1.5,
                    label=f"{name}:average")
            if n_seeds > 1:
                ax.fill_between(mine["step"], mine["mean"] - mine["se"], mine["mean"] + mine["se"], color=colour,
                                alpha=BAND_ALPHA, linewidth=0)
        if log:
            ax.set_yscale("log")
        ax.set_xlabel("output step T")
        ax.set_ylabel("relative L2 error")
        ax.set_xlim(0, int(summary["step"].max()) + 1)
        ax.legend(fontsize="small")
        what = (f"mean over {int(summary['n_samples'].max())} test samples, then over {n_seeds} seeds (band +-1 SE)"
                if n_seeds > 1 else f"mean over {int(summary['n_samples'].max())} test samples, one seed")
        if sample_id is not None:
            what += f"; dashed: test sample {sample_id}"
        ax.set_title(title or what, fontsize="small")
    return fig


def plot_error_steps(metrics: Mapping[int, str | Path], methods: Sequence[str], *, out_png, out_pdf,
                     **kwargs) -> None:
    """Write :func:`error_steps_figure` as PNG and PDF."""
    save_figure(error_steps_figure(metrics, methods, **kwargs), out_png, out_pdf)


# ------------------------------------------------------------------------------------ boundary residual
def _spacing(coord: np.ndarray, name: str, path) -> float:
    h = (coord[-1] - coord[0]) / (coord.size - 1)
    if coord.size < 4 or not np.allclose(np.diff(coord), h, rtol=1e-8, atol=0):
        raise ValueError(f"{path}: {name} must be a uniform grid of at least 4 nodes")
    return float(h)


def _flux(ds: xr.Dataset, wall: str, path) -> xr.DataArray:
    name = f"flux_{wall}"
    if name not in ds:
        raise ValueError(f"prediction file {path} has no {name!r}: the Neumann residual needs the prescribed flux")
    return ds[name]


def _neumann_derivative(u: xr.DataArray, axis: str, index: int, h: float) -> xr.DataArray:
    """du/d(axis) at the wall node ``index`` (0 or -1) with the BOON stencils, the axis dim dropped."""
    moved = u.transpose("sample", axis, ...)
    flux = neumann_flux(moved.values.reshape(moved.shape[0], moved.shape[1], -1), h)
    value = flux["left" if index == 0 else "right"].reshape((moved.shape[0],) + moved.shape[2:])
    return xr.DataArray(value, dims=("sample",) + moved.dims[2:])


def wall_residuals(ds: xr.Dataset, path: str | Path = "") -> dict[str, xr.DataArray]:
    """|BC residual| of ``u_pred`` per wall, each DataArray (sample, t), for a multi-step prediction file.

    ``ds.attrs["bc_type"]``: dirichlet — |u_pred - u_true| on the wall nodes (the Dirichlet data are the
    target's boundary values); neumann — |D u_pred - flux_<wall>| with the BOON stencils (first-order
    forward at the first node, third-order backward at the last): in 1-D D = d/dx (the files' convention),
    in 2-D D = the outward normal derivative (-d/dx at x = 0, d/dx at x = 1, the same in y); periodic (1-D)
    — |u_pred(x_0) - u_pred(x_{N-1})| (wall "ends"). In 2-D the wall's nodes are averaged.
    Walls: left, right (1-D); left, right, bottom, top (2-D). ValueError for other layouts or BC types.
    """
    bc_type = ds.attrs.get("bc_type")
    if "t" not in ds["u_pred"].dims:
        raise ValueError(f"prediction file {path}: the boundary residual vs time needs a t dimension")
    pred, true = ds["u_pred"], ds["u_true"]
    two_d = "y" in pred.dims
    walls = _WALLS_2D if two_d else {"left": ("x", 0, 1.0), "right": ("x", -1, 1.0)}
    out: dict[str, xr.DataArray] = {}
    if bc_type == "periodic":
        if two_d:
            raise ValueError(f"prediction file {path}: periodic residuals are implemented for 1-D files only")
        out["ends"] = abs(pred.isel(x=0) - pred.isel(x=-1))
    elif bc_type == "dirichlet":
        for wall, (axis, index, _) in walls.items():
            out[wall] = abs(pred.isel({axis: index}) - true.isel({axis: index}))
    elif bc_type == "neumann":
        for wall, (axis, index, sign) in walls.items():
            h = _spacing(ds[axis].values.astype(np.float64), axis, path)
            derivative = sign * _neumann_derivative(pred, axis, index, h)
            other = [d for d in pred.dims if d not in ("sample", axis)]
            derivative = derivative.assign_coords({d: pred[d].values for d in other})
            out[wall] = abs(derivative - _flux(ds, wall, path))
    else:
        raise ValueError(f"prediction file {path}: bc_type {bc_type!r} must be dirichlet, neumann or periodic")
    return {w: (r.mean([d for d in r.dims if d not in ("sample", "t")]) if two_d else r).transpose("sample", "t")
            for w, r in out.items()}


def boundary_residual_figure(predictions: Mapping[str, str | Path], *, floor: float = RESIDUAL_FLOOR,
                             title: str | None = None) -> Figure:
    """One panel per wall: mean over test samples of |residual| (:func:`wall_residuals`) vs t, per method.

    Values below ``floor`` are drawn at ``floor`` (a dotted grey line marks it), so BOON's exact zeros show.
    """
    if not floor > 0:
        raise ValueError(f"floor must be > 0, got {floor}")
    loaded = load_predictions(predictions, layouts=(("sample", "x", "t"), ("sample", "x", "y", "t")))
    residuals = {m: wall_residuals(ds, predictions[m]) for m, ds in loaded.items()}
    walls = list(next(iter(residuals.values())))
    first = next(iter(loaded.values()))
    t = first["t"].values
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(3.2 * len(walls) + 0.6, 3.2), layout="constrained")
        axes = fig.subplots(1, len(walls), sharey=True, squeeze=False)[0]
        for ax, wall in zip(axes, walls):
            for i, (method, res) in enumerate(residuals.items()):
                ax.semilogy(t, np.maximum(res[wall].mean("sample").values, floor), color=method_colour(method, i),
                            marker="o", markersize=2.5, linewidth=1.2, label=method_name(method))
            ax.axhline(floor, color="0.6", linestyle=":", linewidth=0.8)
            ax.set_title(f"wall: {wall}", fontsize="medium")
            ax.set_xlabel("t")
        axes[0].set_ylabel(f"mean |BC residual| (floor {floor:g})")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
        fig.suptitle(title or f"{first.attrs.get('dataset', '')} ({first.attrs.get('bc_type')}): boundary residual "
                     f"vs time, mean over {first.sizes['sample']} test samples", fontsize="medium")
    return fig


def plot_boundary_residual(predictions: Mapping[str, str | Path], *, out_png, out_pdf, **kwargs) -> None:
    """Write :func:`boundary_residual_figure` as PNG and PDF."""
    save_figure(boundary_residual_figure(predictions, **kwargs), out_png, out_pdf)
