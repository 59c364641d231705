"""BOON sweeps and resolution generalisation: the derived config entries (pcml.config.expand_boon), their
refusals at DAG start, and the smoke run's tables."""
import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import REPO
from pcml.config import ConfigError, expand_boon, resolution_datasets, sweep_experiments, value_tag


def paper_boon() -> dict:
    return yaml.safe_load((REPO / "workflow/config/paper.yaml").read_text())["boon"]


def test_value_tags_name_numbers_without_dots():
    assert [value_tag(v) for v in (0.02, 0.005, 250, 1e-3, 0.1)] == ["0p02", "0p005", "250", "0p001", "0p1"]


def test_a_sweep_derives_one_dataset_and_experiment_per_value():
    boon = paper_boon()
    out = expand_boon(boon)
    names = sweep_experiments(boon, "stokes_single_nu")
    assert names == ["stokes_single", "stokes_single_nu0p02", "stokes_single_nu0p005", "stokes_single_nu0p002",
                     "stokes_single_nu0p001"]
    base = boon["experiments"]["stokes_single"]
    for name, nu in zip(names[1:], (0.02, 0.005, 0.002, 0.001)):
        assert out["experiments"][name] == {**base, "dataset": name}
        assert out["datasets"][name] == {**boon["datasets"][base["dataset"]], "nu": nu}
    assert boon == paper_boon()  # the input is not changed


def test_a_sweep_with_its_own_methods_trains_only_those_on_the_derived_experiments():
    boon = copy.deepcopy(paper_boon())
    boon["sweeps"]["stokes_single_nu"]["methods"] = ["fno1d", "boon_fno1d"]
    out = expand_boon(boon)
    assert out["experiments"]["stokes_single_nu0p02"]["methods"] == ["fno1d", "boon_fno1d"]
    assert out["experiments"]["stokes_single"]["methods"] == paper_boon()["experiments"]["stokes_single"]["methods"]
    assert out["experiments"]["burgers_dirichlet_single_nu0p05"]["methods"] == (
        paper_boon()["experiments"]["burgers_dirichlet_single"]["methods"])  # no methods: the base experiment's


def test_a_resolution_entry_derives_the_dataset_at_each_grid_size():
    boon = paper_boon()
    out = expand_boon(boon)
    assert resolution_datasets(boon, "burgers_periodic_single") == ["burgers_periodic_single_nu0p1_n256",
                                                                     "burgers_periodic_single_nu0p1_n512"]
    own = boon["datasets"]["burgers_periodic_single_nu0p1"]
    assert out["datasets"]["burgers_periodic_single_nu0p1_n512"] == {**own, "n_x": 512}
    assert "burgers_periodic_single_nu0p1_n512" not in out["experiments"]  # evaluated, not trained


@pytest.mark.parametrize("edit, message", [
    (lambda b: b["sweeps"]["stokes_single_nu"].update(experiment="stokes"), "boon.sweeps.stokes_single_nu.experiment"),
    (lambda b: b["resolution"].update(nothere=[64]), "boon.resolution.nothere"),
    (lambda b: b["sweeps"]["stokes_single_nu"].update(methods=["fno2d"]), "boon.sweeps.stokes_single_nu.methods"),
    (lambda b: b["resolution"].update(stokes_single=[16]), "takes at most n_x // 2 + 1 = 9 modes"),
    (lambda b: b["datasets"].update(stokes_single_nu0p02={"generator": "stokes", "n_samples": 9, "n_x": 64,
                                                          "multi_step": False, "nu": 0.02}),
     "derives boon.datasets.stokes_single_nu0p02, which exists with other settings"),
])
def test_bad_sweep_or_resolution_entries_are_refused_naming_the_key(edit, message):
    boon = copy.deepcopy(paper_boon())
    edit(boon)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        expand_boon(boon)


def test_a_setting_the_generator_does_not_take_is_refused():
    boon = copy.deepcopy(paper_boon())
    boon["sweeps"]["heat_nu"] = {"experiment": "heat_single", "setting": "nu", "values": [0.5]}
    with pytest.raises(ConfigError, match="nu"):
        expand_boon(boon)


def test_smoke_sweep_and_resolution_tables(smoke_run):
    tables = smoke_run / "results/smoke/tables"
    sweep = pd.read_csv(tables / "boon_sweep_stokes_single_nu.csv")
    assert list(dict.fromkeys(sweep["column"])) == ["ν = 0.1", "ν = 0.02"]
    rel = sweep.query("metric == 'rel_l2'").set_index(["column", "method"])["mean"]
    main = pd.read_csv(tables / "boon_stokes_single.csv").query("metric == 'rel_l2'").set_index("method")["mean"]
    for method, value in main.items():  # the first column is the experiment's own table
        assert rel[("ν = 0.1", method)] == pytest.approx(value, rel=1e-12)
    res = pd.read_csv(tables / "boon_heat_single_resolution.csv")
    assert list(dict.fromkeys(res["column"])) == ["N = 64", "N = 32"]
    coarse = res.query("column == 'N = 32' and method.str.startswith('boon')", engine="python")
    walls = coarse[coarse["metric"].isin(["bc_left", "bc_right"])]
    assert len(walls) == 4 and (walls["mean"] < 1e-10).all()  # the stencil's h follows the grid (P18)
    assert (smoke_run / "results/smoke/boon/heat_single/seed1/resolution/heat_neumann_single_n32/predictions/fno1d.nc").exists()
