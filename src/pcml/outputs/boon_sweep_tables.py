"""BOON tables whose columns are settings (spec boon.md §6.2): the viscosity sweeps of the Dirichlet
results tables and the resolution-generalisation table.

Each column is one metrics file (the long per-seed metrics of :mod:`pcml.evaluation.seed_stats`) of
one setting: an experiment trained at that viscosity, or the models of one experiment evaluated on a
dataset of another resolution without retraining. Rows are the methods; a cell is
"rel. L2 mean (SE) [BC max]": the relative L2 error, mean and SE over the training seeds (one seed:
over the test samples), and in brackets the largest mean absolute BC residual over the walls (the
spec's "rel L2 (boundary error)" cell, [RECON]). A last row per non-baseline method gives the
improvement factor baseline / method in relative L2, mean (SE) over the seeds.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pcml.data.netcdf import read_netcdf
from pcml.evaluation.seed_stats import improvement_factors, read_metrics
from pcml.outputs.boon_methods import method_name
from pcml.outputs.boon_outputs import MISSING, format_factor, format_mean_se, latex_table, summarise_metrics
from pcml.outputs.style import write_text_atomic

__all__ = ["sweep_summary", "make_sweep_table", "setting_label", "sweep_columns", "BC_METRIC_PREFIX"]

BC_METRIC_PREFIX = "bc_"
LONG_COLUMNS = ["column", "method", "metric", "mean", "se", "se_over", "n_seeds", "n_samples"]


SETTING_SYMBOLS = {"nu": "ν", "n_x": "N"}


def setting_label(data_path: str | Path, setting: str) -> str:
    """Column label of a dataset file for ``setting``: "ν = 0.02" (attribute nu), "N = 256" (the number
    of x nodes for ``n_x``); another name reads the attribute of that name. ValueError if absent."""
    ds = read_netcdf(data_path)
    if setting == "n_x":
        value = ds.sizes.get("x")
    else:
        value = ds.attrs.get(setting)
    if value is None:
        raise ValueError(f"{data_path}: no {setting!r} to label a sweep column with")
    return f"{SETTING_SYMBOLS.get(setting, setting)} = {float(value):g}"


def sweep_columns(data_paths: list[str | Path], metrics_paths: list[str | Path], setting: str) -> dict[str, str | Path]:
    """{label: metrics file}, one column per (dataset, metrics) pair, labelled by :func:`setting_label`.

    Raises ValueError when the lists differ in length or two datasets give the same label.
    """
    if len(data_paths) != len(metrics_paths):
        raise ValueError(f"{len(data_paths)} datasets but {len(metrics_paths)} metrics files")
    labels = [setting_label(path, setting) for path in data_paths]
    seen = [label for i, label in enumerate(labels) if label in labels[:i]]
    if seen:
        raise ValueError(f"two columns share the label {seen[0]!r}: the sweep's datasets must differ in {setting!r}")
    return dict(zip(labels, metrics_paths))


def _bc_metrics(metrics) -> list[str]:
    """The BC-residual metrics with BOON's own stencils (bc_left, bc_ends, ...; not the 2nd-order ones)."""
    return [m for m in dict.fromkeys(metrics) if m.startswith(BC_METRIC_PREFIX) and not m.endswith("_2nd")]


def sweep_summary(columns: Mapping[str, str | Path], baseline: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Summaries of every column's metrics file: (summary, factors), each with a ``column`` label first.

    ``summary``: :func:`pcml.outputs.boon_outputs.summarise_metrics` per column; ``factors``:
    :func:`pcml.evaluation.seed_stats.improvement_factors` against ``baseline`` per column (empty when the
    baseline is absent). Raises ValueError when ``columns`` is empty, and what :func:`read_metrics`
    raises for a bad file.
    """
    if not columns:
        raise ValueError("a sweep table needs at least one column (metrics file)")
    summaries, factors = [], []
    for label, path in columns.items():
        frame = read_metrics(path)
        summaries.append(summarise_metrics(frame).assign(column=label))
        if baseline in set(frame["method"]):
            factors.append(improvement_factors(frame, baseline=baseline).assign(column=label))
    summary = pd.concat(summaries, ignore_index=True)
    factor = pd.concat(factors, ignore_index=True) if factors else pd.DataFrame()
    return summary, factor


def make_sweep_table(columns: Mapping[str, str | Path], *, caption: str, out_csv: str | Path, out_md: str | Path,
                     out_tex: str | Path, baseline: str, header: str = "Model") -> pd.DataFrame:
    """Write a sweep table (rows = methods, columns = the labels of ``columns``) as CSV, Markdown and LaTeX.

    ``columns``: {label, e.g. "ν = 0.02" or "N = 256": metrics CSV}. CSV: long, LONG_COLUMNS, with the
    improvement factors as metric ``improvement_rel_l2``. Returns the displayed table (strings).
    """
    summary, factors = sweep_summary(columns, baseline)
    labels = list(columns)
    methods = list(dict.fromkeys(summary["method"]))
    stats = {(r.column, r.method, r.metric): r for r in summary.itertuples()}
    bc = _bc_metrics(summary["metric"])
    rows = {}
    for method in methods:
        cells = []
        for label in labels:
            rel = stats.get((label, method, "rel_l2"))
            if rel is None:
                cells.append(MISSING)
                continue
            walls = [stats[(label, method, m)].mean for m in bc if (label, method, m) in stats]
            cells.append(format_mean_se(rel.mean, rel.se) + (f" [BC {max(walls):.1e}]" if walls else ""))
        rows[method_name(method)] = cells
    for method in dict.fromkeys(factors["method"]) if len(factors) else []:
        mine = {r.column: format_factor(r.mean, r.se) for r in factors[factors["method"] == method].itertuples()}
        rows[f"factor {method_name(baseline)} / {method_name(method)}"] = [
            mine.get(label, MISSING) for label in labels]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=labels)
    table.index.name = header
    note = ("Cells: relative L2 error, mean (SE) over the training seeds of each seed's mean over its test samples "
            "(one seed: over the test samples); in brackets the largest mean |BC residual| over the walls, with "
            "the BOON correction's stencils. Factor rows: the baseline's relative L2 over the model's, per seed, "
            "then mean (SE) over the seeds.")
    md = f"{caption}\n\n{table.to_markdown(colalign=['left'] + ['right'] * table.shape[1])}\n\n{note}\n"
    long = summary[LONG_COLUMNS]
    if len(factors):
        long = pd.concat([long, factors.assign(metric="improvement_" + factors["metric"], se_over="seeds",
                                               n_samples=pd.NA)[LONG_COLUMNS]], ignore_index=True)
    write_text_atomic(out_csv, long.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, latex_table(table, caption, f"tab:{Path(out_tex).stem}", note))
    return table
