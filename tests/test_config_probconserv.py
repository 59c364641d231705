"""Bad ProbConserv configuration is refused at DAG start (schema + pcml.config), with a message naming the key."""
import copy

import pytest
import yaml

from pcml.config import ConfigError, check_config, validate_schema
from pcml.problems.registry import PROBLEMS
from test_config_boon import SCHEMA, merged, refuse


@pytest.fixture
def cfg():
    return copy.deepcopy(merged("smoke"))


def test_schema_names_exactly_the_registered_experiments():
    schema = yaml.safe_load(open(SCHEMA))["properties"]["probconserv"]["properties"]
    names = list(PROBLEMS)
    assert schema["experiments"]["items"]["enum"] == names
    assert schema["experiment_seeds"]["propertyNames"]["enum"] == names
    assert list(schema["problems"]["properties"]) == names
    assert schema["figures"]["additionalProperties"]["properties"]["experiment"]["enum"] == names


@pytest.mark.parametrize("profile", ["paper", "quick", "smoke"])
def test_every_profile_runs_the_five_experiments_with_both_hyperbolic_table_times(profile):
    pc = merged(profile)["probconserv"]
    assert pc["experiments"] == list(PROBLEMS)
    assert (pc["problems"]["advection"]["t_star"], pc["problems"]["advection"]["t_extra"]) == (0.1, [0.05])
    assert (pc["problems"]["burgers"]["t_star"], pc["problems"]["burgers"]["t_extra"]) == (0.5, [0.05])


def test_unknown_experiment_is_refused_by_the_schema_and_by_check_config(cfg):
    cfg["probconserv"]["experiments"].append("advektion")
    message = refuse(cfg, "probconserv.experiments", "advektion")
    assert len(message.splitlines()) == 2  # the heading and one line naming the key
    with pytest.raises(ConfigError, match=r"^probconserv.experiments: unknown experiment 'advektion'; known: "):
        check_config(cfg)  # also without the schema


@pytest.mark.parametrize("experiment,key,value", [
    ("advection", "t_star", 0.11),
    ("burgers", "t_star", 0.51),
    ("advection", "t_extra", [0.05, 0.0625]),
    ("burgers", "t_extra", [0.07]),
])
def test_table_time_off_the_evaluation_grid_is_refused(cfg, experiment, key, value):
    cfg["probconserv"]["problems"][experiment][key] = value
    refuse(cfg, f"probconserv.problems.{experiment}.{key}", "not a node of the evaluation grid",
           f"grid_nt={cfg['probconserv']['data']['grid_nt']}")


def test_extra_table_time_equal_to_t_star_is_refused(cfg):
    cfg["probconserv"]["problems"]["burgers"]["t_extra"] = [0.05, 0.5]
    refuse(cfg, "probconserv.problems.burgers.t_extra", "repeats t_star = 0.5")


@pytest.mark.parametrize("experiment,bad", [("advection", [-1.0, 3.0]), ("burgers", [0.0, 3.0])])
def test_test_value_outside_the_valid_parameter_range_is_refused(cfg, experiment, bad):
    cfg["probconserv"]["problems"][experiment]["test_values"] = bad
    name = PROBLEMS[experiment].param_name
    refuse(cfg, f"probconserv.problems.{experiment}.test_values", f"{name}={bad[0]}", "outside its valid range")


def test_misspelt_table_time_key_is_refused(cfg):
    cfg["probconserv"]["problems"]["advection"]["t_extras"] = [0.05]
    refuse(cfg, "probconserv.problems.advection.t_extras: unknown key")


def test_t_extra_is_optional(cfg):
    del cfg["probconserv"]["problems"]["advection"]["t_extra"]
    validate_schema(cfg, SCHEMA)
    check_config(cfg)
