"""Dataset builders for the ProbConserv experiments, GPME and hyperbolic (spec §2.6; DESIGN data contracts).

- ``build_split``: the sampled context/target points of train, valid or test functions.
- ``build_truth``: the exact solution and mass of every test function on the evaluation grid.
Both return xarray Datasets (float64) that carry their generating settings as attributes.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from pcml.data.heat_artifacts import heat_points, heat_truth
from pcml.data.sampling import sample_parameters, sample_points, test_parameters
from pcml.problems.base import ConservationProblem

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class PointSettings:
    """How many context/target times and positions each function gets (spec §2.6)."""

    n_context_t: int = 10
    n_context_x: int = 10
    n_target_t: int = 10
    n_target_x: int = 10


def split_rng(seed: int, experiment: str, split: str) -> np.random.Generator:
    """Independent, reproducible generator for one (seed, experiment, split)."""
    return np.random.default_rng([int(seed), zlib.crc32(experiment.encode()), zlib.crc32(split.encode())])


def split_parameters(
    problem: ConservationProblem,
    split: str,
    rng: np.random.Generator,
    n_functions: int,
    train_range: tuple[float, float],
    test_values: list[float],
) -> np.ndarray:
    """Parameter value of every function of ``split``: (n_functions,).

    train/valid draw uniformly from ``train_range``; test repeats each of ``test_values``
    ``n_functions // len(test_values)`` times, grouped by value.
    """
    if split == "test":
        if n_functions % len(test_values):
            raise ValueError(f"n_test={n_functions} is not a multiple of the {len(test_values)} test values")
        params = test_parameters(test_values, n_functions // len(test_values))
    elif split in ("train", "valid"):
        params = sample_parameters(rng, *train_range, n_functions)
    else:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    for p in np.unique(params):
        problem.check_param(p)
    return params


def build_split(
    problem: ConservationProblem,
    split: str,
    n_functions: int,
    *,
    train_range: tuple[float, float],
    test_values: list[float],
    points: PointSettings = PointSettings(),
    seed: int = 0,
    profile: str = "",
    heat_artifacts: bool = False,
) -> xr.Dataset:
    """Sample ``n_functions`` functions of ``problem`` with their context and target points.

    ``heat_artifacts`` (diffusion only): the original code's values, time warp and 511/512 factor
    (``pcml.data.heat_artifacts``, spec §9.1-9.2), instead of the exact solution.

    Returns a Dataset with dims (function, context) and (function, target): variables
    ``t_context``, ``x_context``, ``u_context``, ``t_target``, ``x_target``, ``u_target``
    (exact u, no noise) and the parameter coordinate ``problem.param_name`` over ``function``.
    """
    if n_functions < 1:
        raise ValueError(f"{split}: n_functions must be >= 1, got {n_functions}")
    rng = split_rng(seed, problem.name, split)
    params = split_parameters(problem, split, rng, n_functions, train_range, test_values)
    n_c = points.n_context_t * points.n_context_x
    n_tg = points.n_target_t * points.n_target_x
    arrays = {k: np.empty((n_functions, n)) for k, n in
              (("t_context", n_c), ("x_context", n_c), ("t_target", n_tg), ("x_target", n_tg))}
    for f, p in enumerate(params):
        tc, xc = sample_points(rng, problem.t_range, problem.x_range,
                               points.n_context_t, points.n_context_x, stratified_t=True)
        tt, xt = sample_points(rng, problem.t_range, problem.x_range,
                               points.n_target_t, points.n_target_x, stratified_t=False)
        arrays["t_context"][f], arrays["x_context"][f] = tc, xc
        arrays["t_target"][f], arrays["x_target"][f] = tt, xt
    if heat_artifacts:
        u_context = np.stack([heat_points(arrays["t_context"][f], arrays["x_context"][f], p,
                                          points.n_context_t, points.n_context_x) for f, p in enumerate(params)])
        u_target = np.stack([heat_points(arrays["t_target"][f], arrays["x_target"][f], p,
                                         points.n_target_t, points.n_target_x) for f, p in enumerate(params)])
    else:
        u_context = np.stack([problem.solution(arrays["t_context"][f], arrays["x_context"][f], p)
                              for f, p in enumerate(params)])
        u_target = np.stack([problem.solution(arrays["t_target"][f], arrays["x_target"][f], p)
                             for f, p in enumerate(params)])
    ds = xr.Dataset(
        {
            "t_context": (("function", "context"), arrays["t_context"], {"long_name": "context time"}),
            "x_context": (("function", "context"), arrays["x_context"], {"long_name": "context position"}),
            "u_context": (("function", "context"), u_context, {"long_name": "solution at context points"}),
            "t_target": (("function", "target"), arrays["t_target"], {"long_name": "target time"}),
            "x_target": (("function", "target"), arrays["x_target"], {"long_name": "target position"}),
            "u_target": (("function", "target"), u_target, {"long_name": "solution at target points"}),
        },
        coords={
            "function": np.arange(n_functions),
            problem.param_name: ("function", params, {"long_name": problem.param_long_name}),
        },
    )
    ds.attrs.update(_common_attrs(problem, seed, profile))
    ds.attrs.update(split=split, train_range=list(train_range), test_values=list(test_values),
                    heat_artifacts=int(heat_artifacts),
                    **{k: int(v) for k, v in asdict(points).items()})
    return ds


def build_truth(problem: ConservationProblem, params: np.ndarray, n_t: int, n_x: int,
                *, seed: int = 0, profile: str = "", times: np.ndarray | None = None,
                heat_artifacts: bool = False) -> xr.Dataset:
    """Exact solution of every test function on the uniform evaluation grid (endpoints included).

    Returns a Dataset with ``u`` (function, t, x), ``mass`` (function, t) = exact U(t), the
    grid coordinates ``t`` (n_t,), ``x`` (n_x,) and the parameter coordinate over ``function``.
    ``times``, if given, replaces the uniform time grid (e.g. only the time of interest).
    ``heat_artifacts`` (diffusion): u is the original's e^{-kt} sin(511 x/512); the mass stays the exact 0.
    """
    if n_x < 2 or (times is None and n_t < 2):
        raise ValueError(f"evaluation grid needs n_t, n_x >= 2, got {n_t}, {n_x}")
    t = np.linspace(*problem.t_range, n_t) if times is None else np.asarray(times, float)
    x = np.linspace(*problem.x_range, n_x)
    params = np.asarray(params, float)
    solution = (lambda tt, xx, p: heat_truth(tt, xx, p)) if heat_artifacts else problem.solution
    u = np.stack([solution(t[:, None], x[None, :], p) for p in params])
    mass = np.stack([problem.mass(t, p) for p in params])
    ds = xr.Dataset(
        {
            "u": (("function", "t", "x"), u, {"long_name": "exact solution"}),
            "mass": (("function", "t"), mass, {"long_name": "exact mass U(t) = int u dx"}),
        },
        coords={
            "function": np.arange(len(params)),
            "t": ("t", t, {"long_name": "time", "units": "1"}),
            "x": ("x", x, {"long_name": "position", "units": "1"}),
            problem.param_name: ("function", params, {"long_name": problem.param_long_name}),
        },
    )
    ds.attrs.update(_common_attrs(problem, seed, profile))
    ds.attrs["heat_artifacts"] = int(heat_artifacts)
    return ds


def _common_attrs(problem: ConservationProblem, seed: int, profile: str) -> dict:
    return {
        "experiment": problem.name,
        "param_name": problem.param_name,
        "x_range": list(problem.x_range),
        "t_range": list(problem.t_range),
        "seed": int(seed),
        "profile": profile,
    }


def write_experiment_data(
    experiment: str,
    *,
    problem_settings: dict,
    data_settings: dict,
    seed: int,
    profile: str,
    out_train: str,
    out_valid: str,
    out_test: str,
    out_truth: str,
) -> None:
    """Generate and write the train/valid/test splits and the test truth of one experiment.

    ``problem_settings``: train_range, test_values (t_star is not used here);
    ``data_settings``: n_train, n_valid, n_test_per_value, n_context_*, n_target_*, grid_nt, grid_nx.
    """
    from pcml.data.netcdf import write_netcdf
    from pcml.problems.registry import get_problem

    problem = get_problem(experiment)
    artifacts = bool(problem_settings.get("faithful_artifacts", False))
    if artifacts and experiment != "diffusion":
        raise ValueError(f"faithful_artifacts exists for diffusion only, not {experiment!r}")
    points = PointSettings(**{k: int(data_settings[k]) for k in
                              ("n_context_t", "n_context_x", "n_target_t", "n_target_x")})
    test_values = [float(v) for v in problem_settings["test_values"]]
    sizes = {"train": data_settings["n_train"], "valid": data_settings["n_valid"],
             "test": data_settings["n_test_per_value"] * len(test_values)}
    outputs = {"train": out_train, "valid": out_valid, "test": out_test}
    for split, path in outputs.items():
        ds = build_split(problem, split, int(sizes[split]), train_range=tuple(problem_settings["train_range"]),
                         test_values=test_values, points=points, seed=seed, profile=profile,
                         heat_artifacts=artifacts)
        write_netcdf(ds, path)
        if split == "test":
            truth = build_truth(problem, ds[problem.param_name].values, int(data_settings["grid_nt"]),
                                int(data_settings["grid_nx"]), seed=seed, profile=profile,
                                heat_artifacts=artifacts)
            write_netcdf(truth, out_truth)
