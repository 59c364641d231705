"""Shared fixtures: a private copy of the workflow and one smoke-DAG run for every test module."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def reference_dir() -> Path | None:
    """The authors' released ProbConserv files: $PCML_REFERENCE_DIR or ../shared/reference/probconserv."""
    env = os.environ.get("PCML_REFERENCE_DIR")
    path = Path(env) if env else REPO.parent / "shared" / "reference" / "probconserv"
    return path if path.is_dir() else None


REF = reference_dir()
SMOKE = ["--configfile", "workflow/config/smoke.yaml"] + (
    ["--config", f"official_models_dir={REF}"] if REF is not None else [])


def copy_workflow(root: Path) -> Path:
    """Copy the Snakefile and workflow/ into ``root`` so runs do not touch the checkout's results."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", root / "Snakefile")
    shutil.copytree(REPO / "workflow", root / "workflow")
    return root


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run Snakemake in ``workdir`` in a separate process; raise with its output when ``check`` fails."""
    cmd = [sys.executable, "-m", "snakemake", "--directory", str(workdir), "--snakefile",
           str(workdir / "Snakefile"), *args]
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory) -> Path:
    """A folder in which the whole smoke DAG has run once (`snakemake --cores 2` on smoke.yaml).

    ``$PCML_SMOKE_DIR`` names a folder to reuse instead of a fresh one (a developer's shortcut when
    re-running the smoke tests: the workflow files there are refreshed and the DAG completed).
    Tests must not change this folder: they copy it when they need to break something.
    """
    reuse = os.environ.get("PCML_SMOKE_DIR")
    if reuse:
        root = Path(reuse)
        shutil.rmtree(root / "workflow", ignore_errors=True)
        copy_workflow(root)
    else:
        root = copy_workflow(tmp_path_factory.mktemp("smoke") / "wf")
    snakemake(root, "--cores", "2", *SMOKE)
    return root
