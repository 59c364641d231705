"""Training of BOON's neural operators (FNO1d/2d/3d, BOON-FNO1d/2d/3d; spec boon.md §4.1-4.2), through ``fit``.

Dataset kinds (see :mod:`pcml.data.boon_1d`, :mod:`pcml.data.boon_periodic`, :mod:`pcml.data.boon_2d`; their
layout and the methods that take them in :mod:`pcml.data.operator_layout`):

- ``1d`` single-step, ``u`` (sample, x): FNO1d, BOON-FNO1d; input a (batch, n_x);
- ``1d_t`` multi-step, ``u`` (sample, x, t): FNO2d, BOON-FNO2d; input a (batch, n_x) repeated along t
  to (batch, n_x, n_t) (pitfall P1);
- ``2d_t`` multi-step, ``u`` (sample, x, y, t): FNO3d, BOON-FNO3d; input a (batch, n_x, n_y) repeated to
  (batch, n_x, n_y, n_t).

BC data given to a BOON model: :func:`pcml.data.operator_layout.boundary_values` as tensors.

A BOON dataset is split as in the released notebooks: the first
``n_train`` samples train, the last ``n_test`` test. The loss is the relative L2 error summed over
the batch (``LpLoss(size_average=False)``); the reported epoch error is that sum over the number of
samples. The "validation" of ``fit`` is the test error, printed every epoch as the notebooks do;
it selects nothing (the weights of the last epoch are kept, ``select: last``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import torch
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_csv
from pcml.data.operator_layout import KIND_DIMS, boundary_values, check_dataset
from pcml.evaluation.boon_metrics import relative_l2_loss_sum
from pcml.models import build_model
from pcml.seeding import seeded_init
from pcml.training.anp import save_model
from pcml.training.loop import TrainSettings, fit, resolve_device
from pcml.training.diagnostics import pivot_trace_for
from pcml.training.pino import pde_settings, pino_lite_loss

log = logging.getLogger(__name__)

#: PINO-lite penalty weights (spec §4.3, [RECON]): lambda_bc on the mean squared BC residual, lambda_pde on the
#: mean squared finite-difference PDE residual (1-D multi-step data only)
PINO_DEFAULTS = {"lambda_bc": 1.0, "lambda_pde": 1.0}


def split_indices(n_samples: int, n_train: int, n_test: int) -> tuple[slice, slice]:
    """(train, test) sample slices: the first ``n_train`` and the last ``n_test`` samples.

    Raises ValueError when the two would overlap.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train} and {n_test}")
    if n_train + n_test > n_samples:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the dataset's {n_samples} samples")
    return slice(0, n_train), slice(n_samples - n_test, n_samples)


def boundary_data(ds: xr.Dataset, bc_type: str, index: slice | None = None) -> dict[str, torch.Tensor]:
    """:func:`boundary_values` as float64 tensors; per-sample (Dirichlet) values restricted to ``index``."""
    out = {}
    for wall, values in boundary_values(ds, bc_type).items():
        if bc_type == "dirichlet" and index is not None:
            values = values[index]
        out[wall] = torch.as_tensor(values, dtype=torch.float64)
    return out


def select_bc(bc: Mapping[str, torch.Tensor], index: torch.Tensor, bc_type: str = "dirichlet") -> dict[str, torch.Tensor]:
    """The rows ``index`` of per-sample (Dirichlet) BC values; global values (Neumann, 0-d) pass unchanged."""
    if bc_type == "neumann":
        return dict(bc)
    return {k: (v[index] if v.ndim else v) for k, v in bc.items()}


def model_input(a: torch.Tensor, n_t: int | None) -> torch.Tensor:
    """The model input: ``a`` (single-step, n_t None), or ``a`` (batch, space...) repeated along a new last
    axis to (batch, space..., n_t) (multi-step, pitfall P1)."""
    if n_t is None:
        return a
    return a.unsqueeze(-1).expand(*a.shape, int(n_t)).contiguous()


def cast_bc(bc: Mapping[str, torch.Tensor], like: torch.Tensor) -> dict[str, torch.Tensor]:
    """BC values in the dtype and on the device of ``like``."""
    return {k: v.to(device=like.device, dtype=like.dtype) for k, v in bc.items()}


def pino_loss_settings(ds: xr.Dataset, kind: str, pino: Mapping[str, float] | None) -> dict:
    """Keyword arguments of :func:`pcml.training.pino.pino_lite_loss` for a dataset of ``kind``: the
    weights (``pino`` over :data:`PINO_DEFAULTS`; ValueError for an unknown key or a negative weight), and
    on 1-D multi-step data the dataset's PDE (:func:`pcml.training.pino.pde_settings`); elsewhere no PDE
    term (lambda_pde = 0: single-step data have one time level, the 2-D PDEs have no residual here)."""
    weights = {**PINO_DEFAULTS, **(pino or {})}
    unknown = sorted(set(weights) - set(PINO_DEFAULTS))
    if unknown or any(float(v) < 0 for v in weights.values()):
        raise ValueError(f"PINO-lite settings {dict(pino or {})}: keys must be {sorted(PINO_DEFAULTS)}, values >= 0")
    out = {k: float(v) for k, v in weights.items()}
    if kind == "1d_t":
        return {**out, **pde_settings(ds)}
    return {**out, "lambda_pde": 0.0}


