"""The two static schematics of the BOON paper (spec boon.md §6.3), drawn with matplotlib patches.

- :func:`rod_schematic_figure`: centre of Fig. 1, a rod on [0, 1] with a hatched insulator at x = 0 and a
  heater at x = 1, a dashed temperature profile u(x, t) and the Neumann annotations
  du/dx|_{x=0} = alpha_N(0, t) = 0 and du/dx|_{x=1} = alpha_N(1, t).
- :func:`operator_schematic_figure`: the operator picture (``operator_bdy.png``): input space A mapped into
  the solution space U, which holds the boundary-satisfying subset U_bdy (with its boundary dU drawn);
  T lands outside U_bdy with E_bdy(T), the corrected T~ inside with E_bdy(T~) -> 0.
:func:`plot_schematic` writes either by name (PNG + PDF, atomically). No data: the pictures are fixed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle

from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc

__all__ = ["rod_schematic_figure", "operator_schematic_figure", "SCHEMATICS", "plot_schematic"]

BOON_RED = "#8B0000"
T_BLUE = "#1F4E9B"


def _profile(x: np.ndarray) -> np.ndarray:
    """An illustrative temperature with zero slope at x = 0 and a positive slope at x = 1 (drawn dashed)."""
    return 0.35 + 0.25 * x ** 2


def rod_schematic_figure() -> Figure:
    """Fig. 1 centre: hatched insulator at x = 0, heater at x = 1, dashed u(x, t) above the rod, annotations.

    The dashed line is an illustrative profile with du/dx(0) = 0 (insulated) and du/dx(1) > 0 (heated end).
    """
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(6.0, 3.0), layout="constrained")
        ax = fig.subplots()
        ax.add_patch(Rectangle((0.0, 0.0), 1.0, 0.12, facecolor="#D9D9D9", edgecolor="0.2", label="rod"))
        ax.add_patch(Rectangle((-0.09, -0.04), 0.09, 0.20, facecolor="white", edgecolor="0.2", hatch="///",
                               label="insulator"))
        ax.add_patch(Rectangle((1.0, -0.04), 0.09, 0.20, facecolor="#F4A261", edgecolor=BOON_RED, label="heater"))
        ax.text(-0.045, -0.09, "insulator", ha="center", va="top", fontsize="small")
        ax.text(1.045, -0.09, "heater", ha="center", va="top", fontsize="small")
        x = np.linspace(0.0, 1.0, 101)
        ax.plot(x, 0.2 + _profile(x), linestyle="--", color="black", linewidth=1.4)
        ax.text(0.5, 0.2 + _profile(np.array(0.5)) + 0.04, "u(x, t)", ha="center", va="bottom")
        ax.annotate(r"$\partial u/\partial x|_{x=0} = \alpha_N(0,t) = 0$", xy=(0.0, 0.55), xytext=(0.02, 0.9),
                    fontsize="small", arrowprops={"arrowstyle": "->", "color": "0.3"})
        ax.annotate(r"$\partial u/\partial x|_{x=1} = \alpha_N(1,t)$", xy=(1.0, 0.8), xytext=(0.55, 1.0),
                    fontsize="small", arrowprops={"arrowstyle": "->", "color": "0.3"})
        for xv in (0.0, 1.0):
            ax.text(xv, -0.2, f"x = {xv:g}", ha="center", va="top", fontsize="small")
        ax.set_xlim(-0.15, 1.15)
        ax.set_ylim(-0.3, 1.1)
        ax.set_aspect("auto")
        ax.axis("off")
        ax.set_title("Heat equation on a rod with Neumann boundary conditions", fontsize="medium")
    return fig


def operator_schematic_figure() -> Figure:
    """The operator picture: A -> U ⊃ U_bdy; T (black) lands outside U_bdy, T~ (blue) inside."""
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(6.5, 3.2), layout="constrained")
        ax = fig.subplots()
        ax.add_patch(Ellipse((0.18, 0.5), 0.26, 0.55, facecolor="#EDEDED", edgecolor="0.2", label="A"))
        ax.text(0.18, 0.83, r"input space $\mathcal{A}$", ha="center", va="bottom")
        ax.add_patch(Ellipse((0.72, 0.5), 0.46, 0.78, facecolor="#F2F2F2", edgecolor="0.2", label="U"))
        ax.text(0.72, 0.94, r"solution space $\mathcal{U}$", ha="center", va="bottom")
        ax.add_patch(Ellipse((0.76, 0.42), 0.22, 0.36, facecolor="#CFE0F5", edgecolor=T_BLUE, linewidth=1.8,
                             label="U_bdy"))
        ax.text(0.80, 0.30, r"$\mathcal{U}_{bdy}$", ha="center", va="center")
        ax.text(0.885, 0.22, r"$\partial\mathcal{U}_{bdy}$", ha="left", va="center", color=T_BLUE, fontsize="small")
        ax.plot([0.2], [0.5], marker="o", color="black", markersize=4)
        ax.text(0.2, 0.46, "a", ha="center", va="top")
        outside, inside = (0.66, 0.74), (0.72, 0.48)
        for end, colour, name in ((outside, "black", "T"), (inside, T_BLUE, "T~")):
            ax.add_patch(FancyArrowPatch((0.21, 0.5), end, connectionstyle="arc3,rad=-0.15" if colour == "black"
                                         else "arc3,rad=0.1", arrowstyle="-|>", mutation_scale=14, color=colour,
                                         linewidth=1.6, label=name))
            ax.plot([end[0]], [end[1]], marker="o", color=colour, markersize=4, label=f"{name} tip")
        ax.text(0.43, 0.74, r"$T$", color="black")
        ax.text(0.43, 0.43, r"$\tilde T$", color=T_BLUE)
        ax.text(0.58, 0.79, r"$\mathcal{E}_{bdy}(T)$", color="black", fontsize="small")
        ax.text(0.67, 0.40, r"$\mathcal{E}_{bdy}(\tilde T) \to 0$", color=T_BLUE, fontsize="small")
        ax.set_xlim(0.0, 1.0)
        ax.set_ylim(0.05, 1.0)
        ax.axis("off")
    return fig


SCHEMATICS = {"schematic_rod": rod_schematic_figure, "schematic_operator": operator_schematic_figure}


def plot_schematic(name: str, *, out_png: str | Path, out_pdf: str | Path) -> None:
    """Write the schematic ``name`` (a key of :data:`SCHEMATICS`) as PNG and PDF; ValueError if unknown."""
    if name not in SCHEMATICS:
        raise ValueError(f"unknown schematic {name!r}; known: {sorted(SCHEMATICS)}")
    save_figure(SCHEMATICS[name](), out_png, out_pdf)
