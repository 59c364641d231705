"""The one training loop: seeded, device-aware, checkpointed and resumable, with a progress bar.

``fit`` knows nothing about the model family. The caller supplies
- ``step_loss(model, batch_index, generator) -> loss tensor`` for one optimiser step, and
- ``validate(model) -> float`` for the validation loss.

Every epoch visits the training items in a permutation drawn from (seed, epoch), so a run
resumed from a checkpoint taken mid-epoch replays exactly the batches a run without
interruption would have seen. Every other random draw of a step (latent samples, dropout
masks) comes from the one ``generator`` handed to ``step_loss``, seeded from the training seed
and saved in the checkpoint; torch's and numpy's global generators are never used. The state (model, optimiser, scheduler, RNGs, history) is
written atomically to ``work_dir/checkpoint.pt`` every ``checkpoint_seconds`` and at every
validation; a killed job continues from there when it is started again.
"""

from __future__ import annotations

import logging
import math
import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from tqdm.auto import tqdm

from pcml.seeding import derive_seed

log = logging.getLogger(__name__)

StepLoss = Callable[[torch.nn.Module, torch.Tensor, torch.Generator], torch.Tensor]
Validate = Callable[[torch.nn.Module], float]


class StepStats:
    """A per-step diagnostic of the weights, summarised per epoch into the history (optional in :func:`fit`).

    ``measure(model)`` runs before each optimiser step (on the weights that step's forward uses) and
    returns a dict of floats; ``summarise(rows)`` turns the epoch's list of such dicts into the columns
    added to the epoch's history row. The per-step dicts are checkpointed, so a resumed run writes the
    same history as an uninterrupted one.
    """

    def measure(self, model: torch.nn.Module) -> dict[str, float]:
        raise NotImplementedError

    def summarise(self, rows: list[dict[str, float]]) -> dict[str, float]:
        raise NotImplementedError


@dataclass(frozen=True)
class TrainSettings:
    """Optimisation settings shared by every model family.

    ``select``: ``"best"`` keeps the weights of the lowest validation loss (ProbConserv),
    ``"last"`` the weights after the final epoch (BOON). ``scheduler_step``: StepLR period
    in epochs (0 = constant learning rate).
    """

    epochs: int
    batch_size: int
    lr: float
    val_every: int = 1
    weight_decay: float = 0.0
    scheduler_step: int = 0
    scheduler_gamma: float = 0.5
    select: str = "best"
    seed: int = 0
    checkpoint_seconds: float = 120.0

    def __post_init__(self) -> None:
        for name in ("epochs", "batch_size", "val_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"training setting {name} must be >= 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"training setting lr must be > 0, got {self.lr}")
        if self.select not in ("best", "last"):
            raise ValueError(f"training setting select must be 'best' or 'last', got {self.select!r}")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto`` -> CUDA when available, else CPU; otherwise the named torch device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(name)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but CUDA is not available")
    return device


def epoch_permutation(seed: int, epoch: int, n_items: int) -> torch.Tensor:
    """The order in which epoch ``epoch`` visits ``n_items`` items: (n_items,) int64."""
    g = torch.Generator().manual_seed(int(seed) * 1_000_003 + int(epoch))
    return torch.randperm(n_items, generator=g)


