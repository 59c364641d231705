"""The Snakemake DAG: dry runs of every profile, config errors, and the smoke DAG end to end."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from conftest import REF, REPO, copy_workflow, snakemake
from pcml.config import expand_boon

PROFILES = ["paper", "quick", "smoke"]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A copy of the workflow (Snakefile + workflow/) for dry runs."""
    return copy_workflow(tmp_path_factory.mktemp("wf") / "wf")


def expected_targets(profile: str) -> list[str]:
    """Every table, figure and data file that `all` must build at ``profile`` (from its config)."""
    import yaml

    cfg = yaml.safe_load((REPO / "workflow/config/paper.yaml").read_text())
    if profile != "paper":
        overlay = yaml.safe_load((REPO / f"workflow/config/{profile}.yaml").read_text())
        cfg["boon"] = merged(cfg["boon"], overlay.get("boon", {}))
    res, fig = f"results/{profile}", f"figures/{profile}"
    files = [f"{res}/manifest.json"]
    for exp in cfg["probconserv"]["experiments"]:
        suffixes = [""] + [f"_t{t:g}" for t in cfg["probconserv"]["problems"][exp].get("t_extra", [])]
        files += [f"{res}/tables/probconserv_{exp}{at}.{ext}" for at in suffixes for ext in ("csv", "md", "tex")]
    for name in cfg["probconserv"]["figures"]:
        files += [f"{fig}/probconserv/{name}.{ext}" for ext in ("png", "pdf", "caption.txt")]
    if profile != "paper":
        cfg["probconserv"]["softc"].update(overlay.get("probconserv", {}).get("softc", {}))
    for exp in cfg["probconserv"]["softc"]["lambda_sweep"]["experiments"]:  # the SoftC lambda ablation
        files += [f"{res}/tables/probconserv_{exp}_lambda.{ext}" for ext in ("csv", "md", "tex")]
    files += [f"{res}/tables/probconserv_main.{ext}" for ext in ("csv", "md")]  # the combined main-text table
    files += [f"{fig}/probconserv/gpme_exact_solutions.{ext}" for ext in ("png", "pdf", "caption.txt")]  # F-GPME
    files += [f"{fig}/probconserv/schematic.{ext}" for ext in ("png", "pdf", "caption.txt")]  # F0
    for exp in cfg["probconserv"]["shock"]["experiments"]:  # the shock-position histograms (F-STEF-2)
        files += [f"{fig}/probconserv/{exp}_shock_positions.{ext}" for ext in ("png", "pdf", "caption.txt")]
    for exp in cfg["probconserv"]["sigma_g_sweep_experiments"]:  # the sigma_G sweep (F-PME-4 and its table)
        files += [f"{res}/tables/probconserv_{exp}_sigma_g.{ext}" for ext in ("csv", "md", "tex")]
        files += [f"{fig}/probconserv/{exp}_sigma_g_{kind}.{ext}" for kind in ("cons", "mse", "ll")
                  for ext in ("png", "pdf", "caption.txt")]
    for exp in cfg["probconserv"]["experiments"]:  # the per-experiment diagnostics (spec §7.2)
        files += [f"{fig}/probconserv/diagnostics/{exp}/{name}.{ext}"
                  for name in ("mse_over_time", "cons_plot", "time_plot", "time_plot_fid", "input_context")
                  for ext in ("png", "pdf", "caption.txt")]
        files += [f"{res}/tables/probconserv_{exp}_{table}.csv" for table in ("mse_at_t", "cons_df")]
    for dataset in cfg["boon"]["datasets"]:
        files += [f"{res}/boon/datasets/{dataset}.nc", f"{fig}/boon/dataset_{dataset}.png"]
    boon = expand_boon(cfg["boon"])  # with the sweeps' and the resolution study's derived entries
    for exp in boon["experiments"]:
        files += [f"{res}/tables/boon_{exp}.{ext}" for ext in ("csv", "md", "tex")]
    files += boon_figure_targets(boon, res, fig)
    for name, sweep in boon["sweeps"].items():
        files += [f"{res}/tables/boon_sweep_{name}.{ext}" for ext in ("csv", "md", "tex") if sweep["values"]]
    for exp, sizes in boon["resolution"].items():
        files += [f"{res}/tables/boon_{exp}_resolution.{ext}" for ext in ("csv", "md", "tex") if sizes]
    files += [f"{res}/benchmarks/summary/boon_cost.{ext}" for ext in ("csv", "md", "tex")]  # the cost table
    return files


