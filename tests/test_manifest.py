"""The manifest and `pcml verify`: hashes, what is covered, and every kind of difference named."""
import hashlib
import json

import pandas as pd
import pytest

from pcml.cli import main
from pcml.manifest import build_manifest, output_files, read_manifest, verify_manifest, write_manifest
from pcml.outputs.costs import read_benchmarks


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
