"""Results tables of ProbConserv (spec §6): CE, LL and MSE at t* per method and parameter value.

Built only from ``metrics.csv`` (long format, written by the evaluation stage) and, optionally,
a CSV of numbers quoted from the paper. Layout (spec §6): rows = methods in the papers' order,
column groups = test parameter values, columns = CE ×10⁻³, LL, MSE ×10^p (p per group so that
entries are O(1)); cells "mean (SE)" over the test functions of the parameter value.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from pcml.evaluation.metrics import combine_seeds
from pcml.outputs.style import METHODS, display_name, ordered, param_label, tex_escape, write_text_atomic

log = logging.getLogger(__name__)

METRICS = ("ce", "ll", "mse")
METRICS_COLUMNS = ("method", "param_name", "param", "t", "metric", "mean", "sd", "se", "n")
PAPER_COLUMNS = ("experiment", "method", "param_name", "param", "metric", "mean", "se", "source_note")
LONG_COLUMNS = [*METRICS_COLUMNS, "source", "source_note"]
MISSING = "–"
CE_POWER = -3
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def metric_header(metric: str, power: int, *, latex: bool = False) -> str:
    """Column header of ``metric`` scaled by 10^power, e.g. ``"MSE ×10⁻⁴"`` or ``"MSE ($\\times 10^{-4}$)"``."""
    name = metric.upper()
    if power == 0:
        return name
    return f"{name} ($\\times 10^{{{power}}}$)" if latex else f"{name} ×10{str(power).translate(_SUPERSCRIPT)}"


def mse_power(values: np.ndarray) -> int:
    """Power p such that the largest |value| / 10^p lies in [1, 10); 0 if there is no finite non-zero value."""
    values = np.abs(np.asarray(values, dtype=float))
    values = values[np.isfinite(values) & (values > 0)]
    return int(math.floor(math.log10(values.max()))) if values.size else 0


def format_number(value: float) -> str:
    """``value`` with two decimals; ``"–"`` if not finite; a rounded zero never shows a minus sign."""
    if not np.isfinite(value):
        return MISSING
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text


def format_cell(mean: float, se: float, scale: float) -> str:
    """Cell text ``"mean (SE)"`` of raw values divided by ``scale``; ``"mean"`` alone if SE is missing."""
    if not np.isfinite(mean):
        return MISSING
    text = format_number(mean / scale)
    return text if not np.isfinite(se) else f"{text} ({format_number(se / scale)})"


def read_checked_csv(path: str | Path, columns: tuple[str, ...], what: str) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{what} not found: {path}")
    df = pd.read_csv(path)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{what} {path} lacks column(s) {missing}")
    return df


def select_time(metrics: pd.DataFrame, t_star: float, source: str = "metrics.csv") -> pd.DataFrame:
    """Rows of ``metrics`` at the grid time closest to ``t_star``; ValueError if none is np.isclose to it."""
    times = np.unique(metrics["t"].to_numpy(dtype=float))
    if times.size == 0:
        raise ValueError(f"{source} has no rows")
    nearest = times[np.argmin(np.abs(times - t_star))]
    if not np.isclose(nearest, t_star):
        raise ValueError(f"t* = {t_star} is not a grid time of {source} "
                         f"(times range over [{times.min():g}, {times.max():g}], {times.size} values)")
    return metrics[metrics["t"] == nearest]


def _read_paper(paper_csv, experiment: str, param_name: str, params: np.ndarray) -> pd.DataFrame:
    """Paper rows of ``experiment`` matched to the table's parameter values (``param`` snapped onto them)."""
    if not paper_csv:
        return pd.DataFrame(columns=list(PAPER_COLUMNS))
    paper = read_checked_csv(paper_csv, PAPER_COLUMNS, "paper-numbers CSV")
    paper = paper[paper["experiment"] == experiment].copy()
    if paper.empty:
        return paper
    ordered(paper["method"])  # ValueError on an unknown method key
    bad_metric = sorted(set(paper["metric"]) - set(METRICS))
    if bad_metric:
        raise ValueError(f"paper-numbers CSV {paper_csv}: unknown metric(s) {bad_metric}; known: {list(METRICS)}")
    bad_name = sorted(set(paper["param_name"]) - {param_name})
    if bad_name:
        raise ValueError(f"paper-numbers CSV {paper_csv}: parameter name(s) {bad_name} for experiment "
                         f"{experiment!r}, but metrics.csv uses {param_name!r}")
    matched = []
    for value in paper["param"].to_numpy(dtype=float):
        hit = params[np.isclose(params, value)]
        matched.append(hit[0] if hit.size else np.nan)
    paper["param"] = matched
    unmatched = paper["param"].isna()
    if unmatched.any():
        log.warning("paper-numbers CSV %s: %d row(s) of %s at parameter values not in the table %s; dropped",
                    paper_csv, int(unmatched.sum()), experiment, list(params))
        paper = paper[~unmatched]
    if paper.duplicated(["method", "param", "metric"]).any():
        raise ValueError(f"paper-numbers CSV {paper_csv}: duplicate (method, param, metric) rows for {experiment!r}")
    return paper


