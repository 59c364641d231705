"""Bad BOON configuration is refused at DAG start (schema + pcml.config), with a message naming the key."""
import copy
import inspect
from pathlib import Path

import pytest
import yaml

from pcml.config import ConfigError, check_config, validate_schema
from pcml.data.boon_datasets import GENERATOR_BC_TYPES, GENERATORS, get_generator

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
    cfg["boon"]["datasets"]["stokes_multi_nu0p1"]["n_samples"] = 40
    refuse(cfg, "boon.experiments.stokes_single.dataset", "not a 1-D single-step dataset")


def test_schema_lists_exactly_the_generators_arguments():
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    block = schema["properties"]["boon"]["properties"]["datasets"]["additionalProperties"]
    assert block["additionalProperties"] is False
    arguments = {p for g in GENERATORS for p in inspect.signature(get_generator(g)).parameters} - {"seed"}
    assert set(block["properties"]) == arguments | {"generator"}
    assert set(block["properties"]["generator"]["enum"]) == set(GENERATORS) == set(GENERATOR_BC_TYPES)
