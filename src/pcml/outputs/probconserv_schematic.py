"""F0 (ProbConserv README/paper schematic, spec §7.1): the two steps of ProbConserv as a static diagram.

Step 1, "Attentive Neural Process θ", takes the context D = {(t_i, x_i, u_i)} and the targets (t_j, x_j)
and returns the predictive mean μ and covariance Σ; step 2, "Probabilistic constraint G, b, σ_G", returns
the updated μ̃, Σ̃. Drawn with matplotlib patches; no data.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

import matplotlib.pyplot as plt
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, write_text_atomic

__all__ = ["BOXES", "INPUTS", "OUTPUTS", "schematic_figure", "plot_schematic"]

# (x, y, width, height) in axes units, title, body
BOXES = (
    ((0.30, 0.30, 0.20, 0.40), "Step 1", "Attentive Neural\nProcess θ"),
    ((0.62, 0.30, 0.20, 0.40), "Step 2", "Probabilistic\nconstraint\nG, b, σ_G"),
)
INPUTS = ("Targets\n(t₁, x₁), …, (t_N, x_N)", "Context D =\n{(tᵢ, xᵢ, uᵢ)}, i = 1..N_D")
OUTPUTS = ("μ, Σ", "μ̃, Σ̃")


def schematic_figure() -> Figure:
    """The F0 diagram: two rounded boxes, the inputs on the left, μ, Σ between the boxes, μ̃, Σ̃ on the right."""
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(9.0, 3.0))
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        for (x, y, w, h), head, body in BOXES:
            ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.01", facecolor="#EEF3FB",
                                        edgecolor="#2C5AA0", linewidth=1.5))
            ax.text(x + w / 2, y + h - 0.06, head, ha="center", va="top", fontsize=10, fontweight="bold")
            ax.text(x + w / 2, y + h / 2 - 0.04, body, ha="center", va="center", fontsize=10)

        def arrow(start, end):
            ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, linewidth=1.3,
                                         color="#333333"))

        (x1, y1, w1, h1), _, _ = BOXES[0]
        (x2, y2, w2, h2), _, _ = BOXES[1]
        for text, y in zip(INPUTS, (0.62, 0.38)):
            ax.text(0.01, y, text, ha="left", va="center", fontsize=8.5)
            arrow((0.24, y), (x1 - 0.005, y))
        arrow((x1 + w1 + 0.005, y1 + h1 / 2), (x2 - 0.005, y2 + h2 / 2))
        ax.text((x1 + w1 + x2) / 2, y1 + h1 / 2 + 0.05, OUTPUTS[0], ha="center", va="bottom", fontsize=10)
        arrow((x2 + w2 + 0.005, y2 + h2 / 2), (0.97, y2 + h2 / 2))
        ax.text((x2 + w2 + 0.97) / 2, y2 + h2 / 2 + 0.05, OUTPUTS[1], ha="center", va="bottom", fontsize=10)
    return fig


def plot_schematic(*, out_png: str | Path, out_pdf: str | Path, out_caption: str | Path, caption: str) -> None:
    """Draw F0 and write its caption."""
    save_figure(schematic_figure(), out_png, out_pdf)
    write_text_atomic(out_caption, caption + "\n")
