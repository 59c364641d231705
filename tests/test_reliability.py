"""Reliability through Snakemake, as a user meets it (smoke profile).

- two fresh runs in separate processes give byte-identical outputs; another seed gives other ones;
- a failing job names its bad input and every finished output is still there, unchanged;
- a training job killed with SIGKILL resumes from its checkpoint and ends with the same weights;
- a second run of the whole DAG does nothing;
- a config typo, an out-of-range value, an unknown experiment, a table time off the grid and a missing input
  file each stop the run with one clear line.
"""
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from conftest import SMOKE, copy_workflow, snakemake
from pcml.manifest import output_files, read_manifest
from pcml.training.loop import KILL_ENV

pytestmark = pytest.mark.smoke
MANIFEST = "results/smoke/manifest.json"
STEFAN = "results/smoke/probconserv/stefan"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def outputs(root: Path) -> dict[str, str]:
    """sha256 of every generated file (results and figures; logs, benchmarks and checkpoints excluded)."""
    return {rel: sha(root / rel) for rel in output_files(root, ["results/smoke", "figures/smoke"])}


def output_text(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


# What the second run rebuilds: a slice of the DAG that holds every kind of seeded work (ProbConserv data,
# ANP training over two seeds, the one inference pass and its post-processings, metrics, a table and a
# figure; BOON data and training of FNO1d/2d/3d, BOON-FNO1d/2d/3d and PINO-lite, predictions, metrics,
# tables), so that CI does not run the whole smoke DAG twice.
RERUN_TARGETS = ["results/smoke/tables/probconserv_stefan.md", "figures/smoke/probconserv/stefan_solution_profiles.png",
                 "results/smoke/tables/boon_heat_single.md", "results/smoke/tables/boon_heat_multi.md",
                 "results/smoke/tables/boon_cavity.md"]


@pytest.fixture(scope="module")
def second_run(tmp_path_factory) -> Path:
    """A second, independent run of a slice of the smoke DAG (RERUN_TARGETS) in its own folder and processes."""
    root = copy_workflow(tmp_path_factory.mktemp("rerun") / "wf")
    snakemake(root, *RERUN_TARGETS, "--cores", "2", *SMOKE)
    return root


def test_manifest_lists_every_data_prediction_metrics_table_and_figure(smoke_run):
    files = read_manifest(smoke_run / MANIFEST)["files"]
    for experiment in ("diffusion", "pme", "stefan", "advection", "burgers"):
        base = f"results/smoke/probconserv/{experiment}"
        for name in ("data/train.nc", "data/valid.nc", "data/test.nc", "truth.nc"):
            assert f"{base}/{name}" in files
        for seed in (0, 1):
            assert f"{base}/seed{seed}/metrics.csv" in files
            for method in ("anp", "hardc_anp", "probconserv_anp"):
                assert f"{base}/seed{seed}/predictions/{method}.nc" in files
        assert f"results/smoke/tables/probconserv_{experiment}.md" in files
    assert "results/smoke/boon/datasets/cavity_re100.nc" in files
    assert "figures/smoke/probconserv/stefan_solution_profiles.pdf" in files
    assert not [f for f in files if "/logs/" in f or "/benchmarks/" in f or "/checkpoints/" in f]
    assert set(files) == set(outputs(smoke_run)) - {MANIFEST}


def test_two_fresh_runs_are_bit_identical(smoke_run, second_run):
    first, second = outputs(smoke_run), outputs(second_run)
    assert len(second) > 50 and set(second) <= set(first), sorted(set(second) - set(first))[:10]
    for target in RERUN_TARGETS:
        assert target in second
    differ = sorted(rel for rel in second if first[rel] != second[rel])
    assert not differ, f"{len(differ)} outputs differ between two runs with the same seed: {differ[:10]}"
    # the reader's tool: the first run's manifest verifies the second run's files (the rest is missing there)
    proc = subprocess.run([sys.executable, "-m", "pcml.cli", "verify", str(smoke_run / MANIFEST),
                           "--root", str(second_run)], capture_output=True, text=True)
    assert "DIFFERS" not in proc.stdout, output_text(proc)
    for rel in second:
        assert f"MISSING  {rel}" not in proc.stdout


def test_verify_names_each_file_that_differs(smoke_run, tmp_path):
    root = tmp_path / "copy"
    shutil.copytree(smoke_run / "results", root / "results")
    shutil.copytree(smoke_run / "figures", root / "figures")
    table = root / "results/smoke/tables/probconserv_stefan.md"
    table.write_text(table.read_text() + " ")
    (root / f"{STEFAN}/truth.nc").unlink()
    (root / "results/smoke/tables/extra.csv").write_text("a\n1\n")
    proc = subprocess.run([sys.executable, "-m", "pcml.cli", "verify", str(smoke_run / MANIFEST),
                           "--root", str(root)], capture_output=True, text=True)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert "DIFFERS  results/smoke/tables/probconserv_stefan.md" in lines
    assert f"MISSING  {STEFAN}/truth.nc" in lines
    assert "UNLISTED results/smoke/tables/extra.csv" in lines
    assert len([line for line in lines if line.startswith(("DIFFERS", "MISSING", "UNLISTED"))]) == 3


def test_another_seed_gives_other_results(smoke_run, tmp_path):
    root = copy_workflow(tmp_path / "wf")
    # another training seed on the same data: same data files, other weights, predictions and metrics
    snakemake(root, f"{STEFAN}/seed7/metrics.csv", "--cores", "2", *SMOKE)
    assert sha(root / f"{STEFAN}/data/test.nc") == sha(smoke_run / f"{STEFAN}/data/test.nc")
    for rel in ("metrics.csv", "predictions/anp.nc", "predictions/probconserv_anp.nc"):
        assert sha(root / f"{STEFAN}/seed7/{rel}") != sha(smoke_run / f"{STEFAN}/seed0/{rel}"), rel
    # another data seed: other data
    dataset = "results/smoke/boon/datasets/heat_neumann_single.nc"
    snakemake(root, f"{STEFAN}/data/test.nc", dataset, "--cores", "2", "--configfile", "workflow/config/smoke.yaml",
              "--config", "data_seed=5")
    assert sha(root / f"{STEFAN}/data/test.nc") != sha(smoke_run / f"{STEFAN}/data/test.nc")
    assert sha(root / dataset) != sha(smoke_run / dataset)


def test_second_run_of_the_dag_does_nothing(smoke_run):
    before = {rel: (h, (smoke_run / rel).stat().st_mtime_ns) for rel, h in outputs(smoke_run).items()}
    proc = snakemake(smoke_run, "--cores", "2", *SMOKE)
    assert "Nothing to be done" in output_text(proc)
    after = {rel: (h, (smoke_run / rel).stat().st_mtime_ns) for rel, h in outputs(smoke_run).items()}
    assert after == before


def test_failed_job_names_its_input_and_finished_outputs_survive(smoke_run, tmp_path):
    root = tmp_path / "wf"
    shutil.copytree(smoke_run, root, symlinks=True)  # with .snakemake: Snakemake sees a finished run
    before = outputs(root)
    corrupt = f"{STEFAN}/data/test.nc"
    (root / corrupt).write_bytes(b"not a netCDF file")
    proc = snakemake(root, "--cores", "1", *SMOKE, check=False)
    assert proc.returncode != 0
    # the failing job's own message (not Snakemake's list of changed inputs) names the bad file
    failures = error_lines(proc, "pcml job failed")
    assert failures and all(f"cannot read netCDF file {corrupt}" in line for line in failures), failures
    # Snakemake must rebuild what depends on the corrupt file; everything else is untouched
    rebuilt = (f"{STEFAN}/seed", "results/smoke/tables/probconserv_stefan.", "figures/smoke/probconserv/stefan_",
               MANIFEST, corrupt)
    kept = {rel: h for rel, h in before.items() if not rel.startswith(rebuilt)}
    assert len(kept) > 50
    after = outputs(root)
    lost = sorted(rel for rel in kept if rel not in after)
    changed = sorted(rel for rel in kept if rel in after and after[rel] != kept[rel])
    assert not lost and not changed, (lost, changed)


def test_killed_training_resumes_to_the_same_weights(smoke_run, tmp_path):
    root = copy_workflow(tmp_path / "wf")
    model = f"{STEFAN}/seed0/models/anp.pt"
    proc = snakemake(root, model, "--cores", "1", *SMOKE, check=False, env={KILL_ENV: "1"})
    assert proc.returncode != 0 and not (root / model).exists()
    checkpoints = list((root / f"{STEFAN}/seed0/checkpoints").glob("*/checkpoint.pt"))
    assert len(checkpoints) == 1
    assert torch.load(checkpoints[0], weights_only=False)["epoch"] == 1  # killed after epoch 1 of 2
    snakemake(root, model, "--cores", "1", *SMOKE)
    log = (root / "results/smoke/logs/probconserv/stefan/seed0/train_anp.log").read_text()
    assert "resumed from" in log
    resumed = torch.load(root / model, weights_only=True)["state_dict"]
    uninterrupted = torch.load(smoke_run / model, weights_only=True)["state_dict"]
    assert resumed.keys() == uninterrupted.keys()
    for key in resumed:
        assert torch.equal(resumed[key], uninterrupted[key]), key
    history = "models/anp_history.csv"
    assert sha(root / f"{STEFAN}/seed0/{history}") == sha(smoke_run / f"{STEFAN}/seed0/{history}")


def error_lines(proc: subprocess.CompletedProcess, needle: str) -> list[str]:
    return [line for line in output_text(proc).splitlines() if needle in line]


@pytest.mark.parametrize("args, needle", [
    (["--config", "sed=3"], "sed"),
    (["--config", "data_seed=-1"], "data_seed"),
])
def test_bad_config_stops_with_one_clear_line(tmp_path, args, needle):
    root = copy_workflow(tmp_path / "wf")
    proc = snakemake(root, "-n", "--configfile", "workflow/config/smoke.yaml", *args, check=False)
    assert proc.returncode != 0
    assert "Traceback" not in output_text(proc)
    assert len(error_lines(proc, needle)) == 1, output_text(proc)


@pytest.mark.parametrize("overlay, needle", [
    ("probconserv:\n  experiments: [diffusion, advektion]\n", "probconserv.experiments"),
    ("probconserv:\n  problems:\n    advection: {train_range: [1.0, 5.0], test_values: [1.0, 3.0], t_star: 0.1,"
     " t_extra: [0.06]}\n", "probconserv.problems.advection.t_extra"),
    ("probconserv:\n  problems:\n    burgers: {train_range: [1.0, 4.0], test_values: [-1.0, 3.0], t_star: 0.5}\n",
     "probconserv.problems.burgers.test_values"),
])
def test_bad_probconserv_experiment_stops_with_one_clear_line(tmp_path, overlay, needle):
    root = copy_workflow(tmp_path / "wf")
    (root / "bad.yaml").write_text(overlay)
    proc = snakemake(root, "-n", "--configfile", "workflow/config/smoke.yaml", "bad.yaml", check=False)
    assert proc.returncode != 0
    assert "Traceback" not in output_text(proc)
    assert len(error_lines(proc, needle)) == 1, output_text(proc)


def test_missing_input_file_stops_with_one_clear_line(tmp_path):
    root = copy_workflow(tmp_path / "wf")
    released = tmp_path / "released"
    for rel in ("pme/anp.pt", "pme/softc.pt", "pme/test.npz", "stefan/test.npz"):  # stefan/anp.pt missing
        (released / rel).parent.mkdir(parents=True, exist_ok=True)
        (released / rel).write_bytes(b"")
    proc = snakemake(root, "-n", "--configfile", "workflow/config/smoke.yaml",
                     "--config", f"official_models_dir={released}", check=False)
    assert proc.returncode != 0
    assert "Traceback" not in output_text(proc)
    assert len(error_lines(proc, "stefan/anp.pt")) == 1, output_text(proc)
