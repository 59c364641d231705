"""The generic training loop: seeding, best/last selection, and resume after a kill."""
import math

import pytest
import torch

from pcml.models.dropout import SeededDropout, dropout_rng
from pcml.training.loop import StepStats, TrainSettings, epoch_permutation, fit


class Killed(Exception):
    pass


def problem():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.1 * torch.randn(40, generator=g)
    return x, y


class FirstWeight(StepStats):
    """Records the first weight before each step; the history gets its epoch minimum and the step count."""

    def __init__(self):
        self.seen = []

    def measure(self, model):
        w = float(model[0].weight[0, 0])
        self.seen.append(w)
        return {"w": w}

    def summarise(self, rows):
        return {"w_min": min(r["w"] for r in rows), "n_steps": len(rows)}


def run(work_dir, settings, kill_at=None, stats=None):
    x, y = problem()
    torch.manual_seed(123)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), SeededDropout(0.2), torch.nn.Linear(8, 1))
    calls = {"n": 0}

    def step_loss(m, idx, gen):
        calls["n"] += 1
        if kill_at is not None and calls["n"] == kill_at:
            raise Killed
        noise = torch.randn(len(idx), generator=gen)  # consumes the loop's generator, like latent draws
        with dropout_rng(gen):  # dropout masks from the same generator, as in the ANP objective
            pred = m(x[idx]).squeeze(-1)
        torch.rand(7)  # global RNG traffic between steps must not matter
        return ((pred - y[idx] + 1e-3 * noise) ** 2).mean()

    def validate(m):
        return float(((m(x).squeeze(-1) - y) ** 2).mean())

    return fit(model, n_items=40, step_loss=step_loss, validate=validate, settings=settings,
               work_dir=work_dir, device=torch.device("cpu"), progress=False, step_stats=stats)


SETTINGS = TrainSettings(epochs=6, batch_size=8, lr=1e-2, val_every=2, seed=3, checkpoint_seconds=0.0)


def test_killed_run_resumes_to_the_same_result(tmp_path):
    state_ref, hist_ref = run(tmp_path / "ref", SETTINGS)
    with pytest.raises(Killed):
        run(tmp_path / "resumed", SETTINGS, kill_at=13)  # mid-epoch 3
    assert (tmp_path / "resumed" / "checkpoint.pt").exists()
    state, hist = run(tmp_path / "resumed", SETTINGS)
    assert len(hist) == 6
    for key in state_ref:
        torch.testing.assert_close(state[key], state_ref[key], rtol=0, atol=0)
    for a, b in zip(hist, hist_ref):
        assert a["epoch"] == b["epoch"]
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-12)
        assert (math.isnan(a["val_loss"]) and math.isnan(b["val_loss"])) or a["val_loss"] == b["val_loss"]


def test_step_stats_see_the_weights_of_each_step_and_survive_a_resume(tmp_path):
    stats = FirstWeight()
    _, hist_ref = run(tmp_path / "ref", SETTINGS, stats=stats)
    assert len(stats.seen) == 30 and len(set(stats.seen)) == 30  # 6 epochs x 5 steps, each before its update
    torch.manual_seed(123)
    assert stats.seen[0] == float(torch.nn.Linear(3, 8).weight[0, 0])  # the first step sees the initial weights
    assert [h["n_steps"] for h in hist_ref] == [5] * 6
    assert [h["w_min"] for h in hist_ref] == [min(stats.seen[5 * e:5 * e + 5]) for e in range(6)]
    with pytest.raises(Killed):
        run(tmp_path / "resumed", SETTINGS, kill_at=13, stats=FirstWeight())  # mid-epoch 3
    _, hist = run(tmp_path / "resumed", SETTINGS, stats=FirstWeight())
    assert [(h["w_min"], h["n_steps"]) for h in hist] == [(h["w_min"], h["n_steps"]) for h in hist_ref]


def test_best_selection_returns_lowest_validation_weights(tmp_path):
    state_best, hist = run(tmp_path / "best", SETTINGS)
    state_last, _ = run(tmp_path / "last", TrainSettings(**{**SETTINGS.__dict__, "select": "last"}))
    vals = [h["val_loss"] for h in hist if not math.isnan(h["val_loss"])]
    assert len(vals) == 3 and min(vals) < vals[0]
    x, y = problem()
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), SeededDropout(0.2), torch.nn.Linear(8, 1)).eval()
    model.load_state_dict(state_best)
    assert float(((model(x).squeeze(-1) - y) ** 2).mean().detach()) == pytest.approx(min(vals), rel=1e-6)
    model.load_state_dict(state_last)
    assert float(((model(x).squeeze(-1) - y) ** 2).mean().detach()) == pytest.approx(vals[-1], rel=1e-6)


def test_checkpoint_with_other_settings_is_refused(tmp_path):
    run(tmp_path / "w", SETTINGS)
    other = TrainSettings(**{**SETTINGS.__dict__, "lr": 5e-3})
    with pytest.raises(ValueError, match="other settings"):
        run(tmp_path / "w", other)


def test_permutation_depends_on_seed_and_epoch_only():
    assert torch.equal(epoch_permutation(1, 2, 10), epoch_permutation(1, 2, 10))
    assert not torch.equal(epoch_permutation(1, 2, 10), epoch_permutation(1, 3, 10))


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="batch_size"):
        TrainSettings(epochs=1, batch_size=0, lr=1e-3)
    with pytest.raises(ValueError, match="lr"):
        TrainSettings(epochs=1, batch_size=1, lr=0.0)


def test_pivot_trace_reports_the_smallest_divisor_and_the_clamped_steps():
    from pcml.training.diagnostics import PivotTrace, pivot_trace_for

    class Fake(torch.nn.Module):
        bc_type = "neumann"

        def __init__(self, values):
            super().__init__()
            self.values = torch.tensor(values, dtype=torch.float64)

        def pivots(self, n_x):
            assert n_x == 16
            return self.values

        def clamped(self, p):
            return p < 1e-4

    trace = pivot_trace_for(Fake([[0.01, 0.002]]), 16)
    rows = [trace.measure(Fake(v)) for v in ([[0.01, 0.002]], [[0.01, -0.003]], [[5e-5, 0.004]])]
    assert trace.summarise(rows) == {"pivot_min_abs": 5e-5, "clamped_steps": 2}
    assert isinstance(trace, PivotTrace) and pivot_trace_for(torch.nn.Linear(2, 2), 16) is None
