"""Static BOON tables (spec boon.md §6.2): Table 1 (the three BC types) and the hyper-parameter table.

- :func:`write_bc_types_table`: Table 1 of the paper, fixed text, as CSV, Markdown and LaTeX.
- :func:`hyperparameter_table` / :func:`write_hyperparameter_table`: one row per experiment of the
  config's ``boon.experiments`` blocks (dataset, BC type, methods, model, training settings, n_train/n_test),
  the appendix-style table of §4.1-4.2 for the settings the run actually used.
All files are written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from pcml.outputs.boon_methods import method_name
from pcml.outputs.style import tex_escape, write_text_atomic

__all__ = ["BC_TYPES", "bc_types_table", "write_bc_types_table", "hyperparameter_table",
           "write_hyperparameter_table", "TRAIN_COLUMNS"]

#: Table 1: (BC type, plain-text definition, LaTeX definition, experiments of the paper)
BC_TYPES: tuple[tuple[str, str, str, str], ...] = (
    ("Dirichlet", "u(x, t) = alpha_D(x, t), x in dOmega",
     r"$u(x,t) = \alpha_D(x,t),\ x \in \partial\Omega$",
     "Stokes' second problem, viscous Burgers, NS lid-driven cavity"),
    ("Neumann", "du/dn(x, t) = alpha_N(x, t), x in dOmega",
     r"$\frac{\partial u}{\partial n}(x,t) = \alpha_N(x,t),\ x \in \partial\Omega$", "heat equation, 2-D wave"),
    ("Periodic", "u(x_0, t) = u(x_{N-1}, t)", r"$u(x_0,t) = u(x_{N-1},t)$", "viscous Burgers (periodic)"),
)
#: training keys with their own column, in order (config key -> header); other keys go to "other"
TRAIN_COLUMNS: dict[str, str] = {"epochs": "epochs", "batch_size": "batch", "lr": "lr",
                                 "weight_decay": "weight decay", "scheduler_step": "StepLR step",
                                 "scheduler_gamma": "StepLR gamma"}


def _table_tex(table: pd.DataFrame, caption: str, label: str, tex_cells: Mapping[tuple[int, str], str] = {},
               note: str = "") -> str:
    """A booktabs ``table`` environment; cells escaped unless given verbatim in ``tex_cells``."""
    cols = list(table.columns)
    head = " & ".join(tex_escape(str(c)) for c in cols) + r" \\"
    body = [" & ".join(tex_cells.get((i, c), tex_escape(str(row[c]))) for c in cols) + r" \\"
            for i, (_, row) in enumerate(table.iterrows())]
    foot = [r"\par\smallskip", rf"{{\footnotesize {tex_escape(note)}}}"] if note else []
    return "\n".join([r"\begin{table}", r"\centering", rf"\caption{{{tex_escape(caption)}}}", rf"\label{{{label}}}",
                      r"\begin{tabular}{" + "l" * len(cols) + "}", r"\toprule", head, r"\midrule", *body,
                      r"\bottomrule", r"\end{tabular}", *foot, r"\end{table}"]) + "\n"


def _write(table: pd.DataFrame, *, caption: str, note: str, out_csv, out_md, out_tex,
           tex_cells: Mapping[tuple[int, str], str] = {}) -> None:
    md = f"{caption}\n\n{table.to_markdown(index=False)}\n" + (f"\n{note}\n" if note else "")
    write_text_atomic(out_csv, table.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, _table_tex(table, caption, f"tab:{Path(out_tex).stem}", tex_cells, note))


def bc_types_table() -> pd.DataFrame:
    """Table 1 as a frame: columns "BC type", "definition", "experiments"."""
    return pd.DataFrame([(name, text, exps) for name, text, _, exps in BC_TYPES],
                        columns=["BC type", "definition", "experiments"])


def write_bc_types_table(*, caption: str, out_csv: str | Path, out_md: str | Path, out_tex: str | Path) -> None:
    """Write Table 1 (:func:`bc_types_table`) as CSV, Markdown and LaTeX (math definitions in the .tex)."""
    table = bc_types_table()
    tex_cells = {(i, "definition"): tex for i, (_, _, tex, _) in enumerate(BC_TYPES)}
    _write(table, caption=caption, note="", out_csv=out_csv, out_md=out_md, out_tex=out_tex, tex_cells=tex_cells)


def _format(value) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    return str(value)


def _items(block: Mapping) -> str:
    return ", ".join(f"{k}={_format(v)}" for k, v in block.items())


def hyperparameter_table(config: Mapping) -> pd.DataFrame:
    """One row per experiment of ``config["boon"]["experiments"]`` (config order).

    Columns: experiment, dataset, BC type, methods (display names), model (its keys "k=v"), n_train, n_test,
    one column per :data:`TRAIN_COLUMNS` key ("–" where an experiment lacks it), and "other" (remaining
    train keys, "k=v"). ValueError naming the experiment if a block lacks dataset/bc_type/n_train/n_test/
    model/train/methods, or if the config has no ``boon.experiments``.
    """
    try:
        experiments = config["boon"]["experiments"]
    except (KeyError, TypeError):
        raise ValueError("the config has no boon.experiments blocks") from None
    if not experiments:
        raise ValueError("boon.experiments is empty")
    rows = []
    for name, exp in experiments.items():
        missing = [k for k in ("dataset", "bc_type", "methods", "n_train", "n_test", "model", "train") if k not in exp]
        if missing:
            raise ValueError(f"boon.experiments.{name} lacks {missing}")
        train = dict(exp["train"])
        row = {"experiment": name, "dataset": exp["dataset"], "BC type": exp["bc_type"],
               "methods": ", ".join(method_name(m) for m in exp["methods"]), "model": _items(exp["model"]),
               "n_train": int(exp["n_train"]), "n_test": int(exp["n_test"])}
        row.update({head: _format(train.pop(key)) if key in train else "–" for key, head in TRAIN_COLUMNS.items()})
        row["other"] = _items(train) or "–"
        rows.append(row)
    return pd.DataFrame(rows)


def write_hyperparameter_table(config: Mapping, *, caption: str, out_csv: str | Path, out_md: str | Path,
                               out_tex: str | Path) -> None:
    """Write :func:`hyperparameter_table` of ``config`` as CSV, Markdown and LaTeX, with a note on the columns."""
    note = ("model: the FNO keyword arguments of every method of the experiment (modes kept, channel width); "
            "training: Adam with the given lr and weight decay, StepLR (step in epochs, gamma), relative-L2 "
            "loss, last-epoch weights; n_train the first and n_test the last samples of the dataset.")
    _write(hyperparameter_table(config), caption=caption, note=note, out_csv=out_csv, out_md=out_md,
           out_tex=out_tex)
