"""Training of BOON's neural operators (FNO1d/2d/3d, BOON-FNO1d/2d/3d; spec boon.md §4.1-4.2), through ``fit``.

Dataset kinds (see :mod:`pcml.data.boon_1d`, :mod:`pcml.data.boon_periodic`, :mod:`pcml.data.boon_2d`) and
the methods that take them (:data:`METHOD_KINDS`):

- ``1d`` single-step, ``u`` (sample, x): FNO1d, BOON-FNO1d; input a (batch, n_x);
- ``1d_t`` multi-step, ``u`` (sample, x, t): FNO2d, BOON-FNO2d; input a (batch, n_x) repeated along t
  to (batch, n_x, n_t) (pitfall P1);
- ``2d_t`` multi-step, ``u`` (sample, x, y, t): FNO3d, BOON-FNO3d; input a (batch, n_x, n_y) repeated to
  (batch, n_x, n_y, n_t).

BC data given to a BOON model (:func:`boundary_values`): Dirichlet, per sample (pitfall P2): 1-D
{"left", "right"} (batch[, n_t]); 2-D {"left", "right"} (batch, n_y, n_t) at x = 0, 1 and {"bottom",
"top"} (batch, n_x, n_t) at y = 0, 1. Neumann, global (pitfall P3): du/dx at x = 0, 1 (0-d or (n_t,)),
in 2-D also du/dy at y = 0, 1. The 2-D datasets store OUTWARD normal derivatives (du/dn), converted here
(left and bottom negated); the 1-D heat data store du/dx as is. Periodic: {}.

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
from pcml.evaluation.boon_metrics import relative_l2_loss_sum
from pcml.models import build_model
from pcml.seeding import seeded_init
from pcml.training.anp import save_model
from pcml.training.loop import TrainSettings, fit, resolve_device
from pcml.training.diagnostics import pivot_trace_for
from pcml.training.pino import pde_settings, pino_lite_loss

log = logging.getLogger(__name__)

#: dataset kind -> dims of its target u
KIND_DIMS: dict[str, tuple[str, ...]] = {"1d": ("sample", "x"), "1d_t": ("sample", "x", "t"),
                                         "2d_t": ("sample", "x", "y", "t")}
#: method (registry key) -> the dataset kind it maps
METHOD_KINDS: dict[str, str] = {
    **{m: "1d" for m in ("fno1d", "boon_fno1d", "boon_fno1d_clean", "pino_fno1d", "fno1d_bcin")},
    **{m: "1d_t" for m in ("fno2d", "boon_fno2d", "boon_fno2d_clean", "pino_fno2d")},
    **{m: "2d_t" for m in ("fno3d", "boon_fno3d", "boon_fno3d_clean", "pino_fno3d")},
}
#: PINO-lite penalty weights (spec §4.3, [RECON]): lambda_bc on the mean squared BC residual, lambda_pde on the
#: mean squared finite-difference PDE residual (1-D multi-step data only)
PINO_DEFAULTS = {"lambda_bc": 1.0, "lambda_pde": 1.0}
KIND_NAMES = {"1d": "1-D single-step (sample, x)", "1d_t": "1-D multi-step (sample, x, t)",
              "2d_t": "2-D multi-step (sample, x, y, t)"}
#: sign turning a 2-D dataset's outward normal derivative du/dn into the derivative along the wall's axis
OUTWARD_SIGN = {"left": -1.0, "right": 1.0, "bottom": -1.0, "top": 1.0}
WALLS_1D, WALLS_2D = ("left", "right"), ("left", "right", "bottom", "top")


def split_indices(n_samples: int, n_train: int, n_test: int) -> tuple[slice, slice]:
    """(train, test) sample slices: the first ``n_train`` and the last ``n_test`` samples.

    Raises ValueError when the two would overlap.
    """
    if n_train < 1 or n_test < 1:
        raise ValueError(f"n_train and n_test must be >= 1, got {n_train} and {n_test}")
    if n_train + n_test > n_samples:
        raise ValueError(f"n_train + n_test = {n_train + n_test} exceeds the dataset's {n_samples} samples")
    return slice(0, n_train), slice(n_samples - n_test, n_samples)


def method_kind(model_name: str) -> str:
    """The dataset kind ('1d', '1d_t', '2d_t') that method ``model_name`` maps; ValueError if unknown."""
    try:
        return METHOD_KINDS[model_name]
    except KeyError:
        raise ValueError(f"unknown BOON method {model_name!r}; known: {sorted(METHOD_KINDS)}") from None


def dataset_kind(ds: xr.Dataset, source: str) -> tuple[str, str]:
    """(kind, bc_type) of a BOON dataset: kind from the dims of ``u``, after checking ``a`` matches."""
    for name in ("a", "u"):
        if name not in ds:
            raise ValueError(f"{source}: no variable {name!r}; not a BOON dataset")
    kind = next((k for k, dims in KIND_DIMS.items() if ds["u"].dims == dims), None)
    if kind is None:
        raise ValueError(f"{source}: u has dims {ds['u'].dims}; expected one of {list(KIND_DIMS.values())}")
    if ds["a"].dims != KIND_DIMS[kind][:2 + (kind == "2d_t")]:
        raise ValueError(f"{source}: a has dims {ds['a'].dims}, which do not match u {ds['u'].dims}")
    bc_type = ds.attrs.get("bc_type")
    if bc_type not in ("neumann", "dirichlet", "periodic"):
        raise ValueError(f"{source}: attribute bc_type = {bc_type!r} is not dirichlet, neumann or periodic")
    return kind, bc_type


def check_dataset(ds: xr.Dataset, source: str, model_name: str) -> tuple[str, str]:
    """(kind, bc_type) of the dataset, after checking that ``model_name`` maps datasets of its kind."""
    kind, bc_type = dataset_kind(ds, source)
    want = method_kind(model_name)
    if kind != want:
        raise ValueError(f"{source}: a {KIND_NAMES[kind]} dataset, but {model_name} maps {KIND_NAMES[want]} "
                         "data")
    return kind, bc_type


def boundary_values(ds: xr.Dataset, bc_type: str) -> dict[str, np.ndarray]:
    """The BC data of a dataset (or predictions file) as the BOON models and the metrics take them, float64.

    Periodic: {}. Dirichlet: {wall: values} with dims (sample[, y or x][, t]). Neumann: {wall: du/dx or
    du/dy} (0-d or (t,)), 2-D datasets' outward derivatives converted (see the module docstring).
    """
    if bc_type == "periodic":
        return {}
    two_d = "y" in ds.dims
    walls = WALLS_2D if two_d else WALLS_1D
    prefix = "bc" if bc_type == "dirichlet" else "flux"
    out = {}
    for wall in walls:
        name = f"{prefix}_{wall}"
        if name not in ds:
            raise ValueError(f"{bc_type} dataset has no boundary variable {name!r}")
        var = ds[name]
        order = [d for d in ("sample", "x", "y", "t") if d in var.dims]
        values = np.asarray(var.transpose(*order).values, dtype=np.float64)
        if bc_type == "neumann" and two_d:
            values = OUTWARD_SIGN[wall] * values
        out[wall] = values
    return out


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
