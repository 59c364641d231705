"""Claims, tests and verdicts of the scorecard, on hand-made per-seed metrics files."""
import numpy as np
import pandas as pd
import pytest
import yaml

from pcml.outputs.claims import (DOES_NOT, NOT_RUN, REPRODUCES, SMOKE, TESTS, boon_values, judge_claim,
                                 load_claims, probconserv_values)
from pcml.outputs.scorecard import build_scorecard, make_scorecard

REPO_CLAIMS = __import__("conftest").REPO / "workflow/resources/claims.yaml"


def pc_metrics(path, mse_anp, mse_pc, t=0.05):
    """A ProbConserv metrics file at one time with MSE of anp and probconserv_anp at u* = 0.5, 0.6."""
    rows = []
    for method, mse in (("anp", mse_anp), ("probconserv_anp", mse_pc)):
        for param, value in zip((0.5, 0.6), mse):
            rows.append(dict(method=method, param_name="u_star", param=param, t=t, metric="mse", mean=value,
                             sd=0.0, se=0.0, n=4))
            rows.append(dict(method=method, param_name="u_star", param=param, t=0.5, metric="mse", mean=99.0,
                             sd=0.0, se=0.0, n=4))
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def boon_metrics(path, l2_fno, l2_boon, bc_boon):
    rows = [dict(method="fno1d", sample=s, metric="rel_l2", value=l2_fno) for s in range(3)]
    rows += [dict(method="boon_fno1d", sample=s, metric="rel_l2", value=l2_boon) for s in range(3)]
    rows += [dict(method="boon_fno1d", sample=s, metric=m, value=bc_boon * (1 - 2 * (s % 2)))
             for s in range(3) for m in ("bc_left", "bc_right")]
    rows += [dict(method="fno1d", sample=s, metric=m, value=0.5) for s in range(3) for m in ("bc_left", "bc_right")]
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


STEFAN = {"id": "S", "paper": "probconserv", "claim": "c", "experiment": "stefan", "metric": "mse",
          "params": [0.6], "test": {"kind": "ratio_at_least", "numerator": "anp", "denominator": "probconserv_anp",
                                    "threshold": 2.0}}


def test_probconserv_values_pick_t_star_and_the_parameter(tmp_path):
    path = pc_metrics(tmp_path / "m.csv", (1.0, 6.0), (2.0, 2.0))
    values = probconserv_values(path, "mse", 0.05, [0.6])
    assert values["anp"].tolist() == [6.0] and values["probconserv_anp"].tolist() == [2.0]
    assert probconserv_values(path, "mse", 0.05)["anp"].tolist() == [1.0, 6.0]
    with pytest.raises(ValueError, match="not a grid time"):
        probconserv_values(path, "mse", 0.3)


def test_boon_values_mean_l2_and_largest_absolute_boundary_residual(tmp_path):
    path = boon_metrics(tmp_path / "b.csv", 0.2, 0.05, 3e-9)
    assert boon_values(path, "rel_l2")["fno1d"].tolist() == [pytest.approx(0.2)]
    assert boon_values(path, "bc_abs_max")["boon_fno1d"].tolist() == [pytest.approx(3e-9)]  # |-3e-9| counts


@pytest.mark.parametrize("ratios, verdict", [((3.0, 4.0, 2.5), REPRODUCES), ((1.0, 1.5, 0.5), DOES_NOT),
                                             ((3.0, 1.0, 3.0), "mixed across seeds (2 of 3)")])
def test_verdicts_come_from_the_per_seed_values(ratios, verdict):
    per_seed = [{"anp": np.array([r]), "probconserv_anp": np.array([1.0])} for r in ratios]
    judged = judge_claim(STEFAN, per_seed)
    assert judged.verdict == verdict and judged.shown == list(ratios)
    assert judge_claim(STEFAN, per_seed, smoke=True).verdict == SMOKE


def test_missing_method_or_outputs_is_not_run():
    assert judge_claim(STEFAN, []).verdict == NOT_RUN
    judged = judge_claim(STEFAN, [{"anp": np.array([1.0])}])
    assert judged.verdict == NOT_RUN and "probconserv_anp" in judged.reason


@pytest.mark.parametrize("kind, spec, values, passed", [
    ("abs_at_most", {"methods": ["a", "b"], "threshold": 1e-9}, {"a": [0.0, -2e-9], "b": [0.0]}, False),
    ("abs_at_most", {"methods": ["a"], "threshold": 1e-9}, {"a": [1e-12, -1e-10]}, True),
    ("at_most", {"methods": ["a"], "threshold": 1.0}, {"a": [0.5, 1.5]}, False),
    ("ratio_within", {"numerator": "a", "denominator": "b", "low": 2, "high": 20}, {"a": [10.0], "b": [1.0]}, True),
    ("ratio_within", {"numerator": "a", "denominator": "b", "low": 2, "high": 20}, {"a": [30.0], "b": [1.0]}, False),
    ("less_than", {"smaller": "a", "larger": "b"}, {"a": [-3.0, 1.0], "b": [-2.0, 2.0]}, True),
    ("less_than", {"smaller": "a", "larger": "b"}, {"a": [-3.0, 2.0], "b": [-2.0, 2.0]}, False),
    ("lowest", {"methods": ["a", "b", "c"], "best": "a"}, {"a": [1.0], "b": [2.0]}, True),
    ("lowest", {"methods": ["a", "b", "c"], "best": "a"}, {"a": [1.0], "b": [2.0], "c": [0.5]}, False),
    ("lowest_abs", {"methods": ["a", "b"], "best": "a"}, {"a": [-0.1], "b": [-0.5]}, True),
    ("exact_vs_baseline", {"exact": ["a"], "baseline": "b", "threshold": 1e-6, "baseline_above": 1e-2},
     {"a": [1e-14], "b": [0.3]}, True),
    ("exact_vs_baseline", {"exact": ["a"], "baseline": "b", "threshold": 1e-6, "baseline_above": 1e-2},
     {"a": [1e-14], "b": [1e-3]}, False),
])
def test_each_kind_of_test_by_hand(kind, spec, values, passed):
    result, _ = TESTS[kind]({k: np.asarray(v) for k, v in values.items()}, {"kind": kind, **spec})
    assert result is passed


