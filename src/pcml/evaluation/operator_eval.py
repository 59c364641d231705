"""Test predictions and metrics of the BOON experiments (spec boon.md §5).

``predict_operator`` runs a trained FNO / BOON-FNO (1d, 2d or 3d) on the last ``n_test`` samples of its
dataset and writes ``predictions/<method>.nc``: ``u_pred``, ``u_true`` over the dataset's dims (sample, x[, y][, t]),
``a`` (sample, x[, y]), plus the dataset's boundary variables (as stored there: the 2-D Neumann fluxes are
outward normal derivatives). Inference runs in float64 by default (the float32-trained weights are converted), so
that BOON's boundary residuals show the exactness of the correction (round-off of float64) rather than
float32 round-off amplified by 1/h in a Neumann stencil; ``dtype="float32"`` reproduces the notebooks.

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

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_csv, write_netcdf
from pcml.evaluation.boon_metrics import (
    boundary_residual, relative_l2, relative_l2_near_boundary, relative_l2_per_step, wall_mean_abs,
)
from pcml.training.anp import load_model
from pcml.training.loop import resolve_device
from pcml.training.operator import (
    KIND_DIMS, WALLS_2D, apply_operator, boundary_data, boundary_values, check_dataset, select_bc,
)

log = logging.getLogger(__name__)

METRIC_COLUMNS = ("method", "sample", "metric", "value")
NEAR_BOUNDARY_FRACTION = 0.05
#: every boundary variable a predictions file carries over from its dataset
BC_VARIABLES = tuple(f"{p}_{w}" for p in ("bc", "flux") for w in WALLS_2D)
DTYPES = {"float32": torch.float32, "float64": torch.float64}


def predict_operator(model_path: str | Path, data_path: str | Path, *, n_test: int, out_nc: str | Path,
                     device: str = "auto", dtype: str = "float64", batch_size: int = 50) -> None:
    """Predict the last ``n_test`` samples of ``data_path`` with the model file ``model_path``; write netCDF."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
    dev = resolve_device(device)
    model = load_model(model_path, device=dev).to(DTYPES[dtype]).eval()
    blob = torch.load(model_path, map_location="cpu", weights_only=True)  # metadata saved with the weights
    ds = read_netcdf(data_path)
    method = blob.get("model", Path(model_path).stem)
    kind, bc_type = check_dataset(ds, str(data_path), method)
    dims = KIND_DIMS[kind]
    n_t = ds.sizes["t"] if kind != "1d" else None
    n_samples = ds.sizes["sample"]
    if not 1 <= n_test <= n_samples:
        raise ValueError(f"n_test = {n_test} must lie in [1, {n_samples}] (samples of {data_path})")
    test = ds.isel(sample=slice(n_samples - n_test, n_samples))
    a = torch.as_tensor(test["a"].transpose(*dims[:-1 if n_t else None]).values, dtype=DTYPES[dtype],
                        device=dev)
    bc = boundary_data(test, bc_type)
    preds = []
    with torch.no_grad():
        for start in range(0, n_test, batch_size):
            idx = torch.arange(start, min(start + batch_size, n_test))
            preds.append(apply_operator(model, a[idx], select_bc(bc, idx, bc_type), n_t).double().cpu().numpy())
    out = xr.Dataset(
        {
            "u_pred": (dims, np.concatenate(preds), {"long_name": f"prediction of {method}", "units": "1"}),
            "u_true": test["u"].transpose(*dims).astype(np.float64),
            "a": test["a"].transpose(*dims[:-1 if n_t else None]).astype(np.float64),
            **{name: test[name] for name in BC_VARIABLES if name in test},
        },
        coords={c: test[c] for c in ("sample", "x", "y", "t") if c in test.coords},
        attrs={"method": method, "bc_type": bc_type, "dataset": str(ds.attrs.get("dataset", Path(data_path).stem)),
               "n_train": int(blob.get("n_train", -1)), "n_test": int(n_test),
               "n_params": int(blob.get("n_params", -1)), "dtype": dtype, "kind": kind},
    )
    write_netcdf(out, out_nc)
    log.info("%s: %d test predictions written to %s", method, n_test, out_nc)


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
