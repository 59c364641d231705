"""F-GPME (ProbConserv appendix, spec §7.1): exact solution profiles u(t, x) of the three GPME problems
at several times, from the closed forms of ``pcml.problems`` (no data, no model)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from pcml.outputs.figures import save_figure  # noqa: E402
from pcml.outputs.style import param_label, plot_rc, write_text_atomic  # noqa: E402
from pcml.problems.registry import get_problem  # noqa: E402

PANELS = (("diffusion", 1.0, "easy"), ("pme", 3.0, "medium"), ("stefan", 0.6, "hard"))  # spec §7.1 F-GPME


def exact_solutions_figure(panels=PANELS, n_times: int = 5, n_x: int = 401):
    """One panel per (experiment, parameter, label): u(t, x) at ``n_times`` times evenly spread over
    (t0, t1] of the problem, coloured from light (early) to dark (late)."""
    with plt.rc_context(plot_rc()):
        fig, axes = plt.subplots(1, len(panels), figsize=(3.6 * len(panels), 3.0), constrained_layout=True)
        for ax, (name, value, label) in zip(np.atleast_1d(axes), panels):
            problem = get_problem(name)
            x = np.linspace(*problem.x_range, n_x)
            t0, t1 = problem.t_range
            times = t0 + (t1 - t0) * np.arange(1, n_times + 1) / n_times
            colours = plt.cm.viridis(np.linspace(0.85, 0.1, n_times))
            for t, c in zip(times, colours):
                ax.plot(x, problem.solution(np.full_like(x, t), x, value), color=c, label=f"t = {t:g}")
            ax.set_title(f"{label}: {name} ({param_label(problem.param_name, value)})")
            ax.set_xlabel("x")
            ax.legend(fontsize=7)
        np.atleast_1d(axes)[0].set_ylabel("u(t, x)")
    return fig


def plot_exact_solutions(*, out_png: str | Path, out_pdf: str | Path, out_caption: str | Path, caption: str) -> None:
    """Draw F-GPME and write its caption."""
    fig = exact_solutions_figure()
    save_figure(fig, out_png, out_pdf)
    plt.close(fig)
    write_text_atomic(out_caption, caption + "\n")
