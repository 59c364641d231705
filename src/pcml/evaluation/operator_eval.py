"""Test predictions and metrics of the BOON experiments (spec boon.md §5).

``predict_operator`` runs a trained FNO1d / BOON-FNO1d on the last ``n_test`` samples of its dataset and
writes ``predictions/<method>.nc``: ``u_pred``, ``u_true``, ``a`` over (sample, x), plus the dataset's
boundary data. Inference runs in float64 by default (the float32-trained weights are converted), so
that BOON's boundary residuals show the exactness of the correction (round-off of float64) rather than
float32 round-off amplified by 1/h in a Neumann stencil; ``dtype="float32"`` reproduces the notebooks.

``operator_metrics`` writes ``metrics.csv`` (long format: method, sample, metric, value) with
rel_l2 and the absolute BC residual at each wall: bc_left/bc_right (Dirichlet: u - alpha_D; Neumann:
du/dx - alpha_N with BOON's one-sided stencils, and bc_left_2nd/bc_right_2nd with 2nd-order stencils),
bc_ends (periodic: u(x_0) - u(x_{N-1})).
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
from pcml.evaluation.boon_metrics import boundary_residual, relative_l2
from pcml.training.anp import load_model
from pcml.training.loop import resolve_device
from pcml.training.operator import (
    BOUNDARY_VARIABLES, apply_operator, boundary_data, check_single_step, select_bc,
)

log = logging.getLogger(__name__)

METRIC_COLUMNS = ("method", "sample", "metric", "value")
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
    bc_type = check_single_step(ds, str(data_path))
    n_samples = ds.sizes["sample"]
    if not 1 <= n_test <= n_samples:
        raise ValueError(f"n_test = {n_test} must lie in [1, {n_samples}] (samples of {data_path})")
    test = ds.isel(sample=slice(n_samples - n_test, n_samples))
    a = torch.as_tensor(test["a"].values, dtype=DTYPES[dtype], device=dev)
    bc = boundary_data(test, bc_type)
    preds = []
    with torch.no_grad():
        for start in range(0, n_test, batch_size):
            idx = torch.arange(start, min(start + batch_size, n_test))
            preds.append(apply_operator(model, a[idx], select_bc(bc, idx)).double().cpu().numpy())
    method = blob.get("model", Path(model_path).stem)
    out = xr.Dataset(
        {
            "u_pred": (("sample", "x"), np.concatenate(preds), {"long_name": f"prediction of {method}", "units": "1"}),
            "u_true": test["u"].astype(np.float64),
            "a": test["a"].astype(np.float64),
            **{name: test[name] for name in BOUNDARY_VARIABLES.get(bc_type, ())},
        },
        coords={"sample": test["sample"], "x": test["x"], "t": test["t"]},
        attrs={"method": method, "bc_type": bc_type, "dataset": str(ds.attrs.get("dataset", Path(data_path).stem)),
               "n_train": int(blob.get("n_train", -1)), "n_test": int(n_test),
               "n_params": int(blob.get("n_params", -1)), "dtype": dtype},
    )
    write_netcdf(out, out_nc)
    log.info("%s: %d test predictions written to %s", method, n_test, out_nc)


def prediction_bc(pred: xr.Dataset) -> dict[str, np.ndarray]:
    """The BC data stored with a predictions file, as boundary_residual takes it."""
    bc_type = pred.attrs["bc_type"]
    if bc_type == "periodic":
        return {}
    left, right = BOUNDARY_VARIABLES[bc_type]
    return {"left": pred[left].values, "right": pred[right].values}


def sample_metrics(pred: xr.Dataset) -> dict[str, np.ndarray]:
    """Per-sample metrics of one predictions file: {metric: (n_test,)} (see the module docstring)."""
    bc_type = pred.attrs.get("bc_type")
    if bc_type not in ("neumann", "dirichlet", "periodic"):
        raise ValueError(f"predictions file has bc_type {bc_type!r}")
    u = pred["u_pred"].values
    x = pred["x"].values
    h = float(x[1] - x[0])
    out = {"rel_l2": relative_l2(u, pred["u_true"].values)}
    bc = prediction_bc(pred)
    for side, r in boundary_residual(u, bc_type, bc, h=h).items():
        out[f"bc_{side}"] = np.abs(r)
    if bc_type == "neumann":
        for side, r in boundary_residual(u, bc_type, bc, h=h, stencil="second_order").items():
            out[f"bc_{side}_2nd"] = np.abs(r)
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
