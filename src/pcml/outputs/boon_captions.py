"""Captions of the BOON tables and figures: what each method is, for the experiment's BC type, and the seeds.

The workflow builds them when the DAG starts (they are ``params`` of the table and figure rules, so a
change reruns only the caption's job) and appends the profile's departures from the paper's settings and
the dataset's solver and [RECON] notes. Each sentence here is specific to one BC type (spec boon.md
§3.2-3.6, pitfalls P2, P4, P8, P12, P14): a Dirichlet table does not describe the Neumann correction.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["BC_TITLES", "method_notes", "seeds_note", "operator_table_caption", "boundary_derivative_caption"]

BC_TITLES = {"dirichlet": "Dirichlet", "neumann": "Neumann", "periodic": "periodic"}

_FAITHFUL = "the released code's logic (faithful mode"
_CORRECTION = {
    "dirichlet": ("BOON-FNO: in every Fourier layer, both paths (spectral and pointwise), Gaussian elimination "
                  "at the two boundary nodes of the layer input, then the boundary nodes of the layer output set "
                  "to the Dirichlet values, and the final output set to them again; the Dirichlet values are the "
                  "target's boundary values, given to BOON at training and test time (pitfall P2; FNO gets no "
                  "boundary data)"),
    "neumann": ("BOON-FNO: in every Fourier layer, both paths, Gaussian elimination at the right boundary node, "
                "the wall nodes set by the one-sided finite-difference relations of the prescribed flux, and the "
                "layer output halved (pitfall P14); the final output meets the same relations"),
    "periodic": ("BOON-FNO: both ends of every Fourier layer's output (both paths) and of the final output set to "
                 "their average, with no elimination (spec boon.md §3.4)"),
}
_QUIRKS = {
    "dirichlet": "GELU also on the boundary nodes, P8; kernel probes on full-batch tensors, P9",
    "neumann": ("GELU also on the boundary nodes, P8; left relation u_0 = g_L + u_1, the first-order relation "
                "here because g_L = 0, P12"),
    "periodic": "GELU on every node",
}
_CLEAN = {
    "dirichlet": "GELU on the interior nodes only and kernel probes with batch size 1",
    "neumann": "GELU on the interior nodes only, batch-1 probes and the left relation u_0 = u_1 - h g_L",
}
_PERIODIC_CLEAN = ("no BOON-FNO (clean) row: the periodic correction has no elimination and no interior mask, so "
                   "its clean mode computes exactly what the faithful one does")


def method_notes(bc_type: str, methods: Sequence[str]) -> str:
    """One sentence per method of ``methods`` (registry keys), for the BC type; unknown keys are named as-is."""
    if bc_type not in BC_TITLES:
        raise ValueError(f"bc_type must be one of {sorted(BC_TITLES)}, got {bc_type!r}")
    parts = []
    for method in methods:
        if method == "fno1d":
            parts.append("FNO: the plain FNO1d, which gets no boundary data")
        elif method == "boon_fno1d":
            parts.append(f"{_CORRECTION[bc_type]}; {_FAITHFUL}: {_QUIRKS[bc_type]})")
        elif method == "boon_fno1d_clean" and bc_type == "periodic":
            parts.append("BOON-FNO (clean): for periodic BCs the same computation as BOON-FNO")
        elif method == "boon_fno1d_clean":
            parts.append(f"BOON-FNO (clean): the same correction with the paper's math (spec boon.md §3.6: "
                         f"{_CLEAN[bc_type]}), an ablation the paper does not have")
        else:
            parts.append(f"{method}: see its registry entry")
    if bc_type == "periodic" and "boon_fno1d" in methods and "boon_fno1d_clean" not in methods:
        parts.append(_PERIODIC_CLEAN)
    return ". ".join(p[0].upper() + p[1:] for p in parts) + "."


def seeds_note(seeds: Sequence[int], n_test: int) -> str:
    """How the cells aggregate: over the seeds (several) or over the test samples (one seed, the paper's format)."""
    seeds = list(seeds)
    if not seeds:
        raise ValueError("seeds must not be empty")
    if len(seeds) == 1:
        return (f"Cells: mean (SE) over the {n_test} test samples of one training run (seed {seeds[0]}), the "
                "paper's format.")
    return (f"Cells: mean (SE) over {len(seeds)} independent training runs (seeds {seeds}: initial weights and "
            f"batch order) of each run's mean over the {n_test} test samples; the SE is over the seeds. The "
            "improvement factor FNO / model (relative L2) is computed per seed, then averaged.")


def operator_table_caption(experiment: str, *, bc_type: str, methods: Sequence[str], n_test: int,
                           seeds: Sequence[int]) -> str:
    """Caption of ``results/<p>/tables/boon_<experiment>``: BC type, metrics, aggregation, methods."""
    metric = {"dirichlet": "boundary-value residuals", "neumann": "wall-flux residuals",
              "periodic": "periodicity residual"}[bc_type] if bc_type in BC_TITLES else ""
    return (f"BOON {experiment} ({BC_TITLES.get(bc_type, bc_type)} boundary conditions): relative L2 error and "
            f"{metric} of the last-epoch weights on the last {n_test} samples, predicted in float64 from the "
            f"float32-trained weights. {seeds_note(seeds, n_test)} {method_notes(bc_type, methods)} Data from the "
            "suite's own solver; the settings the paper does not give are the spec's [RECON] choices, named below.")


def boundary_derivative_caption(experiment: str, *, methods: Sequence[str], seeds: Sequence[int]) -> str:
    """Caption of the Fig. 1 insets (Neumann experiments): one model per method, trained with the first seed."""
    seeds = list(seeds)
    which = (f"the model trained with seed {seeds[0]}, the first of the seeds {seeds}" if len(seeds) > 1
             else f"the model trained with seed {seeds[0]}")
    return (f"BOON paper Fig. 1 insets, experiment {experiment}: du/dx near x = 0 and x = 1 for the first test "
            f"sample, from {which}; finite differences of the predicted fields with the BOON correction's "
            "one-sided stencils at the wall nodes (first-order forward on the left, third-order backward on the "
            "right) and central differences inside; predictions evaluated in float64 with the trained weights. "
            + method_notes("neumann", methods))
