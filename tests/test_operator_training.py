"""Training, prediction and metrics of the BOON operators on a tiny heat (Neumann) dataset."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from pcml.data.boon_1d import make_heat_neumann, make_stokes
from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.evaluation.operator_eval import operator_metrics
from pcml.evaluation.operator_predict import predict_operator
from pcml.training.loop import TrainSettings
from pcml.training.operator import split_indices, train_operator

SETTINGS = TrainSettings(epochs=2, batch_size=4, lr=1e-3, weight_decay=1e-4, scheduler_step=50,
                         select="last", seed=3)
MODEL = {"modes": 4, "width": 8}


@pytest.fixture(scope="module")
def heat_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("boon") / "heat.nc"
    write_netcdf(make_heat_neumann(n_samples=12, n_x=32, multi_step=False, n_modes=256, seed=0), path)
    return path


@pytest.fixture(scope="module")
def trained(heat_file, tmp_path_factory):
    root = tmp_path_factory.mktemp("trained")
    out = {}
    for method in ("fno1d", "boon_fno1d", "boon_fno1d_clean"):
        kwargs = {**MODEL, **({"bc_type": "neumann"} if method.startswith("boon") else {})}
        train_operator(heat_file, model_name=method, model_kwargs=kwargs, n_train=8, n_test=4, settings=SETTINGS,
                       out_model=root / f"{method}.pt", out_history=root / f"{method}_history.csv",
                       work_dir=root / f"work_{method}", device="cpu", threads=1, progress=False)
        predict_operator(root / f"{method}.pt", heat_file, n_test=4, out_nc=root / f"pred_{method}.nc", device="cpu")
        out[method] = root / f"pred_{method}.nc"
    return root, out


def test_split_takes_first_train_and_last_test_samples():
    assert split_indices(10, 6, 3) == (slice(0, 6), slice(7, 10))
    with pytest.raises(ValueError, match="exceeds"):
        split_indices(10, 8, 3)


def test_history_has_one_row_per_epoch_with_finite_errors(trained):
    root, _ = trained
    history = pd.read_csv(root / "boon_fno1d_history.csv")
    assert list(history["epoch"]) == [1, 2]
    assert {"train_rel_l2", "test_rel_l2"} <= set(history.columns)
    assert np.all(np.isfinite(history[["train_rel_l2", "test_rel_l2"]].to_numpy()))
    assert np.all(history["train_rel_l2"] > 0)
    # the elimination's divisors per epoch (PivotTrace): Neumann BOON-FNO1d divides by KNN
    assert np.all(history["pivot_min_abs"] > 0) and set(history["clamped_steps"]) <= {0, 1, 2}
    assert "pivot_min_abs" not in pd.read_csv(root / "fno1d_history.csv").columns


def test_predictions_hold_the_last_test_samples_and_boundary_data(trained, heat_file):
    _, preds = trained
    data = read_netcdf(heat_file)
    pred = read_netcdf(preds["boon_fno1d"])
    assert list(pred["sample"].values) == [8, 9, 10, 11]
    np.testing.assert_array_equal(pred["u_true"].values, data["u"].values[8:])
    assert float(pred["flux_right"]) == pytest.approx(5.0)
    assert pred.attrs["method"] == "boon_fno1d" and pred.attrs["dtype"] == "float64"
    assert pred.attrs["n_train"] == 8 and pred.attrs["n_params"] > 0


def test_boon_meets_the_neumann_data_to_round_off_and_fno_does_not(trained, tmp_path):
    _, preds = trained
    frame = operator_metrics(preds, tmp_path / "metrics.csv")
    assert set(frame.columns) == {"method", "sample", "metric", "value"}
    by = frame.groupby(["method", "metric"])["value"].max()
    h = 1.0 / 31
    # float64 round-off of u (O(1) values) divided by h in the flux stencils
    for method in ("boon_fno1d", "boon_fno1d_clean"):
        assert by[method, "bc_left"] < 1e-12 / h
        assert by[method, "bc_right"] < 1e-12 / h
    assert by["fno1d", "bc_right"] > 1e-3  # an untrained FNO does not know the wall flux of 5
    # exactness is stencil-specific: a 2nd-order stencil sees a non-zero residual for BOON too
    assert by["boon_fno1d", "bc_right_2nd"] > 1e-8
    reread = pd.read_csv(tmp_path / "metrics.csv")
    assert len(reread) == len(frame) == 3 * 4 * 5


def test_relative_l2_in_metrics_matches_its_definition(trained, tmp_path):
    _, preds = trained
    frame = operator_metrics(preds, tmp_path / "metrics.csv")
    pred = read_netcdf(preds["fno1d"])
    expected = np.linalg.norm(pred["u_pred"] - pred["u_true"], axis=1) / np.linalg.norm(pred["u_true"], axis=1)
    got = frame.query("method == 'fno1d' and metric == 'rel_l2'")["value"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_float32_prediction_matches_float64_to_single_precision(trained, heat_file, tmp_path):
    root, preds = trained
    predict_operator(root / "fno1d.pt", heat_file, n_test=4, out_nc=tmp_path / "p32.nc", device="cpu",
                     dtype="float32")
    u32 = read_netcdf(tmp_path / "p32.nc")["u_pred"].values
    u64 = read_netcdf(preds["fno1d"])["u_pred"].values
    np.testing.assert_allclose(u32, u64, rtol=0, atol=1e-4 * np.abs(u64).max())


def test_training_is_deterministic_given_the_seed(heat_file, trained, tmp_path):
    root, _ = trained
    train_operator(heat_file, model_name="fno1d", model_kwargs=MODEL, n_train=8, n_test=4, settings=SETTINGS,
                   out_model=tmp_path / "again.pt", out_history=tmp_path / "h.csv", work_dir=tmp_path / "w",
                   device="cpu", threads=1, progress=False)
    first = torch.load(root / "fno1d.pt", weights_only=True)["state_dict"]
    again = torch.load(tmp_path / "again.pt", weights_only=True)["state_dict"]
    for key in first:
        torch.testing.assert_close(again[key], first[key], rtol=0, atol=0)


def test_multi_step_and_mismatched_bc_are_refused(tmp_path, heat_file):
    multi = tmp_path / "multi.nc"
    write_netcdf(make_stokes(n_samples=4, n_x=16, multi_step=True, nu=0.1, n_levels=10, n_out=3, seed=0), multi)
    common = dict(n_train=2, n_test=2, settings=SETTINGS, out_model=tmp_path / "m.pt",
                  out_history=tmp_path / "h.csv", work_dir=tmp_path / "w", device="cpu", progress=False)
    with pytest.raises(ValueError, match="single-step"):
        train_operator(multi, model_name="fno1d", model_kwargs=MODEL, **common)
    with pytest.raises(ValueError, match="bc_type"):
        train_operator(heat_file, model_name="boon_fno1d", model_kwargs={**MODEL, "bc_type": "dirichlet"}, **common)
    assert not (tmp_path / "m.pt").exists()


def test_prediction_refuses_a_test_set_larger_than_the_dataset(trained, heat_file, tmp_path):
    root, _ = trained
    with pytest.raises(ValueError, match="n_test"):
        predict_operator(root / "fno1d.pt", heat_file, n_test=50, out_nc=tmp_path / "p.nc", device="cpu")
