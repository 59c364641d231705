"""ProbConserv per-experiment diagnostics (pcml.outputs.diagnostics): plotted numbers, tables, files, bad input."""
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pcml.data.netcdf import write_netcdf
from pcml.outputs.diagnostics import (FIGURES, cons_plot_figure, cons_table, input_context_figure, load_inputs,
                                      metrics_long, mse_at_t_table, mse_over_time_figure, riemann_masses,
                                      time_plot_fid_figure, time_plot_figure, write_diagnostics)

T = np.linspace(0.0, 1.0, 11)
X = np.linspace(0.0, 2.0, 21)  # dx = 0.1
PARAMS = np.array([0.5, 0.5, 0.5, 0.6, 0.6, 0.6])  # two groups of 3; f_id 1 -> functions 1 and 4
METHODS = ["hardc_anp", "anp"]  # given out of the papers' order on purpose
T_STAR, J = 0.3, 3


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    u = rng.normal(size=(PARAMS.size, T.size, X.size))
    coords = {"t": T, "x": X, "function": np.arange(PARAMS.size), "u_star": ("function", PARAMS)}
    mass = rng.normal(size=(PARAMS.size, T.size))
    truth = xr.Dataset({"u": (("function", "t", "x"), u), "mass": (("function", "t"), mass)}, coords=coords,
                       attrs={"param_name": "u_star"})
    write_netcdf(truth, tmp_path / "truth.nc")
    preds, arrays = {}, {}
    for method in METHODS:
        mean = u + rng.normal(scale=0.3, size=u.shape)
        sd = 0.2 + 0.1 * rng.random(u.shape)
        ds = xr.Dataset({"mean": (("function", "t", "x"), mean), "sd": (("function", "t", "x"), sd)},
                        coords=coords, attrs={"method": method})
        preds[method] = write_netcdf(ds, tmp_path / "predictions" / f"{method}.nc")
        arrays[method] = (mean, sd)
    x_ctx = np.sort(rng.uniform(0, 2, size=(PARAMS.size, 4)), axis=1)
    t_ctx = np.sort(rng.uniform(0, 1, size=(PARAMS.size, 3)), axis=1)
    test = xr.Dataset({"t_context": (("function", "context"), np.repeat(t_ctx, 4, axis=1)),
                       "x_context": (("function", "context"), np.tile(x_ctx, (1, 3)))},
                      coords={"function": np.arange(PARAMS.size), "u_star": ("function", PARAMS)},
                      attrs={"param_name": "u_star"})
    write_netcdf(test, tmp_path / "test.nc")
    return tmp_path / "truth.nc", preds, tmp_path / "test.nc", u, mass, arrays, (x_ctx, test)


@pytest.fixture
def inputs(files):
    truth_nc, preds, test_nc, *_ = files
    return load_inputs(truth_nc, preds, test_nc)


