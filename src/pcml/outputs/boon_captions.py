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
#: the space-time corrections (spec boon.md §3.2-3.5), keyed (dimension, bc_type)
_CORRECTION_ND = {
    ("2d", "dirichlet"): ("BOON-FNO2d: in every Fourier layer, both paths, Gaussian elimination at the two boundary "
                          "nodes x = 0, 1 for every time slice, the boundary nodes set to the Dirichlet values of "
                          "each output time, and the final output set to them again; the Dirichlet values are the "
                          "target's boundary values at the output times, given to BOON at training and test time "
                          "(pitfall P2; FNO gets no boundary data); BOON pads only t, by 9, with zero boundary "
                          "values on the padded slots (P6, P19)"),
    ("2d", "neumann"): ("BOON-FNO2d: in every Fourier layer, both paths, Gaussian elimination at both boundary nodes, "
                        "the wall nodes set by the one-sided finite-difference relations of the prescribed flux at "
                        "each output time, and the layer output halved (pitfall P14); the final output meets the same "
                        "relations; BOON pads only t, by 9 (P6, P19)"),
    ("2d", "periodic"): ("BOON-FNO2d: both ends in x of every Fourier layer's output (both paths) and of the final "
                         "output set to their average, for every time slice, with no elimination and no time padding "
                         "(spec boon.md §3.4)"),
    ("3d", "dirichlet"): ("BOON-FNO3d: in every Fourier layer, both paths, Gaussian elimination along x only, the "
                          "four walls (x = 0, 1 and y = 0, 1) set to the Dirichlet values of each output time, and the "
                          "final output set to them again (spec boon.md §3.5); the wall values are the target's, given "
                          "to BOON at training and test time (pitfall P2; FNO gets no boundary data); t padded by 6"),
    ("3d", "neumann"): ("BOON-FNO3d: [RECON] (the released code has no 3-D Neumann correction; spec boon.md §3.5) in "
                        "every Fourier layer, both paths, Gaussian elimination along x, the wall nodes of x = 0, 1 and "
                        "y = 0, 1 set by the one-sided finite-difference relations of the prescribed normal derivative "
                        "at each output time, and the layer output halved (pitfall P14); the final output meets the same "
                        "relations; t padded by 6"),
}
_QUIRKS = {
    "dirichlet": "GELU also on the boundary nodes, P8; kernel probes on full-batch tensors, P9",
    "neumann": ("GELU also on the boundary nodes, P8; left relation u_0 = g_L + u_1, the first-order relation "
                "here because g_L = 0, P12"),
    "periodic": "GELU on every node",
}
_QUIRKS_ND = {
    ("2d", "dirichlet"): ("the 2-D tolerance clamp without abs, P10; the 3-point mollifier next to the walls, P11; "
                          "the right-boundary elimination's index, P13; kernel probes on full-batch tensors, P9"),
    ("2d", "neumann"): "the 2-D tolerance clamp without abs, P10; the right-boundary elimination's index, P13",
    ("2d", "periodic"): "no elimination, hence none of the elimination quirks",
    ("3d", "dirichlet"): "the right-boundary elimination's index, P13; kernel probes on full-batch tensors, P9",
    ("3d", "neumann"): "the right-boundary elimination's index, P13, carried over from the Dirichlet code",
}
_CLEAN = {
    "dirichlet": "GELU on the interior nodes only and kernel probes with batch size 1",
    "neumann": "GELU on the interior nodes only, batch-1 probes and the left relation u_0 = u_1 - h g_L",
}
_CLEAN_ND = ("abs() in the tolerance clamps, the correct right-boundary index and kernel probes with batch size 1"
             "{neumann}")
_PIVOT_NOTE = ("the elimination divides by the probes KNN and K~00 = K00 - KN0 K0N / KNN, small numbers that move "
               "with the weights: where one nears zero (or the faithful 2-D clamp turns a negative one into 1e-4, P10) "
               "the boundary inputs of that layer grow by up to 1/tol; each BOON run's training history "
               "(models/<method>_history.csv) records the smallest |divisor| of every epoch (pivot_min_abs) and the "
               "steps that hit the clamp (clamped_steps)")
_PERIODIC_CLEAN = ("no BOON-FNO (clean) row: the periodic correction has no elimination and no interior mask, so "
                   "its clean mode computes exactly what the faithful one does")
