"""The cost section of the report: wall time and peak memory of every job, from Snakemake's benchmark files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, write_text_atomic

COST_COLUMNS = ["job", "wall_s", "max_rss_mb", "cpu_time_s"]
RULE_COLUMNS = ["rule", "jobs", "wall_s", "mean_s", "longest_s", "max_rss_mb", "share_pct"]
UNMATCHED = "(no rule of this workflow)"
_WILDCARD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?:,([^}]*))?\}")  # {name} or {name,constraint}


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


def _pattern_regex(pattern: str) -> re.Pattern:
    """A benchmark file pattern (``boon/{bexp}/seed{seed}/train_{bmethod}``) as a regex of whole job names:
    a wildcard with a constraint (``{seed,\\d+}``, no braces inside) matches that, else one or more
    characters other than '/'."""
    parts, last = [], 0
    for m in _WILDCARD.finditer(pattern):
        parts += [re.escape(pattern[last:m.start()]), f"(?:{m.group(2)})" if m.group(2) else "[^/]+"]
        last = m.end()
    return re.compile("".join(parts) + re.escape(pattern[last:]) + r"\Z")


def rule_of_jobs(jobs: pd.Series, patterns: Mapping[str, str]) -> pd.Series:
    """The rule of every job name (benchmark path relative to the benchmarks folder, without .tsv).

    ``patterns``: rule name -> its benchmark pattern, relative to the same folder and without .tsv. Where
    several rules match, the pattern with the most literal characters wins (the most specific); a job that
    matches none (e.g. left by an older layout of the workflow) gets :data:`UNMATCHED`.
    """
    compiled = sorted(((len(_WILDCARD.sub("", pat)), name, _pattern_regex(pat)) for name, pat in patterns.items()),
                      key=lambda item: -item[0])

    def rule_of(job: str) -> str:
        return next((name for _, name, regex in compiled if regex.match(job)), UNMATCHED)
    return jobs.map(rule_of)


def costs_by_rule(costs: pd.DataFrame, patterns: Mapping[str, str]) -> pd.DataFrame:
    """Job costs summed per rule (:data:`RULE_COLUMNS`): jobs, wall_s (sum of the jobs' wall seconds),
    mean_s, longest_s, max_rss_mb (largest peak), share_pct (of all jobs' wall seconds); longest total first."""
    frame = costs.assign(rule=rule_of_jobs(costs["job"], patterns))
    grouped = frame.groupby("rule", sort=False)
    table = pd.DataFrame({"jobs": grouped.size(), "wall_s": grouped["wall_s"].sum(),
                          "mean_s": grouped["wall_s"].mean(), "longest_s": grouped["wall_s"].max(),
                          "max_rss_mb": grouped["max_rss_mb"].max()}).reset_index()
    total = table["wall_s"].sum()
    table["share_pct"] = 100.0 * table["wall_s"] / total if total > 0 else np.nan
    return table.sort_values("wall_s", ascending=False, kind="stable").reset_index(drop=True)[RULE_COLUMNS]


def rule_costs_markdown(table: pd.DataFrame) -> str:
    """The per-rule table as Markdown (seconds to 0.1 s, memory to 1 MB, share to 0.1 %), with a total row."""
    shown = table.copy()
    shown.loc[len(shown)] = ["all rules", table["jobs"].sum(), table["wall_s"].sum(), np.nan, table["longest_s"].max(),
                             table["max_rss_mb"].max(), 100.0 if len(table) else np.nan]
    fmt = {"wall_s": "{:,.1f}", "mean_s": "{:,.1f}", "longest_s": "{:,.1f}", "max_rss_mb": "{:,.0f}", "share_pct": "{:.1f}"}
    for col, spec in fmt.items():
        shown[col] = [("–" if pd.isna(v) else spec.format(v)) for v in shown[col]]
    shown["jobs"] = shown["jobs"].astype(int)
    return shown.rename(columns={"wall_s": "job-seconds", "mean_s": "mean s", "longest_s": "longest s",
                                 "max_rss_mb": "peak MB", "share_pct": "share %"}).to_markdown(
        index=False, disable_numparse=True, colalign=["left"] + ["right"] * (len(RULE_COLUMNS) - 1)) + "\n"


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


def plot_rule_costs(benchmarks: str | Path, *, out_csv: str | Path, out_png: str | Path,
                    patterns: Mapping[str, str] | None = None, out_rules_csv: str | Path | None = None,
                    out_rules_md: str | Path | None = None) -> pd.DataFrame:
    """Write the cost table (``COST_COLUMNS``) and its figure (PNG, and a PDF beside it) for the report;
    with ``patterns`` (see :func:`rule_of_jobs`) also the per-rule sums (:func:`costs_by_rule`) as CSV and
    Markdown. Returns the per-job table."""
    costs = read_benchmarks(benchmarks)
    if costs.empty:
        raise ValueError(f"no benchmark files under {benchmarks}")
    write_text_atomic(out_csv, costs.to_csv(index=False))
    if patterns is not None:
        by_rule = costs_by_rule(costs, patterns)
        write_text_atomic(out_rules_csv, by_rule.to_csv(index=False))
        write_text_atomic(out_rules_md, rule_costs_markdown(by_rule))
    save_figure(cost_figure(costs), out_png, Path(out_png).with_suffix(".pdf"))
    return costs
