"""Claims of the papers as data, and the tests that decide them from per-seed metrics.

A claim (one entry of ``workflow/resources/claims.yaml``) names an experiment, a metric, the
methods it compares and a test. ``claim_values`` reads one seed's metrics into
{method: values over the claim's parameter values}; a test in ``TESTS`` maps those values to
(passed, shown value); ``judge_claim`` applies it seed by seed and gives the verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import yaml

from pcml.evaluation.seed_stats import per_seed_means, read_metrics
from pcml.outputs.tables import METRICS_COLUMNS, read_checked_csv, select_time

REPRODUCES = "reproduces"
DOES_NOT = "does not reproduce"
MIXED = "mixed across seeds"
NOT_RUN = "not run at this profile"
SMOKE = "smoke: not meaningful"
CLAIM_KEYS = {"id", "paper", "claim", "source", "experiment", "metric", "params", "test", "paper_value",
              "requires"}
PAPERS = ("probconserv", "boon")

Values = Mapping[str, np.ndarray]  # method -> values over the claim's parameter values (or one value)
TestResult = tuple[bool, float]      # (passed, the value shown in the scorecard)


def _values(values: Values, methods: Sequence[str]) -> list[np.ndarray]:
    return [np.asarray(values[m], dtype=float) for m in methods]


def abs_at_most(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """max |value| over ``methods`` and parameters <= ``threshold``; shows that maximum."""
    worst = max(float(np.max(np.abs(v))) for v in _values(values, spec["methods"]))
    return worst <= spec["threshold"], worst


def at_most(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """max value over ``methods`` and parameters <= ``threshold``; shows that maximum."""
    worst = max(float(np.max(v)) for v in _values(values, spec["methods"]))
    return worst <= spec["threshold"], worst


def ratio_at_least(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """min over parameters of numerator / denominator >= ``threshold``; shows that ratio."""
    num, den = _values(values, [spec["numerator"], spec["denominator"]])
    ratio = float(np.min(num / den))
    return ratio >= spec["threshold"], ratio


def ratio_within(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """numerator / denominator within [low, high] at every parameter; shows the mean ratio."""
    num, den = _values(values, [spec["numerator"], spec["denominator"]])
    ratio = num / den
    return bool(np.all((ratio >= spec["low"]) & (ratio <= spec["high"]))), float(np.mean(ratio))


def less_than(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """``smaller`` < ``larger`` at every parameter; shows max(smaller - larger) (< 0 passes)."""
    small, large = _values(values, [spec["smaller"], spec["larger"]])
    gap = float(np.max(small - large))
    return gap < 0, gap


def lowest(values: Values, spec: Mapping[str, Any], transform: Callable = np.asarray) -> TestResult:
    """``best`` is below every other listed method present, at every parameter; shows best / next best."""
    others = [m for m in spec["methods"] if m != spec["best"] and m in values]
    if not others:
        raise KeyError(f"no method to compare {spec['best']} with")
    best = transform(np.asarray(values[spec["best"]], dtype=float))
    rest = np.min([transform(v) for v in _values(values, others)], axis=0)
    return bool(np.all(best < rest)), float(np.max(best / rest))


def lowest_abs(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """As ``lowest``, on absolute values."""
    return lowest(values, spec, transform=np.abs)


def exact_vs_baseline(values: Values, spec: Mapping[str, Any]) -> TestResult:
    """max |exact methods| <= ``threshold`` and min |baseline| >= ``baseline_above``; shows the former."""
    exact = max(float(np.max(np.abs(v))) for v in _values(values, spec["exact"]))
    (baseline,) = _values(values, [spec["baseline"]])
    return exact <= spec["threshold"] and float(np.min(np.abs(baseline))) >= spec["baseline_above"], exact


TESTS: dict[str, Callable[[Values, Mapping[str, Any]], TestResult]] = {
    "abs_at_most": abs_at_most, "at_most": at_most, "ratio_at_least": ratio_at_least,
    "ratio_within": ratio_within, "less_than": less_than, "lowest": lowest, "lowest_abs": lowest_abs,
    "exact_vs_baseline": exact_vs_baseline,
}


def required_methods(test: Mapping[str, Any]) -> list[str]:
    """The methods a test cannot do without (``lowest``: its best method; others are optional)."""
    if test["kind"] in ("lowest", "lowest_abs"):
        return [test["best"]]
    names: list[str] = []
    for key in ("methods", "exact", "numerator", "denominator", "smaller", "larger", "baseline"):
        item = test.get(key)
        if item is not None:
            names += [item] if isinstance(item, str) else list(item)
    return list(dict.fromkeys(names))


def describe_test(test: Mapping[str, Any]) -> str:
    """The test in words, for the scorecard's ``test`` column."""
    kind = test["kind"]
    if kind == "abs_at_most":
        return f"abs(value) <= {test['threshold']:g} for {', '.join(test['methods'])}"
    if kind == "at_most":
        return f"value <= {test['threshold']:g} for {', '.join(test['methods'])}"
    if kind == "ratio_at_least":
        return f"{test['numerator']} / {test['denominator']} >= {test['threshold']:g}"
    if kind == "ratio_within":
        return f"{test['low']:g} <= {test['numerator']} / {test['denominator']} <= {test['high']:g}"
    if kind == "less_than":
        return f"{test['smaller']} < {test['larger']} (shown: largest difference)"
    if kind in ("lowest", "lowest_abs"):
        absolute = "abs(value) " if kind == "lowest_abs" else ""
        return f"{test['best']} has the lowest {absolute}of {', '.join(test['methods'])} (shown: ratio to the next)"
    return (f"max abs({', '.join(test['exact'])}) <= {test['threshold']:g} and "
            f"abs({test['baseline']}) >= {test['baseline_above']:g}")


