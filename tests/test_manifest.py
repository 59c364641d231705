"""The manifest and `pcml verify`: hashes, what is covered, and every kind of difference named."""
import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from pcml.cli import main
from pcml.manifest import build_manifest, output_files, read_manifest, verify_manifest, write_manifest
from pcml.outputs.costs import UNMATCHED, costs_by_rule, read_benchmarks, rule_costs_markdown, rule_of_jobs


@pytest.fixture
def outputs(tmp_path):
    files = {"results/p/tables/t.csv": "a\n1\n", "results/p/x/data.nc": "nc", "figures/p/f.png": "png",
             "results/p/logs/job.log": "log", "results/p/benchmarks/job.tsv": "s\n1\n",
             "results/p/x/checkpoints/c/checkpoint.pt": "pt", "results/p/x/.tmp.nc": "partial",
             "results/p/x/model.pt": "weights", "results/p/tables/cost.csv": "timings",
             "figures/p/cost.png": "timings"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def test_manifest_covers_outputs_only(outputs):
    assert output_files(outputs, ["results/p", "figures/p"]) == [
        "figures/p/f.png", "results/p/tables/t.csv", "results/p/x/data.nc"]
    manifest = build_manifest(outputs, ["results/p", "figures/p"], profile="p", config={"a": 1})
    assert manifest["profile"] == "p" and manifest["config"] == {"a": 1}
    assert {"torch", "numpy", "xarray", "python"} <= set(manifest["versions"])
    assert manifest["files"]["figures/p/f.png"] == hashlib.sha256(b"png").hexdigest()


def test_verify_names_each_difference_and_cli_exit_status(outputs, capsys):
    path = outputs / "results/p/manifest.json"
    write_manifest(build_manifest(outputs, ["results/p", "figures/p"], profile="p", config={}), path)
    assert read_manifest(path)["files"] and json.loads(path.read_text())["manifest_version"] == 1
    assert main(["verify", str(path), "--root", str(outputs)]) == 0
    assert "3 files checked: all files identical" in capsys.readouterr().out
    (outputs / "results/p/tables/t.csv").write_text("a\n2\n")
    (outputs / "figures/p/f.png").unlink()
    (outputs / "results/p/tables/new.md").write_text("x")
    result = verify_manifest(read_manifest(path), outputs, exclude=["results/p/manifest.json"])
    assert (result.differ, result.missing, result.unlisted) == (
        ["results/p/tables/t.csv"], ["figures/p/f.png"], ["results/p/tables/new.md"])
    assert main(["verify", str(path), "--root", str(outputs)]) == 1
    out = capsys.readouterr().out
    assert "DIFFERS  results/p/tables/t.csv" in out and "1 differ, 1 missing, 1 not in the manifest" in out


def test_bad_manifest_is_refused_with_its_name(tmp_path, capsys):
    bad = tmp_path / "m.json"
    bad.write_text("{not json")
    assert main(["verify", str(bad)]) == 2
    assert f"manifest {bad} is not valid JSON" in capsys.readouterr().err
    assert main(["verify", str(tmp_path / "none.json")]) == 2


def test_benchmark_files_are_read_into_the_cost_table(tmp_path):
    (tmp_path / "a").mkdir()
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    (tmp_path / "a/train.tsv").write_text(header + "12.5\t0:00:12\t800.5\t1\t1\t1\t0\t0\t90\t11.0\n")
    (tmp_path / "plot.tsv").write_text(header + "0.5\t0:00:00\t-\t-\t-\t-\t-\t-\t-\t-\n")
    costs = read_benchmarks(tmp_path)
    assert costs["job"].tolist() == ["a/train", "plot"]
    assert costs.loc[0, "wall_s"] == 12.5 and costs.loc[0, "max_rss_mb"] == 800.5
    assert pd.isna(costs.loc[1, "max_rss_mb"])
    (tmp_path / "bad.tsv").write_text("x\n1\n")
    with pytest.raises(ValueError, match="bad.tsv is not a Snakemake benchmark"):
        read_benchmarks(tmp_path)


def test_benchmark_files_are_summed_per_rule_from_the_rules_patterns():
    costs = pd.DataFrame({
        "job": ["boon/heat/seed0/train_fno1d", "boon/heat/seed1/train_fno1d", "boon/heat/seed0/resolution_predict_fno1d",
                "boon/heat/seed0/evaluate_operator", "tables/boon_heat", "boon/heat/seed0/predict_fno1d"],
        "wall_s": [30.0, 20.0, 3.0, 2.0, 1.0, 4.0], "max_rss_mb": [900.0, 800.0, 400.0, np.nan, 100.0, 300.0],
        "cpu_time_s": [np.nan] * 6})
    patterns = {"train_operator": "boon/{bexp}/seed{seed}/train_{bmethod}",
                "predict_operator_resolution_heat": "boon/heat/seed{seed}/resolution_predict_{bmethod}",
                "evaluate_operator": "boon/{bexp}/seed{seed}/evaluate_operator",
                # matches 'boon/heat/seed0/evaluate_operator' too, with fewer literal characters
                "catch_all": "boon/{bexp}/{folder}/{name}",
                "make_boon_table": "tables/boon_{bexp,[a-z]+}"}
    table = costs_by_rule(costs, patterns).set_index("rule")
    assert table.loc["train_operator", "jobs"] == 2 and table.loc["train_operator", "wall_s"] == 50.0
    assert table.loc["train_operator", "longest_s"] == 30.0 and table.loc["train_operator", "max_rss_mb"] == 900.0
    assert table.loc["predict_operator_resolution_heat", "jobs"] == 1
    assert table.loc["evaluate_operator", "jobs"] == 1
    assert table.loc["make_boon_table", "wall_s"] == 1.0
    # the old layout's 'predict_<method>' file: only the catch-all matches it here
    assert table.loc["catch_all", "jobs"] == 1 and table.loc["catch_all", "wall_s"] == 4.0
    assert table["jobs"].sum() == len(costs) and table["share_pct"].sum() == pytest.approx(100.0)
    assert table.index[0] == "train_operator"  # the longest total first
    assert rule_of_jobs(pd.Series(["figures/x"]), patterns).tolist() == [UNMATCHED]
    md = rule_costs_markdown(costs_by_rule(costs, patterns))
    assert "| train_operator" in md and "all rules" in md and "60.0" in md  # total job-seconds
