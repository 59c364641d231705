"""Test predictions of the BOON experiments (spec boon.md §5): one trained model on one dataset.

``predict_operator`` runs a trained FNO / BOON-FNO (1d, 2d or 3d) on the last ``n_test`` samples of its
dataset and writes ``predictions/<method>.nc``: ``u_pred``, ``u_true`` over the dataset's dims (sample, x[, y][, t]),
``a`` (sample, x[, y]), plus the dataset's boundary variables (as stored there: the 2-D Neumann fluxes are
outward normal derivatives). Inference runs in float64 by default (the float32-trained weights are converted), so
that BOON's boundary residuals show the exactness of the correction (round-off of float64) rather than
float32 round-off amplified by 1/h in a Neumann stencil; ``dtype="float32"`` reproduces the notebooks.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.data.operator_layout import BC_VARIABLES, KIND_DIMS, check_dataset
from pcml.training.anp import load_model
from pcml.training.loop import resolve_device
from pcml.training.operator import apply_operator, boundary_data, select_bc

log = logging.getLogger(__name__)

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
