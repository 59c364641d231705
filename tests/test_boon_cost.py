"""BOON cost table (pcml.outputs.boon_cost): hand-computed seconds per epoch, SE, ratios, parameters; bad files."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from pcml.outputs.boon_cost import cost_frame, make_cost_table, model_parameters, read_benchmark

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(path, s, cpu, rss):
    path.write_text(HEADER + f"{s}\t0:00:{int(s):02d}\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")
    return path


def model_file(path, n_params):
    torch.save({"model": "fno1d", "model_kwargs": {}, "state_dict": {}, "n_params": n_params}, path)
    return path


@pytest.fixture
def runs(tmp_path):
    # wall seconds per job: FNO 20, 30 (10 epochs -> 2, 3 s/epoch); BOON 50, 60 (-> 5, 6); one periodic run
    table = {("exp", "fno1d", 0): 20.0, ("exp", "fno1d", 1): 30.0, ("exp", "boon_fno1d", 0): 50.0,
             ("exp", "boon_fno1d", 1): 60.0, ("per", "boon_fno2d", 0): 8.0}
    params = {"fno1d": 1000, "boon_fno1d": 1200, "boon_fno2d": 77}
    out = []
    for (exp, method, seed), s in table.items():
        b = bench(tmp_path / f"{exp}_{method}_{seed}.tsv", s, cpu=s / 2, rss=100.0 + seed)
        m = model_file(tmp_path / f"{exp}_{method}_{seed}.pt", params[method])
        out.append({"experiment": exp, "method": method, "seed": seed, "epochs": 10 if exp == "exp" else 4,
                    "benchmark": b, "model": m})
    return out


def test_seconds_per_epoch_ratios_and_parameters_are_hand_computed(runs):
    frame = cost_frame(runs, {"exp": "fno1d", "per": "fno2d"}).set_index(["experiment", "method"])
    fno, boon = frame.loc[("exp", "fno1d")], frame.loc[("exp", "boon_fno1d")]
    assert fno["s_per_epoch"] == pytest.approx(2.5) and fno["s_per_epoch_se"] == pytest.approx(0.5)  # sd 0.707/sqrt 2
    assert boon["s_per_epoch"] == pytest.approx(5.5) and boon["cpu_s_per_epoch"] == pytest.approx(2.75)
    assert boon["ratio_to_baseline"] == pytest.approx((5 / 2 + 6 / 3) / 2)  # per seed, then the mean
    assert boon["ratio_to_baseline_se"] == pytest.approx(abs(5 / 2 - 6 / 3) / 2)
    assert fno["ratio_to_baseline"] == pytest.approx(1.0) and boon["n_params"] == 1200 and boon["max_rss_mb"] == 100.5
    periodic = frame.loc[("per", "boon_fno2d")]  # no baseline run: no ratio; one seed: no SE
    assert periodic["s_per_epoch"] == pytest.approx(2.0) and math.isnan(periodic["ratio_to_baseline"])
    assert math.isnan(periodic["s_per_epoch_se"]) and periodic["n_seeds"] == 1
    assert list(frame.index.get_level_values("method")) == ["fno1d", "boon_fno1d", "boon_fno2d"]


def test_the_table_files(runs, tmp_path):
    outs = {k: tmp_path / "out" / f"boon_cost.{k}" for k in ("csv", "md", "tex")}
    make_cost_table(runs, {"exp": "fno1d"}, caption="cost", out_csv=outs["csv"], out_md=outs["md"], out_tex=outs["tex"])
    md = outs["md"].read_text().splitlines()
    assert md[0] == "cost"
    row = next(line for line in md if "BOON-FNO " in line and "| exp" in line)
    assert "1,200" in row and "5.5e+00 (5.0e-01)" in row and "2.25 (0.25)" in row
    assert list(pd.read_csv(outs["csv"]).columns)[:4] == ["experiment", "method", "n_seeds", "n_params"]
    assert r"exp: BOON-FNO & 2 & 1,200" in outs["tex"].read_text()


def test_missing_or_malformed_files_are_named(runs, tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.tsv"):
        read_benchmark(tmp_path / "nope.tsv")
    bad = tmp_path / "bad.tsv"
    bad.write_text("x\ty\n1\t2\n")
    with pytest.raises(ValueError, match="bad.tsv"):
        read_benchmark(bad)
    with pytest.raises(FileNotFoundError, match="gone.pt"):
        model_parameters(tmp_path / "gone.pt")
    torch.save({"model": "fno1d"}, tmp_path / "old.pt")
    with pytest.raises(ValueError, match="n_params"):
        model_parameters(tmp_path / "old.pt")
    with pytest.raises(ValueError, match="epochs"):
        cost_frame([{**runs[0], "epochs": 0}], {})
    with pytest.raises(ValueError, match="at least one"):
        cost_frame([], {})
    assert np.isfinite(read_benchmark(runs[0]["benchmark"])["s"])