def _atomic_save(obj: object, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def fit(
    model: torch.nn.Module,
    *,
    n_items: int,
    step_loss: StepLoss,
    validate: Validate,
    settings: TrainSettings,
    work_dir: str | Path,
    device: torch.device,
    progress: bool = True,
    description: str = "train",
    step_stats: StepStats | None = None,
) -> tuple[dict[str, torch.Tensor], list[dict]]:
    """Train ``model`` and return (selected state dict on the CPU, history rows).

    History rows: dicts with epoch, step, train_loss (mean over the epoch's steps) and
    val_loss (NaN where not validated), plus the columns of ``step_stats.summarise`` when given.
    ``work_dir`` holds the resumable checkpoint.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    ckpt_path = work_dir / "checkpoint.pt"
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.lr, weight_decay=settings.weight_decay)
    scheduler = (torch.optim.lr_scheduler.StepLR(optimiser, settings.scheduler_step, settings.scheduler_gamma)
                 if settings.scheduler_step > 0 else None)
    generator = torch.Generator(device=device)
    steps_per_epoch = math.ceil(n_items / settings.batch_size)

    state = {"epoch": 0, "step_in_epoch": 0, "history": [], "epoch_losses": [], "epoch_stats": [],
             "best_val": math.inf, "best_state": None}
    if ckpt_path.exists():
        state = _load_checkpoint(ckpt_path, model, optimiser, scheduler, generator, settings)
        log.info("resumed from %s at epoch %d, step %d", ckpt_path, state["epoch"], state["step_in_epoch"])
    else:
        generator.manual_seed(derive_seed(settings.seed, "train"))

    def save() -> None:
        _atomic_save({
            **{k: state[k] for k in _STATE_KEYS},
            "model": model.state_dict(), "optimiser": optimiser.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler else None,
            "generator": generator.get_state(),
            "settings": asdict(settings),
        }, ckpt_path)

    total = settings.epochs * steps_per_epoch
    done = state["epoch"] * steps_per_epoch + state["step_in_epoch"]
    bar = tqdm(total=total, initial=done, desc=description, disable=not progress,
               mininterval=1.0 if _is_tty() else 30.0, dynamic_ncols=True)
    last_save = time.monotonic()
    while state["epoch"] < settings.epochs:
        epoch = state["epoch"]
        order = epoch_permutation(settings.seed, epoch, n_items)
        model.train()
        for step in range(state["step_in_epoch"], steps_per_epoch):
            batch = order[step * settings.batch_size:(step + 1) * settings.batch_size]
            if step_stats is not None:
                with torch.no_grad():
                    state["epoch_stats"].append(step_stats.measure(model))
            optimiser.zero_grad(set_to_none=True)
            loss = step_loss(model, batch, generator)
            if not torch.isfinite(loss):
                raise FloatingPointError(f"{description}: non-finite training loss at epoch {epoch}, step {step}")
            loss.backward()
            optimiser.step()
            state["epoch_losses"].append(float(loss.detach()))
            state["step_in_epoch"] = step + 1
            bar.update(1)
            if time.monotonic() - last_save > settings.checkpoint_seconds:
                save()
                last_save = time.monotonic()
        if scheduler:
            scheduler.step()
        row = {"epoch": epoch + 1, "step": (epoch + 1) * steps_per_epoch,
               "train_loss": float(np.mean(state["epoch_losses"])), "val_loss": math.nan}
        if step_stats is not None:
            row.update(step_stats.summarise(state["epoch_stats"]))
        if (epoch + 1) % settings.val_every == 0 or epoch + 1 == settings.epochs:
            model.eval()
            with torch.no_grad():
                row["val_loss"] = float(validate(model))
            if settings.select == "best" and row["val_loss"] < state["best_val"]:
                state["best_val"] = row["val_loss"]
                state["best_state"] = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
            bar.set_postfix(train=f"{row['train_loss']:.4g}", val=f"{row['val_loss']:.4g}")
        state["history"].append(row)
        state["epoch"], state["step_in_epoch"], state["epoch_losses"], state["epoch_stats"] = epoch + 1, 0, [], []
        if row["val_loss"] == row["val_loss"] or time.monotonic() - last_save > settings.checkpoint_seconds:
            save()
            last_save = time.monotonic()
        _kill_point(state["epoch"], ckpt_path)
    bar.close()
    save()
    if settings.select == "best" and state["best_state"] is not None:
        selected = state["best_state"]
    else:
        selected = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    return selected, state["history"]


_STATE_KEYS = ("epoch", "step_in_epoch", "history", "epoch_losses", "epoch_stats", "best_val", "best_state")


def _load_checkpoint(path: Path, model, optimiser, scheduler, generator, settings: TrainSettings) -> dict:
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ValueError(f"cannot read training checkpoint {path} ({exc}); delete it to restart training") from exc
    if ckpt.get("settings") != asdict(settings):
        raise ValueError(
            f"training checkpoint {path} was written with other settings {ckpt.get('settings')}; "
            f"delete it (or its folder) to restart with {asdict(settings)}"
        )
    model.load_state_dict(ckpt["model"])
    optimiser.load_state_dict(ckpt["optimiser"])
    if scheduler and ckpt["scheduler"]:
        scheduler.load_state_dict(ckpt["scheduler"])
    generator.set_state(ckpt["generator"])
    # "epoch_stats" is absent from checkpoints written before the step diagnostics existed
    return {k: ckpt.get(k, []) if k == "epoch_stats" else ckpt[k] for k in _STATE_KEYS}


KILL_ENV = "PCML_KILL_AFTER_EPOCH"


def _kill_point(epoch: int, ckpt_path: Path) -> None:
    """Fault injection for the resume tests: SIGKILL this process after epoch ``$PCML_KILL_AFTER_EPOCH``.

    The kill comes after the epoch's checkpoint (if any) is on disk, as a crash would. Unset (the
    normal case), nothing happens.
    """
    target = os.environ.get(KILL_ENV)
    if target and int(target) == epoch:
        log.warning("%s=%s: killing the training process after epoch %d (checkpoint %s exists: %s)",
                    KILL_ENV, target, epoch, ckpt_path, ckpt_path.exists())
        os.kill(os.getpid(), signal.SIGKILL)


def _is_tty() -> bool:
    try:
        return os.isatty(2)
    except OSError:
        return False
