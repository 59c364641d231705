"""The cost section of the report: wall time and peak memory of every job, from Snakemake's benchmark files."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, write_text_atomic

COST_COLUMNS = ["job", "wall_s", "max_rss_mb", "cpu_time_s"]


def read_benchmarks(folder: str | Path, exclude: tuple[str, ...] = ("summary",)) -> pd.DataFrame:
    """One row per benchmark TSV under ``folder``: job (path without .tsv), wall_s, max_rss_mb, cpu_time_s.

    A file with several repeats counts its mean wall time and largest peak memory; a column that
    Snakemake could not measure ("-") becomes NaN. Rows sorted by wall time, longest first.
    """
    folder = Path(folder)
    rows = []
    for path in sorted(folder.rglob("*.tsv")):
        rel = path.relative_to(folder)
        if rel.parts[0] in exclude:
            continue
        frame = pd.read_csv(path, sep="\t", na_values=["-", "NA"])
        if "s" not in frame.columns:
            raise ValueError(f"{path} is not a Snakemake benchmark file (no column 's')")
        rows.append({"job": rel.with_suffix("").as_posix(), "wall_s": float(frame["s"].mean()),
                     "max_rss_mb": float(frame.get("max_rss", pd.Series([np.nan])).max()),
                     "cpu_time_s": float(frame.get("cpu_time", pd.Series([np.nan])).mean())})
    costs = pd.DataFrame(rows, columns=COST_COLUMNS)
    return costs.sort_values("wall_s", ascending=False, kind="stable").reset_index(drop=True)


def cost_figure(costs: pd.DataFrame, top: int = 40) -> Figure:
    """Two panels sharing the job axis: wall time (s) and peak memory (MB) of the ``top`` longest jobs."""
    shown = costs.head(top).iloc[::-1]
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(10.0, 0.22 * len(shown) + 1.5))
        ax_time, ax_mem = fig.subplots(1, 2, sharey=True)
        y = np.arange(len(shown))
        ax_time.barh(y, shown["wall_s"], color="#1F4E9B")
        ax_mem.barh(y, shown["max_rss_mb"].fillna(0.0), color="#8B0000")
        ax_time.set_yticks(y, shown["job"], fontsize=6)
        ax_time.set_xlabel("wall time (s)")
        ax_mem.set_xlabel("peak resident memory (MB)")
        ax_time.set_title(f"{len(costs)} jobs, {costs['wall_s'].sum():.0f} s in total", fontsize=9)
        fig.tight_layout()
    return fig


def plot_rule_costs(benchmarks: str | Path, *, out_csv: str | Path, out_png: str | Path) -> pd.DataFrame:
    """Write the cost table (``COST_COLUMNS``) and its figure (PNG, and a PDF beside it) for the report."""
    costs = read_benchmarks(benchmarks)
    if costs.empty:
        raise ValueError(f"no benchmark files under {benchmarks}")
    write_text_atomic(out_csv, costs.to_csv(index=False))
    save_figure(cost_figure(costs), out_png, Path(out_png).with_suffix(".pdf"))
    return costs
