"""Training of the ANP on sampled GPME functions (ProbConserv spec §4.1), through ``fit``."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import torch
import xarray as xr

from pcml.data.netcdf import read_netcdf, write_csv
from pcml.models import build_model
from pcml.models.dropout import dropout_rng
from pcml.seeding import seeded_init
from pcml.training.loop import TrainSettings, fit, resolve_device
from pcml.training.residuals import get_residual

log = logging.getLogger(__name__)

SPLIT_VARIABLES = ("t_context", "x_context", "u_context", "t_target", "x_target", "u_target")
VALIDATION_SEED = 12345


def function_tensors(ds: xr.Dataset, device: torch.device | str = "cpu") -> dict[str, torch.Tensor]:
    """Model inputs of every function of a split, float32 on ``device``.

    Returns x_context (F, Nc, 2) with columns (t, x), y_context (F, Nc, 1),
    x_target (F, Nt, 2), y_target (F, Nt, 1).
    """
    def stack(t: str, x: str) -> torch.Tensor:
        return torch.stack([torch.as_tensor(ds[t].values), torch.as_tensor(ds[x].values)], dim=-1)

    out = {
        "x_context": stack("t_context", "x_context"),
        "y_context": torch.as_tensor(ds["u_context"].values)[..., None],
        "x_target": stack("t_target", "x_target"),
        "y_target": torch.as_tensor(ds["u_target"].values)[..., None],
    }
    return {k: v.to(device=device, dtype=torch.float32) for k, v in out.items()}


def anp_objective(model: torch.nn.Module, data: dict[str, torch.Tensor], index: torch.Tensor,
                  generator: torch.Generator) -> torch.Tensor:
    """The ANP training loss (summed NLL + KL) on the functions ``index`` of ``data``."""
    with dropout_rng(generator):  # latent draw and dropout masks from the one seeded generator
        return model.loss(data["x_context"][index], data["y_context"][index],
                          data["x_target"][index], data["y_target"][index], generator=generator)["loss"]


def softc_objective(model: torch.nn.Module, data: dict[str, torch.Tensor], index: torch.Tensor,
                    generator: torch.Generator, residual, lam: float) -> torch.Tensor:
    """SoftC-ANP's loss (spec §4.2): the ANP loss + lam * mean r^2 over the batch's target points.

    r is the PDE residual of the predictive mean at the target inputs (autograd), with each
    function's parameter ``data["param"]``. The ANP loss is a SUM over points and the penalty a
    MEAN, as in the original (the scale mismatch that makes lam = 1 a weak penalty is kept).
    """
    x_t = data["x_target"][index].clone().requires_grad_(True)
    with dropout_rng(generator):
        out = model.loss(data["x_context"][index], data["y_context"][index], x_t, data["y_target"][index],
                         generator=generator)
    r = residual(out["mu"], x_t, data["param"][index])
    return out["loss"] + lam * torch.mean(r**2)


def validation_loss(model: torch.nn.Module, data: dict[str, torch.Tensor], batch_size: int) -> float:
    """The training objective summed over all validation functions, with a fixed latent seed."""
    generator = torch.Generator(device=data["x_context"].device).manual_seed(VALIDATION_SEED)
    n = data["x_context"].shape[0]
    total = 0.0
    for start in range(0, n, batch_size):
        index = torch.arange(start, min(start + batch_size, n), device=data["x_context"].device)
        total += float(anp_objective(model, data, index, generator))
    return total


def train_anp(
    train_path: str | Path,
    valid_path: str | Path,
    *,
    model_name: str,
    model_kwargs: dict,
    settings: TrainSettings,
    out_model: str | Path,
    out_history: str | Path,
    work_dir: str | Path,
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
    label: str = "",
    penalty: dict | None = None,
) -> None:
    """Train ``model_name`` (from the registry) and write the selected weights and history.

    ``penalty``: SoftC-ANP's PDE penalty, {"experiment": name of the residual, "lambda": > 0,
    optionally "advection_broadcast": the original's broadcast residual, spec §9.10}; the validation
    loss stays the ANP loss (spec §4.2).

    ``out_model``: a torch file {"model": name, "model_kwargs": ..., "state_dict": ...};
    ``out_history``: CSV with epoch, step, train_loss, val_loss. Both written atomically and
    only when training finished; ``work_dir`` keeps the resumable checkpoint meanwhile.
    """
    if threads:
        torch.set_num_threads(int(threads))
    dev = resolve_device(device)
    train_split = read_netcdf(train_path, SPLIT_VARIABLES)
    train = function_tensors(train_split, dev)
    valid = function_tensors(read_netcdf(valid_path, SPLIT_VARIABLES), dev)
    step_loss = lambda m, idx, g: anp_objective(m, train, idx.to(dev), g)  # noqa: E731
    if penalty is not None:
        lam = float(penalty["lambda"])
        if not lam > 0:
            raise ValueError(f"SoftC penalty lambda must be > 0, got {lam}")
        name = penalty["experiment"]
        if name == "advection" and penalty.get("advection_broadcast", False):
            name = "advection_broadcast"  # the original code's broadcast (spec §9.10)
        residual = get_residual(name)
        train["param"] = torch.as_tensor(train_split[train_split.attrs["param_name"]].values, dtype=torch.float32,
                                         device=dev)
        step_loss = lambda m, idx, g: softc_objective(m, train, idx.to(dev), g, residual, lam)  # noqa: E731
    with seeded_init(settings.seed):
        model = build_model(model_name, **model_kwargs)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("training %s (%d parameters) on %s: %d train / %d valid functions, %s",
             model_name, n_params, dev, train["x_context"].shape[0], valid["x_context"].shape[0], settings)
    state, history = fit(
        model,
        n_items=train["x_context"].shape[0],
        step_loss=step_loss,
        validate=lambda m: validation_loss(m, valid, settings.batch_size),
        settings=settings,
        work_dir=work_dir,
        device=dev,
        progress=progress,
        description=label or model_name,
    )
    write_csv(pd.DataFrame(history), out_history)
    save_model(out_model, model_name, model_kwargs, state, n_params=n_params)


def save_model(path: str | Path, model_name: str, model_kwargs: dict, state_dict: dict, **meta) -> None:
    """Write a trained model file atomically: {"model", "model_kwargs", "state_dict", **meta}."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save({"model": model_name, "model_kwargs": dict(model_kwargs), "state_dict": state_dict, **meta}, tmp)
    os.replace(tmp, path)


def load_model(path: str | Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Rebuild a model saved by ``save_model``; clear errors for a missing or corrupt file."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"model file not found: {path}")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        model = build_model(blob["model"], **blob["model_kwargs"])
        model.load_state_dict(blob["state_dict"])
    except (KeyError, RuntimeError, EOFError, OSError, TypeError) as exc:
        raise ValueError(f"cannot load model file {path}: {exc}") from exc
    return model.to(device)