def boon_figure_targets(boon: dict, res: str, fig: str) -> list[str]:
    """The BOON §6 figures and static tables (boon_figures.smk) for the experiments of ``boon``: Table 1 and
    the hyper-parameters, both schematics, sample/|error| of every 1-D experiment, error per step and
    boundary residual of every multi-step one, the Stokes multi-step panels, the cavity/wave fields."""
    files = [f"{res}/tables/boon_{n}.{ext}" for n in ("bc_types", "hyperparameters") for ext in ("csv", "md", "tex")]
    files += [f"{fig}/boon/{n}.{ext}" for n in ("schematic_rod", "schematic_operator") for ext in ("png", "pdf", "caption.txt")]
    caption = ("png", "pdf", "caption.txt")
    for name, exp in boon["experiments"].items():
        data = boon["datasets"][exp["dataset"]]
        field = data["generator"] in ("cavity", "wave")
        kinds = ([] if field else ["sample_error"])
        if data.get("multi_step") or field:
            kinds += ["error_steps", "boundary_residual"]
        if data.get("multi_step") and data["generator"] == "stokes":
            kinds.append("error_panels")
        if field:
            kinds.append("initial_condition")
            files += [f"{fig}/boon/{name}_snapshots.{ext}" for ext in caption + ("gif",)]
        files += [f"{fig}/boon/{name}_{kind}.{ext}" for kind in kinds for ext in caption]
    return files


def merged(base: dict, overlay: dict) -> dict:
    """``overlay`` merged into ``base`` as Snakemake merges config files: dicts recursively, the rest replaced."""
    out = dict(base)
    for key, value in overlay.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


@pytest.mark.parametrize("profile", PROFILES)
def test_dry_run_plans_every_target_file(workdir, profile):
    args = ["-n", "--summary"] + ([] if profile == "paper" else ["--configfile", f"workflow/config/{profile}.yaml"])
    planned = {line.split("\t")[0] for line in snakemake(workdir, *args).stdout.splitlines()}
    missing = [f for f in expected_targets(profile) if f not in planned]
    assert not missing, f"{profile}: targets missing from the DAG: {missing}"


@pytest.mark.parametrize("run_alone", [True, False])
def test_benchmark_runs_alone_only_when_configured(workdir, run_alone):
    overlay = workdir / f"bench_alone_{run_alone}.yaml"
    overlay.write_text(f"benchmark:\n  run_alone: {str(run_alone).lower()}\n")
    out = snakemake(workdir, "-n", "--cores", "2", "benchmark", "--configfile", str(overlay)).stdout
    assert "Cost benchmark: timing every model family" in out
    assert ("Cost benchmark: timing every model family (runs alone)" in out) == run_alone


def test_misspelt_key_stops_with_its_name(workdir):
    proc = snakemake(workdir, "-n", "--config", "sed=3", check=False)
    assert proc.returncode != 0
    assert "sed" in proc.stdout + proc.stderr


