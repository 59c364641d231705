"""BOON's cost table (spec boon.md §6.2, [RECON]): seconds per epoch and parameter counts, FNO vs BOON, per
experiment, from the Snakemake benchmark files of the training jobs and from the trained model files.

A training job's benchmark file (``results/<p>/benchmarks/boon/<experiment>/seed<k>/train_<method>.tsv``,
Snakemake's tab-separated ``s``, ``cpu_time``, ``max_rss``, ... of the whole job) divided by the experiment's
epochs gives seconds per epoch, as the notebooks print them: everything an epoch does, the test pass included,
plus the job's start-up and its one test-prediction pass (the training job writes the predictions too)
spread over the epochs. Timings differ from run to run and machine to machine, so the
table lives under ``benchmarks/`` (outside the manifest).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from pcml.evaluation.metrics import mean_and_se
from pcml.outputs.boon_methods import method_name, method_order
from pcml.outputs.boon_outputs import format_factor, format_mean_se, latex_table
from pcml.outputs.style import write_text_atomic

__all__ = ["read_benchmark", "model_parameters", "cost_frame", "make_cost_table"]

CSV_COLUMNS = ["experiment", "method", "n_seeds", "n_params", "s_per_epoch", "s_per_epoch_se", "cpu_s_per_epoch",
               "max_rss_mb", "ratio_to_baseline", "ratio_to_baseline_se"]


def read_benchmark(path: str | Path) -> dict[str, float]:
    """The first row of a Snakemake benchmark file: {"s": wall seconds, "cpu_time": CPU seconds,
    "max_rss": peak resident MB}. FileNotFoundError / ValueError naming the file when absent or malformed."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"benchmark file not found: {path} (run the training job first)")
    try:
        frame = pd.read_csv(path, sep="\t")
        row = frame.iloc[0]
        return {"s": float(row["s"]), "cpu_time": float(row["cpu_time"]), "max_rss": float(row["max_rss"])}
    except (KeyError, IndexError, ValueError, pd.errors.ParserError) as exc:
        raise ValueError(f"benchmark file {path} is not a Snakemake benchmark (needs columns s, cpu_time, "
                         f"max_rss and one row): {exc}") from exc


def model_parameters(path: str | Path) -> int:
    """The parameter count stored in a model file written by the training rule (``n_params``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if "n_params" not in blob:
        raise ValueError(f"model file {path} holds no n_params")
    return int(blob["n_params"])


def cost_frame(runs: Sequence[Mapping], baseline: Mapping[str, str]) -> pd.DataFrame:
    """One row per (experiment, method) with the columns CSV_COLUMNS.

    ``runs``: one mapping per training run with keys experiment, method, seed, epochs, benchmark (the job's
    benchmark TSV) and model (its .pt file). s_per_epoch: mean over seeds of the job's wall seconds / epochs, with its
    SE over seeds (NaN for one seed); cpu_s_per_epoch and max_rss_mb: means over seeds. ratio_to_baseline:
    per seed the method's seconds per epoch over the experiment's ``baseline[experiment]`` method's (FNO),
    then mean (SE) over seeds; NaN when the baseline did not run with that seed.
    """
    records = []
    for run in runs:
        bench = read_benchmark(run["benchmark"])
        epochs = int(run["epochs"])
        if epochs < 1:
            raise ValueError(f"{run['experiment']}/{run['method']}: epochs must be >= 1, got {epochs}")
        records.append({"experiment": run["experiment"], "method": run["method"], "seed": int(run["seed"]),
                        "s": bench["s"] / epochs, "cpu": bench["cpu_time"] / epochs, "rss": bench["max_rss"],
                        "n_params": model_parameters(run["model"])})
    if not records:
        raise ValueError("a cost table needs at least one training run")
    per_run = pd.DataFrame(records)
    rows = []
    for experiment in dict.fromkeys(per_run["experiment"]):
        mine = per_run[per_run["experiment"] == experiment]
        base = mine[mine["method"] == baseline.get(experiment)].set_index("seed")["s"]
        for method in method_order(mine["method"]):
            runs_m = mine[mine["method"] == method].sort_values("seed")
            mean, _, se = mean_and_se(runs_m["s"].to_numpy(float))
            ratios = [s / base[seed] for seed, s in zip(runs_m["seed"], runs_m["s"]) if seed in base.index]
            r_mean, _, r_se = mean_and_se(np.asarray(ratios, float)) if ratios else (np.nan, np.nan, np.nan)
            rows.append((experiment, method, len(runs_m), int(runs_m["n_params"].iloc[0]), float(mean), float(se),
                         float(runs_m["cpu"].mean()), float(runs_m["rss"].mean()), float(r_mean), float(r_se)))
    return pd.DataFrame(rows, columns=CSV_COLUMNS)


def make_cost_table(runs: Sequence[Mapping], baseline: Mapping[str, str], *, caption: str, out_csv: str | Path,
                    out_md: str | Path, out_tex: str | Path) -> pd.DataFrame:
    """Write the cost table (:func:`cost_frame`) as CSV (its columns), Markdown and LaTeX; returns the frame."""
    frame = cost_frame(runs, baseline)
    shown = pd.DataFrame({
        "experiment": frame["experiment"],
        "model": [method_name(m) for m in frame["method"]],
        "seeds": frame["n_seeds"].astype(str),
        "parameters": [f"{n:,}" for n in frame["n_params"]],
        "s / epoch": [format_mean_se(m, s) for m, s in zip(frame["s_per_epoch"], frame["s_per_epoch_se"])],
        "CPU s / epoch": [f"{v:.3g}" for v in frame["cpu_s_per_epoch"]],
        "peak MB": [f"{v:.0f}" for v in frame["max_rss_mb"]],
        "time / FNO's": ["–" if not np.isfinite(m) else format_factor(m, s)
                         for m, s in zip(frame["ratio_to_baseline"], frame["ratio_to_baseline_se"])],
    }).set_index("experiment")
    note = ("s / epoch: the training job's wall time (Snakemake benchmark file) over its epochs, mean (SE) over the "
            "seeds; CPU s / epoch and peak MB: means over the seeds; time / FNO's: per seed the model's s / epoch "
            "over the plain FNO's of the same experiment, then mean (SE). Parameters: real parameters of the "
            "trained model (a complex weight counts twice).")
    md = f"{caption}\n\n{shown.to_markdown(colalign=['left'] * 2 + ['right'] * (shown.shape[1] - 1))}\n\n{note}\n"
    tex = shown.reset_index()
    tex.index = [f"{e}: {m}" for e, m in zip(tex.pop("experiment"), tex.pop("model"))]
    write_text_atomic(out_csv, frame.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, latex_table(tex, caption, f"tab:{Path(out_tex).stem}", note))
    return frame
