"""Per-seed metrics of the operator experiments, combined and aggregated over training seeds (DESIGN.md: Seeds).

A metrics frame is long: columns ``method, sample, metric, value`` (one training run, see
:mod:`pcml.evaluation.operator_eval`), plus ``seed`` once the runs of several seeds are combined by
:func:`combine_seed_metrics`. Aggregation (:func:`summarise_over_seeds`):

- one seed: per (method, metric), the mean over the test samples and its SE = sd / sqrt(n_samples)
  (ddof = 1), the paper's format;
- several seeds: each seed's mean over its test samples, then the mean of those K values and their
  SE = sd / sqrt(K) (ddof = 1): the spread of independent training runs, not of test samples.

:func:`improvement_factors`: per seed k, the ratio (baseline mean over samples) / (method mean over
samples) of one metric (FNO / BOON in relative L2), then the mean and SE over seeds of those ratios
(SE NaN with one seed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from pcml.data.netcdf import write_csv
from pcml.evaluation.metrics import mean_and_se

__all__ = ["METRICS_COLUMNS", "SUMMARY_COLUMNS", "FACTOR_COLUMNS", "read_metrics", "combine_seed_metrics",
           "per_seed_means", "summarise_over_seeds", "improvement_factors"]

METRICS_COLUMNS = ("method", "sample", "metric", "value")
SUMMARY_COLUMNS = ["method", "metric", "mean", "se", "se_over", "n_seeds", "n_samples"]
FACTOR_COLUMNS = ["method", "baseline", "metric", "mean", "se", "n_seeds"]


def read_metrics(path: str | Path) -> pd.DataFrame:
    """A metrics CSV, checked: the columns of METRICS_COLUMNS (and ``seed`` if present), numeric values.

    Raises FileNotFoundError if absent, ValueError naming the file if it is empty, lacks a column, has
    non-numeric values or duplicate (seed, method, sample, metric) rows.
    """
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
    keys = (["seed"] if "seed" in df.columns else []) + ["method", "sample", "metric"]
    dup = df.duplicated(keys)
    if dup.any():
        first = df.loc[dup, keys].iloc[0].tolist()
        raise ValueError(f"metrics file {path}: {int(dup.sum())} duplicate ({', '.join(keys)}) row(s), e.g. {first}")
    return df


def combine_seed_metrics(paths: Mapping[int, str | Path], out_csv: str | Path) -> pd.DataFrame:
    """Concatenate per-seed metrics files ({seed: metrics.csv}) into one long CSV with a ``seed`` column.

    Columns: seed, method, sample, metric, value (seeds in the order given). Returns the frame written.
    """
    if not paths:
        raise ValueError("no per-seed metrics files given")
    frames = []
    for seed, path in paths.items():
        df = read_metrics(path)
        if "seed" in df.columns:
            raise ValueError(f"metrics file {path} already has a seed column: give one file per seed")
        frames.append(df[list(METRICS_COLUMNS)].assign(seed=int(seed)))
    frame = pd.concat(frames, ignore_index=True)[["seed", *METRICS_COLUMNS]]
    write_csv(frame, out_csv, float_format="%.10g")
    return frame


def _with_seed(metrics: pd.DataFrame) -> pd.DataFrame:
    """The frame with a ``seed`` column (a single run without one counts as seed 0)."""
    return metrics if "seed" in metrics.columns else metrics.assign(seed=0)


def per_seed_means(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean over the test samples per (seed, method, metric): columns seed, method, metric, value, n_samples.

    ValueError when some seed lacks a (method, metric) that another seed has, or when the seeds hold
    different numbers of test samples for it (their means would not be comparable).
    """
    df = _with_seed(metrics)
    grouped = df.groupby(["seed", "method", "metric"], sort=False)["value"]
    means = grouped.agg(value="mean", n_samples="size").reset_index()
    seeds = list(dict.fromkeys(df["seed"]))
    for (method, metric), rows in means.groupby(["method", "metric"], sort=False):
        absent = sorted(set(seeds) - set(rows["seed"]))
        if absent:
            raise ValueError(f"metric {metric!r} of method {method!r} is missing for seed(s) {absent}")
        if rows["n_samples"].nunique() > 1:
            raise ValueError(f"metric {metric!r} of method {method!r}: the seeds hold different numbers of test "
                             f"samples {dict(zip(rows['seed'], rows['n_samples']))}")
    return means


def _mean_se(values: np.ndarray) -> tuple[float, float]:
    """(mean, SE with ddof = 1; NaN for one value), the one implementation in pcml.evaluation.metrics."""
    mean, _, se = mean_and_se(values)
    return float(mean), float(se)


def summarise_over_seeds(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean and SE per (method, metric) (see the module docstring); columns SUMMARY_COLUMNS.

    ``se_over`` is "samples" (one seed: SE over the test samples) or "seeds" (SE over the seeds'
    means); ``n_samples`` is the number of test samples of one seed. Rows in order of first appearance.
    """
    df = _with_seed(metrics)
    means = per_seed_means(df)
    n_seeds = df["seed"].nunique()
    rows = []
    for (method, metric), group in means.groupby(["method", "metric"], sort=False):
        n_samples = int(group["n_samples"].iloc[0])
        if n_seeds == 1:
            values = df.loc[(df["method"] == method) & (df["metric"] == metric), "value"].to_numpy(float)
            rows.append((method, metric, *_mean_se(values), "samples", 1, n_samples))
        else:
            rows.append((method, metric, *_mean_se(group["value"].to_numpy(float)), "seeds", n_seeds, n_samples))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"n_seeds": int, "n_samples": int})


def improvement_factors(metrics: pd.DataFrame, baseline: str = "fno1d", metric: str = "rel_l2") -> pd.DataFrame:
    """baseline / method of ``metric`` per seed (means over samples), then mean and SE over seeds.

    One row per method other than ``baseline`` (columns FACTOR_COLUMNS; SE NaN with one seed). Empty
    frame when the baseline or the metric is absent.
    """
    means = per_seed_means(metrics)
    means = means[means["metric"] == metric]
    base = means[means["method"] == baseline].set_index("seed")["value"]
    rows = []
    if not base.empty:
        for method, group in means[means["method"] != baseline].groupby("method", sort=False):
            ratios = base.loc[group["seed"]].to_numpy(float) / group["value"].to_numpy(float)
            rows.append((method, baseline, metric, *_mean_se(ratios), int(ratios.size)))
    return pd.DataFrame(rows, columns=FACTOR_COLUMNS).astype({"n_seeds": int})
