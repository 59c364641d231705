"""Registry of figure kinds: a config block names a kind, this maps it to a plot function."""

from __future__ import annotations

from pcml.outputs.figures import plot_mass_over_time, plot_solution_profiles
from pcml.outputs.overview_figures import plot_mse_over_time, plot_overlaid_profiles
from pcml.outputs.style import write_text_atomic


def _mass_over_time(truth, predictions, fig, out_png, out_pdf, title):
    plot_mass_over_time(truth, predictions, param_value=fig["param"], out_png=out_png, out_pdf=out_pdf,
                        title=title)


def _solution_profiles(truth, predictions, fig, out_png, out_pdf, title):
    plot_solution_profiles(truth, predictions, param_value=fig["param"], t=fig["t"], f_id=fig.get("f_id", 1),
                           out_png=out_png, out_pdf=out_pdf, xlim=fig.get("xlim"), title=title)


def _error_profiles(truth, predictions, fig, out_png, out_pdf, title):
    plot_solution_profiles(truth, predictions, param_value=fig["param"], t=fig["t"], f_id=fig.get("f_id", 1),
                           out_png=out_png, out_pdf=out_pdf, xlim=fig.get("xlim"), title=title, error=True)


def _overlaid_profiles(truth, predictions, fig, out_png, out_pdf, title):
    plot_overlaid_profiles(truth, predictions, param_value=fig["param"], t=fig["t"], f_id=fig.get("f_id", 1),
                           out_png=out_png, out_pdf=out_pdf, xlim=fig.get("xlim"), title=title)


def _mse_over_time(truth, predictions, fig, out_png, out_pdf, title):
    plot_mse_over_time(truth, predictions, param_value=fig["param"], out_png=out_png, out_pdf=out_pdf,
                       tlim=fig.get("tlim"), title=title)


FIGURE_KINDS = {"mass_over_time": _mass_over_time, "solution_profiles": _solution_profiles,
                "error_profiles": _error_profiles, "overlaid_profiles": _overlaid_profiles,
                "mse_over_time": _mse_over_time}



def plot_configured_figure(figure: dict, truth: str, predictions: dict[str, str], out_png: str, out_pdf: str,
                           title: str | None = None, caption: str | None = None,
                           out_caption: str | None = None) -> None:
    """Draw the figure described by a config block (``kind`` plus the kind's settings).

    ``caption`` (with the profile's departures from the paper) goes to ``out_caption``.
    """
    try:
        plot = FIGURE_KINDS[figure["kind"]]
    except KeyError:
        raise ValueError(f"unknown figure kind {figure.get('kind')!r}; known: {sorted(FIGURE_KINDS)}") from None
    plot(truth, predictions, figure, out_png, out_pdf, title)
    if out_caption is not None:
        write_text_atomic(out_caption, (caption or "") + "\n")
