"""The BOON generator registry: config settings -> netCDF dataset, with clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from pcml.data.boon_datasets import GENERATORS, dataset_caption, generate_boon_dataset, get_generator
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
