"""Semantic checks of the workflow configuration, beyond what the JSON schema can say.

The schema (workflow/config/schema.yaml) catches misspelt keys, wrong types and simple
ranges. ``check_config`` adds the checks that relate several values: a parameter range
inside the problem's valid range, t* and the extra table times on the evaluation grid, a
figure that names a test value, ... Every failure is a ``ConfigError`` whose message names the key at fault.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from pcml.problems.registry import PROBLEMS, get_problem


BOON_BC_TYPES = ("dirichlet", "neumann", "periodic")


class ConfigError(ValueError):
    """A configuration value is inconsistent; the message names the key."""


def validate_schema(config: Mapping[str, Any], schema_path: str) -> None:
    """Check ``config`` against the JSON schema at ``schema_path``.

    Raises ConfigError listing every violation as 'key.path: message' (one line each),
    without dumping the schema.
    """
    import jsonschema
    import yaml

    with open(schema_path) as f:
        schema = yaml.safe_load(f)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(dict(config)), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for err in errors:
            key = ".".join(str(p) for p in err.absolute_path)
            if err.validator == "additionalProperties" and isinstance(err.instance, dict):
                known = sorted(err.schema.get("properties", {}))
                for name in sorted(set(err.instance) - set(known)):
                    lines.append(f"  {'.'.join([key, name]) if key else name}: unknown key (known here: {known})")
                continue
            lines.append(f"  {key or '<top level>'}: {err.message}")
        raise ConfigError("configuration does not match workflow/config/schema.yaml:\n" + "\n".join(lines))


def on_grid(value: float, lo: float, hi: float, n: int) -> bool:
    """True when ``value`` is (to 1e-9 relative) a node of linspace(lo, hi, n)."""
    pos = (value - lo) / (hi - lo) * (n - 1)
    return bool(0 <= round(pos) <= n - 1 and abs(pos - round(pos)) < 1e-6)


def check_probconserv(cfg: Mapping[str, Any]) -> None:
    """Check the ``probconserv`` section; raise ConfigError naming the first bad key."""
    data = cfg["data"]
    for name in cfg["experiments"]:
        key = f"probconserv.problems.{name}"
        if name not in PROBLEMS:
            raise ConfigError(f"probconserv.experiments: unknown experiment {name!r}; known: {list(PROBLEMS)}")
        if name not in cfg["problems"]:
            raise ConfigError(f"{key} is missing: experiment {name!r} is listed in probconserv.experiments")
        problem = get_problem(name)
        settings = cfg["problems"][name]
        if settings.get("faithful_artifacts") and name != "diffusion":
            raise ConfigError(f"{key}.faithful_artifacts: the original's data artefacts exist for diffusion only")
        lo, hi = settings["train_range"]
        if not lo <= hi:
            raise ConfigError(f"{key}.train_range = {[lo, hi]} is empty (first value must be <= second)")
        for label, values in (("train_range", [lo, hi]), ("test_values", settings["test_values"])):
            for v in values:
                try:
                    problem.check_param(v)
                except ValueError as exc:
                    raise ConfigError(f"{key}.{label}: {exc}") from None
        t0, t1 = problem.t_range
        times = [("t_star =", settings["t_star"])] + [("t_extra holds", t) for t in settings.get("t_extra", [])]
        for label, t in times:
            if not on_grid(t, t0, t1, data["grid_nt"]):
                raise ConfigError(
                    f"{key}.{label} {t}, which is not a node of the evaluation grid "
                    f"linspace({t0}, {t1}, probconserv.data.grid_nt={data['grid_nt']})"
                )
        if any(np.isclose(t, settings["t_star"]) for t in settings.get("t_extra", [])):
            raise ConfigError(f"{key}.t_extra = {settings['t_extra']} repeats t_star = {settings['t_star']} "
                              "(its table is probconserv_<experiment>.*)")
    for name, value in cfg.get("combined_table", {}).items():
        if name in cfg["experiments"] and not np.any(np.isclose(cfg["problems"][name]["test_values"], value)):
            raise ConfigError(f"probconserv.combined_table.{name} = {value} is not one of the test values "
                              f"{cfg['problems'][name]['test_values']}")
    shock = cfg["shock"]
    for name in shock["experiments"]:
        problem, values = get_problem(name), cfg["problems"].get(name, {}).get("test_values", [])
        if not values or problem.front_position(np.asarray(problem.t_range[1]), values[0]) is None:
            raise ConfigError(f"probconserv.shock.experiments: {name!r} has no front (no shock position to sample)")
    if shock["f_id"] >= data["n_test_per_value"]:
        raise ConfigError(f"probconserv.shock.f_id = {shock['f_id']} but probconserv.data.n_test_per_value = "
                          f"{data['n_test_per_value']}")
    for fig_name, fig in cfg["figures"].items():
        key = f"probconserv.figures.{fig_name}"
        if fig["experiment"] not in cfg["experiments"]:
            continue  # the figure is skipped when its experiment is not run
        values = cfg["problems"][fig["experiment"]]["test_values"]
        if not np.any(np.isclose(values, fig["param"])):
            raise ConfigError(f"{key}.param = {fig['param']} is not one of the test values {values}")
        if fig.get("f_id", 0) >= data["n_test_per_value"]:
            raise ConfigError(f"{key}.f_id = {fig['f_id']} but probconserv.data.n_test_per_value = "
                              f"{data['n_test_per_value']}")
        if fig["kind"] in ("solution_profiles", "error_profiles", "overlaid_profiles"):
            if "t" not in fig:
                raise ConfigError(f"{key}.t is required for kind {fig['kind']}")
            t0, t1 = get_problem(fig["experiment"]).t_range
            if not on_grid(fig["t"], t0, t1, data["grid_nt"]):
                raise ConfigError(f"{key}.t = {fig['t']} is not a node of the evaluation grid")


def check_boon_dataset(name: str, block: Mapping[str, Any]) -> None:
    """A ``boon.datasets`` block names a known generator and only settings that generator takes."""
    from pcml.data.boon_datasets import check_generator_settings  # imports the solvers: only when needed

    try:
        check_generator_settings(name, dict(block))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


#: frames make_cavity stores when out_times is not given (t_final * (0.02, 0.06, ..., 0.98))
CAVITY_DEFAULT_FRAMES = 25
#: zero-padding (x, t) of each BOON method family's Fourier layers (spec boon.md §4.1, pitfall P6)
TIME_PAD = {"fno2d": 9, "boon_fno2d": 9, "fno3d": 6, "boon_fno3d": 6}
SPACE_PAD = {"fno2d": 9}


def boon_dataset_grid(block: Mapping[str, Any]) -> tuple[str, dict[str, int]]:
    """(kind, sizes) of the dataset a ``boon.datasets`` block makes, from its settings and the generator's
    defaults: kind '1d' (sizes x), '1d_t' (x, t) or '2d_t' (x, y, t)."""
    import inspect

    from pcml.data.boon_datasets import get_generator

    defaults = {k: p.default for k, p in inspect.signature(get_generator(block["generator"])).parameters.items()}
    value = lambda k: block.get(k, defaults.get(k))  # noqa: E731
    if block["generator"] == "cavity":
        n = (value("n_grid") - 1) // value("subsample") + 1
        n_t = len(block["out_times"]) if block.get("out_times") else CAVITY_DEFAULT_FRAMES
        return "2d_t", {"x": n, "y": n, "t": n_t}
    if block["generator"] == "wave":
        return "2d_t", {"x": value("n_grid"), "y": value("n_grid"), "t": value("n_out")}
    if value("multi_step"):
        return "1d_t", {"x": value("n_x"), "t": value("n_out")}
    return "1d", {"x": value("n_x")}


def boon_mode_limits(method: str, sizes: Mapping[str, int], bc_type: str) -> dict[str, tuple[int, str]]:
    """The largest ``modes`` (space) and ``modes_t`` (time) a method takes on a grid (pitfall P21).

    The last axis (x in 1-D, t otherwise) is the rFFT axis: at most (padded length) // 2 + 1 modes; every
    other axis keeps both frequency signs: at most (padded length) // 2. Padding: FNO2d pads x and t by 9,
    BOON-FNO2d pads t by 9 (nothing when periodic), FNO3d and BOON-FNO3d pad t by 6, FNO1d nothing.
    Returns {"modes": (limit, how), ["modes_t": (limit, how)]}, ``how`` the formula in words.
    """
    # the padding is the base model's: PINO-lite is a plain FNO, the BC-input FNO1d an FNO1d
    family = method.removesuffix("_clean").removesuffix("_bcin").removeprefix("pino_")
    if "t" not in sizes:
        return {"modes": (sizes["x"] // 2 + 1, f"n_x // 2 + 1 = {sizes['x'] // 2 + 1}")}
    pad_t = 0 if family.startswith("boon") and bc_type == "periodic" else TIME_PAD[family]
    pad_x = SPACE_PAD.get(family, 0)
    space = [a for a in ("x", "y") if a in sizes]
    n_space = min(sizes[a] + pad_x for a in space)
    n_t = sizes["t"] + pad_t
    return {"modes": (n_space // 2, f"(n_{'/'.join(space)} + pad {pad_x}) // 2 = {n_space // 2}"),
            "modes_t": (n_t // 2 + 1, f"(n_t + pad {pad_t}) // 2 + 1 = {n_t // 2 + 1}")}


def check_boon_experiment(name: str, exp: Mapping[str, Any], datasets: Mapping[str, Any]) -> None:
    """One ``boon.experiments`` block against its dataset; ConfigError naming the first bad key.

    The dataset must exist, be large enough for n_train + n_test and have the experiment's bc_type; every
    method must map the dataset's kind (FNO1d family: 1-D single-step; FNO2d: 1-D multi-step; FNO3d: 2-D
    multi-step); n_train and n_test must be multiples of the batch size (the notebooks' fixed-size batches,
    spec boon.md §4.2); model.modes_t only for the space-time methods; the Fourier modes must fit the
    (padded) grid of every method (:func:`boon_mode_limits`, pitfall P21).
    """
    from pcml.data.boon_datasets import GENERATOR_BC_TYPES
    from pcml.data.operator_layout import KIND_NAMES, METHOD_KINDS

    key = f"boon.experiments.{name}"
    if exp["bc_type"] not in BOON_BC_TYPES:
        raise ConfigError(f"{key}.bc_type = {exp['bc_type']!r} is not one of {list(BOON_BC_TYPES)}")
    if exp["dataset"] not in datasets:
        raise ConfigError(f"{key}.dataset = {exp['dataset']!r} is not one of boon.datasets {sorted(datasets)}")
    ds_key = f"boon.datasets.{exp['dataset']}"
    block = datasets[exp["dataset"]]
    n = block["n_samples"]
    if exp["n_train"] + exp["n_test"] > n:
        raise ConfigError(f"{key}: n_train + n_test = {exp['n_train'] + exp['n_test']} exceeds the "
                          f"{n} samples of {ds_key} (n_samples)")
    data_bc = GENERATOR_BC_TYPES.get(block["generator"])
    if exp["bc_type"] != data_bc:
        raise ConfigError(f"{key}.bc_type = {exp['bc_type']!r} but {ds_key} (generator {block['generator']!r}) "
                          f"has {data_bc} boundary conditions")
    kind, sizes = boon_dataset_grid(block)
    for method in exp["methods"]:
        if METHOD_KINDS.get(method) != kind:
            raise ConfigError(f"{key}.methods: {method} maps {KIND_NAMES.get(METHOD_KINDS.get(method), '?')} data, "
                              f"but {key}.dataset = {exp['dataset']!r} is a {KIND_NAMES[kind]} dataset")
    if exp["bc_type"] == "periodic" and kind == "2d_t":
        raise ConfigError(f"{key}.bc_type: no periodic BOON-FNO3d (2-D space)")
    batch = exp["train"]["batch_size"]
    for split in ("n_train", "n_test"):
        if exp[split] % batch:
            raise ConfigError(f"{key}.{split} = {exp[split]} is not a multiple of {key}.train.batch_size = "
                              f"{batch} (the notebooks reshape with a fixed batch size, spec boon.md §4.2)")
    model = exp["model"]
    if kind == "1d" and "modes_t" in model:
        raise ConfigError(f"{key}.model.modes_t: the 1-D single-step methods have no time axis")
    grid = " x ".join(f"{a} {sizes[a]}" for a in sizes)
    for method in exp["methods"]:
        limits = boon_mode_limits(method, sizes, exp["bc_type"])
        for field, (limit, how) in limits.items():
            value = model.get(field, model["modes"])  # modes_t defaults to modes
            if value > limit:
                shown = field if field in model else f"{field} (= modes, its default)"
                raise ConfigError(f"{key}.model.{shown} = {value} exceeds {how} for {method} on the grid "
                                  f"{grid} of {ds_key} (spec boon.md P21)")


def check_boon_seeds(cfg: Mapping[str, Any]) -> None:
    """``boon.experiment_seeds`` names only configured experiments."""
    for name in cfg.get("experiment_seeds", {}):
        if name not in cfg["experiments"]:
            raise ConfigError(f"boon.experiment_seeds.{name}: no such experiment in boon.experiments "
                              f"{sorted(cfg['experiments'])}")


def value_tag(value: float) -> str:
    """A number as a name fragment: 0.02 -> "0p02", 250 -> "250", 1e-3 -> "0p001"."""
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return text.replace(".", "p").replace("-", "m")


def sweep_experiments(boon: Mapping[str, Any], name: str) -> list[str]:
    """The experiments of sweep ``name``: its base experiment, then one per value (see :func:`expand_boon`)."""
    sweep = boon["sweeps"][name]
    return [sweep["experiment"]] + [f"{sweep['experiment']}_{sweep['setting']}{value_tag(v)}" for v in sweep["values"]]


def resolution_datasets(boon: Mapping[str, Any], experiment: str) -> list[str]:
    """The datasets that the models of ``experiment`` are evaluated on without retraining (other n_x)."""
    base = boon["experiments"][experiment]["dataset"]
    return [f"{base}_n{int(n)}" for n in boon.get("resolution", {}).get(experiment, [])]


def expand_boon(boon: Mapping[str, Any]) -> dict[str, Any]:
    """The ``boon`` section with the datasets and experiments that the sweeps and the resolution study derive.

    A sweep {experiment: E, setting: s, values: [v, ...]} adds, per value v, the dataset "<E>_<s><v>" (E's
    dataset block with s = v) and the experiment of the same name (E's block on that dataset, with the
    sweep's ``methods`` if it has them, else E's): trained and evaluated like any other, one column of the
    sweep's table each. A resolution entry E: [n, ...] adds the
    datasets "<E's dataset>_n<n>" (E's dataset block with n_x = n: the same functions, since the generators
    draw them independently of the grid) that E's models are evaluated on. Lists are the profile's to
    override (Snakemake replaces lists, it merges dicts). Raises ConfigError naming the key for an unknown
    experiment, a setting the dataset's generator does not take, a derived name that already exists with
    other settings, or modes that do not fit a derived grid (P21).
    """
    out = {**boon, "datasets": dict(boon["datasets"]), "experiments": dict(boon["experiments"])}

    def add(kind: str, name: str, block: dict, key: str) -> None:
        if name in out[kind] and out[kind][name] != block:
            raise ConfigError(f"{key}: derives boon.{kind}.{name}, which exists with other settings")
        out[kind][name] = block

    for name, sweep in boon.get("sweeps", {}).items():
        key = f"boon.sweeps.{name}"
        base = sweep["experiment"]
        if base not in boon["experiments"]:
            raise ConfigError(f"{key}.experiment = {base!r} is not one of boon.experiments {sorted(boon['experiments'])}")
        exp = boon["experiments"][base]
        extra = sorted(set(sweep.get("methods") or []) - set(exp["methods"]))
        if extra:
            raise ConfigError(f"{key}.methods: {extra} are not methods of boon.experiments.{base} {exp['methods']}")
        for value, derived in zip(sweep["values"], sweep_experiments(boon, name)[1:]):
            add("datasets", derived, {**boon["datasets"][exp["dataset"]], sweep["setting"]: value}, key)
            methods = {"methods": list(sweep["methods"])} if sweep.get("methods") else {}
            add("experiments", derived, {**exp, "dataset": derived, **methods}, key)
    for base, sizes in boon.get("resolution", {}).items():
        key = f"boon.resolution.{base}"
        if base not in boon["experiments"]:
            raise ConfigError(f"{key}: {base!r} is not one of boon.experiments {sorted(boon['experiments'])}")
        exp = boon["experiments"][base]
        for n, derived in zip(sizes, resolution_datasets(boon, base)):
            add("datasets", derived, {**boon["datasets"][exp["dataset"]], "n_x": int(n)}, key)
            if exp["model"]["modes"] > int(n) // 2 + 1:
                raise ConfigError(f"{key}: n_x = {n} takes at most n_x // 2 + 1 = {int(n) // 2 + 1} modes, "
                                  f"boon.experiments.{base}.model.modes = {exp['model']['modes']} (P21)")
    for name in set(out["datasets"]) - set(boon["datasets"]):
        check_boon_dataset(name, out["datasets"][name])
    for name in set(out["experiments"]) - set(boon["experiments"]):
        check_boon_experiment(name, out["experiments"][name], out["datasets"])
    return out


def check_boon(cfg: Mapping[str, Any]) -> None:
    """Check the ``boon`` section: every dataset block, every experiment against its dataset, and what the
    sweeps and the resolution study derive (:func:`expand_boon`)."""
    for name, block in cfg["datasets"].items():
        check_boon_dataset(name, block)
    for name, exp in cfg["experiments"].items():
        check_boon_experiment(name, exp, cfg["datasets"])
    check_boon_seeds(cfg)
    expand_boon(cfg)


def check_config(config: Mapping[str, Any]) -> None:
    """Check the whole merged configuration (after schema validation)."""
    check_probconserv(config["probconserv"])
    check_boon(config["boon"])


def deviations(config: Mapping[str, Any], reference: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Keys whose value differs from ``reference`` (the paper profile), as 'key: ref -> value' lines."""
    out = []
    for key, value in config.items():
        name = f"{prefix}{key}"
        if key in ("profile", "caption", "figures"):
            continue
        ref = reference.get(key) if isinstance(reference, Mapping) else None
        if isinstance(value, Mapping) and isinstance(ref, Mapping):
            out += deviations(value, ref, prefix=f"{name}.")
        elif value != ref:
            out.append(f"{name}: {'default' if ref is None else ref} -> {value}")
    return out
