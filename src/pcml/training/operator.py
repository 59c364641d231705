"""Training of the 1-D neural operators of BOON (FNO1d, BOON-FNO1d; spec boon.md §4.1-4.2), through ``fit``.

A BOON dataset (see :mod:`pcml.data.boon_1d`) is split as in the released notebooks: the first
``n_train`` samples train, the last ``n_test`` test. The loss is the relative L2 error summed over
the batch (``LpLoss(size_average=False)``); the reported epoch error is that sum over the number of
samples. The "validation" of ``fit`` is the test error, printed every epoch as the notebooks do;
it selects nothing (the weights of the last epoch are kept, ``select: last``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import torch
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_csv
from pcml.evaluation.boon_metrics import relative_l2_loss_sum
from pcml.models import build_model
from pcml.seeding import seeded_init
from pcml.training.anp import save_model
from pcml.training.loop import TrainSettings, fit, resolve_device

log = logging.getLogger(__name__)

# Boundary variables of a dataset, by BC type: (left, right) names; periodic needs none.
BOUNDARY_VARIABLES = {"neumann": ("flux_left", "flux_right"), "dirichlet": ("bc_left", "bc_right")}


def split_indices(n_samples: int, n_train: int, n_test: int) -> tuple[slice, slice]:
    """(train, test) sample slices: the first ``n_train`` and the last ``n_test`` samples.

    Raises ValueError when the two would overlap.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train} and {n_test}")
    if n_train + n_test > n_samples:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the dataset's {n_samples} samples")
    return slice(0, n_train), slice(n_samples - n_test, n_samples)


def check_single_step(ds: xr.Dataset, source: str) -> str:
    """The dataset's bc_type, after checking it is a 1-D single-step dataset (a, u over (sample, x))."""
    for name in ("a", "u"):
        if name not in ds:
            raise ValueError(f"{source}: no variable {name!r}; not a BOON dataset")
        if ds[name].dims != ("sample", "x"):
            raise ValueError(f"{source}: {name} has dims {ds[name].dims}; only 1-D single-step datasets "
                             "(sample, x) are supported by FNO1d/BOON-FNO1d (multi-step needs FNO2d)")
    bc_type = ds.attrs.get("bc_type")
    if bc_type not in ("neumann", "dirichlet", "periodic"):
        raise ValueError(f"{source}: attribute bc_type = {bc_type!r} is not dirichlet, neumann or periodic")
    return bc_type


def boundary_data(ds: xr.Dataset, bc_type: str, index: slice | None = None) -> dict[str, torch.Tensor]:
    """The BC dict a BOON model takes, float64 tensors: {} (periodic), or {"left", "right"}.

    Neumann: the prescribed du/dx at x = 0 and x = 1 (0-d); Dirichlet: u at the walls, (samples,)
    restricted to ``index``.
    """
    if bc_type == "periodic":
        return {}
    out = {}
    for side, name in zip(("left", "right"), BOUNDARY_VARIABLES[bc_type]):
        if name not in ds:
            raise ValueError(f"{bc_type} dataset has no boundary variable {name!r}")
        var = ds[name]
        if "sample" in var.dims and index is not None:
            var = var.isel(sample=index)
        out[side] = torch.as_tensor(var.values, dtype=torch.float64)
    return out


def select_bc(bc: Mapping[str, torch.Tensor], index: torch.Tensor) -> dict[str, torch.Tensor]:
    """The rows ``index`` of per-sample BC values; 0-d values pass unchanged."""
    return {k: (v[index] if v.ndim else v) for k, v in bc.items()}


def cast_bc(bc: Mapping[str, torch.Tensor], like: torch.Tensor) -> dict[str, torch.Tensor]:
    """BC values in the dtype and on the device of ``like``."""
    return {k: v.to(device=like.device, dtype=like.dtype) for k, v in bc.items()}


def apply_operator(model: torch.nn.Module, a: torch.Tensor, bc: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """u = model(a) for a plain FNO (BC data unused), model(a, bc) for a BOON model: (batch, n)."""
    if hasattr(model, "bc_type"):
        return model(a, cast_bc(bc, a))
    return model(a)


def train_operator(
    data_path: str | Path,
    *,
    model_name: str,
    model_kwargs: dict,
    n_train: int,
    settings: TrainSettings,
    out_model: str | Path,
    out_history: str | Path,
    work_dir: str | Path,
    n_test: int | None = None,
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
    label: str = "",
) -> None:
    """Train ``model_name`` on the first ``n_train`` samples; write the last-epoch weights and history.

    The loss of a step is the relative L2 error summed over the batch (its gradient scale matters with
    Adam's L2 weight decay, so it is not averaged). History columns: epoch, step, train_rel_l2 (the
    epoch's mean batch loss / batch_size), test_rel_l2 (mean over the last ``n_test`` samples; default:
    all samples not used for training).
    """
    if threads:
        torch.set_num_threads(int(threads))
    dev = resolve_device(device)
    ds = read_netcdf(data_path)
    bc_type = check_single_step(ds, str(data_path))
    if model_name.startswith("boon") and model_kwargs.get("bc_type", bc_type) != bc_type:
        raise ValueError(f"{model_name} is configured for bc_type {model_kwargs['bc_type']!r} but the dataset "
                         f"{data_path} is {bc_type!r}")
    n_samples = ds.sizes["sample"]
    train_sl, test_sl = split_indices(n_samples, n_train, n_test if n_test else n_samples - n_train)

    def tensors(sl: slice) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        a = torch.as_tensor(ds["a"].values[sl], dtype=torch.float32, device=dev)
        u = torch.as_tensor(ds["u"].values[sl], dtype=torch.float32, device=dev)
        return a, u, cast_bc(boundary_data(ds, bc_type, sl), a)

    a_tr, u_tr, bc_tr = tensors(train_sl)
    a_te, u_te, bc_te = tensors(test_sl)
    with seeded_init(settings.seed):  # the initial weights: the same for FNO and BOON (paired runs)
        model = build_model(model_name, **model_kwargs).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("%s: %s with %d parameters, %d train / %d test samples on %s", label, model_name, n_params,
             a_tr.shape[0], a_te.shape[0], dev)

    def step_loss(m: torch.nn.Module, index: torch.Tensor, _generator: torch.Generator) -> torch.Tensor:
        index = index.to(dev)
        pred = apply_operator(m, a_tr[index], select_bc(bc_tr, index))
        return relative_l2_loss_sum(pred, u_tr[index])  # summed over the batch, as LpLoss(size_average=False)

    def validate(m: torch.nn.Module) -> float:
        total = 0.0
        for start in range(0, a_te.shape[0], settings.batch_size):
            idx = torch.arange(start, min(start + settings.batch_size, a_te.shape[0]), device=dev)
            total += float(relative_l2_loss_sum(apply_operator(m, a_te[idx], select_bc(bc_te, idx)), u_te[idx]))
        return total / a_te.shape[0]

    state, history = fit(model, n_items=a_tr.shape[0], step_loss=step_loss, validate=validate, settings=settings,
                         work_dir=work_dir, device=dev, progress=progress,
                         description=f"{label} {model_name}".strip())
    frame = pd.DataFrame(history).rename(columns={"train_loss": "train_rel_l2", "val_loss": "test_rel_l2"})
    frame["train_rel_l2"] /= settings.batch_size  # per-batch sums -> per-sample mean (full batches)
    write_csv(frame, out_history)
    save_model(out_model, model_name, model_kwargs, state, n_params=n_params, bc_type=bc_type,
               n_train=int(n_train), dataset=str(ds.attrs.get("dataset", Path(data_path).stem)))