def test_riemann_sums_by_hand_on_an_uneven_grid():
    x = np.array([0.0, 0.1, 0.4, 1.0])
    v = np.array([[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.0, 2.0]])
    left, right = riemann_masses(v, x)
    np.testing.assert_allclose(left, [0.1 * 1 + 0.3 * 2 + 0.6 * 3, 0.1 * -1 + 0.3 * 0.5 + 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(right, [0.1 * 2 + 0.3 * 3 + 0.6 * 4, 0.1 * 0.5 + 0 + 0.6 * 2], rtol=0, atol=1e-15)
    np.testing.assert_allclose((left + right) / 2, np.trapezoid(v, x, axis=-1), rtol=0, atol=1e-15)
    with pytest.raises(ValueError, match="increasing"):
        riemann_masses(v, x[::-1])
    with pytest.raises(ValueError, match="last axis"):
        riemann_masses(v[:, :3], x)


def test_methods_follow_the_papers_order(inputs):
    assert list(inputs.predictions) == ["anp", "hardc_anp"]
    assert inputs.params == [0.5, 0.6] and inputs.param_name == "u_star"


def test_cons_plot_draws_left_and_right_sums_of_f_id_and_the_true_mass(files, inputs):
    _, _, _, u, mass, arrays, _ = files
    fig = cons_plot_figure(inputs, f_id=1)
    panels = fig.axes
    assert [ax.get_title() for ax in panels] == ["u* = 0.5", "u* = 0.6"]
    for ax, f in zip(panels, (1, 4)):
        lines = ax.lines
        assert len(lines) == 2 * 2 + 1
        for k, method in enumerate(["anp", "hardc_anp"]):
            mean = arrays[method][0][f]  # (t, x)
            left = 0.1 * mean[:, :-1].sum(axis=1)
            right = 0.1 * mean[:, 1:].sum(axis=1)
            np.testing.assert_array_equal(lines[2 * k].get_xdata(), T)
            np.testing.assert_allclose(lines[2 * k].get_ydata(), left, rtol=0, atol=1e-12)
            np.testing.assert_allclose(lines[2 * k + 1].get_ydata(), right, rtol=0, atol=1e-12)
            assert lines[2 * k].get_linestyle() == "-" and lines[2 * k + 1].get_linestyle() == ":"
            assert lines[2 * k].get_color() == {"anp": "#F8766D", "hardc_anp": "#00BFC4"}[method]
        np.testing.assert_allclose(lines[-1].get_ydata(), mass[f], rtol=0, atol=0)
        assert lines[-1].get_linestyle() == "--" and lines[-1].get_color() == "#000000"


def test_mse_over_time_is_the_hand_computed_group_mse(files, inputs):
    _, _, _, u, _, arrays, _ = files
    fig = mse_over_time_figure(inputs, metrics_long(inputs))
    for ax, group in zip(fig.axes, (slice(0, 3), slice(3, 6))):
        assert len(ax.lines) == 2
        for line, method in zip(ax.lines, ["anp", "hardc_anp"]):
            expected = ((arrays[method][0][group] - u[group]) ** 2).mean(axis=(0, 2))
            np.testing.assert_allclose(line.get_xdata(), T, rtol=0, atol=0)
            np.testing.assert_allclose(line.get_ydata(), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(fig.get_size_inches(), [6.0, 3.0])


def test_tables_at_t_star_by_hand(files, inputs):
    _, _, _, u, mass, arrays, _ = files
    metrics = metrics_long(inputs)
    table = mse_at_t_table(inputs, metrics, T_STAR, f_id=1)
    assert list(table.columns) == ["method", "param_name", "param", "t", "MSE", "MSE_sd", "MSE_se", "loglik",
                                   "loglik_sd", "loglik_se", "loglik_fid"]
    assert list(zip(table.method, table.param)) == [("anp", 0.5), ("anp", 0.6), ("hardc_anp", 0.5),
                                                    ("hardc_anp", 0.6)]
    cons = cons_table(inputs, metrics, T_STAR)
    assert list(cons.columns) == ["method", "param_name", "param", "t", "CE", "CE_sd", "CE_se"]
    w = np.full(X.size, 0.1)
    w[[0, -1]] = 0.05
    for row, crow in zip(table.itertuples(), cons.itertuples()):
        group = np.flatnonzero(PARAMS == row.param)
        mean, sd = (a[group, J] for a in arrays[row.method])
        per_f = ((mean - u[group, J]) ** 2).mean(axis=1)
        ll = (-0.5 * ((mean - u[group, J]) / sd) ** 2 - np.log(sd) - 0.5 * math.log(2 * math.pi)).mean(axis=1)
        assert row.t == pytest.approx(T_STAR, abs=1e-15)
        np.testing.assert_allclose([row.MSE, row.MSE_sd, row.MSE_se],
                                   [per_f.mean(), per_f.std(ddof=1), per_f.std(ddof=1) / math.sqrt(3)], rtol=1e-12)
        np.testing.assert_allclose([row.loglik, row.loglik_sd, row.loglik_se],
                                   [ll.mean(), ll.std(ddof=1), ll.std(ddof=1) / math.sqrt(3)], rtol=1e-12)
        np.testing.assert_allclose(row.loglik_fid, ll[1], rtol=1e-12)
        ce = mean @ w - mass[group, J]
        assert (crow.method, crow.param) == (row.method, row.param)
        np.testing.assert_allclose([crow.CE, crow.CE_sd, crow.CE_se],
                                   [ce.mean(), ce.std(ddof=1), ce.std(ddof=1) / math.sqrt(3)], rtol=1e-12)


def test_time_plots_show_the_profiles_at_t_star_and_the_context_x(files, inputs):
    _, _, _, u, _, arrays, (x_ctx, _) = files
    fig = time_plot_figure(inputs, T_STAR)
    axes = np.array(fig.axes).reshape(2, 2)  # rows parameter, columns method
    for r, group in enumerate((range(0, 3), range(3, 6))):
        for c, method in enumerate(["anp", "hardc_anp"]):
            lines = axes[r, c].lines
            assert len(lines) == 2 * 3
            for k, f in enumerate(group):
                np.testing.assert_allclose(lines[2 * k].get_ydata(), arrays[method][0][f, J], rtol=0, atol=0)
                np.testing.assert_allclose(lines[2 * k + 1].get_ydata(), u[f, J], rtol=0, atol=0)
                assert lines[2 * k + 1].get_linestyle() == "--"
    fig = time_plot_fid_figure(inputs, T_STAR, f_id=1)
    axes = np.array(fig.axes).reshape(2, 2)  # rows method, columns parameter
    for c, f in enumerate((1, 4)):
        for r, method in enumerate(["anp", "hardc_anp"]):
            mean_line, true_line, ctx = axes[r, c].lines
            np.testing.assert_allclose(mean_line.get_ydata(), arrays[method][0][f, J], rtol=0, atol=0)
            np.testing.assert_allclose(true_line.get_ydata(), u[f, J], rtol=0, atol=0)
            np.testing.assert_allclose(ctx.get_xdata(), x_ctx[f], rtol=0, atol=0)
            np.testing.assert_array_equal(ctx.get_ydata(), 0.0)
            assert ctx.get_marker() == "x"
            ribbon = axes[r, c].collections[0].get_paths()[0].vertices
            upper = arrays[method][0][f, J] + 3 * arrays[method][1][f, J]
            assert np.isclose(ribbon[:, 1].max(), upper.max(), rtol=0, atol=1e-12)


def test_input_context_shows_the_context_points_of_f_id(files, inputs):
    *_, (x_ctx, test) = files
    fig = input_context_figure(inputs, f_id=1)
    for ax, f in zip(fig.axes, (1, 4)):
        xy = ax.collections[0].get_offsets()
        np.testing.assert_allclose(xy[:, 0], test["x_context"].values[f], rtol=0, atol=0)
        np.testing.assert_allclose(xy[:, 1], test["t_context"].values[f], rtol=0, atol=0)


def _outputs(tmp_path):
    out = tmp_path / "diag"
    figures = {n: {"png": out / f"{n}.png", "pdf": out / f"{n}.pdf", "caption": out / f"{n}.caption.txt"}
               for n in FIGURES}
    return figures, out / "mse_at_t.csv", out / "cons_df.csv"


def test_write_diagnostics_writes_every_file(files, tmp_path):
    truth_nc, preds, test_nc, *_ = files
    figures, mse_csv, cons_csv = _outputs(tmp_path)
    write_diagnostics(truth_nc, preds, test_nc, t_star=T_STAR, f_id=1, figures=figures, mse_at_t_csv=mse_csv,
                      cons_df_csv=cons_csv, caption="Profile test.")
    for paths in figures.values():
        assert paths["png"].read_bytes()[:4] == b"\x89PNG" and paths["pdf"].read_bytes()[:4] == b"%PDF"
        assert paths["caption"].read_text().endswith("Profile test.\n")
    assert "LOESS" in figures["mse_over_time"]["caption"].read_text()
    assert "t = 0.3" in figures["time_plot_fid"]["caption"].read_text()
    assert len(pd.read_csv(mse_csv)) == 4 and len(pd.read_csv(cons_csv)) == 4
    assert not list((tmp_path / "diag").glob(".*tmp"))
    first = {p: p.read_bytes() for p in (tmp_path / "diag").iterdir()}
    write_diagnostics(truth_nc, preds, test_nc, t_star=T_STAR, f_id=1, figures=figures, mse_at_t_csv=mse_csv,
                      cons_df_csv=cons_csv, caption="Profile test.")
    assert {p: p.read_bytes() for p in (tmp_path / "diag").iterdir()} == first  # a rerun gives the same bytes


def test_bad_input_is_refused_before_anything_is_written(files, tmp_path):
    truth_nc, preds, test_nc, *_ , (_, test) = files
    figures, mse_csv, cons_csv = _outputs(tmp_path)
    kwargs = dict(figures=figures, mse_at_t_csv=mse_csv, cons_df_csv=cons_csv)
    other = test.assign_coords(u_star=("function", PARAMS[::-1].copy()))
    write_netcdf(other, tmp_path / "other_test.nc")
    with pytest.raises(ValueError, match="does not hold the test functions"):
        write_diagnostics(truth_nc, preds, tmp_path / "other_test.nc", t_star=T_STAR, f_id=1, **kwargs)
    with pytest.raises(ValueError, match="f_id = 3 out of range"):
        write_diagnostics(truth_nc, preds, test_nc, t_star=T_STAR, f_id=3, **kwargs)
    with pytest.raises(ValueError, match=r"t\* = 0.35 is not a node of the evaluation time grid"):
        write_diagnostics(truth_nc, preds, test_nc, t_star=0.35, f_id=1, **kwargs)
    with pytest.raises(ValueError, match=r"missing outputs \['cons_plot'\]"):
        write_diagnostics(truth_nc, preds, test_nc, t_star=T_STAR, f_id=1, **{
            **kwargs, "figures": {k: v for k, v in figures.items() if k != "cons_plot"}})
    with pytest.raises(ValueError, match="lacks required variable"):
        write_diagnostics(truth_nc, preds, truth_nc, t_star=T_STAR, f_id=1, **kwargs)
    assert not (tmp_path / "diag").exists()
