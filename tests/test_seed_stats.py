"""Aggregation over training seeds (pcml.evaluation.seed_stats) against hand-computed values."""
import math

import numpy as np
import pandas as pd
import pytest

from pcml.evaluation.seed_stats import (combine_seed_metrics, improvement_factors, per_seed_means, read_metrics,
                                        summarise_over_seeds)

# rel_l2 per (method, seed) over two test samples; per-seed means: FNO 0.2, 0.4; BOON 0.02, 0.05
VALUES = {("fno1d", 0): [0.1, 0.3], ("fno1d", 1): [0.2, 0.6],
          ("boon_fno1d", 0): [0.01, 0.03], ("boon_fno1d", 1): [0.04, 0.06]}


def frame(seeds=(0, 1), with_seed=True):
    rows = [(seed, method, sample, "rel_l2", v) for (method, seed), values in VALUES.items() if seed in seeds
            for sample, v in zip((90, 91), values)]
    rows += [(seed, method, 90, "bc_left", 1.0 + seed) for method in ("fno1d", "boon_fno1d") for seed in seeds]
    df = pd.DataFrame(rows, columns=["seed", "method", "sample", "metric", "value"])
    return df if with_seed else df.drop(columns="seed")


def row(summary, method, metric):
    hit = summary[(summary["method"] == method) & (summary["metric"] == metric)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_several_seeds_mean_and_se_over_the_seeds_means():
    summary = summarise_over_seeds(frame())
    fno = row(summary, "fno1d", "rel_l2")
    assert fno["mean"] == pytest.approx(0.3, rel=1e-14)
    # seed means 0.2, 0.4: sd (ddof 1) = 0.1 sqrt(2), SE = sd / sqrt(2) = 0.1 (pooling the 4 samples would
    # give sd([0.1, 0.3, 0.2, 0.6]) / 2 = 0.1080...)
    assert fno["se"] == pytest.approx(0.1, rel=1e-12)
    assert (fno["se_over"], fno["n_seeds"], fno["n_samples"]) == ("seeds", 2, 2)
    boon = row(summary, "boon_fno1d", "rel_l2")
    assert boon["mean"] == pytest.approx(0.035, rel=1e-13)
    assert boon["se"] == pytest.approx(0.015, rel=1e-12)
    bc = row(summary, "fno1d", "bc_left")  # one sample per seed, values 1 and 2
    assert (bc["mean"], bc["se"], bc["n_samples"]) == (1.5, 0.5, 1)


def test_one_seed_mean_and_se_over_the_test_samples():
    for df in (frame(seeds=(0,)), frame(seeds=(0,), with_seed=False)):
        summary = summarise_over_seeds(df)
        fno = row(summary, "fno1d", "rel_l2")
        assert fno["mean"] == pytest.approx(0.2, rel=1e-14)
        assert fno["se"] == pytest.approx(np.std([0.1, 0.3], ddof=1) / math.sqrt(2), rel=1e-14)
        assert fno["se"] == pytest.approx(0.1, rel=1e-12)
        assert (fno["se_over"], fno["n_seeds"], fno["n_samples"]) == ("samples", 1, 2)
        assert math.isnan(row(summary, "fno1d", "bc_left")["se"])  # one sample: no SE


def test_improvement_factor_is_the_mean_over_seeds_of_per_seed_ratios():
    factors = improvement_factors(frame())
    assert len(factors) == 1
    f = factors.iloc[0]
    assert (f["method"], f["baseline"], f["metric"], f["n_seeds"]) == ("boon_fno1d", "fno1d", "rel_l2", 2)
    # per seed: 0.2 / 0.02 = 10 and 0.4 / 0.05 = 8 -> mean 9 (the ratio of the means would be 8.57), SE = 1
    assert f["mean"] == pytest.approx(9.0, rel=1e-13)
    assert f["se"] == pytest.approx(1.0, rel=1e-12)
    one = improvement_factors(frame(seeds=(1,))).iloc[0]
    assert one["mean"] == pytest.approx(8.0, rel=1e-13) and math.isnan(one["se"])
    assert improvement_factors(frame(), baseline="pino").empty
    assert improvement_factors(frame(), metric="bc_ends").empty


def test_per_seed_means_refuses_runs_that_do_not_match():
    df = frame()
    with pytest.raises(ValueError, match=r"'rel_l2' of method 'boon_fno1d' is missing for seed\(s\) \[1\]"):
        per_seed_means(df[~((df["method"] == "boon_fno1d") & (df["seed"] == 1) & (df["metric"] == "rel_l2"))])
    with pytest.raises(ValueError, match="different numbers of test samples"):
        per_seed_means(df.drop(index=0))


def test_combine_seed_metrics_adds_the_seed_column(tmp_path):
    paths = {}
    for seed in (3, 1):
        part = frame(seeds=(0,), with_seed=False)
        part["value"] += seed
        paths[seed] = tmp_path / f"seed{seed}" / "metrics.csv"
        paths[seed].parent.mkdir()
        part.to_csv(paths[seed], index=False)
    out = tmp_path / "metrics.csv"
    combined = combine_seed_metrics(paths, out)
    back = read_metrics(out)
    assert list(back.columns) == ["seed", "method", "sample", "metric", "value"]
    assert back["seed"].tolist() == [3] * 6 + [1] * 6
    np.testing.assert_allclose(back["value"].to_numpy(), combined["value"].to_numpy(), rtol=1e-9)
    assert back.loc[0, "value"] == pytest.approx(3.1)
    with pytest.raises(ValueError, match="already has a seed column"):
        combine_seed_metrics({0: out}, tmp_path / "again.csv")
    with pytest.raises(ValueError, match="duplicate"):
        pd.concat([back, back]).to_csv(tmp_path / "dup.csv", index=False)
        read_metrics(tmp_path / "dup.csv")