def load_claims(path: str | Path) -> list[dict]:
    """Read and check the claims file; ValueError naming the claim and key at fault."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"claims file not found: {path}")
    claims = yaml.safe_load(path.read_text()) or []
    seen = set()
    for i, claim in enumerate(claims):
        name = claim.get("id", f"#{i + 1}")
        unknown = set(claim) - CLAIM_KEYS
        missing = {"id", "paper", "claim", "experiment", "metric", "test"} - set(claim)
        if unknown or missing:
            raise ValueError(f"{path}: claim {name}: unknown key(s) {sorted(unknown)}, missing {sorted(missing)}")
        if name in seen:
            raise ValueError(f"{path}: claim id {name} appears twice")
        seen.add(name)
        if claim["paper"] not in PAPERS:
            raise ValueError(f"{path}: claim {name}: paper must be one of {PAPERS}, got {claim['paper']!r}")
        if claim["test"].get("kind") not in TESTS:
            raise ValueError(f"{path}: claim {name}: test kind {claim['test'].get('kind')!r} unknown; "
                             f"known: {sorted(TESTS)}")
    return claims


def probconserv_values(metrics_csv: str | Path, metric: str, t_star: float,
                       params: Sequence[float] | None = None) -> dict[str, np.ndarray]:
    """Per-method means over the test functions at t*: {method: (n_params,)}, parameters ascending."""
    frame = read_checked_csv(metrics_csv, METRICS_COLUMNS, "metrics file")
    frame = select_time(frame[frame["metric"] == metric], t_star, str(metrics_csv))
    if params is not None:
        frame = frame[np.isclose(frame["param"].to_numpy(float)[:, None], np.asarray(params, float)).any(axis=1)]
    return {m: g.sort_values("param")["mean"].to_numpy(float) for m, g in frame.groupby("method")}


def boon_values(metrics_csv: str | Path, metric: str) -> dict[str, np.ndarray]:
    """Per-method summaries over the test samples: {method: (1,)}.

    ``bc_abs_max``: the largest |boundary residual| over samples and walls (the correction's own
    stencils: bc_left, bc_right, and in 2-D bc_bottom, bc_top; periodic: bc_ends); any other metric: its
    mean over the samples.
    """
    frame = read_metrics(metrics_csv)
    if metric == "bc_abs_max":
        rows = frame[frame["metric"].isin(["bc_left", "bc_right", "bc_bottom", "bc_top", "bc_ends"])]
        return {m: np.array([g["value"].abs().max()]) for m, g in rows.groupby("method")}
    means = per_seed_means(frame[frame["metric"] == metric])
    return {m: g["value"].to_numpy(float) for m, g in means.groupby("method")}


@dataclass
class Judgement:
    """Per-seed outcomes of one claim and its verdict."""

    shown: list[float] = field(default_factory=list)
    passed: list[bool] = field(default_factory=list)
    verdict: str = NOT_RUN
    reason: str = ""

    @property
    def n_seeds(self) -> int:
        return len(self.passed)


def judge_claim(claim: Mapping[str, Any], per_seed: Sequence[Values], *, smoke: bool = False) -> Judgement:
    """Apply the claim's test to each seed's values and decide the verdict.

    All seeds pass: reproduces; none: does not reproduce; some: mixed across seeds. No values, or a
    method the test needs missing: not run at this profile (with the reason). ``smoke``: the verdict
    is "smoke: not meaningful" whatever the values.
    """
    test = claim["test"]
    result = Judgement()
    if not per_seed:
        result.reason = "no outputs for this experiment at this profile"
        return result
    absent = sorted({m for values in per_seed for m in required_methods(test) if m not in values})
    if absent:
        result.reason = f"method(s) {absent} not run at this profile"
        return result
    for values in per_seed:
        passed, shown = TESTS[test["kind"]](values, test)
        result.passed.append(bool(passed))
        result.shown.append(float(shown))
    n_pass = sum(result.passed)
    if smoke:
        result.verdict = SMOKE
    elif n_pass == len(result.passed):
        result.verdict = REPRODUCES
    elif n_pass == 0:
        result.verdict = DOES_NOT
    else:
        result.verdict = f"{MIXED} ({n_pass} of {len(result.passed)})"
    return result
