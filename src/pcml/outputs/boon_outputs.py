"""BOON results table and figures (spec boon.md §5, §6.2, §6.3 Fig. 1), built only from files on disk.

- :func:`make_operator_table`: rows = methods (FNO, BOON-FNO), columns = n and every metric of
  ``metrics.csv`` (relative L2, boundary errors), cells "mean (SE)" over the test samples.
- :func:`plot_boundary_derivative`: the insets of the paper's Fig. 1, du/dx near x = 0 and x = 1 for one
  test sample of a Neumann problem, per method and exact, annotated with each method's wall error.
(The dataset sample figures are in :mod:`pcml.outputs.dataset_figures`.)

Figures are matplotlib ``Figure`` objects (no pyplot state, so nothing to close and no display needed),
saved atomically as PNG and PDF by :func:`pcml.outputs.figures.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only: figures are plain Figure objects
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pcml.data.netcdf import read_netcdf
from pcml.evaluation.boon_metrics import derivative_profile
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, tex_escape, write_text_atomic

__all__ = ["make_operator_table", "summarise_metrics", "format_mean_se", "wall_errors",
           "boundary_derivative_figure", "plot_boundary_derivative"]

#: method key -> (display name, colour), in table/figure order; other keys follow, shown as-is.
BOON_METHODS: dict[str, tuple[str, str]] = {"fno1d": ("FNO", "#228B22"), "boon_fno1d": ("BOON-FNO", "#8B0000"),
                                             "boon_fno1d_clean": ("BOON-FNO (clean)", "#1F4E9B")}
EXACT_COLOUR = "#000000"
OTHER_COLOURS = ("#1F77B4", "#FF7F0E", "#9467BD", "#8C564B")
MARKERS = {"fno1d": "s", "boon_fno1d": "o", "boon_fno1d_clean": "^"}
METRIC_HEADERS: dict[str, str] = {
    "rel_l2": "rel. L2", "bc_left": "BC err. left", "bc_right": "BC err. right",
    "bc_left_2nd": "BC err. left (2nd-order stencil)", "bc_right_2nd": "BC err. right (2nd-order stencil)",
    "bc_ends": "BC err. ends",
}
METRICS_COLUMNS = ("method", "sample", "metric", "value")
SUMMARY_COLUMNS = ["method", "metric", "mean", "se", "n"]
MISSING = "–"
WINDOW = 0.01  # Fig. 1 inset width, as a fraction of the domain
MIN_WINDOW_NODES = 4  # on coarse grids the window widens to hold at least this many nodes


# ---------------------------------------------------------------------------------------------- table
def _order(keys) -> list[str]:
    """Distinct method keys: the known ones in BOON_METHODS order, then the others sorted."""
    unique = set(keys)
    return [k for k in BOON_METHODS if k in unique] + sorted(unique - set(BOON_METHODS))


def _name(method: str) -> str:
    return BOON_METHODS.get(method, (method, ""))[0]


def _colour(method: str, position: int) -> str:
    return BOON_METHODS[method][1] if method in BOON_METHODS else OTHER_COLOURS[position % len(OTHER_COLOURS)]


def format_mean_se(mean: float, se: float) -> str:
    """Cell ``"2.0e-02 (1.1e-03)"``: both in scientific notation with 2 significant digits; SE "–" if NaN."""
    return f"{mean:.1e} ({MISSING if not np.isfinite(se) else format(se, '.1e')})"


def _read_metrics(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"metrics file not found: {path}")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"metrics file {path} is empty") from None
    missing = [c for c in METRICS_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"metrics file {path} lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"metrics file {path} has no rows")
    try:
        df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"metrics file {path}: non-numeric value(s) ({exc})") from None
    dup = df.duplicated(["method", "sample", "metric"])
    if dup.any():
        first = df.loc[dup, ["method", "sample", "metric"]].iloc[0].tolist()
        raise ValueError(f"metrics file {path}: {int(dup.sum())} duplicate (method, sample, metric) row(s), "
                         f"e.g. {first}")
    return df


def summarise_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean, SE = sd/sqrt(n) (ddof=1; NaN if n=1) and n per (method, metric) of a long metrics frame.

    Returns a frame with columns method, metric, mean, se, n; methods in table order, metrics in
    METRIC_HEADERS order (unknown metrics after, sorted).
    """
    rows = []
    metric_order = [m for m in METRIC_HEADERS if m in set(metrics["metric"])]
    metric_order += sorted(set(metrics["metric"]) - set(METRIC_HEADERS))
    for method in _order(metrics["method"]):
        for metric in metric_order:
            v = metrics.loc[(metrics["method"] == method) & (metrics["metric"] == metric), "value"].to_numpy(float)
            if v.size == 0:
                continue
            se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
            rows.append((method, metric, float(np.mean(v)), se, int(v.size)))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"n": int})


