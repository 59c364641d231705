"""Training, prediction and metrics of the multi-step BOON pipeline (1-D+t and 2-D+t) with a test double.

The real FNO2d/FNO3d and BOON-FNO2d/3d live in the model registry; these tests replace them with a tiny
pointwise network of the same call signature (a stand-in, registered only inside the tests) whose BOON
variant checks the BC dict's keys and shapes against the contract and then meets the BC on its output
(Dirichlet: overwrite; Neumann: BOON's one-sided stencils along each wall's axis). So the tests check the
pipeline (input repetition, BC data, splits, files, metrics), not the models.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
import xarray as xr
from torch import nn

import pcml.models
from pcml.data.boon_1d import make_heat_neumann, make_stokes
from pcml.data.boon_2d import make_cavity, make_wave
from pcml.data.boon_periodic import make_burgers_periodic
from pcml.data.netcdf import read_netcdf, write_netcdf
from pcml.evaluation.boon_metrics import near_boundary_mask
from pcml.evaluation.operator_eval import operator_metrics, sample_metrics
from pcml.evaluation.operator_predict import predict_operator
from pcml.training.loop import TrainSettings
from pcml.data.operator_layout import boundary_values
from pcml.training.operator import model_input, train_operator

SETTINGS = TrainSettings(epochs=2, batch_size=2, lr=1e-2, weight_decay=1e-4, scheduler_step=50,
                         select="last", seed=1)
SEEN: list[dict] = []  # (a shape, {wall: bc shape}) of every BOON call, for the contract test


class PointwiseOperator(nn.Module):
    """Stand-in for FNO2d/FNO3d: a (batch, space..., n_t) -> u of the same shape, pointwise in (space, t)."""

    def __init__(self, modes: int, width: int, modes_t: int | None = None):
        super().__init__()
        self.lift, self.proj = nn.Linear(1, width), nn.Linear(width, 1)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return self.proj(torch.tanh(self.lift(a.unsqueeze(-1)))).squeeze(-1)


class BoundaryDouble(PointwiseOperator):
    """Stand-in for BOON-FNO2d/3d: checks the BC dict against the contract, then meets it on the output."""

    def __init__(self, modes: int, width: int, modes_t: int | None = None, *, bc_type: str):
        super().__init__(modes, width, modes_t)
        self.bc_type = bc_type

    def forward(self, a: torch.Tensor, bc: dict) -> torch.Tensor:
        u = super().forward(a).clone()
        batch, n_x, n_t = a.shape[0], a.shape[1], a.shape[-1]
        two_d = a.ndim == 4
        walls = ("left", "right", "bottom", "top") if two_d else ("left", "right")
        SEEN.append({"a": tuple(a.shape), **{w: tuple(v.shape) for w, v in bc.items()}})
        if self.bc_type == "periodic":
            assert bc == {}
            u[:, -1] = u[:, 0]
            return u
        assert set(bc) == set(walls), bc.keys()
        for w in walls:
            if self.bc_type == "dirichlet":
                want = (batch, a.shape[2], n_t) if two_d and w in ("left", "right") else (
                    (batch, n_x, n_t) if two_d else (batch, n_t))
                assert tuple(bc[w].shape) == want, (w, bc[w].shape, want)
            else:
                assert tuple(bc[w].shape) in ((n_t,), (batch, n_t)), (w, bc[w].shape)
            assert bc[w].dtype == a.dtype
        if self.bc_type == "dirichlet":
            u[:, 0], u[:, -1] = bc["left"], bc["right"]
            if two_d:
                u[:, :, 0], u[:, :, -1] = bc["bottom"], bc["top"]
            return u
        axes = [(1, "left", "right")] + ([(2, "bottom", "top")] if two_d else [])
        for axis, low, high in axes:
            h = 1.0 / (u.shape[axis] - 1)
            v = u.movedim(axis, 1)
            g_low = bc[low].reshape(-1, *([1] * (v.ndim - 3)), n_t) if bc[low].ndim == 2 else bc[low]
            g_high = bc[high].reshape(-1, *([1] * (v.ndim - 3)), n_t) if bc[high].ndim == 2 else bc[high]
            v[:, 0] = v[:, 1] - h * g_low
            v[:, -1] = (6 * h * g_high + 18 * v[:, -2] - 9 * v[:, -3] + 2 * v[:, -4]) / 11
        return u


@pytest.fixture(scope="module", autouse=True)
def doubles():
    with pytest.MonkeyPatch.context() as mp:
        for dim in ("2d", "3d"):
            mp.setitem(pcml.models.MODELS, f"fno{dim}", PointwiseOperator)
            mp.setitem(pcml.models.MODELS, f"boon_fno{dim}", BoundaryDouble)
        yield


DATASETS = {
    "stokes": lambda: make_stokes(n_samples=8, n_x=16, multi_step=True, nu=0.1, n_levels=10, n_out=3, seed=0),
    "heat": lambda: make_heat_neumann(n_samples=8, n_x=16, multi_step=True, n_levels=10, n_out=3, n_modes=128,
                                      seed=0),
    "periodic": lambda: make_burgers_periodic(n_samples=8, n_x=16, multi_step=True, nu=0.1, n_fine=32, dt=0.01,
                                              n_levels=6, n_out=3, seed=0),
    "cavity": lambda: make_cavity(8, n_grid=9, subsample=1, t_final=0.01, dt=1e-3, out_times=[0.004, 0.007, 0.01],
                                  seed=0),
    "wave": lambda: make_wave(8, 8, n_levels=11, n_out=3, n_modes=3, seed=0),
}
METHODS = {"stokes": "fno2d", "heat": "fno2d", "periodic": "fno2d", "cavity": "fno3d", "wave": "fno3d"}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{dataset: (data path, {method: predictions path})}, FNO and BOON trained on 4, tested on the last 4."""
    root = tmp_path_factory.mktemp("multi")
    out = {}
    for name, make in DATASETS.items():
        data = root / f"{name}.nc"
        ds = make()
        write_netcdf(ds, data)
        preds = {}
        for method in (METHODS[name], f"boon_{METHODS[name]}"):
            kwargs = {"modes": 2, "width": 4, **({"bc_type": ds.attrs["bc_type"]} if method.startswith("boon") else {})}
            train_operator(data, model_name=method, model_kwargs=kwargs, n_train=4, n_test=4, settings=SETTINGS,
                           out_model=root / f"{name}_{method}.pt", out_history=root / f"{name}_{method}.csv",
                           work_dir=root / f"work_{name}_{method}", device="cpu", threads=1, progress=False)
            preds[method] = root / f"{name}_pred_{method}.nc"
            predict_operator(root / f"{name}_{method}.pt", data, n_test=4, out_nc=preds[method], device="cpu")
        out[name] = (data, preds)
    return out


