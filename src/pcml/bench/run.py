"""The cost benchmark: run the configured cases, write the cost table and its figure.

One row per case: real parameter count, seconds per training step (forward + backward + Adam
step) and per inference batch (forward, no gradients), each with the baseline it was alternated
with and the paired ratio (see :mod:`pcml.bench.measure`), the peak memory growth of one
training step and one inference batch, and the training step's matrix-product FLOPs and floor
(the seconds its matrix products take alone, :mod:`pcml.bench.roofline`). Times are medians over ``repeats``; the conditions
(threads, repeats, torch version, cores, load average) go into the caption.
"""
from __future__ import annotations

import logging
import math
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from pcml.bench.cases import build_cases
from pcml.bench.measure import peak_rss_mb, summarise, time_alternating
from pcml.bench.roofline import count_flops, matmul_floor_s
from pcml.data.netcdf import write_csv
from pcml.outputs.style import write_text_atomic

__all__ = ["COLUMNS", "run_benchmark", "conditions", "write_cost_table", "plot_cost", "benchmark_to_files",
           "read_cost_table", "plot_cost_files"]

log = logging.getLogger(__name__)

COLUMNS = ["model", "variant", "baseline", "n_params",
           "train_s", "train_s_baseline", "train_ratio", "infer_s", "infer_s_baseline", "infer_ratio",
           "train_peak_mib", "infer_peak_mib", "train_gflop", "train_matmul_floor_s", "sizes"]


FLOOR_NOTE = ("GFLOP / step: the training step's matrix products and convolutions (torch's flop counter; "
              "elementwise ops and FFTs count zero). Matmul floor: the seconds those matrix products take "
              "alone, replayed on fresh contiguous operands of the same shapes; step / floor is the largest "
              "speed-up available without changing them.")


