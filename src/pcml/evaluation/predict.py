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
from pcml.constraints.banded import wdiff_probconserv_update
from pcml.constraints.conservation import (aggregate_draws, dense_update, hardc_update, probconserv_covariance,
                                           probconserv_update, trapezoid_weights, wdiff_update)
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


def _probconserv_wdiff(mu, var, w, b, options):
    return wdiff_probconserv_update(mu, var, w, b[None, :], alpha=float(options.get("wdiff_alpha", 0.9)),
                                    sigma_g2=float(options.get("sigma_g2", 0.0)))


POST_PROCESSORS: dict[str, PostProcess] = {
    "anp": _identity,
    "softc_anp": _identity,  # a SoftC-trained ANP: the penalty acts in training only
    "hardc_anp": _hardc,
    "probconserv_anp": _probconserv,
    "probconserv_anp_wdiff": _probconserv_wdiff,  # second-difference step, then the update (spec §4.5)
}


@dataclass(frozen=True)
class InferenceSettings:
    """S latent draws, MC dropout at inference (spec §9.3), sigma_G^2, seed, chunking.

    ``wdiff_alpha``: the neighbour correlation of ProbConserv-ANP (w/diff) (spec §4.5).
    ``sigma_g_precisions``: the precisions 1 / sigma_G^2 of the sigma_G sweep (spec §4.6), each a
    ProbConserv-ANP update of the same draws at the sweep time only.
    """

    n_draws: int = 100
    inference_dropout: bool = True
    sigma_g2: float = 0.0
    seed: int = 0
    max_points_per_pass: int = 10_000  # draws x targets per forward pass (at least one time slice)
    wdiff_alpha: float = 0.9
    sigma_g_precisions: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.n_draws < 2:
            raise ValueError(f"inference n_draws must be >= 2 (the between-draw variance needs two), got {self.n_draws}")
        if self.sigma_g2 < 0:
            raise ValueError(f"inference sigma_g2 must be >= 0, got {self.sigma_g2}")
        if not -1.0 < self.wdiff_alpha < 1.0:
            raise ValueError(f"inference wdiff_alpha must lie in (-1, 1), got {self.wdiff_alpha}")
        bad = [p for p in self.sigma_g_precisions if not p > 0]
        if bad:
            raise ValueError(f"inference sigma_g_precisions must all be > 0, got {bad}")
        object.__setattr__(self, "sigma_g_precisions", tuple(float(p) for p in self.sigma_g_precisions))


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
    t_star: float | None = None,
    posterior_functions: tuple[int, ...] = (),
) -> dict[str, xr.Dataset]:
    """Predict every test function on the grid of ``truth`` for every method in ``methods``.

    ``contexts``: x_context (F, Nc, 2) and y_context (F, Nc, 1) on the model's device.
    ``truth``: Dataset with coords t (n_t,), x (n_x,) and ``mass`` (F, n_t) = b of the constraint.
    Returns {method: Dataset with mean, sd (function, t, x), float64}; with ``t_star`` (a grid time)
    and ``settings.sigma_g_precisions`` also "sigma_g_sweep": mean, sd (precision, function, x) of
    ProbConserv-ANP at t* for each precision, from the same draws; with ``t_star`` also
    "posterior_tstar": cov (method, function, x, x2), the full posterior covariance at t* (mean
    over draws) of ProbConserv-ANP and its w/diff variant for ``posterior_functions`` (the
    shock-position task samples from it).
    """
    check_methods(methods)
    device = next(model.parameters()).device
    t = truth["t"].values
    x = truth["x"].values
    w = trapezoid_weights(x)
    n_f, n_t, n_x, n_s = truth.sizes["function"], len(t), len(x), settings.n_draws
    slices_per_pass = max(1, settings.max_points_per_pass // (n_s * n_x))
    out = {m: {"mean": np.empty((n_f, n_t, n_x)), "sd": np.empty((n_f, n_t, n_x))} for m in methods}
    j = None if t_star is None else _time_index(t, t_star)
    n_p = len(settings.sigma_g_precisions)
    sweep = {"mean": np.empty((n_p, n_f, n_x)), "sd": np.empty((n_p, n_f, n_x))} if j is not None and n_p else None
    full_methods = [m for m in ("probconserv_anp", "probconserv_anp_wdiff") if m in methods]
    posterior = {}  # (method, function) -> covariance at t*
    model.train(settings.inference_dropout)
    identity = str(truth.attrs.get("experiment", ""))
    options = {"sigma_g2": settings.sigma_g2, "wdiff_alpha": settings.wdiff_alpha}
    chunks = [slice(s, min(s + slices_per_pass, n_t)) for s in range(0, n_t, slices_per_pass)]
    bar = tqdm(total=n_f * len(chunks), desc="predict", disable=not progress, mininterval=30.0)
    mu = np.empty((n_s, n_t, n_x))
    var = np.empty((n_s, n_t, n_x))
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
                encoding = model.encode_context(x_c, y_c, n_s, generator=gen)
            for sl in chunks:
                tt, xx = np.meshgrid(t[sl], x, indexing="ij")
                x_t = torch.as_tensor(np.stack([tt.ravel(), xx.ravel()], -1), dtype=torch.float32,
                                      device=device)[None]
                slice_gens = [seeding.generator(settings.seed, "targets", identity, f, i, device=device)
                              for i in range(sl.start, sl.stop)]
                with dropout_rng(gen, slice_gens, target_block=n_x):
                    mu_c, sigma_c = model.decode_targets(encoding, x_t)
                mu[:, sl] = mu_c[:, 0].double().cpu().numpy().reshape(n_s, -1, n_x)
                var[:, sl] = (sigma_c[:, 0].double().cpu().numpy() ** 2).reshape(n_s, -1, n_x)
                bar.update(1)
            for m in methods:  # every method post-processes the same per-draw moments
                mean, v = aggregate_draws(*POST_PROCESSORS[m](mu, var, w, b_f, options))
                out[m]["mean"][f], out[m]["sd"][f] = mean, np.sqrt(v)
            if j is not None and f in posterior_functions:
                for m in full_methods:
                    posterior[(m, f)] = full_posterior_covariance(m, mu[:, j], var[:, j], w, b_f[j], options)
            if sweep is not None:
                for k, precision in enumerate(settings.sigma_g_precisions):
                    mean, v = aggregate_draws(*probconserv_update(mu[:, j], var[:, j], w, b_f[j], 1.0 / precision))
                    sweep["mean"][k, f], sweep["sd"][k, f] = mean, np.sqrt(v)
    bar.close()
    result = {m: _prediction_dataset(out[m]["mean"], out[m]["sd"], truth, m, settings) for m in methods}
    if sweep is not None:
        result["sigma_g_sweep"] = _sweep_dataset(sweep, truth, settings, j)
    if j is not None:
        result["posterior_tstar"] = _posterior_dataset(posterior, full_methods, posterior_functions, truth, j)
    return result


def _time_index(t: np.ndarray, t_value: float) -> int:
    """Index of ``t_value`` in the grid ``t``; ValueError if it is not a grid time."""
    hits = np.flatnonzero(np.isclose(t, t_value, rtol=0, atol=1e-9 * max(1.0, abs(t).max())))
    if hits.size != 1:
        raise ValueError(f"time {t_value} is not a point of the evaluation grid")
    return int(hits[0])


def full_posterior_covariance(method: str, mu: np.ndarray, var: np.ndarray, w: np.ndarray, b: float,
                              options: dict) -> np.ndarray:
    """Mean over draws of a constrained method's posterior covariance of one slice: (N, N).

    ``mu``, ``var``: (S, N) per-draw ANP moments. ProbConserv-ANP: diag(var) - (var w)(var w)^T /
    (sigma_G^2 + w^T diag(var) w) per draw; w/diff: the dense second-difference step, then the same
    update with its full covariance. The between-draw spread is not included (spec §4.4).
    """
    sigma_g2 = float(options.get("sigma_g2", 0.0))
    if method == "probconserv_anp":
        return probconserv_covariance(var, w, sigma_g2).mean(axis=0)
    if method == "probconserv_anp_wdiff":
        covs = []
        for mu_s, var_s in zip(mu, var):
            step_mean, step_cov = wdiff_update(mu_s, var_s, float(options.get("wdiff_alpha", 0.9)))
            covs.append(dense_update(step_mean, step_cov, w[None, :], np.array([b]), sigma_g2)[1])
        return np.mean(covs, axis=0)
    raise ValueError(f"no full posterior covariance for method {method!r}")


def _posterior_dataset(posterior: dict, methods: list[str], functions: tuple[int, ...], truth: xr.Dataset,
                       t_index: int) -> xr.Dataset:
    """predictions/posterior_tstar.nc: cov (method, function, x, x2) at one time (may be empty)."""
    x = truth["x"].values
    cov = np.zeros((len(methods), len(functions), len(x), len(x)))
    for i, m in enumerate(methods):
        for k, f in enumerate(functions):
            cov[i, k] = posterior[(m, f)]
    ds = xr.Dataset({"cov": (("method", "function", "x", "x2"), cov,
                             {"long_name": "posterior covariance at t (mean over draws)"})},
                    coords={"method": list(methods), "function": list(functions), "x": x, "x2": x})
    ds.attrs.update(truth.attrs)
    ds.attrs["t"] = float(truth["t"].values[t_index])
    return ds


def _prediction_dataset(mean: np.ndarray, sd: np.ndarray, truth: xr.Dataset, method: str,
                        settings: InferenceSettings) -> xr.Dataset:
    """predictions/<method>.nc: mean and sd (function, t, x) with the truth's coordinates."""
    ds = xr.Dataset(
        {
            "mean": (("function", "t", "x"), mean, {"long_name": "predictive mean"}),
            "sd": (("function", "t", "x"), sd, {"long_name": "predictive standard deviation"}),
        },
        coords={k: truth.coords[k] for k in truth.coords},
    )
    ds.attrs.update(truth.attrs)
    ds.attrs.update(method=method, n_draws=settings.n_draws, inference_dropout=int(settings.inference_dropout),
                    sigma_g2=settings.sigma_g2 if method.startswith("probconserv_anp") else 0.0,
                    inference_seed=settings.seed)
    if method == "probconserv_anp_wdiff":
        ds.attrs["wdiff_alpha"] = settings.wdiff_alpha
    return ds


def _sweep_dataset(sweep: dict, truth: xr.Dataset, settings: InferenceSettings, j: int) -> xr.Dataset:
    """predictions/sigma_g_sweep.nc: ProbConserv-ANP mean and sd (precision, function, x) at time index j."""
    coords = {k: truth.coords[k] for k in truth.coords if "t" not in truth.coords[k].dims}
    coords["precision"] = ("precision", np.asarray(settings.sigma_g_precisions),
                           {"long_name": "constraint precision 1 / sigma_G^2"})
    ds = xr.Dataset(
        {
            "mean": (("precision", "function", "x"), sweep["mean"], {"long_name": "predictive mean"}),
            "sd": (("precision", "function", "x"), sweep["sd"], {"long_name": "predictive standard deviation"}),
            "u": (("function", "x"), truth["u"].values[:, j]),
            "mass": (("function",), truth["mass"].values[:, j]),
        },
        coords=coords,
    )
    ds.attrs.update(truth.attrs)
    ds.attrs.update(method="probconserv_anp", t=float(truth["t"].values[j]), n_draws=settings.n_draws,
                    inference_dropout=int(settings.inference_dropout), inference_seed=settings.seed)
    return ds


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
    t_star: float | None = None,
    sweep_path: str | None = None,
    posterior: tuple[int, str] | None = None,
) -> None:
    """Load a trained ANP, predict the test functions and write ``predictions/<method>.nc``.

    ``out_paths`` maps each method to its output file; every file is written atomically.
    ``released``: the model file is one of the authors' released state dicts.
    With ``t_star`` (a grid time): ``sweep_path`` receives the sigma_G sweep at t* and ``posterior``
    = (f_id, path) the full t* posterior of test function f_id of every parameter value
    (``predict_functions``).
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
    if (sweep_path or posterior) and t_star is None:
        raise ValueError("the sigma_G sweep and the t* posterior need t_star")
    functions = ()
    if posterior:
        from pcml.evaluation.shock import functions_of_each_value

        params = truth[truth.attrs["param_name"]].values
        functions = tuple(f for _, f in functions_of_each_value(params, posterior[0]))
    predictions = predict_functions(model, contexts, truth, list(out_paths), settings, progress=progress,
                                    t_star=t_star, posterior_functions=functions)
    if posterior:
        out_paths = {**out_paths, "posterior_tstar": posterior[1]}
    if sweep_path:
        if "sigma_g_sweep" not in predictions:
            raise ValueError("a sigma_G sweep file was requested but inference.sigma_g_precisions is empty")
        out_paths = {**out_paths, "sigma_g_sweep": sweep_path}
    for method, path in out_paths.items():
        predictions[method].attrs["model_file"] = str(model_path)
        write_netcdf(predictions[method], path)


ANP_DERIVED = ("anp", "hardc_anp", "probconserv_anp", "probconserv_anp_wdiff")


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
