"""The cost benchmark (pcml.bench): the table's rows and columns, finite positive numbers, the
registry, the alternation, the writers and the command line. Never a timing assertion."""
import math

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import REPO
from pcml.bench import cases as bench_cases
from pcml.bench.cases import BenchCase, build_cases, register_family
from pcml.bench.cli import main
from pcml.bench.measure import peak_rss_mb, summarise, time_alternating
from pcml.bench.run import COLUMNS, plot_cost_files, read_cost_table, run_benchmark, write_cost_table

TINY = {
    "fno1d": {"n": 16, "batch_size": 2, "modes": 3, "width": 4},
    "boon_fno1d": {"n": 16, "batch_size": 2, "modes": 3, "width": 4, "bc_types": ["dirichlet", "neumann", "periodic"],
                   "modes_of_correction": ["faithful", "clean"]},
    "anp": {"num_hidden": [4, 8], "batch_size": 2, "n_context": 5, "n_target": 6, "n_draws": 2, "grid": 4},
}


@pytest.fixture(scope="module")
def table():
    return run_benchmark(TINY, repeats=2, warmup=1, threads=1, memory=True)


def test_table_rows_columns_and_finite_positive_numbers(table):
    assert list(table.columns) == COLUMNS
    assert list(table["model"]) == (["fno1d"] + ["boon_fno1d", "boon_fno1d_clean"] * 3 + ["anp", "anp"])
    assert list(table["variant"][1:7]) == [f"{bc}, {m}" for bc in ("dirichlet", "neumann", "periodic")
                                          for m in ("faithful", "clean")]
    assert list(table["baseline"]) == ["plain_fno1d"] + ["fno1d"] * 6 + ["", ""]
    for column in ("n_params", "train_s", "infer_s"):
        assert np.all(np.isfinite(table[column])) and np.all(table[column] > 0), column
    with_baseline = table["baseline"] != ""
    for column in ("train_s_baseline", "train_ratio", "infer_s_baseline", "infer_ratio"):
        values = table.loc[with_baseline, column]
        assert np.all(np.isfinite(values)) and np.all(values > 0), column
        assert table.loc[~with_baseline, column].isna().all(), column
    for column in ("train_peak_mib", "infer_peak_mib"):
        assert np.all(np.isfinite(table[column])) and np.all(table[column] >= 0), column
    params = dict(zip(table["variant"], table["n_params"]))
    assert params["H = 4"] < params["H = 8"]
    for column in ("train_gflop", "train_matmul_floor_s"):
        assert np.all(np.isfinite(table[column])) and np.all(table[column] > 0), column
    flops = dict(zip(table["variant"], table["train_gflop"]))
    assert flops["H = 4"] < flops["H = 8"]


def test_writers_round_trip_and_figure(table, tmp_path):
    write_cost_table(table, tmp_path / "cost.csv", tmp_path / "cost.md", caption="Caption here.")
    back = read_cost_table(tmp_path / "cost.csv")
    pd.testing.assert_frame_equal(back[COLUMNS[:4]], table[COLUMNS[:4]], check_dtype=False)
    md = (tmp_path / "cost.md").read_text()
    assert md.count("\n| ") == len(table) and "Caption here." in md
    plot_cost_files(tmp_path / "cost.csv", out_png=tmp_path / "c.png", out_pdf=tmp_path / "c.pdf",
                    out_caption=tmp_path / "c.txt", caption="Figure caption.")
    assert (tmp_path / "c.png").stat().st_size > 0 and (tmp_path / "c.pdf").stat().st_size > 0
    assert (tmp_path / "c.txt").read_text() == "Figure caption.\n"
    (tmp_path / "bad.csv").write_text("model,train_s\nx,1\n")
    with pytest.raises(ValueError, match="missing columns"):
        read_cost_table(tmp_path / "bad.csv")


def test_registry_plugs_in_a_new_family_and_rejects_unknown_ones(monkeypatch):
    monkeypatch.setattr(bench_cases, "CASE_FAMILIES", dict(bench_cases.CASE_FAMILIES))

    @register_family("toy")
    def toy(settings, seed):
        lin = torch.nn.Linear(settings["width"], 1)
        x = torch.ones(3, settings["width"])
        return [BenchCase("toy", "", 3, lambda: lin(x).sum().backward(), lambda: lin(x), "3x2")]

    out = run_benchmark({"toy": {"width": 2}}, repeats=1, warmup=0, memory=False)
    assert list(out["model"]) == ["toy"] and out["train_s"].iloc[0] > 0 and math.isnan(out["train_peak_mib"].iloc[0])
    # Linear(2 -> 1) on 3 rows: addmm forward, mm for the weight's gradient (x needs none): 2 x 2 x 3 x 2 x 1
    assert out["train_gflop"].iloc[0] * 1e9 == 2 * 2 * 3 * 2 * 1
    with pytest.raises(ValueError, match="unknown families"):
        build_cases({"fno9d": {}})


def test_alternation_order_and_paired_ratio():
    calls = []
    c, b = time_alternating(lambda: calls.append("c"), lambda: calls.append("b"), repeats=3, warmup=1)
    assert calls == ["c", "b", "c", "b", "b", "c", "c", "b"] and len(c) == len(b) == 3
    assert summarise([2.0, 4.0, 9.0], [1.0, 1.0, 3.0]) == (4.0, 1.0, 3.0)  # median ratio of (2, 4, 3)
    assert math.isnan(summarise([1.0], [])[2])


def test_peak_memory_sees_an_allocation():
    if not __import__("pathlib").Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux /proc")
    peak = peak_rss_mb(lambda: torch.ones(40 * 2**20 // 4).sum())  # 40 MiB of float32
    assert 35 <= peak < 400


def test_command_line_writes_the_table(tmp_path, capsys):
    out = tmp_path / "cost"
    config = REPO / "workflow/config"
    assert main(["--config", str(config / "paper.yaml"), "--profile", str(config / "smoke.yaml"),
                 "--families", "fno1d", "--repeats", "1", "--no-memory", "--out", str(out)]) == 0
    table = read_cost_table(out.with_suffix(".csv"))
    assert list(table["model"]) == ["fno1d"] and table["train_s"].iloc[0] > 0
    assert "fno1d" in capsys.readouterr().out


@pytest.mark.smoke
def test_smoke_dag_writes_the_cost_table_and_figure(smoke_run):
    table = read_cost_table(smoke_run / "results/smoke/tables/cost.csv")
    # fno1d, 6 BOON-FNO1d variants, anp; fno2d, 6 BOON-FNO2d variants, fno3d, 3 BOON-FNO3d (faithful)
    assert len(table) == 1 + 6 + 1 + 1 + 6 + 1 + 3 and list(table.columns) == COLUMNS
    assert set(table["model"]) >= {"fno2d", "boon_fno2d", "boon_fno2d_clean", "fno3d", "boon_fno3d"}
    assert np.all(table[["n_params", "train_s", "infer_s"]].to_numpy() > 0)
    for ext in ("png", "pdf", "caption.txt"):
        assert (smoke_run / f"figures/smoke/cost.{ext}").stat().st_size > 0