def test_model_input_repeats_the_initial_condition_along_t():
    a = torch.arange(6.0).reshape(2, 3)
    x = model_input(a, 4)
    assert x.shape == (2, 3, 4)
    for k in range(4):
        torch.testing.assert_close(x[..., k], a, rtol=0, atol=0)
    assert model_input(a, None) is a
    assert model_input(torch.zeros(2, 3, 5), 2).shape == (2, 3, 5, 2)


def test_boon_doubles_got_the_contract_shapes(runs):
    # the assertions inside BoundaryDouble ran on every call; here: the 2-D walls were all given
    assert any(len(s["a"]) == 4 and "bottom" in s for s in SEEN)
    assert any(len(s["a"]) == 3 and "left" in s for s in SEEN)
    assert any(len(s) == 1 for s in SEEN)  # periodic: {}


@pytest.mark.parametrize("name", list(DATASETS))
def test_predictions_have_the_dataset_dims_and_bc_variables(runs, name):
    data_path, preds = runs[name]
    data = read_netcdf(data_path)
    for method, path in preds.items():
        pred = read_netcdf(path)
        assert pred["u_pred"].dims == data["u"].dims and pred["a"].dims == data["a"].dims
        np.testing.assert_array_equal(pred["u_true"].values, data["u"].values[4:])
        np.testing.assert_array_equal(pred["a"].values, data["a"].values[4:])
        assert list(pred["sample"].values) == [4, 5, 6, 7]
        for var in data.data_vars:
            if var.startswith(("bc_", "flux_")):
                xr.testing.assert_identical(pred[var], data[var].isel(sample=slice(4, 8)) if "sample" in data[var].dims
                                            else data[var])
        assert pred.attrs["method"] == method and pred.attrs["kind"] in ("1d_t", "2d_t")


