"""Captions of the BOON §6 figures and static tables (spec boon.md §6.2-6.3).

Each function returns the figure's own sentences: what is drawn, from which seed and sample, how it is
aggregated, and which choices are the spec's [RECON] ones. The workflow appends the profile's departures
from the paper's settings (``boon_caption`` in workflow/rules/boon.smk).
"""

from __future__ import annotations

from collections.abc import Sequence

from pcml.outputs.boon_methods import method_name, method_order

__all__ = ["bc_types_caption", "hyperparameter_caption", "schematic_caption", "error_panels_caption",
           "sample_error_caption", "initial_condition_caption", "snapshots_caption", "error_steps_caption",
           "boundary_residual_caption"]


def _seed(seeds: Sequence[int]) -> str:
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    first = f"the models trained with seed {seeds[0]}"
    return first + (f", the first of the seeds {seeds}" if len(seeds) > 1 else "")


def _names(methods: Sequence[str]) -> str:
    return ", ".join(method_name(m) for m in method_order(methods))


def bc_types_caption() -> str:
    return ("BOON Table 1: the three boundary-condition types and the experiments that use each "
            "(dOmega the domain boundary, n its outward normal, x_0 and x_{N-1} the two ends of the grid).")


def hyperparameter_caption(profile: str) -> str:
    return (f"BOON hyper-parameters of every experiment of profile {profile} (appendix style, spec boon.md "
            "§4.1-4.2): the FNO sizes, the training settings and the train/test split, read from the config.")


def cost_caption(profile: str, threads: int) -> str:
    """Caption of the BOON cost table (spec boon.md §6.2, [RECON] layout) of ``profile``."""
    return (f"BOON cost per experiment, profile {profile} ([RECON] layout, spec boon.md §6.2: seconds per epoch and "
            "parameter counts, FNO vs BOON): measured on the machine that ran the training jobs, with "
            f"{threads} torch thread(s) per job, as a job's wall time over its epochs (the job's start-up and its "
            "one test-prediction pass spread over the epochs, as a notebook's per-epoch test pass is); jobs that ran side by side slowed each other, so the numbers vary "
            "from run to run (the table lives under benchmarks/, outside the manifest). The paper's own timings "
            "are V100 seconds per epoch at the paper's sizes; at another profile the sizes differ (see the "
            "hyper-parameter table).")


def schematic_caption(name: str) -> str:
    """Caption of ``schematic_rod`` (Fig. 1 centre) or ``schematic_operator``; ValueError for other names."""
    if name == "schematic_rod":
        return ("BOON Fig. 1 (centre), redrawn: a rod with an insulated end at x = 0 (hatched) and a heater at "
                "x = 1; the dashed line is an illustrative temperature u(x, t) with zero slope at the insulated "
                "end. Neumann conditions: du/dx at x = 0 is alpha_N(0, t) = 0, du/dx at x = 1 is alpha_N(1, t). "
                "A drawing, no data.")
    if name == "schematic_operator":
        return ("BOON operator schematic (operator_bdy.png), redrawn: an operator T maps the input space A into "
                "the solution space U, landing outside the subset U_bdy of functions that meet the boundary "
                "condition (boundary error E_bdy(T)); the BOON-corrected operator T~ lands inside U_bdy, "
                "E_bdy(T~) -> 0. A drawing, no data; the layout is the spec's [RECON] reading of the paper figure.")
    raise ValueError(f"unknown schematic {name!r}")


def error_panels_caption(experiment: str, *, methods: Sequence[str], seeds: Sequence[int], n_panels: int,
                         vmin: float, vmax: float, x_max: float) -> str:
    return (f"BOON Stokes figure, experiment {experiment}: {_names(methods)} predictions u(x, t) of the first "
            f"test sample at {n_panels} evenly spaced output steps, the first and the last included (1, 9, 17, 25 "
            f"of 25; columns, time to the right), from {_seed(seeds)}; x shown on [0, {x_max:g}]; each line is "
            f"coloured by its pointwise |u_pred - u_true| on a log scale from {vmin:g} to {vmax:g} (clipped there; a "
            "segment's colour is the mean of its two nodes). Inset (2nd column): a 4x zoom near x = 0 with the "
            "truth (solid), BOON-FNO (dotted) and FNO (dashed). The sample is the spec's [RECON] choice (the "
            "paper's panels show an unnamed test sample).")


def sample_error_caption(experiment: str, *, methods: Sequence[str], seeds: Sequence[int], multi_step: bool,
                         floor: float) -> str:
    when = "at the first and the last output time" if multi_step else "at the output time"
    return (f"BOON appendix-style figure [RECON: the paper's appendix figures were not seen], experiment "
            f"{experiment}: the first test sample {when}, truth (dashed) and the predictions of {_names(methods)} "
            f"from {_seed(seeds)}, and below |u_pred - u_true| against x on a log axis; values below {floor:g} "
            "(BOON-FNO's exact boundary nodes) are drawn at that floor (dotted line).")


def initial_condition_caption(experiment: str, *, label: str) -> str:
    return (f"BOON experiment {experiment}, panel (a): the input a ({label} at t = 0) of the first test sample.")


def snapshots_caption(experiment: str, *, methods: Sequence[str], seeds: Sequence[int], label: str) -> str:
    return (f"BOON experiment {experiment}, panel (b): {label} of the first test sample, ground truth and the "
            f"predictions of {_names(methods)} from {_seed(seeds)}, at the first and last output steps "
            "(filled contours, one colour range); the .gif animates every output step with one colour range over "
            "all steps. The paper's video shows ground truth and BOON only; the FNO panel is an addition.")


def error_steps_caption(experiment: str, *, methods: Sequence[str], seeds: Sequence[int], n_test: int,
                        sample_curves: bool) -> str:
    seeds = list(seeds)
    agg = (f"mean over the {n_test} test samples of each of the {len(seeds)} training seeds {seeds}, then the mean "
           "over the seeds with a band of +-1 SE across the seeds" if len(seeds) > 1
           else f"mean over the {n_test} test samples of one training run (seed {seeds[0]})")
    text = (f"BOON experiment {experiment}: relative L2 error per output step T (metric rel_l2_step<T>) of "
            f"{_names(methods)}; solid ':average' curves = {agg}.")
    if sample_curves:
        text += (f" Dashed ':sample' curves: the first test sample, {_seed(seeds)}; colours of the paper's NS video "
                 "(BOON dark/light blue, FNO dark red/salmon).")
    return text + " The seed aggregation is the suite's; the paper shows one run."


def boundary_residual_caption(experiment: str, *, bc_type: str, methods: Sequence[str], seeds: Sequence[int],
                              floor: float) -> str:
    what = {"dirichlet": "|u_pred - u_true| on the wall nodes (the Dirichlet data are the target's boundary "
                         "values)",
            "neumann": "|D u_pred - prescribed flux| with the BOON correction's one-sided stencils (first-order "
                       "forward at the first node, third-order backward at the last; in 2-D the outward normal "
                       "derivative)",
            "periodic": "|u_pred(x_0) - u_pred(x_{N-1})|"}.get(bc_type, "|BC residual|")
    return (f"BOON appendix-style figure [RECON: the paper's appendix figures were not seen], experiment "
            f"{experiment} ({bc_type}): boundary residual against time per wall, {what}, mean over the test samples "
            f"(and over a wall's nodes in 2-D), {_names(methods)} from {_seed(seeds)}, predictions in float64. Log "
            f"axis: values below {floor:g} (BOON-FNO's exact zeros) are drawn at that floor (dotted line).")
