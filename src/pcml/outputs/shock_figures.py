"""Shock-position histograms (ProbConserv F-STEF-2, F-ADV-1): one panel per method and parameter value."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pcml.outputs.figures import save_figure  # noqa: E402
from pcml.outputs.style import colour, display_name, ordered, param_label, plot_rc, write_text_atomic  # noqa: E402

BINS = 15


def shock_histogram_figure(positions: pd.DataFrame):
    """Rows: parameter values; columns: methods (papers' order); 15-bin histograms, true front as a line."""
    methods = ordered(positions["method"].unique())
    param_name = str(positions["param_name"].iloc[0]) if "param_name" in positions else "param"
    params = np.unique(positions["param"].to_numpy(float))
    lo, hi = positions["position"].min(), positions["position"].max()
    lo, hi = min(lo, positions["true_front"].min()), max(hi, positions["true_front"].max())
    edges = np.linspace(lo, hi + 1e-12, BINS + 1)
    with plt.rc_context(plot_rc()):
        fig, axes = plt.subplots(len(params), len(methods), figsize=(2.2 * len(methods), 1.9 * len(params)),
                                 squeeze=False, sharex=True, constrained_layout=True)
        for r, value in enumerate(params):
            for c, method in enumerate(methods):
                ax = axes[r][c]
                part = positions[(positions["method"] == method) & np.isclose(positions["param"], value)]
                ax.hist(part["position"], bins=edges, color=colour(method), alpha=0.8)
                ax.axvline(float(part["true_front"].iloc[0]), color="black", linewidth=1.2, label="True shock")
                if r == 0:
                    ax.set_title(display_name(method), fontsize=8)
                if c == 0:
                    ax.set_ylabel(f"{param_label(param_name, value)}\nCount")
                if r == len(params) - 1:
                    ax.set_xlabel("Shock position")
        axes[0][-1].legend(fontsize=7, loc="upper right")
    return fig


def plot_shock_histograms(positions_csv: str | Path, *, out_png: str | Path, out_pdf: str | Path,
                          out_caption: str | Path, caption: str) -> None:
    """Draw the histograms of ``positions_csv`` (method, param, sample, position, true_front)."""
    positions = pd.read_csv(positions_csv)
    missing = {"method", "param", "position", "true_front"} - set(positions.columns)
    if missing:
        raise ValueError(f"{positions_csv}: missing columns {sorted(missing)}")
    fig = shock_histogram_figure(positions)
    save_figure(fig, out_png, out_pdf)
    plt.close(fig)
    write_text_atomic(out_caption, caption + "\n")