def _latex_table(table: pd.DataFrame, caption: str, label: str) -> str:
    cols = list(table.columns)
    head = " & ".join(["Model", *[tex_escape(c) for c in cols]]) + r" \\"
    body = [" & ".join([tex_escape(str(idx)), *[tex_escape(str(v)) for v in row]]) + r" \\"
            for idx, row in zip(table.index, table.itertuples(index=False))]
    return "\n".join([r"\begin{table}", r"\centering", rf"\caption{{{tex_escape(caption)}}}",
                      rf"\label{{{label}}}", r"\begin{tabular}{l" + "r" + "c" * (len(cols) - 1) + "}",
                      r"\toprule", head, r"\midrule", *body, r"\bottomrule", r"\end{tabular}",
                      r"\end{table}"]) + "\n"


def make_operator_table(metrics_csv: str | Path, *, caption: str, out_csv: str | Path, out_md: str | Path,
                        out_tex: str | Path) -> None:
    """Write the BOON results table of one experiment as CSV (long), Markdown and LaTeX, atomically.

    ``out_csv``: columns method, metric, mean, se, n (raw values). ``out_md``: the caption line, a table
    (rows = display names FNO, BOON-FNO, then unknown keys as-is; columns "n" = test samples and one per
    metric, cells "mean (SE)"), and a note. ``out_tex``: a ``table`` environment with ``\\caption``.
    Raises FileNotFoundError if ``metrics_csv`` is absent, ValueError (naming it) if it is empty, lacks
    a column of METRICS_COLUMNS, has non-numeric values or duplicate (method, sample, metric) rows.
    """
    summary = summarise_metrics(_read_metrics(metrics_csv))
    metrics = list(dict.fromkeys(summary["metric"]))
    methods = list(dict.fromkeys(summary["method"]))
    cells = {(r.method, r.metric): format_mean_se(r.mean, r.se) for r in summary.itertuples()}
    table = pd.DataFrame(
        [[str(summary.loc[summary["method"] == m, "n"].max())]
         + [cells.get((m, k), MISSING) for k in metrics] for m in methods],
        index=pd.Index([_name(m) for m in methods], name="Model"),
        columns=["n", *[METRIC_HEADERS.get(k, k) for k in metrics]])
    note = ("Cells: mean (SE) over the test samples, SE = sd/sqrt(n). BC err. = |BC residual| at that wall "
            "(Neumann: one-sided stencils of the BOON correction unless marked 2nd-order).")
    md = f"{caption}\n\n{table.to_markdown(colalign=['left'] + ['right'] * table.shape[1])}\n\n{note}\n"
    write_text_atomic(out_csv, summary.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, _latex_table(table, caption, f"tab:{Path(out_tex).stem}"))


# ------------------------------------------------------------------------------------- Fig. 1 insets
def _spacing(x: np.ndarray, path) -> float:
    h = (x[-1] - x[0]) / (x.size - 1)
    if x.size < 4 or not np.allclose(np.diff(x), h, rtol=1e-8, atol=0):
        raise ValueError(f"{path}: x must be a uniform grid of at least 4 nodes")
    return float(h)


def _load_predictions(predictions: Mapping[str, str | Path]) -> dict[str, xr.Dataset]:
    """Read the Neumann prediction files (methods in table order) and check that they agree."""
    if not predictions:
        raise ValueError("no prediction files given")
    loaded: dict[str, xr.Dataset] = {}
    for method in _order(predictions):
        path = predictions[method]
        ds = read_netcdf(path, ("u_pred", "u_true"))
        if ds.attrs.get("method", method) != method:
            raise ValueError(f"prediction file {path} is for method {ds.attrs['method']!r}, not {method!r}")
        if ds.attrs.get("bc_type") != "neumann":
            raise ValueError(f"prediction file {path} has bc_type {ds.attrs.get('bc_type')!r}: the boundary-"
                             "derivative figure (paper Fig. 1) is for Neumann problems only")
        for name in ("flux_left", "flux_right"):
            if name not in ds or ds[name].ndim != 0:
                raise ValueError(f"prediction file {path} needs a 0-d {name!r} (prescribed du/dx)")
        for name in ("u_pred", "u_true"):
            if set(ds[name].dims) != {"sample", "x"}:
                raise ValueError(f"prediction file {path}: {name} has dims {ds[name].dims}, expected (sample, x)")
        loaded[method] = ds
    first_method, first = next(iter(loaded.items()))
    for method, ds in loaded.items():
        if ds.sizes["x"] != first.sizes["x"] or not np.allclose(ds["x"].values, first["x"].values,
                                                                   rtol=0, atol=1e-12):
            raise ValueError(f"prediction files of {first_method!r} and {method!r} disagree on the x grid")
        for name in ("flux_left", "flux_right"):
            if not np.isclose(float(ds[name]), float(first[name]), rtol=1e-12, atol=1e-12):
                raise ValueError(f"prediction files of {first_method!r} and {method!r} disagree on {name}")
    return loaded


