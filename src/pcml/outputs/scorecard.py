"""The reproduction scorecard: per claim, the paper's value, the released models', ours and the verdict.

Every verdict is computed from the per-seed metrics files by :mod:`pcml.outputs.claims`; the claims
file says only what is claimed and how it is tested. Outputs: a CSV (one row per claim), Markdown and
LaTeX tables, and a figure (the fraction of seeds on which each claim holds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pcml.outputs.claims import (DOES_NOT, MIXED, NOT_RUN, REPRODUCES, SMOKE, boon_values, describe_test,
                                 judge_claim, load_claims, probconserv_values)
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, tex_escape, write_text_atomic

COLUMNS = ["id", "paper", "experiment", "claim", "paper_value", "released", "ours_mean", "ours_sd", "n_seeds",
           "n_pass", "verdict", "test", "source", "note"]
VERDICT_COLOURS = {REPRODUCES: "#2E7D32", DOES_NOT: "#C62828", MIXED: "#EF6C00", NOT_RUN: "#9E9E9E",
                   SMOKE: "#5C6BC0"}


def _seed_values(claim: Mapping, probconserv: Mapping[str, Sequence[str]], boon: Mapping[str, Sequence[str]],
                 t_stars: Mapping[str, float], task_metrics: Mapping[str, Mapping[str, Sequence[str]]]) -> list[dict]:
    """The claim's values for every seed that ran its experiment (empty if none did)."""
    experiment = claim["experiment"]
    if claim.get("requires"):  # a downstream task's own per-seed metrics files, in the metrics.csv format
        return [probconserv_values(path, claim["metric"], t_stars[experiment], claim.get("params"))
                for path in task_metrics.get(claim["requires"], {}).get(experiment, [])]
    if claim["paper"] == "probconserv":
        return [probconserv_values(path, claim["metric"], t_stars[experiment], claim.get("params"))
                for path in probconserv.get(experiment, [])]
    return [boon_values(path, claim["metric"]) for path in boon.get(experiment, [])]


def _released_text(claim: Mapping, released: Mapping[str, str], t_stars: Mapping[str, float]) -> str:
    """Shown value and pass/fail of the claim on the authors' released models, or "" where none exist."""
    path = released.get(claim["experiment"]) if claim["paper"] == "probconserv" else None
    if not path or claim.get("requires"):
        return ""
    values = probconserv_values(path, claim["metric"], t_stars[claim["experiment"]], claim.get("params"))
    judged = judge_claim(claim, [values])
    if not judged.n_seeds:
        return ""
    return f"{judged.shown[0]:.3g} ({'holds' if judged.passed[0] else 'fails'})"


def build_scorecard(claims_path: str | Path, *, probconserv: Mapping[str, Sequence[str]],
                    boon: Mapping[str, Sequence[str]], t_stars: Mapping[str, float],
                    released: Mapping[str, str] | None = None, tasks: Sequence[str] = (),
                    task_metrics: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
                    smoke: bool = False) -> pd.DataFrame:
    """One row per claim (columns ``COLUMNS``), judged on the per-seed metrics files.

    ``probconserv`` / ``boon``: {experiment: [metrics.csv of each training seed]}; ``t_stars``: the
    ProbConserv table time of each experiment; ``released``: {experiment: metrics.csv of the released
    models (dropout on)}; ``tasks``: the optional tasks this profile built (a claim whose ``requires``
    is not among them is "not run"); ``task_metrics``: {task: {experiment: [per-seed metrics files of
    the task]}} (e.g. shock_position), tasks in their own right. ``smoke``: every verdict reads
    "smoke: not meaningful".
    """
    task_metrics = dict(task_metrics or {})
    tasks = set(tasks) | set(task_metrics)
    rows = []
    for claim in load_claims(claims_path):
        requires = claim.get("requires")
        if requires and requires not in tasks:
            per_seed, note = [], f"the {requires} task is not built yet"
        else:
            per_seed, note = _seed_values(claim, probconserv, boon, t_stars, task_metrics), ""
        judged = judge_claim(claim, per_seed, smoke=smoke)
        shown = np.array(judged.shown)
        rows.append({
            "id": claim["id"], "paper": claim["paper"], "experiment": claim["experiment"], "claim": claim["claim"],
            "paper_value": str(claim.get("paper_value", "")),
            "released": "" if requires else _released_text(claim, released or {}, t_stars),
            "ours_mean": float(shown.mean()) if shown.size else np.nan,
            "ours_sd": float(shown.std(ddof=1)) if shown.size > 1 else np.nan,
            "n_seeds": judged.n_seeds, "n_pass": int(sum(judged.passed)), "verdict": judged.verdict,
            "test": describe_test(claim["test"]), "source": claim.get("source", ""),
            "note": note or judged.reason,
        })
    return pd.DataFrame(rows, columns=COLUMNS)


