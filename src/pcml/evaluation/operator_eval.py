"""Metrics of the BOON experiments' test predictions (spec boon.md §5), without torch.

The predictions files come from :func:`pcml.evaluation.operator_predict.predict_operator`.

``operator_metrics`` writes ``metrics.csv`` (long format: method, sample, metric, value) with
rel_l2 (over all points) and the absolute BC residual at each wall, averaged over the wall's other axes
(y or x, and t): bc_left/bc_right (and bc_bottom/bc_top in 2-D) (Dirichlet: u - alpha_D; Neumann: the
derivative along the wall's axis - alpha_N with BOON's one-sided stencils, and bc_<wall>_2nd with
2nd-order stencils; in 2-D without the corner nodes), bc_ends (periodic: u(x_0) - u(x_{N-1})). Multi-step data add rel_l2_step<k>, the
relative L2 of output step k = 1..n_t, and rel_l2_near_boundary, the relative L2 over the first/last 5% of
the nodes along each spatial axis (spec §5, optional). The 1-D single-step metrics are rel_l2 and the
wall residuals only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_csv
from pcml.data.operator_layout import KIND_DIMS, boundary_values
from pcml.evaluation.boon_metrics import (
    boundary_residual, relative_l2, relative_l2_near_boundary, relative_l2_per_step, wall_mean_abs,
)

METRIC_COLUMNS = ("method", "sample", "metric", "value")
NEAR_BOUNDARY_FRACTION = 0.05


def _spacings(pred: xr.Dataset, n_space: int) -> tuple[float, ...]:
    """Grid spacing along x (and y), from the first two nodes."""
    return tuple(float(pred[c].values[1] - pred[c].values[0]) for c in ("x", "y")[:n_space])


def sample_metrics(pred: xr.Dataset) -> dict[str, np.ndarray]:
    """Per-sample metrics of one predictions file: {metric: (n_test,)} (see the module docstring)."""
    bc_type = pred.attrs.get("bc_type")
    if bc_type not in ("neumann", "dirichlet", "periodic"):
        raise ValueError(f"predictions file has bc_type {bc_type!r}")
    dims = next((d for d in KIND_DIMS.values() if set(pred["u_pred"].dims) == set(d)), None)
    if dims is None:
        raise ValueError(f"predictions file: u_pred has dims {pred['u_pred'].dims}, expected one of "
                         f"{list(KIND_DIMS.values())}")
    n_space = 2 if "y" in dims else 1
    u = pred["u_pred"].transpose(*dims).values
    true = pred["u_true"].transpose(*dims).values
    h = _spacings(pred, n_space)
    out = {"rel_l2": relative_l2(u, true)}
    bc = boundary_values(pred, bc_type)
    stencils = ("boon", "second_order") if bc_type == "neumann" else ("boon",)
    for stencil in stencils:
        suffix = "_2nd" if stencil == "second_order" else ""
        for side, r in boundary_residual(u, bc_type, bc, h=h if n_space == 2 else h[0], stencil=stencil,
                                         n_space=n_space).items():
            out[f"bc_{side}{suffix}"] = wall_mean_abs(r)
    if "t" in dims:
        for k, values in enumerate(relative_l2_per_step(u, true).T, start=1):
            out[f"rel_l2_step{k}"] = values
        out["rel_l2_near_boundary"] = relative_l2_near_boundary(u, true, n_space, NEAR_BOUNDARY_FRACTION)
    return out


def operator_metrics(predictions: Mapping[str, str | Path], out_csv: str | Path) -> pd.DataFrame:
    """metrics.csv over all methods ({method: predictions.nc}); returns the long frame it writes."""
    frames = []
    for method, path in predictions.items():
        pred = read_netcdf(path)
        if "u_pred" not in pred or "u_true" not in pred:
            raise ValueError(f"{path}: not a predictions file (needs u_pred and u_true)")
        samples = pred["sample"].values
        for metric, values in sample_metrics(pred).items():
            frames.append(pd.DataFrame({"method": method, "sample": samples, "metric": metric, "value": values}))
    frame = pd.concat(frames, ignore_index=True)[list(METRIC_COLUMNS)]
    write_csv(frame, out_csv, float_format="%.10g")
    return frame