def test_out_of_range_value_stops_with_its_name(workdir):
    bad = workdir / "bad.yaml"
    bad.write_text("probconserv:\n  problems:\n    stefan:\n      train_range: [0.55, 0.7]\n"
                   "      test_values: [0.5, 0.6]\n      t_star: 0.0503\n")
    proc = snakemake(workdir, "-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0
    assert "probconserv.problems.stefan.t_star" in proc.stdout + proc.stderr


@pytest.mark.parametrize("overlay,key", [
    ("probconserv:\n  softc: {enabled: true, lambda: 0.0}\n", "probconserv.softc.lambda"),
    ("probconserv:\n  softc: {enabled: true, lambda: 1.0, epochs: 0}\n", "probconserv.softc.epochs"),
    ("probconserv:\n  softc: {enabled: true, lambda: 1.0, lambda_sweep: {experiments: [pme], lambdas: [-1.0]}}\n",
     "probconserv.softc.lambda_sweep.lambdas"),
    ("probconserv:\n  inference: {sigma_g_precisions: [1.0, 0.0]}\n", "probconserv.inference.sigma_g_precisions"),
    ("probconserv:\n  inference: {wdiff_alpha: 1.0}\n", "probconserv.inference.wdiff_alpha"),
    ("probconserv:\n  sigma_g_sweep_experiments: [heat]\n", "probconserv.sigma_g_sweep_experiments"),
    ("probconserv:\n  combined_table: {pme: 2.0}\n", "probconserv.combined_table.pme"),
    ("probconserv:\n  problems:\n    pme: {faithful_artifacts: true, train_range: [1.0, 6.0], test_values: [1.0], t_star: 0.5}\n",
     "probconserv.problems.pme.faithful_artifacts"),
])
def test_bad_probconserv_method_settings_stop_with_their_key(workdir, overlay, key):
    bad = workdir / "bad_method.yaml"
    bad.write_text(overlay)
    proc = snakemake(workdir, "-n", "--configfile", str(bad), check=False)
    assert proc.returncode != 0 and key in proc.stdout + proc.stderr, (proc.stdout + proc.stderr)[-800:]


@pytest.mark.smoke
def test_smoke_dag_builds_every_table_and_figure(smoke_run):
    for experiment in ("diffusion", "pme", "stefan", "advection", "burgers"):
        for ext in ("csv", "md", "tex"):
            assert (smoke_run / f"results/smoke/tables/probconserv_{experiment}.{ext}").stat().st_size > 0
    for figure in ("diffusion_mass_over_time", "stefan_solution_profiles"):
        for ext in ("png", "pdf"):
            assert (smoke_run / f"figures/smoke/probconserv/{figure}.{ext}").stat().st_size > 0
    # every job that ran wrote a log and a benchmark file at the matching path
    logs = {p.relative_to(smoke_run / "results/smoke/logs").with_suffix("")
            for p in (smoke_run / "results/smoke/logs").rglob("*.log")}
    benchmarks = {p.relative_to(smoke_run / "results/smoke/benchmarks").with_suffix("")
                  for p in (smoke_run / "results/smoke/benchmarks").rglob("*.tsv")}
    assert len(logs) > 60 and logs == benchmarks, sorted(logs ^ benchmarks)[:10]


@pytest.mark.smoke
@pytest.mark.parametrize("experiment,param_name,t_star", [("advection", "beta", 0.1), ("burgers", "a", 0.5)])
def test_smoke_dag_builds_the_hyperbolic_tables_at_both_times(smoke_run, experiment, param_name, t_star):
    tables = smoke_run / "results/smoke/tables"
    for name, t in ((f"probconserv_{experiment}", t_star), (f"probconserv_{experiment}_t0.05", 0.05)):
        for ext in ("csv", "md", "tex"):
            assert (tables / f"{name}.{ext}").stat().st_size > 0
        table = pd.read_csv(tables / f"{name}.csv")
        reproduced = table[table.source == "reproduced"]
        assert np.allclose(reproduced.t, t), (name, sorted(set(reproduced.t)))
        assert set(reproduced.param_name) == {param_name} and sorted(set(reproduced.param)) == [1.0, 3.0]
        assert set(reproduced.method) == {"anp", "softc_anp", "hardc_anp", "probconserv_anp", "probconserv_anp_wdiff"}
        assert set(reproduced.metric) == {"ce", "ll", "mse"}
        caption = (tables / f"{name}.md").read_text().splitlines()[0]
        assert f"ProbConserv {experiment}: CE, LL and MSE at t" in caption and "Profile 'smoke' departs" in caption
        assert (f"t* = {t_star}," in caption) if t == t_star else (f"t = 0.05 (one of probconserv.problems."
                                                                    f"{experiment}.t_extra" in caption)


BOON_DATASETS = ["heat_neumann_single", "heat_neumann_multi", "stokes_single_nu0p1", "stokes_multi_nu0p1",
                 "stokes_multi_nu0p001", "burgers_dirichlet_single_nu0p1", "burgers_dirichlet_multi_nu0p1",
                 "burgers_periodic_single_nu0p1", "burgers_periodic_multi_nu0p01", "cavity_re100", "wave_neumann"]


@pytest.mark.smoke
def test_smoke_dag_builds_every_boon_dataset_and_its_figure(smoke_run):
    for dataset in BOON_DATASETS:
        ds = xr.open_dataset(smoke_run / f"results/smoke/boon/datasets/{dataset}.nc")
        assert {"a", "u"} <= set(ds.data_vars) and ds.attrs["dataset"] == dataset
        assert np.isfinite(ds["u"].values).all()
        ds.close()
        for ext in ("png", "pdf", "caption.txt"):
            assert (smoke_run / f"figures/smoke/boon/dataset_{dataset}.{ext}").stat().st_size > 0


@pytest.mark.smoke
def test_smoke_boon_heat_slice_table_figure_and_exact_wall_flux(smoke_run):
    for ext in ("csv", "md", "tex"):
        assert (smoke_run / f"results/smoke/tables/boon_heat_single.{ext}").stat().st_size > 0
    for ext in ("png", "pdf", "caption.txt"):
        assert (smoke_run / f"figures/smoke/boon/heat_single_boundary_derivative.{ext}").stat().st_size > 0
    metrics = pd.read_csv(smoke_run / "results/smoke/boon/heat_single/metrics.csv")
    worst = metrics.groupby(["method", "metric"])["value"].max()
    h = 1.0 / (64 - 1)  # smoke grid: n_x = 64
    for method in ("boon_fno1d", "boon_fno1d_clean"):
        for side in ("bc_left", "bc_right"):  # float64 predictions: round-off of u divided by h
            assert worst[method, side] < 1e-10 / h, (method, side, worst[method, side])
    assert worst["fno1d", "bc_right"] > 1e-3  # the plain FNO does not meet the wall flux of 5


@pytest.mark.smoke
@pytest.mark.parametrize("experiment", ["diffusion", "pme", "stefan", "advection", "burgers"])
@pytest.mark.parametrize("seed", [0, 1])
def test_smoke_constrained_methods_conserve_mass(smoke_run, experiment, seed):
    metrics = pd.read_csv(smoke_run / f"results/smoke/probconserv/{experiment}/seed{seed}/metrics.csv")
    ce = metrics[metrics.metric == "ce"]
    for method in ("hardc_anp", "probconserv_anp", "probconserv_anp_wdiff"):
        values = ce[ce.method == method]["mean"].abs()
        assert len(values) > 0 and values.max() < 1e-12, f"{method} CE {values.max()}"
    assert ce[ce.method == "anp"]["mean"].abs().max() > 1e-6  # the unconstrained ANP does not conserve


@pytest.mark.smoke
@pytest.mark.parametrize("seed", [0, 1])
def test_smoke_softc_is_trained_with_its_penalty_and_tabulated(smoke_run, seed):
    """SoftC-ANP has its own row; the lambda ablation's lambda = 1 row is the main table's SoftC-ANP, and
    another lambda trains another model (its numbers differ)."""
    run = smoke_run / f"results/smoke/probconserv/pme/seed{seed}"
    main = pd.read_csv(run / "metrics.csv")
    assert {"anp", "softc_anp", "hardc_anp", "probconserv_anp", "probconserv_anp_wdiff"} <= set(main.method)
    main = main[(main.method == "softc_anp") & np.isclose(main.t, 0.5)].set_index(["param", "metric"])["mean"]
    ablation = pd.read_csv(run / "lambda_sweep.csv").set_index(["lambda", "param", "metric"])["mean"]
    for (param, metric), value in main.items():
        assert ablation[(1.0, param, metric)] == pytest.approx(value, rel=1e-9, abs=1e-12)
    assert not np.allclose(ablation.loc[100.0].sort_index(), ablation.loc[1.0].sort_index())
    table = (smoke_run / "results/smoke/tables/probconserv_pme.md").read_text()
    assert "| SoftC-ANP " in table and "| ProbConserv-ANP (w/diff) " in table
    # probconserv.softc.epochs (1 at smoke) sets SoftC-ANP's training length; the ANP keeps its own (2)
    assert len(pd.read_csv(run / "models/softc_anp_history.csv")) == 1
    assert len(pd.read_csv(run / "models/anp_history.csv")) == 2
    assert "probconserv.softc.epochs: default -> 1" in table


@pytest.mark.smoke
@pytest.mark.parametrize("experiment", ["pme", "stefan"])
def test_smoke_shock_task_samples_the_exactly_constrained_posterior(smoke_run, experiment):
    """The t* posterior of ProbConserv-ANP (and w/diff) satisfies G C = 0 (sigma_G = 0) to round-off; the
    shock task summarises every method for every parameter value."""
    run = smoke_run / f"results/smoke/probconserv/{experiment}/seed0"
    with xr.open_dataset(run / "predictions/posterior_tstar.nc") as post:
        cov, x = post["cov"].values, post["x"].values
        assert list(post["method"].values) == ["probconserv_anp", "probconserv_anp_wdiff"]
    w = np.zeros_like(x)
    w[:-1] += np.diff(x) / 2
    w[1:] += np.diff(x) / 2
    assert np.abs(cov @ w).max() <= 1e-10 * np.abs(cov).max()
    np.testing.assert_allclose(cov, np.swapaxes(cov, -1, -2), atol=1e-14)
    summary = pd.read_csv(run / "shock_metrics.csv")
    offsets = summary[summary.metric == "shock_offset"]
    assert len(offsets) == 5 * summary.param.nunique() and offsets["n"].eq(500).all()


@pytest.mark.smoke
@pytest.mark.parametrize("seed", [0, 1])
def test_smoke_sigma_g_sweep_spans_the_anp_and_probconserv(smoke_run, seed):
    """Precision -> 0 gives the ANP's numbers, precision -> infinity ProbConserv-ANP's (same draws, t*)."""
    run = smoke_run / f"results/smoke/probconserv/pme/seed{seed}"
    main = pd.read_csv(run / "metrics.csv")
    main = main[np.isclose(main.t, 0.5)].set_index(["method", "param", "metric"])["mean"]
    sweep = pd.read_csv(run / "sigma_g_sweep.csv").set_index(["precision", "param", "metric"])["mean"]
    for precision, method in ((1e-9, "anp"), (1e8, "probconserv_anp")):
        for metric in ("mse", "ll", "ce"):
            for m in (1.0, 3.0, 6.0):
                ours, ref = sweep[(precision, m, metric)], main[(method, m, metric)]
                assert abs(ours - ref) <= 1e-6 * max(1.0, abs(ref)), (precision, metric, m, ours, ref)
    ce2 = sweep.xs("ce2", level="metric")
    assert ce2.loc[1e-9].min() > 1e3 * ce2.loc[1e8].max()  # the constraint bites as the precision grows


@pytest.mark.smoke
@pytest.mark.skipif(REF is None, reason="released ProbConserv models not available")
@pytest.mark.parametrize("experiment", ["pme", "stefan"])
def test_smoke_released_models_tables_and_exact_conservation(smoke_run, experiment):
    for dropout in ("on", "off"):
        for ext in ("csv", "md", "tex"):
            path = smoke_run / f"results/smoke/tables/probconserv_{experiment}_released_dropout_{dropout}.{ext}"
            assert path.stat().st_size > 0
        metrics = pd.read_csv(smoke_run / f"results/smoke/probconserv/released/{experiment}/metrics_dropout_{dropout}.csv")
        ce = metrics[metrics.metric == "ce"]
        for method in ("hardc_anp", "probconserv_anp"):
            assert ce[ce.method == method]["mean"].abs().max() < 1e-12
        expected = {"anp", "hardc_anp", "probconserv_anp"} | ({"softc_anp"} if experiment == "pme" else set())
        assert set(metrics.method) == expected