@pytest.mark.parametrize("name", list(DATASETS))
def test_metrics_hold_steps_walls_and_near_boundary(runs, name, tmp_path):
    data_path, preds = runs[name]
    frame = operator_metrics(preds, tmp_path / "metrics.csv")
    data = read_netcdf(data_path)
    n_t = data.sizes["t"]
    bc_type = data.attrs["bc_type"]
    walls = ["ends"] if bc_type == "periodic" else (
        ["left", "right", "bottom", "top"] if "y" in data.dims else ["left", "right"])
    expected = {"rel_l2", "rel_l2_near_boundary", *[f"rel_l2_step{k}" for k in range(1, n_t + 1)],
                *[f"bc_{w}" for w in walls]} | ({f"bc_{w}_2nd" for w in walls} if bc_type == "neumann" else set())
    assert set(frame["metric"]) == expected
    worst = frame.groupby(["method", "metric"])["value"].max()
    boon = [m for m in preds if m.startswith("boon")][0]
    n_x = data.sizes["x"]
    for w in walls:  # the double meets the BC exactly (Neumann: up to round-off / h)
        assert worst[boon, f"bc_{w}"] <= (0.0 if bc_type != "neumann" else 1e-12 * (n_x - 1)), (w, worst[boon, f"bc_{w}"])
    fno = [m for m in preds if not m.startswith("boon")][0]
    if bc_type != "periodic":  # (the periodic data repeat a's first value at its end: a pointwise map keeps it)
        assert max(worst[fno, f"bc_{w}"] for w in walls) > 1e-6


def test_metric_values_match_their_definitions(runs):
    _, preds = runs["cavity"]
    pred = read_netcdf(preds["fno3d"])
    m = sample_metrics(pred)
    u, t = pred["u_pred"].values, pred["u_true"].values  # (sample, x, y, t)
    np.testing.assert_allclose(m["rel_l2"], np.linalg.norm((u - t).reshape(4, -1), axis=1)
                               / np.linalg.norm(t.reshape(4, -1), axis=1), rtol=1e-12)
    for k in range(u.shape[-1]):
        np.testing.assert_allclose(m[f"rel_l2_step{k + 1}"], np.linalg.norm((u - t)[..., k].reshape(4, -1), axis=1)
                                   / np.linalg.norm(t[..., k].reshape(4, -1), axis=1), rtol=1e-12)
    np.testing.assert_allclose(m["bc_left"], np.abs(u[:, 0] - pred["bc_left"].values).mean(axis=(1, 2)), rtol=1e-12)
    np.testing.assert_allclose(m["bc_top"], np.abs(u[:, :, -1] - pred["bc_top"].values).mean(axis=(1, 2)), rtol=1e-12)
    mask = near_boundary_mask((9, 9))  # 5% of 9 nodes -> 1 node per end: the wall ring
    assert mask.sum() == 9 * 9 - 7 * 7
    np.testing.assert_allclose(m["rel_l2_near_boundary"],
                               np.linalg.norm((u - t)[:, mask].reshape(4, -1), axis=1)
                               / np.linalg.norm(t[:, mask].reshape(4, -1), axis=1), rtol=1e-12)


def test_wave_outward_fluxes_are_converted_to_axis_derivatives():
    # u = x + 2 y on the unit square: outward du/dn = -1 (x = 0), +1 (x = 1), -2 (y = 0), +2 (y = 1)
    n, n_t = 6, 2
    x = np.linspace(0, 1, n)
    u = (x[:, None, None] + 2 * x[None, :, None]) * np.ones((1, 1, n_t))
    outward = {"left": -1.0, "right": 1.0, "bottom": -2.0, "top": 2.0}
    ds = xr.Dataset({"u_pred": (("sample", "x", "y", "t"), u[None]), "u_true": (("sample", "x", "y", "t"), u[None] + 1),
                     **{f"flux_{w}": ("t", np.full(n_t, v)) for w, v in outward.items()}},
                    coords={"sample": [0], "x": x, "y": x, "t": [0.5, 1.0]}, attrs={"bc_type": "neumann"})
    values = boundary_values(ds, "neumann")
    assert {w: float(v[0]) for w, v in values.items()} == {"left": 1.0, "right": 1.0, "bottom": 2.0, "top": 2.0}
    m = sample_metrics(ds)
    for w in outward:
        np.testing.assert_allclose(m[f"bc_{w}"], 0.0, atol=1e-12)
        np.testing.assert_allclose(m[f"bc_{w}_2nd"], 0.0, atol=1e-12)