def _long_table(selected: pd.DataFrame, paper: pd.DataFrame, t_value: float) -> pd.DataFrame:
    """The long-format CSV content: reproduced rows then paper rows, with a ``source`` column."""
    reproduced = selected.loc[:, list(METRICS_COLUMNS)].assign(source="reproduced", source_note="")
    paper_long = paper.assign(t=t_value, sd=np.nan, n=np.nan, source="paper").reindex(columns=LONG_COLUMNS)
    frames = [f for f in (reproduced, paper_long) if not f.empty]
    long = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    order = {m: i for i, m in enumerate(METHODS)}
    long = long.assign(_m=long["method"].map(order), _k=long["metric"].map(METRICS.index),
                       _s=(long["source"] == "paper").astype(int))
    long = long.sort_values(["_m", "_s", "param", "_k"], kind="stable").drop(columns=["_m", "_k", "_s"])
    return long.astype({"n": "Int64"})[LONG_COLUMNS].reset_index(drop=True)


def _rows(long: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(row label, method, source) of every table row: each method, its paper row right below it."""
    rows = []
    for method in ordered(long["method"]):
        for source in ("reproduced", "paper"):
            if ((long["method"] == method) & (long["source"] == source)).any():
                suffix = " (paper)" if source == "paper" else ""
                rows.append((display_name(method) + suffix, method, source))
    return rows


def _build(long: pd.DataFrame, param_name: str, params: np.ndarray):
    """Cell texts, bold mask, and plain/LaTeX column labels of the table."""
    rows = _rows(long)
    index = {(m, s, float(p), k): (mu, se) for m, s, p, k, mu, se in
             long[["method", "source", "param", "metric", "mean", "se"]].itertuples(index=False)}
    texts, bold, plain_cols, tex_cols = [], [], [], []
    for value in params:
        rep = long[(long["source"] == "reproduced") & (long["param"] == value) & (long["metric"] == "mse")]
        powers = {"ce": CE_POWER, "ll": 0, "mse": mse_power(rep["mean"].to_numpy())}
        for metric in METRICS:
            scale = 10.0 ** powers[metric]
            plain_cols.append((param_label(param_name, value), metric_header(metric, powers[metric])))
            tex_cols.append((param_label(param_name, value, latex=True),
                             metric_header(metric, powers[metric], latex=True)))
            cells = [index.get((m, s, float(value), metric), (np.nan, np.nan)) for _, m, s in rows]
            texts.append([format_cell(mu, se, scale) for mu, se in cells])
            # best among reproduced rows, judged on the displayed (rounded) values so ties all show bold
            shown = np.array([round(mu / scale, 2) if s == "reproduced" and np.isfinite(mu) else np.nan
                              for (mu, _), (_, _, s) in zip(cells, rows)])
            score = {"ce": np.abs(shown), "ll": -shown, "mse": shown}[metric]
            best = np.nanmin(score) if np.isfinite(score).any() else np.nan
            bold.append(list(np.isfinite(score) & (score == best)))
    labels = [r[0] for r in rows]
    return labels, np.array(texts, dtype=object).T, np.array(bold, dtype=bool).T, plain_cols, tex_cols


def make_results_table(metrics_csv: str | Path | list[str | Path], *, experiment: str, t_star: float, methods: list[str],
                       caption: str, out_csv: str | Path, out_md: str | Path, out_tex: str | Path,
                       paper_csv: str | Path | None = None) -> pd.DataFrame:
    """Write the results table of one experiment at t = ``t_star`` as CSV, Markdown and LaTeX.

    ``metrics_csv``: one metrics file, or one per training seed; with several, each cell is the mean
    over seeds of the per-seed means, with its SE over seeds (``combine_seeds``).

    ``out_csv``: the long format at t* (columns ``LONG_COLUMNS``; ``source`` is "reproduced" or "paper",
    raw units). ``out_md``: caption line, a Markdown table, and a note on scales, bold and paper rows.
    ``out_tex``: a LaTeX ``table`` environment with ``\\caption``. Bold = best reproduced value per column
    (lowest |CE|, highest LL, lowest MSE, compared as displayed). Paper rows ("<name> (paper)") sit below
    their method, in the parameter group the paper reports; other groups show "–".
    Returns the displayed table: index = row labels, columns = (parameter label, metric header), str cells.
    Raises ValueError for an unknown method, a method absent from ``metrics_csv``, or t* not on its grid.
    """
    methods = ordered(methods)
    if not methods:
        raise ValueError("make_results_table: no methods given")
    paths = [metrics_csv] if isinstance(metrics_csv, (str, Path)) else list(metrics_csv)
    frames = [read_checked_csv(path, METRICS_COLUMNS, "metrics file") for path in paths]
    metrics = combine_seeds(frames, ["method", "param_name", "param", "t", "metric"]) if frames else None
    if metrics is None:
        raise ValueError("make_results_table: no metrics files given")
    metrics_csv = paths[0] if len(paths) == 1 else f"{len(paths)} per-seed metrics files ({paths[0]}, ...)"
    absent = [m for m in methods if m not in set(metrics["method"])]
    if absent:
        raise ValueError(f"method(s) {absent} not in {metrics_csv} (it has {sorted(set(metrics['method']))})")
    metrics = metrics[metrics["method"].isin(methods) & metrics["metric"].isin(METRICS)]
    selected = select_time(metrics, t_star, str(metrics_csv))
    param_names = sorted(set(selected["param_name"]))
    if len(param_names) != 1:
        raise ValueError(f"{metrics_csv}: expected one parameter name, found {param_names}")
    param_name = param_names[0]
    params = np.unique(selected["param"].to_numpy(dtype=float))
    t_value = float(selected["t"].iloc[0])

    paper = _read_paper(paper_csv, experiment, param_name, params)
    long = _long_table(selected, paper, t_value)
    labels, texts, bold, plain_cols, tex_cols = _build(long, param_name, params)

    table = pd.DataFrame(texts, index=pd.Index(labels, name="Model"),
                         columns=pd.MultiIndex.from_tuples(plain_cols))
    write_text_atomic(out_csv, long.to_csv(index=False))
    write_text_atomic(out_md, _markdown(table, bold, caption, bool(len(paper))))
    write_text_atomic(out_tex, _latex(texts, bold, labels, tex_cols, caption, experiment))
    return table


def _markdown(table: pd.DataFrame, bold: np.ndarray, caption: str, has_paper: bool) -> str:
    md = table.copy()
    md.columns = [f"{group}: {metric}" for group, metric in table.columns]
    md = md.mask(pd.DataFrame(bold, index=md.index, columns=md.columns), "**" + md + "**")
    notes = ["Cells: mean (SE); scales are stated in the column headers. Bold: best reproduced value per column "
             "(lowest |CE|, highest LL, lowest MSE)."]
    if has_paper:
        notes.append("Rows marked (paper) are numbers quoted from the paper, not reproduced; "
                     f"{MISSING} = the paper gives no number for that parameter value.")
    return f"{caption}\n\n{md.to_markdown(colalign=['left'] + ['right'] * md.shape[1])}\n\n" + "\n".join(notes) + "\n"


def _latex(texts: np.ndarray, bold: np.ndarray, labels: list[str], tex_cols: list[tuple[str, str]],
           caption: str, experiment: str) -> str:
    cells = np.vectorize(lambda s: "--" if s == MISSING else s, otypes=[object])(texts)
    frame = pd.DataFrame(cells, index=[tex_escape(label) for label in labels],
                         columns=pd.MultiIndex.from_tuples(tex_cols))
    styler = frame.style.apply(lambda _: np.where(bold, "font-weight: bold;", ""), axis=None)
    return styler.to_latex(environment="table", caption=tex_escape(caption), label=f"tab:probconserv-{experiment}",
                           position_float="centering", hrules=True, multicol_align="c", convert_css=True,
                           column_format="l" + "c" * frame.shape[1])
