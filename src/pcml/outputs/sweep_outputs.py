"""Sweeps as tables and figures: the sigma_G sweep (ProbConserv spec §4.6, F-PME-4) and the SoftC
lambda ablation (§6.6).

Input: the per-seed sweep metrics of ``pcml.evaluation.sweep`` (long format). A table has one row
per swept value (precision 1 / sigma_G^2, or lambda) and, per parameter value, one column per
metric as "mean (SE)" (scaled so entries are O(1)); the sigma_G figures draw one metric each
against the precision on a log axis, one panel per parameter value (pme_limiting_{cons,mse,ll}).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pcml.evaluation.sweep import LAMBDA_COLUMNS, SWEEP_COLUMNS, combine_sweep_seeds  # noqa: E402
from pcml.outputs.figures import save_figure  # noqa: E402
from pcml.outputs.style import colour, param_label, plot_rc, tex_escape, write_text_atomic  # noqa: E402
from pcml.outputs.tables import format_cell, metric_header, mse_power, read_checked_csv  # noqa: E402

TABLE_METRICS = ("ce2", "mse", "ll")
ROWS = {"precision": ("precision 1/σ_G²", SWEEP_COLUMNS, TABLE_METRICS),  # row key: label, columns, metrics
        "lambda": ("λ", LAMBDA_COLUMNS, ("ce", "ll", "mse"))}
FIGURE_METRICS = {"cons": ("ce2", "CE²"), "mse": ("mse", "MSE"), "ll": ("ll", "log-likelihood")}


def read_sweep(paths: list[str | Path], row: str = "precision") -> pd.DataFrame:
    """The sweep metrics of every training seed, combined (mean over seeds, SE over seeds)."""
    if not paths:
        raise ValueError(f"no {row} sweep metrics files given")
    frames = [read_checked_csv(p, ROWS[row][1], f"{row} sweep metrics file") for p in paths]
    return combine_sweep_seeds(frames, row)


def _power(metric: str, values: np.ndarray) -> int:
    return 0 if metric == "ll" else mse_power(values)


def make_sweep_table(paths: list[str | Path], *, caption: str, out_csv: str | Path, out_md: str | Path,
                     out_tex: str | Path, experiment: str, row: str = "precision") -> pd.DataFrame:
    """Write a sweep table (CSV long format, Markdown, LaTeX); returns the displayed table.

    ``row``: "precision" (the sigma_G sweep: CE^2, MSE, LL) or "lambda" (SoftC: CE, LL, MSE).
    """
    row_label, _, table_metrics = ROWS[row]
    data = read_sweep(paths, row)
    param_name = str(data["param_name"].iloc[0])
    params = np.unique(data["param"].to_numpy(float))
    precisions = np.unique(data[row].to_numpy(float))
    columns, tex_columns, cells = [], [], []
    for value in params:
        for metric in table_metrics:
            part = data[np.isclose(data["param"], value) & (data["metric"] == metric)].set_index(row)
            power = _power(metric, data.loc[data["metric"] == metric, "mean"].to_numpy(float))
            header = metric_header("CE²" if metric == "ce2" else metric, power)
            columns.append((param_label(param_name, value), header))
            tex_columns.append((param_label(param_name, value, latex=True),
                                metric_header("CE$^2$" if metric == "ce2" else metric, power, latex=True)))
            cells.append([format_cell(part.loc[p, "mean"], part.loc[p, "se"], 10.0**power) for p in precisions])
    labels = [f"{p:.0e}" if row == "precision" else f"{p:g}" for p in precisions]
    table = pd.DataFrame(np.array(cells, dtype=object).T, index=pd.Index(labels, name=row_label),
                         columns=pd.MultiIndex.from_tuples(columns))
    write_text_atomic(out_csv, data.to_csv(index=False))
    md = table.copy()
    md.columns = [f"{group}: {metric}" for group, metric in table.columns]
    write_text_atomic(out_md, f"{caption}\n\n{md.to_markdown(colalign=['left'] + ['right'] * md.shape[1])}\n\n"
                      "Cells: mean (SE); CE² is the mean over test functions of the squared conservation error; "
                      "CE is signed.\n")
    tex = pd.DataFrame(table.to_numpy(), index=labels, columns=pd.MultiIndex.from_tuples(tex_columns))
    write_text_atomic(out_tex, tex.style.to_latex(
        environment="table", caption=tex_escape(caption), label=f"tab:probconserv-{experiment}-{row}-sweep",
        position_float="centering", hrules=True, multicol_align="c", column_format="l" + "c" * tex.shape[1]))
    return table


def sweep_figure(data: pd.DataFrame, metric: str, ylabel: str):
    """One panel per parameter value: mean (± SE band) of ``metric`` against the precision (log x)."""
    param_name = str(data["param_name"].iloc[0])
    params = np.unique(data["param"].to_numpy(float))
    with plt.rc_context(plot_rc()):
        fig, axes = plt.subplots(1, len(params), figsize=(3.4 * len(params), 3.0), squeeze=False,
                                 constrained_layout=True)
        for ax, value in zip(axes[0], params):
            part = data[np.isclose(data["param"], value) & (data["metric"] == metric)].sort_values("precision")
            x, y, se = (part[c].to_numpy(float) for c in ("precision", "mean", "se"))
            ax.plot(x, y, "-D", color=colour("probconserv_anp"), markersize=4)
            if np.isfinite(se).any():
                ax.fill_between(x, y - se, y + se, color=colour("probconserv_anp"), alpha=0.2, linewidth=0)
            ax.set_xscale("log")
            ax.set_title(param_label(param_name, value))
            ax.set_xlabel("precision 1/σ_G²")
            ax.ticklabel_format(axis="y", style="sci", scilimits=(-2, 3))
        axes[0][0].set_ylabel(ylabel)
    return fig


def plot_sweep(paths: list[str | Path], *, kind: str, out_png: str | Path, out_pdf: str | Path,
               out_caption: str | Path, caption: str, min_precision: float = 0.0) -> None:
    """Draw the sweep figure ``kind`` (cons, mse or ll) for precisions > ``min_precision``."""
    if kind not in FIGURE_METRICS:
        raise ValueError(f"unknown sigma_G sweep figure {kind!r}; known: {sorted(FIGURE_METRICS)}")
    data = read_sweep(paths)
    data = data[data["precision"] > min_precision]
    metric, ylabel = FIGURE_METRICS[kind]
    fig = sweep_figure(data, metric, ylabel)
    save_figure(fig, out_png, out_pdf)
    plt.close(fig)
    write_text_atomic(out_caption, caption + "\n")
