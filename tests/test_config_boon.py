"""Bad BOON configuration is refused at DAG start (schema + pcml.config), with a message naming the key."""
import copy
import inspect
from pathlib import Path

import pytest
import yaml

from pcml.config import ConfigError, check_config, validate_schema
from pcml.data.boon_datasets import GENERATOR_BC_TYPES, GENERATORS, RUNTIME_ARGUMENTS, get_generator

CONFIG = Path(__file__).resolve().parents[1] / "workflow" / "config"
SCHEMA = str(CONFIG / "schema.yaml")


def merged(profile: str) -> dict:
    """paper.yaml with the profile's overlay merged in (nested dicts updated, as Snakemake does)."""
    def update(base, over):
        for k, v in over.items():
            base[k] = update(base.get(k, {}), v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
        return base
    cfg = yaml.safe_load((CONFIG / "paper.yaml").read_text())
    if profile != "paper":
        update(cfg, yaml.safe_load((CONFIG / f"{profile}.yaml").read_text()))
    return cfg


def refuse(cfg: dict, *fragments: str) -> str:
    """Schema validation then check_config must raise ConfigError whose message holds every fragment."""
    with pytest.raises(ConfigError) as info:
        validate_schema(cfg, SCHEMA)
        check_config(cfg)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


@pytest.fixture
def cfg():
    return copy.deepcopy(merged("smoke"))


@pytest.mark.parametrize("profile", ["paper", "quick", "smoke"])
def test_every_profile_passes(profile):
    cfg = merged(profile)
    validate_schema(cfg, SCHEMA)
    check_config(cfg)


def test_modes_above_the_grid_are_refused(cfg):
    exp = cfg["boon"]["experiments"]["burgers_periodic_single"]
    n_x = cfg["boon"]["datasets"][exp["dataset"]]["n_x"]
    exp["model"]["modes"] = n_x // 2 + 1  # the largest count the rFFT of n_x points has: accepted
    validate_schema(cfg, SCHEMA)
    check_config(cfg)
    exp["model"]["modes"] = n_x // 2 + 2
    refuse(cfg, "boon.experiments.burgers_periodic_single.model.modes", f"n_x // 2 + 1 = {n_x // 2 + 1}", "P21")


def test_unknown_bc_type_is_refused(cfg):
    cfg["boon"]["experiments"]["stokes_single"]["bc_type"] = "robin"
    refuse(cfg, "boon.experiments.stokes_single.bc_type", "robin")


def test_bc_type_must_match_the_dataset(cfg):
    cfg["boon"]["experiments"]["stokes_single"]["bc_type"] = "neumann"
    refuse(cfg, "boon.experiments.stokes_single.bc_type", "dirichlet boundary conditions")


def test_n_train_not_a_multiple_of_the_batch_size_is_refused(cfg):
    exp = cfg["boon"]["experiments"]["heat_single"]
    exp["n_train"] = exp["train"]["batch_size"] + 1
    refuse(cfg, "boon.experiments.heat_single.n_train", "boon.experiments.heat_single.train.batch_size")


def test_dataset_key_the_generator_does_not_know_is_refused(cfg):
    cfg["boon"]["datasets"]["stokes_single_nu0p1"]["n_grid"] = 32  # a key of other generators (cavity, wave)
    refuse(cfg, "boon.datasets.stokes_single_nu0p1", "['n_grid']", "make_stokes")
    cfg = merged("smoke")
    cfg["boon"]["datasets"]["stokes_single_nu0p1"]["n_xx"] = 32  # a key no generator takes: the schema
    refuse(cfg, "boon.datasets.stokes_single_nu0p1", "n_xx")
    cfg = merged("smoke")
    cfg["boon"]["datasets"]["stokes_single_nu0p1"]["seed"] = 3  # seeds come from data_seed
    refuse(cfg, "boon.datasets.stokes_single_nu0p1.seed: unknown key")


def test_dataset_missing_a_required_setting_is_refused(cfg):
    del cfg["boon"]["datasets"]["stokes_single_nu0p1"]["nu"]
    refuse(cfg, "boon.datasets.stokes_single_nu0p1", "missing", "['nu']")


def test_experiment_naming_an_unknown_dataset_is_refused(cfg):
    cfg["boon"]["experiments"]["stokes_single"]["dataset"] = "stokes_single_nu9"
    refuse(cfg, "boon.experiments.stokes_single.dataset", "stokes_single_nu9")


def test_n_train_plus_n_test_above_the_dataset_is_refused(cfg):
    exp = cfg["boon"]["experiments"]["burgers_dirichlet_single"]
    n = cfg["boon"]["datasets"][exp["dataset"]]["n_samples"]
    exp["n_test"] = n - exp["n_train"]  # exactly all samples: accepted
    validate_schema(cfg, SCHEMA)
    check_config(cfg)
    exp["n_test"] += 1
    refuse(cfg, "boon.experiments.burgers_dirichlet_single", f"exceeds the {n} samples",
           f"boon.datasets.{exp['dataset']}")


def test_multi_step_dataset_is_refused_for_1d_methods(cfg):
    cfg["boon"]["experiments"]["stokes_single"]["dataset"] = "stokes_multi_nu0p1"
    refuse(cfg, "boon.experiments.stokes_single.methods: fno1d maps 1-D single-step (sample, x) data",
           "stokes_multi_nu0p1' is a 1-D multi-step (sample, x, t) dataset")


@pytest.mark.parametrize("experiment, method, kind", [
    ("heat_multi", "fno3d", "1-D multi-step"), ("cavity", "boon_fno2d", "2-D multi-step"),
    ("wave", "fno1d", "2-D multi-step"), ("heat_single", "boon_fno2d_clean", "1-D single-step")])
def test_a_method_of_another_dimension_is_refused(cfg, experiment, method, kind):
    cfg["boon"]["experiments"][experiment]["methods"].append(method)
    refuse(cfg, f"boon.experiments.{experiment}.methods: {method} maps", f"is a {kind}")


def test_n_test_not_a_multiple_of_the_batch_size_is_refused(cfg):
    exp = cfg["boon"]["experiments"]["cavity"]
    exp["n_test"] = exp["train"]["batch_size"] - 1
    refuse(cfg, "boon.experiments.cavity.n_test", "boon.experiments.cavity.train.batch_size")


def test_modes_t_of_a_1d_method_is_refused(cfg):
    cfg["boon"]["experiments"]["heat_single"]["model"]["modes_t"] = 2
    refuse(cfg, "boon.experiments.heat_single.model.modes_t", "no time axis")


def test_space_time_mode_limits_follow_the_padding_of_each_method(cfg):
    """P21: FNO2d pads x and t by 9, BOON-FNO2d t by 9 (periodic: none), FNO3d t by 6."""
    from pcml.config import boon_mode_limits

    assert boon_mode_limits("fno2d", {"x": 64, "t": 5}, "dirichlet") == {
        "modes": (36, "(n_x + pad 9) // 2 = 36"), "modes_t": (8, "(n_t + pad 9) // 2 + 1 = 8")}
    assert boon_mode_limits("boon_fno2d_clean", {"x": 64, "t": 5}, "neumann")["modes"][0] == 32
    assert boon_mode_limits("boon_fno2d", {"x": 32, "t": 5}, "periodic")["modes_t"][0] == 3
    assert boon_mode_limits("fno2d", {"x": 32, "t": 5}, "periodic")["modes_t"][0] == 8
    assert boon_mode_limits("boon_fno3d", {"x": 17, "y": 17, "t": 5}, "dirichlet") == {
        "modes": (8, "(n_x/y + pad 0) // 2 = 8"), "modes_t": (6, "(n_t + pad 6) // 2 + 1 = 6")}
    # the paper: BOON-FNO2d periodic with T = 25 takes at most 13 time modes
    assert boon_mode_limits("boon_fno2d", {"x": 128, "t": 25}, "periodic")["modes_t"][0] == 13
    exp = cfg["boon"]["experiments"]["burgers_periodic_multi"]  # smoke: n_x 32, T = 5, modes_t 3 = the limit
    exp["model"]["modes_t"] = 4
    refuse(cfg, "boon.experiments.burgers_periodic_multi.model.modes_t = 4", "(n_t + pad 0) // 2 + 1 = 3",
           "boon_fno2d", "P21")
    cfg = merged("smoke")
    exp = cfg["boon"]["experiments"]["cavity"]  # smoke grid 17 x 17: modes <= 8
    exp["model"]["modes"] = 9
    refuse(cfg, "boon.experiments.cavity.model.modes = 9", "(n_x/y + pad 0) // 2 = 8", "x 17 x y 17 x t 5")
    exp["model"].update(modes=8, modes_t=7)
    refuse(cfg, "boon.experiments.cavity.model.modes_t = 7", "(n_t + pad 6) // 2 + 1 = 6")
    exp["model"].pop("modes_t")  # modes_t defaults to modes: 8 > 6
    refuse(cfg, "boon.experiments.cavity.model.modes_t (= modes, its default) = 8")


def test_dataset_grid_reads_the_generators_defaults():
    from pcml.config import boon_dataset_grid

    assert boon_dataset_grid({"generator": "cavity", "n_samples": 3}) == ("2d_t", {"x": 51, "y": 51, "t": 25})
    assert boon_dataset_grid({"generator": "cavity", "n_samples": 3, "n_grid": 17, "subsample": 1,
                              "out_times": [0.1, 0.2]}) == ("2d_t", {"x": 17, "y": 17, "t": 2})
    assert boon_dataset_grid({"generator": "wave", "n_samples": 3}) == ("2d_t", {"x": 64, "y": 64, "t": 25})
    assert boon_dataset_grid({"generator": "stokes", "n_x": 50, "multi_step": True, "nu": 0.1}) == (
        "1d_t", {"x": 50, "t": 25})
    assert boon_dataset_grid({"generator": "heat_neumann", "n_x": 50, "multi_step": False}) == ("1d", {"x": 50})


def test_grids_match_the_generated_datasets():
    """boon_dataset_grid agrees with what the generators write (small settings of each kind)."""
    from pcml.config import boon_dataset_grid
    from pcml.data.boon_datasets import check_generator_settings

    blocks = [{"generator": "wave", "n_samples": 2, "n_grid": 6, "n_levels": 5, "n_out": 3, "n_modes": 2},
              {"generator": "cavity", "n_samples": 1, "n_grid": 9, "subsample": 2, "t_final": 0.004, "dt": 1e-3,
               "out_times": [0.002, 0.004]},
              {"generator": "heat_neumann", "n_samples": 2, "n_x": 8, "multi_step": True, "n_levels": 6,
               "n_out": 4, "n_modes": 16}]
    for block in blocks:
        generator, settings = check_generator_settings("x", block)
        ds = generator(**settings, seed=0)
        kind, sizes = boon_dataset_grid(block)
        assert {d: ds.sizes[d] for d in sizes} == sizes and len(ds["u"].dims) == len(sizes) + 1


def test_experiment_seeds_must_name_an_experiment(cfg):
    cfg["boon"]["experiment_seeds"]["cavityy"] = [0]
    refuse(cfg, "boon.experiment_seeds.cavityy", "no such experiment")
    cfg = merged("smoke")
    cfg["boon"]["experiment_seeds"]["cavity"] = []
    refuse(cfg, "boon.experiment_seeds.cavity")


def test_paper_multi_step_blocks_are_the_specs_settings():
    """spec boon.md §2.8 / §4.2: FNO2d (12, 32) batch 20; periodic StepLR 100; FNO3d (8, 20) batch 10, StepLR 100."""
    exps = merged("paper")["boon"]["experiments"]
    for name in ("heat_multi", "stokes_multi", "stokes_multi_nu0p001", "burgers_dirichlet_multi",
                 "burgers_periodic_multi"):
        exp = exps[name]
        assert exp["model"] == {"modes": 12, "width": 32} and exp["methods"][:2] == ["fno2d", "boon_fno2d"]
        assert (exp["n_train"], exp["n_test"], exp["train"]["batch_size"], exp["train"]["epochs"]) == (1000, 200, 20, 500)
        assert exp["train"]["scheduler_step"] == (100 if name == "burgers_periodic_multi" else 50)
        assert ("boon_fno2d_clean" in exp["methods"]) == (exp["bc_type"] != "periodic") and "pino_fno2d" in exp["methods"]
    for name in ("cavity", "wave"):
        exp = exps[name]
        assert exp["model"] == {"modes": 8, "width": 20}
        assert exp["methods"] == ["fno3d", "boon_fno3d", "boon_fno3d_clean", "pino_fno3d"]
        assert (exp["train"]["batch_size"], exp["train"]["scheduler_step"], exp["n_train"], exp["n_test"]) == (10, 100, 1000, 200)
    assert exps["stokes_multi_nu0p001"]["dataset"] == "stokes_multi_nu0p001" and exps["wave"]["bc_type"] == "neumann"


def test_schema_lists_exactly_the_generators_arguments():
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    block = schema["properties"]["boon"]["properties"]["datasets"]["additionalProperties"]
    assert block["additionalProperties"] is False
    arguments = {p for g in GENERATORS for p in inspect.signature(get_generator(g)).parameters} - RUNTIME_ARGUMENTS
    assert set(block["properties"]) == arguments | {"generator"}
    assert set(block["properties"]["generator"]["enum"]) == set(GENERATORS) == set(GENERATOR_BC_TYPES)


def test_mode_limits_agree_with_the_models_own_check():
    """The DAG-start rule (pcml.config) and the models' check_modes accept exactly the same mode counts."""
    fno_nd = pytest.importorskip("pcml.models.fno_nd")
    from pcml.config import boon_mode_limits

    for method, sizes in [("fno2d", {"x": 20, "t": 5}), ("boon_fno2d", {"x": 20, "t": 5}),
                          ("boon_fno2d_clean", {"x": 17, "t": 25}), ("fno3d", {"x": 9, "y": 9, "t": 5}),
                          ("boon_fno3d", {"x": 9, "y": 9, "t": 4})]:
        for bc_type in ("dirichlet", "neumann", "periodic"):
            if method.endswith("3d") and bc_type == "periodic":
                continue
            limits = boon_mode_limits(method, sizes, bc_type)
            grid = tuple(sizes.values())
            for modes in range(1, 20):
                for modes_t in range(1, 20):
                    ours = modes <= limits["modes"][0] and modes_t <= limits["modes_t"][0]
                    try:
                        fno_nd.check_modes(method, modes, modes_t, grid, bc_type)
                        theirs = True
                    except ValueError:
                        theirs = False
                    assert ours == theirs, (method, bc_type, sizes, modes, modes_t)