def _derivatives(ds: xr.Dataset, sample: int, var: str, path="") -> np.ndarray:
    """du/dx of ``var`` for position ``sample`` on every node (n,), central inside, BOON stencils at walls."""
    if not 0 <= sample < ds.sizes["sample"]:
        raise ValueError(f"sample position {sample} out of range: the file {path} holds {ds.sizes['sample']}")
    x = ds["x"].values.astype(np.float64)
    u = ds[var].transpose("sample", "x").values[sample].astype(np.float64)
    return derivative_profile(u[None], _spacing(x, path))[0]


def _wall_errors(loaded: Mapping[str, xr.Dataset], sample: int) -> dict[str, dict[str, float]]:
    out = {}
    for method, ds in loaded.items():
        du = _derivatives(ds, sample, "u_pred")
        out[method] = {"left": abs(float(du[0]) - float(ds["flux_left"])),
                       "right": abs(float(du[-1]) - float(ds["flux_right"]))}
    return out


def wall_errors(predictions: Mapping[str, str | Path], *, sample: int = 0) -> dict[str, dict[str, float]]:
    """|du/dx(wall) - prescribed flux| of each method's prediction at test-sample position ``sample``.

    du/dx at the walls with the BOON stencils: (u1 - u0)/h on the left, the third-order backward
    (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4})/(6h) on the right. Returns
    {method: {"left": float, "right": float}} (methods in table order).
    """
    return _wall_errors(_load_predictions(predictions), sample)


def _window(x: np.ndarray, side: str) -> tuple[float, float, np.ndarray]:
    """(lo, hi, node mask) of the inset next to the ``side`` wall: width 1% of the domain or 3 spacings."""
    width = max(WINDOW * (x[-1] - x[0]), (MIN_WINDOW_NODES - 1) * (x[1] - x[0]))
    lo, hi = (x[0], x[0] + width) if side == "left" else (x[-1] - width, x[-1])
    tol = 1e-9 * (x[-1] - x[0])
    return lo, hi, (x >= lo - tol) & (x <= hi + tol)


def boundary_derivative_figure(predictions: Mapping[str, str | Path], *, sample: int = 0,
                               title: str | None = None) -> Figure:
    """Fig. 1 insets as a Figure: du/dx on the nodes of [0, 0.01] and [0.99, 1] (widened on coarse grids).

    One curve per method and the exact derivative (black, of u_true with the same stencils); the
    prescribed fluxes are black stars at x = 0 and x = 1; each panel is annotated with the wall errors of
    :func:`wall_errors`. ValueError if the files disagree on x or the fluxes, or are not Neumann.
    """
    loaded = _load_predictions(predictions)
    errors = _wall_errors(loaded, sample)
    first = next(iter(loaded.values()))
    x = first["x"].values.astype(np.float64)
    exact = _derivatives(first, sample, "u_true")
    flux = {"left": float(first["flux_left"]), "right": float(first["flux_right"])}
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(7.5, 3.0), layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, side in zip(axes, ("left", "right")):
            lo, hi, mask = _window(x, side)
            for i, (method, ds) in enumerate(loaded.items()):
                du = _derivatives(ds, sample, "u_pred")
                ax.plot(x[mask], du[mask], color=_colour(method, i), marker=MARKERS.get(method, "D"),
                        markersize=4, linewidth=1.3, label=_name(method))
            ax.plot(x[mask], exact[mask], color=EXACT_COLOUR, marker=".", linewidth=1.1, label="Exact")
            wall_x = x[0] if side == "left" else x[-1]
            ax.plot([wall_x], [flux[side]], linestyle="none", marker="*", markersize=11, color=EXACT_COLOUR,
                    clip_on=False, zorder=5, label="prescribed du/dx")
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
            ax.set_ylabel("du/dx")
            handles = [Line2D([], [], linestyle="none", marker=MARKERS.get(m, "D"), color=_colour(m, i),
                              label=f"{_name(m)}: {e[side]:.3g}") for i, (m, e) in enumerate(errors.items())]
            # an axes legend with loc="best" keeps the wall errors off the curves
            ax.legend(handles=handles, title="wall error |du/dx - prescribed|", loc="best", fontsize="small",
                      title_fontsize="small", framealpha=0.9)
            ax.set_title(f"{side} wall, x = {wall_x:g}", fontsize="medium")
        axes[1].yaxis.tick_right()
        axes[1].yaxis.set_label_position("right")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
        sample_id = first["sample"].values[sample] if "sample" in first.coords else sample
        fig.suptitle(title or f"{first.attrs.get('experiment', first.attrs.get('dataset', ''))}: du/dx near "
                     f"the walls, test sample {sample_id}".lstrip(": "), fontsize="medium")
    return fig


def plot_boundary_derivative(predictions: dict[str, str], *, out_png: str | Path, out_pdf: str | Path,
                             sample: int = 0, title: str | None = None) -> None:
    """Write the Fig. 1 insets (:func:`boundary_derivative_figure`) as PNG and PDF, atomically."""
    save_figure(boundary_derivative_figure(predictions, sample=sample, title=title), out_png, out_pdf)