def apply_operator(model: torch.nn.Module, a: torch.Tensor, bc: Mapping[str, torch.Tensor],
                   n_t: int | None = None) -> torch.Tensor:
    """u = model(a) for a plain FNO (BC data unused), model(a, bc) for a BOON model.

    ``a`` (batch, space...); with ``n_t`` it is repeated along t first (:func:`model_input`). Returns
    (batch, space...[, n_t]).
    """
    a = model_input(a, n_t)
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
    pino: Mapping[str, float] | None = None,
) -> None:
    """Train ``model_name`` on the first ``n_train`` samples; write the last-epoch weights and history.

    ``pino_*`` methods (PINO-lite) train the plain FNO with :func:`pcml.training.pino.pino_lite_loss`:
    the relative L2 sum plus ``pino["lambda_bc"]`` times the mean squared BC residual (the dataset's BC
    data, BOON's stencils) plus, on 1-D multi-step data, ``pino["lambda_pde"]`` times the mean squared
    finite-difference residual of the dataset's PDE (:func:`pino_loss_settings`).

    The dataset's kind must be the method's (:func:`check_dataset`); multi-step inputs are repeated along t
    (:func:`model_input`) and BOON models get the BC data of :func:`boundary_values`. The loss of a step is the relative L2 error summed over the batch (its gradient scale matters with
    Adam's L2 weight decay, so it is not averaged). History columns: epoch, step, train_rel_l2 (the
    epoch's mean batch loss / batch_size), test_rel_l2 (mean over the last ``n_test`` samples; default:
    all samples not used for training); for BOON-FNO2d/3d with Dirichlet or Neumann BCs also
    pivot_min_abs and clamped_steps (:class:`pcml.training.diagnostics.PivotTrace`).
    """
    if threads:
        torch.set_num_threads(int(threads))
    dev = resolve_device(device)
    ds = read_netcdf(data_path)
    kind, bc_type = check_dataset(ds, str(data_path), model_name)
    n_t = ds.sizes["t"] if kind != "1d" else None
    if model_name.startswith("boon") and model_kwargs.get("bc_type", bc_type) != bc_type:
        raise ValueError(f"{model_name} is configured for bc_type {model_kwargs['bc_type']!r} but the dataset "
                         f"{data_path} is {bc_type!r}")
    n_samples = ds.sizes["sample"]
    train_sl, test_sl = split_indices(n_samples, n_train, n_test if n_test else n_samples - n_train)

    def tensors(sl: slice) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        a = torch.as_tensor(ds["a"].transpose(*KIND_DIMS[kind][:-1 if n_t else None]).values[sl],
                            dtype=torch.float32, device=dev)
        u = torch.as_tensor(ds["u"].transpose(*KIND_DIMS[kind]).values[sl], dtype=torch.float32, device=dev)
        return a, u, cast_bc(boundary_data(ds, bc_type, sl), a)

    a_tr, u_tr, bc_tr = tensors(train_sl)
    a_te, u_te, bc_te = tensors(test_sl)
    with seeded_init(settings.seed):  # the initial weights: the same for FNO and BOON (paired runs)
        model = build_model(model_name, **model_kwargs).to(dev)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("%s: %s with %d parameters, %d train / %d test samples on %s", label, model_name, n_params,
             a_tr.shape[0], a_te.shape[0], dev)

    penalties = pino_loss_settings(ds, kind, pino) if model_name.startswith("pino_") else None

    def step_loss(m: torch.nn.Module, index: torch.Tensor, _generator: torch.Generator) -> torch.Tensor:
        index = index.to(dev)
        bc = select_bc(bc_tr, index, bc_type)
        pred = apply_operator(m, a_tr[index], bc, n_t)
        if penalties is not None:
            return pino_lite_loss(pred, u_tr[index], bc_type, bc, **penalties)
        return relative_l2_loss_sum(pred, u_tr[index])  # summed over the batch, as LpLoss(size_average=False)

    def validate(m: torch.nn.Module) -> float:
        total = 0.0
        for start in range(0, a_te.shape[0], settings.batch_size):
            idx = torch.arange(start, min(start + settings.batch_size, a_te.shape[0]), device=dev)
            pred = apply_operator(m, a_te[idx], select_bc(bc_te, idx, bc_type), n_t)
            total += float(relative_l2_loss_sum(pred, u_te[idx]))
        return total / a_te.shape[0]

    trace = pivot_trace_for(model, ds.sizes["x"])  # BOON-FNO2d/3d: the elimination's divisors per step
    state, history = fit(model, n_items=a_tr.shape[0], step_loss=step_loss, validate=validate, settings=settings,
                         work_dir=work_dir, device=dev, progress=progress,
                         description=f"{label} {model_name}".strip(), step_stats=trace)
    frame = pd.DataFrame(history).rename(columns={"train_loss": "train_rel_l2", "val_loss": "test_rel_l2"})
    frame["train_rel_l2"] /= settings.batch_size  # per-batch sums -> per-sample mean (full batches)
    write_csv(frame, out_history)
    save_model(out_model, model_name, model_kwargs, state, n_params=n_params, bc_type=bc_type,
               n_train=int(n_train), dataset=str(ds.attrs.get("dataset", Path(data_path).stem)))
