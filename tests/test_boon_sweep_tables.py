"""BOON sweep tables (pcml.outputs.boon_sweep_tables): cells computed from the metrics files, factors, files."""
import numpy as np
import pandas as pd
import pytest

from pcml.outputs.boon_sweep_tables import make_sweep_table, sweep_summary


def metrics_file(path, rel, bc, seeds=(0, 1, 2), n=4):
    """Long metrics with seed column: rel_l2 = rel[method] * (1 + 0.1 seed) for every sample."""
    rows = []
    for seed in seeds:
        for method, value in rel.items():
            for sample in range(n):
                rows.append((seed, method, sample, "rel_l2", value * (1 + 0.1 * seed)))
                rows.append((seed, method, sample, "bc_left", bc[method]))
                rows.append((seed, method, sample, "bc_right", 2 * bc[method]))
                rows.append((seed, method, sample, "bc_right_2nd", 100.0))
    pd.DataFrame(rows, columns=["seed", "method", "sample", "metric", "value"]).to_csv(path, index=False)
    return path


@pytest.fixture
def columns(tmp_path):
    bc = {"fno1d": 0.3, "boon_fno1d": 1e-9}
    return {"ν = 0.1": metrics_file(tmp_path / "a.csv", {"fno1d": 0.02, "boon_fno1d": 0.01}, bc),
            "ν = 0.02": metrics_file(tmp_path / "b.csv", {"fno1d": 0.08, "boon_fno1d": 0.02}, bc)}


def test_cells_are_mean_and_se_over_seeds_with_the_worst_wall(columns, tmp_path):
    table = make_sweep_table(columns, caption="cap", out_csv=tmp_path / "t.csv", out_md=tmp_path / "t.md",
                             out_tex=tmp_path / "t.tex", baseline="fno1d")
    seed_means = 0.08 * np.array([1.0, 1.1, 1.2])
    se = seed_means.std(ddof=1) / np.sqrt(3)
    assert table.loc["FNO", "ν = 0.02"] == f"{seed_means.mean():.1e} ({se:.1e}) [BC 6.0e-01]"  # 2 * 0.3, not 100 (2nd order)
    assert table.loc["BOON-FNO", "ν = 0.1"].endswith("[BC 2.0e-09]")
    factor = table.loc["factor FNO / BOON-FNO"]
    assert factor["ν = 0.1"].startswith("2 (") and factor["ν = 0.02"].startswith("4 (")  # 0.08/0.02 in every seed
    long = pd.read_csv(tmp_path / "t.csv")
    got = long.query("column == 'ν = 0.02' and method == 'fno1d' and metric == 'rel_l2'")["mean"].item()
    assert got == pytest.approx(seed_means.mean(), rel=1e-12)
    assert set(long.query("metric == 'improvement_rel_l2'")["column"]) == set(columns)
    md = (tmp_path / "t.md").read_text()
    assert md.startswith("cap\n") and "ν = 0.02" in md
    assert r"\begin{table}" in (tmp_path / "t.tex").read_text()


def test_a_column_without_the_baseline_has_no_factor_and_missing_methods_show_a_dash(tmp_path):
    cols = {"N = 128": metrics_file(tmp_path / "a.csv", {"fno1d": 0.02, "boon_fno1d": 0.01}, {"fno1d": 0.1, "boon_fno1d": 0.0}),
            "N = 256": metrics_file(tmp_path / "b.csv", {"boon_fno1d": 0.03}, {"boon_fno1d": 0.0})}
    table = make_sweep_table(cols, caption="c", out_csv=tmp_path / "t.csv", out_md=tmp_path / "t.md",
                             out_tex=tmp_path / "t.tex", baseline="fno1d")
    assert table.loc["FNO", "N = 256"] == "–"
    assert table.loc["factor FNO / BOON-FNO", "N = 256"] == "–"
    summary, factors = sweep_summary(cols, "fno1d")
    assert set(factors["column"]) == {"N = 128"}


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least one column"):
        sweep_summary({}, "fno1d")
    with pytest.raises(FileNotFoundError, match="nothere.csv"):
        sweep_summary({"x": tmp_path / "nothere.csv"}, "fno1d")