def run_benchmark(families: Mapping[str, Mapping[str, Any]], *, repeats: int = 15, warmup: int = 2,
                  threads: int = 1, memory: bool = True, seed: int = 0) -> pd.DataFrame:
    """Measure every case of ``families`` (config ``benchmark.families``); returns the table
    (one row per case, columns :data:`COLUMNS`; seconds, MiB; NaN where not measured).

    A family's settings may hold ``repeats`` and ``warmup`` to override the global counts.
    torch's thread count is set to ``threads`` for the run and restored afterwards.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(int(threads))
    rows = []
    try:
        for name, settings in families.items():
            n_rep, n_warm = int(settings.get("repeats", repeats)), int(settings.get("warmup", warmup))
            for case in build_cases({name: settings}, seed):
                base = case.baseline
                log.info("benchmark %s (%s): %d repeats", case.model, case.variant or "-", n_rep)
                train = summarise(*time_alternating(case.train_step, base.train_step if base else None,
                                                    n_rep, n_warm))
                infer = summarise(*time_alternating(case.infer, base.infer if base else None, n_rep, n_warm))
                rows.append({
                    "model": case.model, "variant": case.variant,
                    "baseline": (base.model + (f" ({base.variant})" if base.variant else "")) if base else "",
                    "n_params": case.n_params,
                    "train_s": train[0], "train_s_baseline": train[1], "train_ratio": train[2],
                    "infer_s": infer[0], "infer_s_baseline": infer[1], "infer_ratio": infer[2],
                    "train_peak_mib": peak_rss_mb(case.train_step) if memory else math.nan,
                    "infer_peak_mib": peak_rss_mb(case.infer) if memory else math.nan,
                    "train_gflop": count_flops(case.train_step) / 1e9,
                    "train_matmul_floor_s": matmul_floor_s(case.train_step, n_rep, n_warm),
                    "sizes": case.sizes,
                })
    finally:
        torch.set_num_threads(previous)
    return pd.DataFrame(rows, columns=COLUMNS)


def conditions(threads: int, repeats: int) -> str:
    """One sentence with the measuring conditions (for the caption and the log)."""
    try:
        load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        load = "n/a"
    return (f"torch {torch.__version__} on {platform.machine()} ({os.cpu_count()} cores, load average "
            f"{load} at the start), {threads} torch thread(s), medians over {repeats} alternated repeats")


def _fmt(value: float, kind: str) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    if kind == "s":
        return f"{value * 1e3:.3g} ms" if value < 1 else f"{value:.3g} s"
    if kind == "ratio":
        return f"{value:.2f}×"
    if kind == "gflop":
        return f"{value:.3g}"
    if kind == "mib":
        return f"{value:.0f} MiB" if value >= 10 else f"{value:.2g} MiB"
    return f"{int(value):,}"


def write_cost_table(table: pd.DataFrame, out_csv: str | Path, out_md: str | Path, caption: str) -> None:
    """The cost table as CSV (raw numbers, seconds and MiB) and Markdown (formatted, with ``caption``)."""
    write_csv(table, out_csv)
    header = ["model", "variant", "params", "train step", "vs baseline", "inference batch",
              "vs baseline", "peak mem. train", "peak mem. inference", "GFLOP / step", "matmul floor",
              "step / floor", "baseline"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in table.itertuples():
        cells = [r.model, r.variant or "", _fmt(r.n_params, "int"), _fmt(r.train_s, "s"),
                 _fmt(r.train_ratio, "ratio"), _fmt(r.infer_s, "s"), _fmt(r.infer_ratio, "ratio"),
                 _fmt(r.train_peak_mib, "mib"), _fmt(r.infer_peak_mib, "mib"), _fmt(r.train_gflop, "gflop"),
                 _fmt(r.train_matmul_floor_s, "s"), _fmt(r.train_s / r.train_matmul_floor_s, "ratio"),
                 r.baseline or ""]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    sizes = "; ".join(f"{m}: {s}" for m, s in dict(zip(table["model"], table["sizes"])).items())
    text = "\n".join(lines) + f"\n\n{caption} {FLOOR_NOTE}\n\nSizes: {sizes}.\n"
    write_text_atomic(out_md, text)


def plot_cost(table: pd.DataFrame, out_png: str | Path, out_pdf: str | Path, title: str = "") -> None:
    """Two panels: seconds per training step and per inference batch (log scale), and the ratio
    to the baseline of every row that has one (dashed line at 1)."""
    import matplotlib.pyplot as plt

    from pcml.outputs.figures import save_figure

    labels = [f"{m}\n{v}" if v else m for m, v in zip(table["model"], table["variant"])]
    y = np.arange(len(table))
    fig, (ax_t, ax_r) = plt.subplots(1, 2, figsize=(11, 0.45 * len(table) + 1.8), sharey=True)
    h = 0.38
    ax_t.barh(y - h / 2, table["train_s"], h, label="training step")
    ax_t.barh(y + h / 2, table["infer_s"], h, label="inference batch")
    ax_t.set_xscale("log")
    ax_t.set_xlabel("seconds (median)")
    ax_t.set_yticks(y, labels, fontsize=7)
    ax_t.invert_yaxis()
    ax_t.legend(fontsize=7)
    ax_r.barh(y - h / 2, table["train_ratio"].fillna(0), h, label="training step")
    ax_r.barh(y + h / 2, table["infer_ratio"].fillna(0), h, label="inference batch")
    ax_r.axvline(1.0, color="k", ls="--", lw=0.8)
    ax_r.set_xlabel("time / baseline time (median of paired ratios)")
    ax_r.legend(fontsize=7)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    save_figure(fig, out_png, out_pdf)
    plt.close(fig)


def benchmark_to_files(settings: Mapping[str, Any], *, out_csv: str | Path, out_md: str | Path,
                       caption: str = "") -> pd.DataFrame:
    """Run the benchmark of a ``benchmark`` config block and write the cost table (CSV, Markdown).

    ``caption`` (profile, settings) is followed by the measuring conditions.
    """
    repeats, threads = int(settings["repeats"]), int(settings["threads"])
    full_caption = (caption + " " if caption else "") + f"Measured with {conditions(threads, repeats)}."
    table = run_benchmark(settings["families"], repeats=repeats, warmup=int(settings["warmup"]),
                          threads=threads, memory=bool(settings["memory"]), seed=int(settings["seed"]))
    write_cost_table(table, out_csv, out_md, full_caption)
    return table


def read_cost_table(path: str | Path) -> pd.DataFrame:
    """Read a cost table CSV; raises ValueError naming the file when a column is missing."""
    table = pd.read_csv(path)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{path}: not a cost table, missing columns {missing}")
    for column in ("variant", "baseline"):  # empty text cells come back as NaN
        table[column] = table[column].astype(object).where(table[column].notna(), "")
    return table


def plot_cost_files(cost_csv: str | Path, *, out_png: str | Path, out_pdf: str | Path,
                    out_caption: str | Path, caption: str, title: str = "") -> None:
    """The cost figure from the cost table on disk, and its caption file."""
    plot_cost(read_cost_table(cost_csv), out_png, out_pdf, title=title)
    write_text_atomic(out_caption, caption + "\n")
