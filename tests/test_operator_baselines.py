"""The BOON baselines in the training loop: PINO-lite (pino_fno*) and "FNO + BC as input" (fno1d_bcin)."""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from pcml.data.boon_1d import make_heat_neumann, make_stokes
from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.evaluation.operator_predict import predict_operator
from pcml.training.loop import TrainSettings
from pcml.training.operator import pino_loss_settings, train_operator

SETTINGS = TrainSettings(epochs=2, batch_size=4, lr=1e-3, weight_decay=1e-4, scheduler_step=50,
                         select="last", seed=5)


def run(data, method, tmp_path, model, pino=None, n_train=8, n_test=4):
    out = tmp_path / method
    train_operator(data, model_name=method, model_kwargs=model, n_train=n_train, n_test=n_test, settings=SETTINGS,
                   out_model=out.with_suffix(".pt"), out_history=tmp_path / f"{method}_history.csv",
                   work_dir=tmp_path / f"work_{method}_{pino}", device="cpu", threads=1, progress=False, pino=pino)
    return pd.read_csv(tmp_path / f"{method}_history.csv"), torch.load(out.with_suffix(".pt"), weights_only=True)


@pytest.fixture(scope="module")
def multi_heat(tmp_path_factory):
    path = tmp_path_factory.mktemp("pino") / "heat_multi.nc"
    write_netcdf(make_heat_neumann(n_samples=12, n_x=32, multi_step=True, n_levels=20, n_out=6, n_modes=128, seed=0), path)
    return path


def test_pino_with_zero_weights_is_the_fno_run_and_with_weights_is_not(multi_heat, tmp_path):
    model = {"modes": 4, "modes_t": 3, "width": 6}
    fno, fno_blob = run(multi_heat, "fno2d", tmp_path / "a", model)
    zero, zero_blob = run(multi_heat, "pino_fno2d", tmp_path / "b", model, pino={"lambda_bc": 0.0, "lambda_pde": 0.0})
    pd.testing.assert_frame_equal(fno, zero)  # the same initial weights, batches and loss: the same run
    for key, value in fno_blob["state_dict"].items():
        torch.testing.assert_close(zero_blob["state_dict"][key], value, rtol=0, atol=0)
    pino, _ = run(multi_heat, "pino_fno2d", tmp_path / "c", model, pino={"lambda_bc": 1.0, "lambda_pde": 1.0})
    assert pino["train_rel_l2"].iloc[0] > fno["train_rel_l2"].iloc[0]  # the penalties add to the loss
    assert pino["test_rel_l2"].notna().all() and not pino["test_rel_l2"].equals(fno["test_rel_l2"])


def test_pino_settings_take_the_pde_of_multi_step_data_only(multi_heat):
    ds = read_netcdf(multi_heat)
    settings = pino_loss_settings(ds, "1d_t", {"lambda_bc": 2.0})
    assert settings["pde"] == "heat" and settings["lambda_bc"] == 2.0 and settings["lambda_pde"] == 1.0
    assert settings["dt"] == pytest.approx(float(ds["t"][1] - ds["t"][0]))
    assert pino_loss_settings(ds, "1d", None)["lambda_pde"] == 0.0 and "pde" not in pino_loss_settings(ds, "1d", None)
    with pytest.raises(ValueError, match="lambda_nope"):
        pino_loss_settings(ds, "1d_t", {"lambda_nope": 1.0})
    with pytest.raises(ValueError, match="values >= 0"):
        pino_loss_settings(ds, "1d_t", {"lambda_bc": -1.0})


def test_bc_input_fno_trains_predicts_and_does_not_enforce_the_bc(tmp_path):
    data = tmp_path / "stokes.nc"
    write_netcdf(make_stokes(n_samples=12, n_x=32, multi_step=False, nu=0.1, seed=0), data)
    history, blob = run(data, "fno1d_bcin", tmp_path, {"modes": 4, "width": 8, "bc_type": "dirichlet"})
    assert history["test_rel_l2"].notna().all()
    predict_operator(tmp_path / "fno1d_bcin.pt", data, n_test=4, out_nc=tmp_path / "pred.nc", device="cpu")
    pred = read_netcdf(tmp_path / "pred.nc")
    gap = abs(pred["u_pred"].isel(x=0) - pred["bc_left"]).max()
    assert float(gap) > 1e-6  # the boundary data are an input, not a constraint
