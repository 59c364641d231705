"""The combined main-text table of ProbConserv (spec §6.6): one column group per experiment at its
representative parameter value, rows the methods, cells CE, LL, MSE as "mean (SE)".

Reads the long-format CSVs that ``make_results_table`` writes (``tables/probconserv_<experiment>.csv``),
so every number is the one of the per-experiment table (reproduced rows only).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pcml.outputs.style import display_name, ordered, param_label, write_text_atomic
from pcml.outputs.tables import CE_POWER, format_cell, metric_header, mse_power, read_checked_csv

TABLE_COLUMNS = ("method", "param_name", "param", "t", "metric", "mean", "se", "source")


def make_combined_table(tables: dict[str, str | Path], params: dict[str, float], *, caption: str,
                        out_csv: str | Path, out_md: str | Path) -> pd.DataFrame:
    """Write the combined table; ``tables`` maps experiment -> its table CSV, ``params`` the value shown.

    Returns the displayed table (index: method display names; columns: (experiment group, metric)).
    Raises ValueError when a parameter value is not in its experiment's table.
    """
    rows, long = {}, []
    for experiment, path in tables.items():
        frame = read_checked_csv(path, TABLE_COLUMNS, "results table")
        frame = frame[frame["source"] == "reproduced"]
        part = frame[np.isclose(frame["param"], float(params[experiment]))]
        if part.empty:
            raise ValueError(f"{path}: no rows for {params[experiment]} (values: {sorted(set(frame['param']))})")
        long.append(part.assign(experiment=experiment))
        group = f"{experiment} ({param_label(str(part['param_name'].iloc[0]), float(params[experiment]))}, t = {part['t'].iloc[0]:g})"
        for metric in ("ce", "ll", "mse"):
            values = part[part["metric"] == metric].set_index("method")
            power = CE_POWER if metric == "ce" else (0 if metric == "ll" else mse_power(values["mean"].to_numpy(float)))
            header = (group, metric_header(metric, power))
            for method in ordered(values.index):
                rows.setdefault(method, {})[header] = format_cell(values.loc[method, "mean"], values.loc[method, "se"],
                                                                  10.0**power)
    methods = ordered(rows)
    columns = list(dict.fromkeys(h for r in rows.values() for h in r))
    table = pd.DataFrame([[rows[m].get(c, "–") for c in columns] for m in methods],
                         index=pd.Index([display_name(m) for m in methods], name="Model"),
                         columns=pd.MultiIndex.from_tuples(columns))
    write_text_atomic(out_csv, pd.concat(long, ignore_index=True).to_csv(index=False))
    md = table.copy()
    md.columns = [f"{g}: {m}" for g, m in table.columns]
    write_text_atomic(out_md, f"{caption}\n\n{md.to_markdown(colalign=['left'] + ['right'] * md.shape[1])}\n\n"
                      "Cells: mean (SE), the numbers of the per-experiment tables.\n")
    return table