def test_history_and_determinism(runs, tmp_path):
    data, _ = runs["stokes"]
    root = data.parent
    history = pd.read_csv(root / "stokes_boon_fno2d.csv")
    assert list(history["epoch"]) == [1, 2] and np.all(np.isfinite(history["test_rel_l2"]))
    train_operator(data, model_name="boon_fno2d", model_kwargs={"modes": 2, "width": 4, "bc_type": "dirichlet"},
                   n_train=4, n_test=4, settings=SETTINGS, out_model=tmp_path / "again.pt",
                   out_history=tmp_path / "h.csv", work_dir=tmp_path / "w", device="cpu", threads=1, progress=False)
    first = torch.load(root / "stokes_boon_fno2d.pt", weights_only=True)["state_dict"]
    again = torch.load(tmp_path / "again.pt", weights_only=True)["state_dict"]
    for key in first:
        torch.testing.assert_close(again[key], first[key], rtol=0, atol=0)


def test_method_of_the_wrong_dimension_is_refused(runs, tmp_path):
    data, _ = runs["cavity"]
    common = dict(n_train=4, n_test=4, settings=SETTINGS, out_model=tmp_path / "m.pt", out_history=tmp_path / "h.csv",
                  work_dir=tmp_path / "w", device="cpu", progress=False)
    with pytest.raises(ValueError, match=r"2-D multi-step .* but fno2d maps 1-D multi-step"):
        train_operator(data, model_name="fno2d", model_kwargs={"modes": 2, "width": 4}, **common)
    stokes, _ = runs["stokes"]
    with pytest.raises(ValueError, match="but fno1d maps 1-D single-step"):
        train_operator(stokes, model_name="fno1d", model_kwargs={"modes": 2, "width": 4}, **common)
    with pytest.raises(ValueError, match="unknown BOON method"):
        train_operator(stokes, model_name="fno9d", model_kwargs={"modes": 2, "width": 4}, **common)
    assert not (tmp_path / "m.pt").exists()


REAL = [("stokes", "boon_fno2d", {"modes": 3, "modes_t": 2, "width": 4}),
        ("heat", "boon_fno2d_clean", {"modes": 3, "modes_t": 2, "width": 4}),
        ("periodic", "boon_fno2d", {"modes": 3, "modes_t": 2, "width": 4}),
        ("cavity", "boon_fno3d", {"modes": 2, "modes_t": 2, "width": 4}),
        ("wave", "boon_fno3d", {"modes": 2, "modes_t": 2, "width": 4})]


@pytest.mark.parametrize("name, method, model", REAL)
def test_registry_models_meet_the_bc_through_the_pipeline(runs, name, method, model, tmp_path):
    """The real BOON-FNO2d/3d (not the stand-in): trained one epoch, predicted in float64, BC met to round-off."""
    real = pytest.importorskip("pcml.models.boon_nd")
    data, _ = runs[name]
    bc_type = read_netcdf(data).attrs["bc_type"]
    cls = real.BOONFNO2d if "2d" in method else real.BOONFNO3d
    with pytest.MonkeyPatch.context() as mp:  # undo the module's stand-ins for this test
        mp.setitem(pcml.models.MODELS, method, cls if not method.endswith("_clean") else
                   (lambda **kw: cls(faithful=False, **kw)))
        settings = TrainSettings(epochs=1, batch_size=2, lr=1e-3, weight_decay=1e-4, scheduler_step=50,
                                 select="last", seed=0)
        train_operator(data, model_name=method, model_kwargs={**model, "bc_type": bc_type}, n_train=4, n_test=4,
                       settings=settings, out_model=tmp_path / "m.pt", out_history=tmp_path / "h.csv",
                       work_dir=tmp_path / "w", device="cpu", threads=1, progress=False)
        predict_operator(tmp_path / "m.pt", data, n_test=4, out_nc=tmp_path / "p.nc", device="cpu")
    history = pd.read_csv(tmp_path / "h.csv")  # the elimination's divisors per epoch (PivotTrace), not periodic
    if bc_type == "periodic":
        assert "pivot_min_abs" not in history.columns
    else:
        assert history["pivot_min_abs"].iloc[0] > 0 and history["clamped_steps"].iloc[0] in (0, 1, 2)
    m = sample_metrics(read_netcdf(tmp_path / "p.nc"))
    walls = [k for k in m if k.startswith("bc_") and not k.endswith("_2nd")]
    n_x = read_netcdf(data).sizes["x"]
    for wall in walls:
        limit = 0.0 if bc_type != "neumann" else 1e-11 * (n_x - 1)
        assert m[wall].max() <= limit, (wall, m[wall].max())