def test_the_repository_claims_file_loads_and_bad_entries_are_named(tmp_path):
    claims = load_claims(REPO_CLAIMS)
    assert len(claims) >= 12 and {c["paper"] for c in claims} == {"probconserv", "boon"}
    bad = tmp_path / "claims.yaml"
    bad.write_text(yaml.safe_dump([{**STEFAN, "metrc": "mse"}]))
    with pytest.raises(ValueError, match="claim S: unknown key"):
        load_claims(bad)
    bad.write_text(yaml.safe_dump([{**STEFAN, "test": {"kind": "bigger"}}]))
    with pytest.raises(ValueError, match="test kind 'bigger' unknown"):
        load_claims(bad)


def test_scorecard_rows_from_files(tmp_path):
    claims = tmp_path / "claims.yaml"
    boon_claim = {"id": "B", "paper": "boon", "claim": "b", "experiment": "heat", "metric": "rel_l2",
                  "test": {"kind": "less_than", "smaller": "boon_fno1d", "larger": "fno1d"}}
    shock = {**STEFAN, "id": "K", "requires": "shock_position"}
    claims.write_text(yaml.safe_dump([STEFAN, boon_claim, shock]))
    pc = [pc_metrics(tmp_path / f"s{k}.csv", (1.0, r), (1.0, 1.0)) for k, r in enumerate((3.0, 4.0))]
    boon = [boon_metrics(tmp_path / f"b{k}.csv", 0.1, l2, 0.0) for k, l2 in enumerate((0.05, 0.2))]
    released = pc_metrics(tmp_path / "rel.csv", (1.0, 1.5), (1.0, 1.0))
    frame = build_scorecard(claims, probconserv={"stefan": pc}, boon={"heat": boon}, t_stars={"stefan": 0.05},
                            released={"stefan": released}).set_index("id")
    assert frame.loc["S", "verdict"] == REPRODUCES and frame.loc["S", "ours_mean"] == pytest.approx(3.5)
    assert frame.loc["S", "ours_sd"] == pytest.approx(np.std([3.0, 4.0], ddof=1))
    assert frame.loc["S", "released"] == "1.5 (fails)"
    assert frame.loc["B", "verdict"] == "mixed across seeds (1 of 2)"
    assert frame.loc["K", "verdict"] == NOT_RUN and "shock_position" in frame.loc["K", "note"]
    out = {k: tmp_path / f"sc.{k}" for k in ("csv", "md", "tex", "png", "pdf", "rst")}
    make_scorecard(claims, probconserv={"stefan": pc}, boon={}, t_stars={"stefan": 0.05}, caption="Cap.",
                   out_csv=out["csv"], out_md=out["md"], out_tex=out["tex"], out_png=out["png"],
                   out_pdf=out["pdf"], out_caption=tmp_path / "cap.txt", out_rst=out["rst"])
    md = out["md"].read_text()
    assert md.startswith("Cap.") and "| S " in md and "not run at this profile" in md
    assert "list-table" in out["rst"].read_text() and out["png"].stat().st_size > 0


def test_a_task_claim_is_judged_from_the_task_metrics(tmp_path):
    """The shock claim reads the per-seed shock_metrics.csv files (the metrics.csv format) once the task ran."""
    claims = tmp_path / "claims.yaml"
    shock = {"id": "K", "paper": "probconserv", "claim": "k", "experiment": "stefan", "metric": "shock_offset",
             "params": [0.6], "requires": "shock_position",
             "test": {"kind": "lowest_abs", "methods": ["anp", "hardc_anp", "probconserv_anp"], "best": "probconserv_anp"}}
    claims.write_text(yaml.safe_dump([shock]))

    def shock_file(path, offsets):
        rows = [dict(method=m, param_name="u_star", param=0.6, t=0.05, metric="shock_offset", mean=v, sd=0.01,
                     se=0.001, n=500) for m, v in offsets.items()]
        pd.DataFrame(rows).to_csv(path, index=False)
        return str(path)

    files = [shock_file(tmp_path / "k0.csv", {"anp": -0.05, "hardc_anp": -0.04, "probconserv_anp": 0.002}),
             shock_file(tmp_path / "k1.csv", {"anp": -0.05, "hardc_anp": 0.001, "probconserv_anp": 0.01})]
    frame = build_scorecard(claims, probconserv={}, boon={}, t_stars={"stefan": 0.05},
                            task_metrics={"shock_position": {"stefan": files}}).set_index("id")
    assert frame.loc["K", "verdict"] == "mixed across seeds (1 of 2)" and frame.loc["K", "n_seeds"] == 2
    frame = build_scorecard(claims, probconserv={}, boon={}, t_stars={"stefan": 0.05}).set_index("id")
    assert frame.loc["K", "verdict"] == NOT_RUN
