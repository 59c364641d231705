"""The BOON part of the DAG: config errors at DAG start, and the smoke run's per-seed runs, tables and figures."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

from conftest import SMOKE, copy_workflow, snakemake
from pcml.config import expand_boon

REPO = Path(__file__).resolve().parents[1]


def smoke_boon() -> dict:
    """The ``boon`` section of the smoke profile (paper.yaml overlaid with smoke.yaml, one level deep)."""
    paper = yaml.safe_load((REPO / "workflow/config/paper.yaml").read_text())["boon"]
    smoke = yaml.safe_load((REPO / "workflow/config/smoke.yaml").read_text())["boon"]
    experiments = {**paper["experiments"], **smoke.get("experiments", {})}
    sweeps = {k: {**v, **smoke.get("sweeps", {}).get(k, {})} for k, v in paper.get("sweeps", {}).items()}
    boon = {"seeds": smoke.get("seeds", paper["seeds"]), "experiments": experiments,
            "experiment_seeds": smoke.get("experiment_seeds", {}), "sweeps": sweeps,
            "resolution": {**paper.get("resolution", {}), **smoke.get("resolution", {})},
            "datasets": {**paper["datasets"], **smoke.get("datasets", {})}}
    return expand_boon(boon)  # with the experiments that the sweeps derive


BOON = smoke_boon()
EXPERIMENTS = sorted(BOON["experiments"])
NEW = ["stokes_single", "burgers_dirichlet_single", "burgers_periodic_single"]
MULTI = ["heat_multi", "stokes_multi", "stokes_multi_nu0p001", "burgers_dirichlet_multi", "burgers_periodic_multi",
         "cavity", "wave"]


def seeds_of(experiment: str) -> list[int]:
    return BOON["experiment_seeds"].get(experiment, BOON["seeds"])


def fno_of(experiment: str) -> str:
    return next(m for m in BOON["experiments"][experiment]["methods"] if m.startswith("fno"))


def test_smoke_profile_covers_every_experiment_of_the_paper_profile():
    paper = yaml.safe_load((REPO / "workflow/config/paper.yaml").read_text())["boon"]
    assert set(paper["experiments"]) <= set(EXPERIMENTS) and set(MULTI) <= set(EXPERIMENTS)
    assert set(NEW) <= set(EXPERIMENTS) and len(BOON["seeds"]) == 2
    assert {BOON["experiments"][e]["bc_type"] for e in EXPERIMENTS} == {"dirichlet", "neumann", "periodic"}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return copy_workflow(tmp_path_factory.mktemp("boonwf") / "wf")


def smoke_with(overlay: Path) -> list[str]:
    """The smoke profile's arguments with ``overlay`` as a further config file (one --configfile flag:
    a second flag would replace the first list)."""
    assert SMOKE[:2] == ["--configfile", "workflow/config/smoke.yaml"]
    return [*SMOKE[:2], str(overlay), *SMOKE[2:]]


def test_dag_start_refuses_modes_above_the_grid(workdir):
    bad = workdir / "bad_modes.yaml"
    # smoke grid n_x = 32: at most 17 modes
    bad.write_text("boon:\n  experiments:\n    burgers_periodic_single:\n      model: {modes: 18, width: 16}\n")
    proc = snakemake(workdir, "-n", *smoke_with(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "boon.experiments.burgers_periodic_single.model.modes = 18" in out
    assert "n_x // 2 + 1 = 17" in out


def test_dag_start_refuses_a_method_of_another_dimension(workdir):
    bad = workdir / "bad_method.yaml"
    bad.write_text("boon:\n  experiments:\n    stokes_multi:\n      methods: [fno1d, boon_fno2d]\n")
    proc = snakemake(workdir, "-n", *smoke_with(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "boon.experiments.stokes_multi.methods: fno1d maps 1-D single-step" in out


def test_dag_start_refuses_time_modes_above_the_grid(workdir):
    bad = workdir / "bad_modes_t.yaml"
    # smoke periodic multi-step: T = 5 unpadded for BOON-FNO2d -> at most 3 time modes
    bad.write_text("boon:\n  experiments:\n    burgers_periodic_multi:\n      model: {modes: 6, modes_t: 4, width: 8}\n")
    proc = snakemake(workdir, "-n", *smoke_with(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "boon.experiments.burgers_periodic_multi.model.modes_t = 4" in out


def test_dag_start_refuses_an_unknown_experiment_key(workdir):
    bad = workdir / "bad_exp_key.yaml"
    bad.write_text("boon:\n  experiments:\n    cavity:\n      model: {modes: 4, width: 8, modes_x: 3}\n")
    proc = snakemake(workdir, "-n", *smoke_with(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "boon.experiments.cavity.model.modes_x: unknown key" in out


def test_dry_run_plans_one_training_per_method_and_seed_of_every_experiment(workdir):
    proc = snakemake(workdir, "-n", "boon", *SMOKE)
    counts = {line.split()[0]: int(line.split()[1]) for line in proc.stdout.splitlines()
              if len(line.split()) == 2 and line.split()[1].isdigit()}
    runs = sum(len(BOON["experiments"][e]["methods"]) * len(seeds_of(e)) for e in EXPERIMENTS)
    assert counts["train_operator"] == runs  # each training job also writes its test predictions
    assert "predict_operator" not in counts
    assert counts["make_boon_table"] == len(EXPERIMENTS)
    assert counts["plot_boundary_derivative"] == 1  # Fig. 1: the 1-D single-step Neumann experiment only


def test_dag_start_refuses_a_dataset_key_the_generator_does_not_take(workdir):
    bad = workdir / "bad_key.yaml"
    bad.write_text("boon:\n  datasets:\n    stokes_single_nu0p1: {generator: stokes, n_samples: 30, n_x: 64, "
                   "multi_step: false, nu: 0.1, n_terms: 3}\n")
    proc = snakemake(workdir, "-n", *smoke_with(bad), check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "boon.datasets.stokes_single_nu0p1" in out and "n_terms" in out


@pytest.mark.smoke
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_smoke_boon_table_files_and_per_seed_folders(smoke_run, experiment):
    exp = BOON["experiments"][experiment]
    for ext in ("csv", "md", "tex"):
        assert (smoke_run / f"results/smoke/tables/boon_{experiment}.{ext}").stat().st_size > 0
    base = smoke_run / f"results/smoke/boon/{experiment}"
    for seed in seeds_of(experiment):
        folder = base / f"seed{seed}"
        assert (folder / "metrics.csv").stat().st_size > 0
        assert len(list((folder / "checkpoints").iterdir())) == len(exp["methods"])
        for method in exp["methods"]:
            assert (folder / "models" / f"{method}.pt").stat().st_size > 0
            assert (folder / "models" / f"{method}_history.csv").stat().st_size > 0
            assert (folder / "predictions" / f"{method}.nc").stat().st_size > 0
    assert not (base / "models").exists() and not (base / "predictions").exists()  # nothing outside seed<k>/


def _per_seed(smoke_run, experiment) -> dict[int, pd.DataFrame]:
    return {seed: pd.read_csv(smoke_run / f"results/smoke/boon/{experiment}/seed{seed}/metrics.csv")
            for seed in seeds_of(experiment)}


@pytest.mark.smoke
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_smoke_boon_boundary_residual_is_round_off_for_every_seed(smoke_run, experiment):
    exp = BOON["experiments"][experiment]
    data = xr.open_dataset(smoke_run / f"results/smoke/boon/datasets/{exp['dataset']}.nc")
    n_x, n_t, two_d = data.sizes["x"], (data.sizes["t"] if "t" in data["u"].dims else None), "y" in data.dims
    data.close()
    boon_methods = [m for m in exp["methods"] if m.startswith("boon")]
    assert boon_methods
    walls = ("left", "right", "bottom", "top") if two_d else ("left", "right")
    for seed, metrics in _per_seed(smoke_run, experiment).items():
        worst = metrics.groupby(["method", "metric"])["value"].max()
        sides = [f"bc_{w}" for w in walls] if exp["bc_type"] != "periodic" else ["bc_ends"]
        expected = {"rel_l2", *sides} | ({f"{s}_2nd" for s in sides} if exp["bc_type"] == "neumann" else set())
        if n_t:  # multi-step: the error of every output step and near the walls
            expected |= {f"rel_l2_step{k}" for k in range(1, n_t + 1)} | {"rel_l2_near_boundary"}
        assert set(metrics["metric"]) == expected
        for method in boon_methods:
            for side in sides:
                if exp["bc_type"] == "neumann":  # float64 round-off of u divided by h = 1/(n_x - 1)
                    assert worst[method, side] < 1e-10 * (n_x - 1), (seed, method, side, worst[method, side])
                else:  # Dirichlet values and periodic ends are overwritten in float64: exactly met
                    assert worst[method, side] == 0.0, (seed, method, side, worst[method, side])
        fno = fno_of(experiment)
        if exp["bc_type"] != "periodic":  # the plain FNO does not meet the BC
            assert max(worst[fno, side] for side in sides) > 1e-6, (seed, experiment)


@pytest.mark.smoke
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_smoke_boon_table_aggregates_over_the_seeds(smoke_run, experiment):
    per_seed = _per_seed(smoke_run, experiment)
    seeds = seeds_of(experiment)
    combined = pd.read_csv(smoke_run / f"results/smoke/boon/{experiment}/metrics.csv")
    assert sorted(combined["seed"].unique()) == sorted(seeds)
    table = pd.read_csv(smoke_run / f"results/smoke/tables/boon_{experiment}.csv")
    means = {s: m.groupby(["method", "metric"])["value"].mean() for s, m in per_seed.items()}
    fno = fno_of(experiment)
    for method in BOON["experiments"][experiment]["methods"]:
        values = np.array([means[s][method, "rel_l2"] for s in seeds])
        row = table[(table["method"] == method) & (table["metric"] == "rel_l2")].iloc[0]
        np.testing.assert_allclose(row["mean"], values.mean(), rtol=1e-9)
        if len(seeds) > 1:
            np.testing.assert_allclose(row["se"], values.std(ddof=1) / np.sqrt(values.size), rtol=1e-9)
            assert (row["se_over"], row["n_seeds"]) == ("seeds", len(seeds))
        else:  # one seed: the paper's format, SE over the test samples
            samples = per_seed[seeds[0]].query("method == @method and metric == 'rel_l2'")["value"].to_numpy()
            np.testing.assert_allclose(row["se"], samples.std(ddof=1) / np.sqrt(samples.size), rtol=1e-9)
        if method != fno:
            ratios = np.array([means[s][fno, "rel_l2"] / means[s][method, "rel_l2"] for s in seeds])
            factor = table[(table["method"] == method) & (table["metric"] == "improvement_rel_l2")].iloc[0]
            np.testing.assert_allclose(factor["mean"], ratios.mean(), rtol=1e-9)
    if len(seeds) > 1:  # the seeds are independent runs: different initial weights give different errors
        values = [means[s][fno, "rel_l2"] for s in seeds]
        assert len(set(values)) == len(values)
    md = (smoke_run / f"results/smoke/tables/boon_{experiment}.md").read_text()
    bc_type = BOON["experiments"][experiment]["bc_type"]
    if len(seeds) > 1:
        assert f"over {len(seeds)} independent training runs" in md
    else:
        assert f"one training run (seed {seeds[0]})" in md
    assert ("halved" in md) == (bc_type == "neumann")
    assert "[RECON]" in md
    if experiment in MULTI:  # first and last step shown, every step in the CSV
        n_t = len([m for m in table["metric"].unique() if m.startswith("rel_l2_step")])
        assert n_t == 5 and "rel. L2 step 1 " in md and f"rel. L2 step {n_t} " in md and "rel. L2 step 3 " not in md
        assert "rel. L2 near walls" in md and (("BC err. top" in md) == (experiment in ("cavity", "wave")))


@pytest.mark.smoke
def test_smoke_boon_figure_uses_the_first_seed(smoke_run):
    neumann = [e for e in EXPERIMENTS if BOON["experiments"][e]["bc_type"] == "neumann" and e not in MULTI]
    assert neumann
    for experiment in neumann:
        caption = (smoke_run / f"figures/smoke/boon/{experiment}_boundary_derivative.caption.txt").read_text()
        assert f"trained with seed {BOON['seeds'][0]}, the first of the seeds" in caption
        pred = xr.open_dataset(smoke_run / f"results/smoke/boon/{experiment}/seed{BOON['seeds'][0]}/predictions/"
                                           "boon_fno1d.nc")
        assert pred.attrs["bc_type"] == "neumann"
        pred.close()
