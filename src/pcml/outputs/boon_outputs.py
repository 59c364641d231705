"""BOON results table and figures (spec boon.md §5, §6.2, §6.3 Fig. 1), built only from files on disk.

- :func:`make_operator_table`: rows = methods (FNO, BOON-FNO), columns = seeds, n and every metric of
  ``metrics.csv`` (relative L2, boundary errors), cells "mean (SE)" over the seeds (several training seeds)
  or over the test samples (one seed), and the improvement factor FNO / model in relative L2.
- :func:`plot_boundary_derivative`: the insets of the paper's Fig. 1, du/dx near x = 0 and x = 1 for one
  test sample of a Neumann problem, per method and exact, annotated with each method's wall error.
(The dataset sample figures are in :mod:`pcml.outputs.dataset_figures`.)

Figures are matplotlib ``Figure`` objects (no pyplot state, so nothing to close and no display needed),
saved atomically as PNG and PDF by :func:`pcml.outputs.figures.save_figure`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only: figures are plain Figure objects
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pcml.evaluation.boon_metrics import derivative_profile
from pcml.evaluation.seed_stats import (SUMMARY_COLUMNS, improvement_factors, per_seed_means, read_metrics,
                                       summarise_over_seeds)
from pcml.outputs.boon_figure_data import load_predictions
from pcml.outputs.boon_methods import EXACT_COLOUR, method_colour, method_marker, method_name, method_order
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, tex_escape, write_text_atomic

__all__ = ["make_operator_table", "summarise_metrics", "ranking_note", "format_mean_se", "format_factor", "wall_errors",
           "boundary_derivative_figure", "plot_boundary_derivative", "latex_table"]

WALL_NAMES = ("left", "right", "bottom", "top")
METRIC_HEADERS: dict[str, str] = {
    "rel_l2": "rel. L2", "rel_l2_step1": "rel. L2 step 1", "rel_l2_near_boundary": "rel. L2 near walls",
    **{f"bc_{w}": f"BC err. {w}" for w in WALL_NAMES},
    **{f"bc_{w}_2nd": f"BC err. {w} (2nd-order stencil)" for w in WALL_NAMES},
    "bc_ends": "BC err. ends",
}
FACTOR_HEADER = "FNO / model (rel. L2)"
#: what the BC-error columns mean, per BC type (the table's note)
BC_NOTES: dict[str, str] = {
    "dirichlet": ("BC err. left/right = |u_pred - alpha_D| at x = 0 / x = 1 (bottom/top: y = 0 / y = 1), alpha_D "
                  "the target's boundary values."),
    "neumann": ("BC err. left/right = |D_h u_pred - alpha_N| at x = 0 / x = 1 (bottom/top: du/dy at y = 0 / y = 1), "
                "D_h the BOON correction's one-sided stencils (first-order forward at x = 0 and y = 0, third-order "
                "backward at x = 1 and y = 1), or 2nd-order one-sided stencils where marked; in 2-D the corner nodes are "
                "left out (two normals meet there)."),
    "periodic": "BC err. ends = |u_pred(x_0) - u_pred(x_{N-1})|, the two ends of the grid.",
}
MISSING = "–"
WINDOW = 0.01  # Fig. 1 inset width, as a fraction of the domain
MIN_WINDOW_NODES = 4  # on coarse grids the window widens to hold at least this many nodes


# ---------------------------------------------------------------------------------------------- table
def format_mean_se(mean: float, se: float) -> str:
    """Cell ``"2.0e-02 (1.1e-03)"``: both in scientific notation with 2 significant digits; SE "–" if NaN."""
    return f"{mean:.1e} ({MISSING if not np.isfinite(se) else format(se, '.1e')})"


def format_factor(mean: float, se: float) -> str:
    """Improvement-factor cell ``"9.06 (1.2)"``: 3 significant digits, SE 2; "–" for a NaN SE."""
    return f"{mean:.3g} ({MISSING if not np.isfinite(se) else format(se, '.2g')})"


def _step(metric: str) -> int | None:
    """k of a per-step metric rel_l2_step<k>, else None."""
    return int(metric[len("rel_l2_step"):]) if metric.startswith("rel_l2_step") and metric[11:].isdigit() else None


def _metric_order(metrics) -> list[str]:
    """Known metrics in METRIC_HEADERS order with the steps in step order after rel. L2 step 1, then the others."""
    present = set(metrics)
    steps = sorted((m for m in present if _step(m) is not None), key=_step)
    known = [m for m in METRIC_HEADERS if m in present and _step(m) is None]
    head = known[:1] + steps + known[1:]
    return head + sorted(present - set(head))


def _header(metric: str) -> str:
    k = _step(metric)
    return f"rel. L2 step {k}" if k is not None else METRIC_HEADERS.get(metric, metric)


def shown_metrics(metrics: list[str]) -> list[str]:
    """The metrics a table shows (all are in its CSV): of the per-step errors only the first and the last step."""
    steps = [m for m in metrics if _step(m) is not None]
    hidden = set(steps[1:-1]) if len(steps) > 2 else set()
    return [m for m in metrics if m not in hidden]


def summarise_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """:func:`pcml.evaluation.seed_stats.summarise_over_seeds` in table order.

    Returns columns method, metric, mean, se, se_over, n_seeds, n_samples; methods in method_order
    (unknown methods after, sorted), metrics in METRIC_HEADERS order (unknown metrics after, sorted).
    """
    summary = summarise_over_seeds(metrics)
    method_rank = {m: i for i, m in enumerate(method_order(summary["method"]))}
    metric_rank = {m: i for i, m in enumerate(_metric_order(summary["metric"]))}
    order = sorted(range(len(summary)), key=lambda i: (method_rank[summary["method"].iat[i]],
                                                        metric_rank[summary["metric"].iat[i]]))
    return summary.iloc[order].reset_index(drop=True)


def ranking_note(metrics: pd.DataFrame, baseline: str, metric: str = "rel_l2") -> str:
    """One sentence that says, per method, whether its ``metric`` is below the baseline's, from the data.

    Per seed (means over the test samples): "BOON-FNO: below FNO on 3 of 3 seeds"; a method below on no
    seed reads "not below FNO on any of the 3 seeds". With one seed the wording is "below FNO" / "not below
    FNO". Empty string when the baseline or the metric is absent.
    """
    means = per_seed_means(metrics)
    means = means[means["metric"] == metric]
    base = means[means["method"] == baseline].set_index("seed")["value"]
    if base.empty:
        return ""
    label = METRIC_HEADERS.get(metric, metric)
    parts = []
    for method in method_order(set(means["method"]) - {baseline}):
        mine = means[means["method"] == method].set_index("seed")["value"]
        below = int((mine < base.loc[mine.index]).sum())
        n = int(mine.size)
        if n == 1:
            verdict = f"below {method_name(baseline)}" if below else f"not below {method_name(baseline)}"
        elif below == 0:
            verdict = f"not below {method_name(baseline)} on any of the {n} seeds"
        else:
            verdict = f"below {method_name(baseline)} on {below} of {n} seeds"
        parts.append(f"{method_name(method)} {verdict}")
    return f"Mean {label} per seed against {method_name(baseline)}: " + "; ".join(parts) + "." if parts else ""


def _table_note(summary: pd.DataFrame, bc_type: str | None, factor: bool, ranking: str = "") -> str:
    n_seeds = int(summary["n_seeds"].max())
    if n_seeds > 1:
        cells = (f"Cells: mean (SE) over the {n_seeds} training seeds of each seed's mean over its test samples, "
                 f"SE = sd/sqrt({n_seeds}).")
    else:
        cells = "Cells: mean (SE) over the test samples of one training seed, SE = sd/sqrt(n)."
    parts = [cells, BC_NOTES.get(bc_type, "BC err. = |BC residual| at that boundary.")]
    if any(_step(m) is not None for m in summary["metric"]):
        parts.append("Multi-step: rel. L2 step k = the relative L2 of output step k (the CSV holds every step); "
                     "BC errors are means over the wall's other nodes and the output times.")
    if factor:
        parts.append(f"{FACTOR_HEADER}: FNO's mean relative L2 divided by the model's, per seed, then mean (SE) "
                     "over the seeds (one seed: no SE).")
    if ranking:
        parts.append(ranking)
    return " ".join(parts)


def latex_table(table: pd.DataFrame, caption: str, label: str, note: str = "") -> str:
    cols = list(table.columns)
    head = " & ".join(["Model", *[tex_escape(c) for c in cols]]) + r" \\"
    body = [" & ".join([tex_escape(str(idx)), *[tex_escape(str(v)) for v in row]]) + r" \\"
            for idx, row in zip(table.index, table.itertuples(index=False))]
    counts = sum(1 for c in cols[:2] if c in ("seeds", "n"))
    foot = [r"\par\smallskip", rf"{{\footnotesize {tex_escape(note)}}}"] if note else []
    return "\n".join([r"\begin{table}", r"\centering", rf"\caption{{{tex_escape(caption)}}}",
                      rf"\label{{{label}}}", r"\begin{tabular}{l" + "r" * counts + "c" * (len(cols) - counts) + "}",
                      r"\toprule", head, r"\midrule", *body, r"\bottomrule", r"\end{tabular}", *foot,
                      r"\end{table}"]) + "\n"


def make_operator_table(metrics_csv: str | Path, *, caption: str, out_csv: str | Path, out_md: str | Path,
                        out_tex: str | Path, bc_type: str | None = None, baseline: str | None = None) -> None:
    """Write the BOON results table of one experiment as CSV (long), Markdown and LaTeX, atomically.

    ``metrics_csv``: long metrics (method, sample, metric, value), with a ``seed`` column for several
    training seeds (see :mod:`pcml.evaluation.seed_stats`; without it, one seed). ``out_csv``: the columns
    of :func:`summarise_metrics`, then one row per non-baseline method with metric ``improvement_rel_l2``
    (baseline / method relative L2 per seed, mean and SE over seeds). ``out_md``: the caption line, a table
    (rows = display names FNO, BOON-FNO, ..., then unknown keys as-is; columns "seeds", "n" = test samples
    per seed, one per metric of :func:`shown_metrics` with cells "mean (SE)", and FACTOR_HEADER when the
    baseline is present; ``baseline`` default: whichever of fno1d, fno2d, fno3d the file holds), and
    a note that defines the cells and the BC errors of ``bc_type``. ``out_tex``: a ``table`` environment
    with the caption, the table and the note. Raises FileNotFoundError if ``metrics_csv`` is absent,
    ValueError (naming it) if it is empty, lacks a column, has non-numeric values or duplicate rows, or if
    the seeds' runs do not match.
    """
    frame = read_metrics(metrics_csv)
    summary = summarise_metrics(frame)
    if baseline is None:  # the plain FNO of the experiment's dimension
        baseline = next((m for m in ("fno1d", "fno2d", "fno3d") if m in set(frame["method"])), "fno1d")
    factors = improvement_factors(frame, baseline=baseline)
    metrics = shown_metrics(list(dict.fromkeys(summary["metric"])))
    methods = list(dict.fromkeys(summary["method"]))
    cells = {(r.method, r.metric): format_mean_se(r.mean, r.se) for r in summary.itertuples()}
    factor_cells = {r.method: format_factor(r.mean, r.se) for r in factors.itertuples()}
    rows = []
    for m in methods:
        mine = summary[summary["method"] == m]
        row = [str(mine["n_seeds"].max()), str(mine["n_samples"].max()), *[cells.get((m, k), MISSING) for k in metrics]]
        rows.append(row + ([factor_cells.get(m, MISSING)] if factor_cells else []))
    table = pd.DataFrame(rows, index=pd.Index([method_name(m) for m in methods], name="Model"),
                         columns=["seeds", "n", *[_header(k) for k in metrics]]
                         + ([FACTOR_HEADER] if factor_cells else []))
    note = _table_note(summary, bc_type, bool(factor_cells), ranking_note(frame, baseline))
    md = f"{caption}\n\n{table.to_markdown(colalign=['left'] + ['right'] * table.shape[1])}\n\n{note}\n"
    factor_rows = factors.assign(metric="improvement_" + factors["metric"], se_over="seeds",
                                 n_samples=int(summary["n_samples"].max()))
    long = pd.concat([summary, factor_rows[SUMMARY_COLUMNS]], ignore_index=True) if len(factors) else summary
    write_text_atomic(out_csv, long.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, latex_table(table, caption, f"tab:{Path(out_tex).stem}", note))


# ------------------------------------------------------------------------------------- Fig. 1 insets
def _spacing(x: np.ndarray, path) -> float:
    h = (x[-1] - x[0]) / (x.size - 1)
    if x.size < 4 or not np.allclose(np.diff(x), h, rtol=1e-8, atol=0):
        raise ValueError(f"{path}: x must be a uniform grid of at least 4 nodes")
    return float(h)


def _load_predictions(predictions: Mapping[str, str | Path]) -> dict[str, xr.Dataset]:
    """Read the Neumann single-step prediction files (:func:`pcml.outputs.boon_figure_data.load_predictions`:
    (sample, x), one grid) and check that each has bc_type neumann and the same 0-d prescribed fluxes."""
    loaded = load_predictions(predictions, layouts=[("sample", "x")])
    first_method, first = next(iter(loaded.items()))
    for method, ds in loaded.items():
        path = predictions[method]
        if ds.attrs.get("bc_type") != "neumann":
            raise ValueError(f"prediction file {path} has bc_type {ds.attrs.get('bc_type')!r}: the boundary-"
                             "derivative figure (paper Fig. 1) is for Neumann problems only")
        for name in ("flux_left", "flux_right"):
            if name not in ds or ds[name].ndim != 0:
                raise ValueError(f"prediction file {path} needs a 0-d {name!r} (prescribed du/dx)")
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
                ax.plot(x[mask], du[mask], color=method_colour(method, i), marker=method_marker(method),
                        markersize=4, linewidth=1.3, label=method_name(method))
            ax.plot(x[mask], exact[mask], color=EXACT_COLOUR, marker=".", linewidth=1.1, label="Exact")
            wall_x = x[0] if side == "left" else x[-1]
            ax.plot([wall_x], [flux[side]], linestyle="none", marker="*", markersize=11, color=EXACT_COLOUR,
                    clip_on=False, zorder=5, label="prescribed du/dx")
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
            ax.set_ylabel("du/dx")
            handles = [Line2D([], [], linestyle="none", marker=method_marker(m), color=method_colour(m, i),
                              label=f"{method_name(m)}: {e[side]:.3g}") for i, (m, e) in enumerate(errors.items())]
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