_FNO = {"1d": "FNO: the plain FNO1d, which gets no boundary data",
        "2d": ("FNO: the plain FNO2d (space-time, x and t padded by 9, P6), which gets no boundary data; input the "
               "initial condition repeated along t, output all the stored levels jointly (P1)"),
        "3d": ("FNO: the plain FNO3d (2-D space + time, t padded by 6, P6), which gets no boundary data; input the "
               "initial field repeated along t, output all the stored frames jointly (P1)")}


def _dimension(method: str) -> str | None:
    """'1d', '2d' or '3d' for the registry's FNO/BOON-FNO/PINO-lite keys (fno2d, boon_fno3d_clean, pino_fno1d,
    fno1d_bcin, ...); else None."""
    for dim in ("1d", "2d", "3d"):
        if method in (f"fno{dim}", f"boon_fno{dim}", f"boon_fno{dim}_clean", f"pino_fno{dim}", f"fno{dim}_bcin"):
            return dim
    return None


def method_notes(bc_type: str, methods: Sequence[str]) -> str:
    """One sentence per method of ``methods`` (registry keys), for the BC type and the methods' dimension
    (FNO1d/2d/3d families); unknown keys are named as-is."""
    if bc_type not in BC_TITLES:
        raise ValueError(f"bc_type must be one of {sorted(BC_TITLES)}, got {bc_type!r}")
    parts = []
    for method in methods:
        dim = _dimension(method)
        if method.startswith("pino_"):
            parts.append("PINO-lite ([RECON] baseline, spec boon.md §4.3; not verified for the paper): the plain FNO "
                         "trained with relative L2 + lambda_bc x mean squared BC residual (BOON's stencils)"
                         + (" + lambda_pde x mean squared finite-difference residual of the PDE" if dim == "2d" else "")
                         + " (boon.pino_lite), nothing enforced at test time")
        elif method.endswith("_bcin"):
            parts.append("FNO + BC as input ([RECON] fairness ablation, spec boon.md §4.3): the boundary data as two "
                         "more input channels of the lift, nothing enforced")
        elif dim is None:
            parts.append(f"{method}: see its registry entry")
        elif not method.startswith("boon"):
            parts.append(_FNO[dim])
        elif dim != "1d" and (dim, bc_type) not in _CORRECTION_ND:
            raise ValueError(f"{method}: no {bc_type} correction in {dim} (space + time)")
        elif not method.endswith("_clean"):
            correction = _CORRECTION[bc_type] if dim == "1d" else _CORRECTION_ND[dim, bc_type]
            quirks = _QUIRKS[bc_type] if dim == "1d" else _QUIRKS_ND[dim, bc_type]
            parts.append(f"{correction}; {_FAITHFUL}: {quirks})")
        elif bc_type == "periodic":
            parts.append("BOON-FNO (clean): for periodic BCs the same computation as BOON-FNO")
        else:
            clean = _CLEAN[bc_type] if dim == "1d" else _CLEAN_ND.format(
                neumann=" and the left relation u_0 = u_1 - h g_L" if bc_type == "neumann" else "")
            parts.append(f"BOON-FNO (clean): the same correction with the paper's math (spec boon.md §3.6: "
                         f"{clean}), an ablation the paper does not have")
    boon = [m for m in methods if m.startswith("boon") and _dimension(m)]
    if bc_type != "periodic" and boon:
        parts.append(_PIVOT_NOTE)
    if bc_type == "periodic" and boon and not any(m.endswith("_clean") for m in boon):
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
    dims = {_dimension(m) for m in methods} - {None}
    multi = bool(dims & {"2d", "3d"})
    walls = "the four walls x = 0, 1 and y = 0, 1" if "3d" in dims else "x = 0 and x = 1"
    steps = (f" The relative L2 is over all space-time points; rel. L2 step k is that of output step k alone, and "
             f"rel. L2 near walls that of the first and last 5% of the nodes along each spatial axis (spec §5); "
             f"each BC residual is the mean over its wall's other nodes and the output times ({walls})."
             if multi else "")
    return (f"BOON {experiment} ({BC_TITLES.get(bc_type, bc_type)} boundary conditions"
            f"{', multi-step' if multi else ''}): relative L2 error and "
            f"{metric} of the last-epoch weights on the last {n_test} samples, predicted in float64 from the "
            f"float32-trained weights.{steps} {seeds_note(seeds, n_test)} {method_notes(bc_type, methods)} Data from "
            "the suite's own solver; the settings the paper does not give are the spec's [RECON] choices, named below.")


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