def _ours_text(row: pd.Series) -> str:
    if not row["n_seeds"]:
        return "–"
    text = f"{row['ours_mean']:.3g}"
    if np.isfinite(row["ours_sd"]):
        text += f" ± {row['ours_sd']:.2g}"
    return f"{text} ({row['n_pass']}/{row['n_seeds']} seeds hold)"


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The human-readable scorecard: claim, paper, released models, ours (mean ± sd over seeds), verdict."""
    return pd.DataFrame({
        "Claim": frame["id"], "Experiment": frame["experiment"], "What the paper claims": frame["claim"],
        "Paper": frame["paper_value"], "Released models": frame["released"].replace("", "–"),
        "Ours": frame.apply(_ours_text, axis=1), "Verdict": frame["verdict"], "Test": frame["test"],
    })


def rst_table(shown: pd.DataFrame, title: str) -> str:
    """``shown`` as a reStructuredText list-table (for the report's front page)."""
    def cell(value: object) -> str:
        return " ".join(str(value).split()).replace("*", "\\*").replace("|", "\\|") or "–"

    lines = [f".. list-table:: {title}", "   :header-rows: 1", ""]
    for row in [list(shown.columns)] + shown.astype(str).values.tolist():
        lines.append(f"   * - {cell(row[0])}")
        lines += [f"     - {cell(value)}" for value in row[1:]]
    return "\n".join(lines) + "\n"


def write_scorecard(frame: pd.DataFrame, *, caption: str, out_csv: str | Path, out_md: str | Path,
                    out_tex: str | Path, out_rst: str | Path | None = None) -> None:
    """Write the scorecard as CSV (``COLUMNS``), Markdown (caption, table, notes), LaTeX and RST."""
    shown = display_frame(frame)
    if out_rst is not None:  # the report's front page: the compact columns (the full table is in its category)
        compact = shown[["Claim", "Verdict", "Paper", "Released models", "Ours"]]
        write_text_atomic(out_rst, rst_table(compact, "Reproduction scorecard (details: 1. Scorecard)"))
    write_text_atomic(out_csv, frame.to_csv(index=False))
    notes = "\n".join(f"- {i}: {n}" for i, n in zip(frame["id"], frame["note"]) if n)
    md = f"{caption}\n\n{shown.to_markdown(index=False)}\n" + (f"\nNotes:\n{notes}\n" if notes else "")
    write_text_atomic(out_md, md)
    tex = shown.map(lambda v: tex_escape(str(v))).rename(columns=tex_escape)
    write_text_atomic(out_tex, tex.style.hide(axis="index").to_latex(
        environment="table", caption=tex_escape(caption), label="tab:scorecard", hrules=True,
        position_float="centering", column_format="l" * tex.shape[1]))


def scorecard_figure(frame: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars: fraction of seeds on which each claim holds, coloured by verdict."""
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(8.0, 0.35 * len(frame) + 1.4))
        ax = fig.add_subplot()
        y = np.arange(len(frame))[::-1]
        frac = np.where(frame["n_seeds"] > 0, frame["n_pass"] / frame["n_seeds"].clip(lower=1), 0.0)
        colours = [VERDICT_COLOURS.get(v.split(" (")[0], "#000000") for v in frame["verdict"]]
        ax.barh(y, frac, color=colours)
        for yi, (verdict, n) in zip(y, zip(frame["verdict"], frame["n_seeds"])):
            ax.text(1.02, yi, verdict if n else NOT_RUN, va="center", fontsize=7)
        ax.set_yticks(y, frame["id"], fontsize=7)
        ax.set_xlim(0, 1.9)
        ax.set_xticks([0, 0.5, 1.0])
        ax.set_xlabel("fraction of training seeds on which the claim holds")
        ax.set_title(title, fontsize=9)
        fig.tight_layout()
    return fig


def make_scorecard(claims_path: str | Path, *, probconserv: Mapping[str, Sequence[str]],
                   boon: Mapping[str, Sequence[str]], t_stars: Mapping[str, float], caption: str,
                   out_csv: str | Path, out_md: str | Path, out_tex: str | Path, out_png: str | Path,
                   out_pdf: str | Path, out_caption: str | Path, out_rst: str | Path | None = None,
                   released: Mapping[str, str] | None = None, tasks: Sequence[str] = (),
                   task_metrics: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
                   smoke: bool = False) -> pd.DataFrame:
    """Build, write and plot the scorecard; returns the frame (see ``build_scorecard``)."""
    frame = build_scorecard(claims_path, probconserv=probconserv, boon=boon, t_stars=t_stars,
                            released=released, tasks=tasks, task_metrics=task_metrics, smoke=smoke)
    write_scorecard(frame, caption=caption, out_csv=out_csv, out_md=out_md, out_tex=out_tex, out_rst=out_rst)
    save_figure(scorecard_figure(frame, "Reproduction scorecard"), out_png, out_pdf)
    write_text_atomic(out_caption, caption + "\n")
    return frame
