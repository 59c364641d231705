"""The BOON generator registry: config settings -> netCDF dataset, with clear errors."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from pcml.data import boon_datasets
from pcml.data.boon_datasets import (GENERATORS, dataset_caption, dataset_workers, generate_boon_dataset,
                                     get_generator)
from pcml.data.netcdf import read_netcdf

HEAT = {"generator": "heat_neumann", "n_samples": 3, "n_x": 16, "multi_step": False, "n_modes": 64}


def test_every_registered_generator_imports():
    for name in GENERATORS:
        assert callable(get_generator(name))
    with pytest.raises(ValueError, match="unknown BOON generator 'heet'"):
        get_generator("heet")


def test_generate_writes_the_dataset_with_its_provenance(tmp_path):
    out = tmp_path / "heat.nc"
    generate_boon_dataset("heat_small", HEAT, seed=7, profile="smoke", out_path=str(out))
    ds = read_netcdf(out)
    assert ds["a"].shape == (3, 16) and ds["u"].shape == (3, 16)
    assert ds.attrs["dataset"] == "heat_small" and ds.attrs["profile"] == "smoke" and ds.attrs["config_seed"] == 7
    caption = dataset_caption(str(out), "Samples.")
    assert caption.startswith("Samples. Solver: ") and "[RECON]" in caption


def test_datasets_draw_independent_streams_but_repeat_exactly(tmp_path):
    paths = {}
    for name in ("one", "two", "one_again"):
        paths[name] = tmp_path / f"{name}.nc"
        generate_boon_dataset(name.replace("_again", ""), HEAT, seed=7, profile="smoke", out_path=str(paths[name]))
    one, two, again = (read_netcdf(paths[k])["omega"].values for k in ("one", "two", "one_again"))
    np.testing.assert_array_equal(one, again)
    assert not np.allclose(one, two)


def test_an_unknown_setting_is_named_before_any_work(tmp_path):
    out = tmp_path / "x.nc"
    with pytest.raises(ValueError, match=r"boon.datasets.heat: unknown setting\(s\) \['n_xx'\]"):
        generate_boon_dataset("heat", {**HEAT, "n_xx": 5}, seed=0, profile="smoke", out_path=str(out))
    assert not out.exists()


def test_workers_reach_only_generators_that_take_them_and_never_come_from_a_block(tmp_path, monkeypatch):
    seen = {}

    def with_workers(n_samples: int, *, seed: int, workers: int = 1):
        seen["with"] = workers
        raise RuntimeError("stop")  # nothing to write

    def without_workers(n_samples: int, *, seed: int):
        seen["without"] = "called"
        raise RuntimeError("stop")

    fakes = {"heat_neumann": without_workers, "cavity": with_workers}
    monkeypatch.setattr(boon_datasets, "get_generator", fakes.__getitem__)
    out = str(tmp_path / "x.nc")
    for generator in fakes:
        with pytest.raises(RuntimeError, match="stop"):
            generate_boon_dataset("d", {"generator": generator, "n_samples": 2}, seed=0, profile="smoke",
                                  out_path=out, workers=2)
    assert seen == {"with": 2, "without": "called"}
    with pytest.raises(ValueError, match=r"boon.datasets.d: unknown setting\(s\) \['workers'\]"):
        generate_boon_dataset("d", {"generator": "cavity", "n_samples": 2, "workers": 2}, seed=0,
                              profile="smoke", out_path=out)


def test_the_adapter_runs_the_job_only_as_main():
    """The cavity's spawned workers re-import the job script as __mp_main__; only an
    ``if __name__ == "__main__":`` guard keeps them from running the job again (they fail otherwise)."""
    script = Path(__file__).parents[1] / "workflow" / "scripts" / "generate_boon_dataset.py"
    body = ast.parse(script.read_text()).body
    loose = [node for node in body if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr, ast.If))
             or isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant)]
    assert not loose, "statements outside the __main__ guard"
    (guard,) = [node for node in body if isinstance(node, ast.If)]
    assert ast.unparse(guard.test) == "__name__ == '__main__'"
    assert "workers=snakemake.threads" in ast.unparse(guard)


def test_dataset_workers_are_the_cavity_chunks_up_to_the_limit():
    quick = {"generator": "cavity", "n_samples": 150, "subsample": 4}  # 10 chunks of 16
    assert dataset_workers(quick) == 2 and dataset_workers(quick, max_workers=4) == 4
    assert dataset_workers({**quick, "n_samples": 16}) == 1  # one chunk (the smoke size)
    assert dataset_workers({**quick, "n_samples": 17}) == 2
    assert dataset_workers({**quick, "n_samples": 40, "chunk_size": 20}, max_workers=8) == 2
    assert dataset_workers(HEAT) == 1 and dataset_workers({"generator": "wave", "n_samples": 150}) == 1
