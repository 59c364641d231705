"""Streaming inference: one pass over S latent draws yields every ANP-derived method.

For each test function and each chunk of time slices of the evaluation grid, the ANP gives
per-draw means mu_s and variances sigma_s^2 (float64 from here on). Every registered
post-processing method (ANP itself, HardC-ANP, ProbConserv-ANP, ...) maps these per-draw
moments slice by slice, and the draws are moment-matched (spec §4.1, §4.3, §4.4). Only one
chunk of draws is in memory at a time, so memory does not grow with the grid or S.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

from pcml import seeding
from pcml.constraints.conservation import aggregate_draws, hardc_update, probconserv_update, trapezoid_weights
from pcml.models.dropout import dropout_rng

log = logging.getLogger(__name__)

# (mu_s (S, n_t, n_x), var_s (S, n_t, n_x), w (n_x,), b (n_t,), options) -> (mu_s', var_s')
PostProcess = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict], tuple[np.ndarray, np.ndarray]]


def _identity(mu, var, w, b, options):
    return mu, var


def _hardc(mu, var, w, b, options):
    return hardc_update(mu, w, b[None, :]), var


def _probconserv(mu, var, w, b, options):
    return probconserv_update(mu, var, w, b[None, :], sigma_g2=float(options.get("sigma_g2", 0.0)))


POST_PROCESSORS: dict[str, PostProcess] = {
    "anp": _identity,
    "softc_anp": _identity,  # a SoftC-trained ANP: the penalty acts in training only
    "hardc_anp": _hardc,
    "probconserv_anp": _probconserv,
}


@dataclass(frozen=True)
class InferenceSettings:
    """S latent draws, MC dropout at inference (spec §9.3), sigma_G^2, seed, chunking."""

    n_draws: int = 100
    inference_dropout: bool = True
    sigma_g2: float = 0.0
    seed: int = 0
    max_points_per_pass: int = 10_000  # draws x targets per forward pass (at least one time slice)

    def __post_init__(self) -> None:
        if self.n_draws < 2:
            raise ValueError(f"inference n_draws must be >= 2 (the between-draw variance needs two), got {self.n_draws}")
        if self.sigma_g2 < 0:
            raise ValueError(f"inference sigma_g2 must be >= 0, got {self.sigma_g2}")


def check_methods(methods: list[str]) -> None:
    """Raise ValueError naming any method without a registered post-processor."""
    unknown = [m for m in methods if m not in POST_PROCESSORS]
    if unknown:
        raise ValueError(f"unknown ANP-derived method(s) {unknown}; known: {sorted(POST_PROCESSORS)}")


def predict_functions(
    model: torch.nn.Module,
    contexts: dict[str, torch.Tensor],
    truth: xr.Dataset,
    methods: list[str],
    settings: InferenceSettings,
    progress: bool = True,
) -> dict[str, xr.Dataset]:
    """Predict every test function on the grid of ``truth`` for every method in ``methods``.

    ``contexts``: x_context (F, Nc, 2) and y_context (F, Nc, 1) on the model's device.
    ``truth``: Dataset with coords t (n_t,), x (n_x,) and ``mass`` (F, n_t) = b of the constraint.
    Returns {method: Dataset with mean, sd (function, t, x), float64}.
    """
    check_methods(methods)
    device = next(model.parameters()).device
    t = truth["t"].values
    x = truth["x"].values
    w = trapezoid_weights(x)
    n_f, n_t, n_x = truth.sizes["function"], len(t), len(x)
    slices_per_pass = max(1, settings.max_points_per_pass // (settings.n_draws * n_x))
    out = {m: {"mean": np.empty((n_f, n_t, n_x)), "sd": np.empty((n_f, n_t, n_x))} for m in methods}
    model.train(settings.inference_dropout)
    identity = str(truth.attrs.get("experiment", ""))
    options = {"sigma_g2": settings.sigma_g2}
    chunks = [slice(s, min(s + slices_per_pass, n_t)) for s in range(0, n_t, slices_per_pass)]
    bar = tqdm(total=n_f * len(chunks), desc="predict", disable=not progress, mininterval=30.0)
    with torch.no_grad():
        for f in range(n_f):
            x_c = contexts["x_context"][f:f + 1]
            y_c = contexts["y_context"][f:f + 1]
            b_f = truth["mass"].values[f]
            # The function's generator gives the latent draws and the masks of the context path,
            # once per function; the masks of the target path come from one generator per time
            # slice, so no random draw depends on how the slices are cut into chunks.
            gen = seeding.generator(settings.seed, "draws", identity, f, device=device)
            with dropout_rng(gen):
                encoding = model.encode_context(x_c, y_c, settings.n_draws, generator=gen)
            for sl in chunks:
                tt, xx = np.meshgrid(t[sl], x, indexing="ij")
                x_t = torch.as_tensor(np.stack([tt.ravel(), xx.ravel()], -1), dtype=torch.float32,
                                      device=device)[None]
                slice_gens = [seeding.generator(settings.seed, "targets", identity, f, i, device=device)
                              for i in range(sl.start, sl.stop)]
                with dropout_rng(gen, slice_gens, target_block=n_x):
                    mu, sigma = model.decode_targets(encoding, x_t)
                mu = mu[:, 0].double().cpu().numpy().reshape(settings.n_draws, -1, n_x)
                var = (sigma[:, 0].double().cpu().numpy() ** 2).reshape(settings.n_draws, -1, n_x)
                for m in methods:
                    mu_m, var_m = POST_PROCESSORS[m](mu, var, w, b_f[sl], options)
                    mean, v = aggregate_draws(mu_m, var_m)
                    out[m]["mean"][f, sl] = mean
                    out[m]["sd"][f, sl] = np.sqrt(v)
                bar.update(1)
    bar.close()
    coords = {k: truth.coords[k] for k in truth.coords}
    result = {}
    for m in methods:
        ds = xr.Dataset(
            {
                "mean": (("function", "t", "x"), out[m]["mean"], {"long_name": "predictive mean"}),
                "sd": (("function", "t", "x"), out[m]["sd"], {"long_name": "predictive standard deviation"}),
            },
            coords=coords,
        )
        ds.attrs.update(truth.attrs)
        ds.attrs.update(method=m, n_draws=settings.n_draws, inference_dropout=int(settings.inference_dropout),
                        sigma_g2=settings.sigma_g2 if m == "probconserv_anp" else 0.0,
                        inference_seed=settings.seed)
        result[m] = ds
    return result


def run_inference(
    model_path: str,
    test_path: str,
    truth_path: str,
    out_paths: dict[str, str],
    settings: InferenceSettings,
    *,
    device: str = "auto",
    threads: int | None = None,
    progress: bool = True,
    released: bool = False,
) -> None:
    """Load a trained ANP, predict the test functions and write ``predictions/<method>.nc``.

    ``out_paths`` maps each method to its output file; every file is written atomically.
    ``released``: the model file is one of the authors' released state dicts.
    """
    from pcml.data.netcdf import read_netcdf, write_netcdf
    from pcml.training.anp import SPLIT_VARIABLES, function_tensors, load_model
    from pcml.training.loop import resolve_device

    if threads:
        torch.set_num_threads(int(threads))
    dev = resolve_device(device)
    if released:
        from pcml.models.released import load_released_anp

        model = load_released_anp(model_path).to(dev)
    else:
        model = load_model(model_path, dev)
    test = read_netcdf(test_path, SPLIT_VARIABLES)
    truth = read_netcdf(truth_path, ("u", "mass"))
    if test.sizes["function"] != truth.sizes["function"]:
        raise ValueError(f"{test_path} has {test.sizes['function']} functions but {truth_path} has "
                         f"{truth.sizes['function']}")
    contexts = function_tensors(test, dev)
    predictions = predict_functions(model, contexts, truth, list(out_paths), settings, progress=progress)
    for method, path in out_paths.items():
        predictions[method].attrs["model_file"] = str(model_path)
        write_netcdf(predictions[method], path)


ANP_DERIVED = ("anp", "hardc_anp", "probconserv_anp")


def run_released_inference(weights: dict[str, str], methods: list[str], test_path: str, truth_path: str,
                           out_dir: str, settings: InferenceSettings, *, device: str = "auto",
                           threads: int | None = None) -> None:
    """Predictions of the authors' released models: ``out_dir/<method>.nc`` for every method.

    ``weights`` maps a weights family to its released file: "anp" (giving ANP, HardC-ANP and
    ProbConserv-ANP from one pass) and, where released, "softc_anp".
    """
    from pathlib import Path

    for family, path in weights.items():
        produced = [m for m in methods if (m in ANP_DERIVED if family == "anp" else m == family)]
        if produced:
            run_inference(path, test_path, truth_path, {m: str(Path(out_dir) / f"{m}.nc") for m in produced},
                          settings, device=device, threads=threads, released=True)
