"""BOON table and figures (pcml.outputs.boon_outputs): hand-computed cells, wall errors, files, bad input."""
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from pcml.data import boon_1d, boon_2d
from pcml.data.netcdf import write_netcdf
from pcml.outputs.boon_outputs import (boundary_derivative_figure, format_mean_se, make_operator_table,
                                       plot_boundary_derivative, ranking_note, wall_errors)
from pcml.outputs.dataset_figures import dataset_layout, dataset_samples_figure, plot_dataset_samples

# ------------------------------------------------------------------------------------------------ table
RELS = {"fno1d": [0.01, 0.02, 0.03], "boon_fno1d": [0.001, 0.004, 0.004]}
BC_LEFT = {"fno1d": [1.0, 2.0, 4.0], "boon_fno1d": [0.0, 0.0, 0.0]}


@pytest.fixture
def metrics_csv(tmp_path):
    rows = []
    for method in ("boon_fno1d", "fno1d"):  # BOON first in the file: the table must still list FNO first
        for s in range(3):
            rows += [(method, s, "rel_l2", RELS[method][s]), (method, s, "bc_left", BC_LEFT[method][s])]
    rows.append(("pino_lite", 7, "rel_l2", 0.5))  # unknown method, one sample
    path = tmp_path / "metrics.csv"
    pd.DataFrame(rows, columns=["method", "sample", "metric", "value"]).to_csv(path, index=False)
    return path


def _outs(tmp_path):
    return {k: tmp_path / "out" / f"table.{k}" for k in ("csv", "md", "tex")}


def test_format_mean_se():
    assert format_mean_se(0.02, 0.0011) == "2.0e-02 (1.1e-03)"
    assert format_mean_se(0.5, float("nan")) == "5.0e-01 (–)"


def test_table_cells_are_hand_computed_mean_and_se(metrics_csv, tmp_path):
    outs = _outs(tmp_path)
    make_operator_table(metrics_csv, caption="Heat_Neu_1D: 50% of_test", out_csv=outs["csv"], out_md=outs["md"],
                        out_tex=outs["tex"], bc_type="neumann")
    long = pd.read_csv(outs["csv"])
    assert list(long.columns) == ["method", "metric", "mean", "se", "se_over", "n_seeds", "n_samples"]
    assert list(long["method"]) == ["fno1d", "fno1d", "boon_fno1d", "boon_fno1d", "pino_lite", "boon_fno1d",
                                    "pino_lite"]
    assert list(long["metric"]) == ["rel_l2", "bc_left", "rel_l2", "bc_left", "rel_l2", "improvement_rel_l2",
                                    "improvement_rel_l2"]
    fno = long[(long["method"] == "fno1d") & (long["metric"] == "rel_l2")].iloc[0]
    assert fno["mean"] == pytest.approx(0.02, abs=1e-15)
    assert fno["se"] == pytest.approx(0.01 / math.sqrt(3), rel=1e-12)  # sd (ddof=1) = 0.01
    assert fno["se_over"] == "samples" and fno["n_seeds"] == 1
    bc = long[(long["method"] == "fno1d") & (long["metric"] == "bc_left")].iloc[0]
    assert bc["mean"] == pytest.approx(7 / 3, rel=1e-12)
    assert bc["se"] == pytest.approx(np.std([1.0, 2.0, 4.0], ddof=1) / math.sqrt(3), rel=1e-12)
    assert long["n_samples"].tolist()[:5] == [3, 3, 3, 3, 1] and np.isnan(long["se"].iloc[4])
    factor = long[long["metric"] == "improvement_rel_l2"].set_index("method")
    assert factor.loc["boon_fno1d", "mean"] == pytest.approx(0.02 / 0.003, rel=1e-12)  # one seed: no SE
    assert np.isnan(factor.loc["boon_fno1d", "se"])
    assert factor.loc["pino_lite", "mean"] == pytest.approx(0.04, rel=1e-12)

    md = outs["md"].read_text().splitlines()
    assert md[0] == "Heat_Neu_1D: 50% of_test"
    header = next(line for line in md if line.startswith("| Model"))
    assert [c.strip() for c in header.strip("|").split("|")] == ["Model", "seeds", "n", "rel. L2", "BC err. left",
                                                                 "FNO / model (rel. L2)"]
    rows = [line for line in md if line.startswith("| ") and not line.startswith("| Model")]
    cells = [[c.strip() for c in r.strip("|").split("|")] for r in rows]
    assert [c[0] for c in cells] == ["FNO", "BOON-FNO", "pino_lite"]
    assert cells[0][1:] == ["1", "3", "2.0e-02 (5.8e-03)", "2.3e+00 (8.8e-01)", "–"]
    assert cells[1][1:] == ["1", "3", "3.0e-03 (1.0e-03)", "0.0e+00 (0.0e+00)", "6.67 (–)"]
    assert cells[2][1:] == ["1", "1", "5.0e-01 (–)", "–", "0.04 (–)"]
    assert "over the test samples of one training seed" in md[-1] and "third-order backward" in md[-1]
    assert md[-1].endswith("Mean rel. L2 per seed against FNO: BOON-FNO below FNO; pino_lite not below FNO.")

    tex = outs["tex"].read_text()
    assert r"\caption{Heat\_Neu\_1D: 50\% of\_test}" in tex
    assert r"\begin{table}" in tex and r"\end{tabular}" in tex and r"\begin{tabular}{lrrccc}" in tex
    assert r"FNO & 1 & 3 & 2.0e-02 (5.8e-03) & 2.3e+00 (8.8e-01) & -- \\" in tex
    assert r"pino\_lite & 1 & 1 & 5.0e-01 (--) & -- & 0.04 (--) \\" in tex
    assert not list((tmp_path / "out").glob(".*tmp"))  # atomic writes leave no temporaries


def test_table_over_seeds_cells_factor_and_note(tmp_path):
    # per-seed means of rel_l2: FNO 0.2, 0.4; BOON 0.02, 0.05 -> FNO 3.0e-01 (1.0e-01), BOON 3.5e-02 (1.5e-02);
    # factor per seed 10 and 8 -> 9 (1); Dirichlet boundary residuals exactly 0 for BOON
    values = {("fno1d", 0): [0.1, 0.3], ("fno1d", 1): [0.2, 0.6],
              ("boon_fno1d", 0): [0.01, 0.03], ("boon_fno1d", 1): [0.04, 0.06]}
    rows = [(seed, m, s, "rel_l2", v) for (m, seed), vs in values.items() for s, v in zip((5, 6), vs)]
    rows += [(seed, m, s, "bc_left", 0.0 if m == "boon_fno1d" else 1.0) for (m, seed) in values for s in (5, 6)]
    path = tmp_path / "metrics.csv"
    pd.DataFrame(rows, columns=["seed", "method", "sample", "metric", "value"]).to_csv(path, index=False)
    outs = _outs(tmp_path)
    make_operator_table(path, caption="c", out_csv=outs["csv"], out_md=outs["md"], out_tex=outs["tex"],
                        bc_type="dirichlet")
    md = outs["md"].read_text().splitlines()
    rows_md = [[c.strip() for c in r.strip("|").split("|")] for r in md if r.startswith("| ") and "Model" not in r]
    assert rows_md[0] == ["FNO", "2", "2", "3.0e-01 (1.0e-01)", "1.0e+00 (0.0e+00)", "–"]
    assert rows_md[1] == ["BOON-FNO", "2", "2", "3.5e-02 (1.5e-02)", "0.0e+00 (0.0e+00)", "9 (1)"]
    assert "over the 2 training seeds" in md[-1] and "alpha_D" in md[-1] and "third-order" not in md[-1]
    assert "BOON-FNO below FNO on 2 of 2 seeds." in md[-1]
    long = pd.read_csv(outs["csv"])
    assert set(long["se_over"]) == {"seeds"} and set(long["n_seeds"]) == {2}


def test_ranking_note_counts_the_seeds_where_a_method_is_below_the_baseline():
    # per-seed means: FNO 0.2, 0.4, 0.3; BOON 0.1, 0.5, 0.3 (below on seed 0 only: a tie is not below);
    # clean 0.9 on every seed (never below)
    means = {"fno2d": [0.2, 0.4, 0.3], "boon_fno2d": [0.1, 0.5, 0.3], "boon_fno2d_clean": [0.9, 0.9, 0.9]}
    rows = [(seed, m, s, "rel_l2", v + d) for m, vs in means.items() for seed, v in enumerate(vs) for s, d in
            ((0, -0.05), (1, 0.05))]
    frame = pd.DataFrame(rows, columns=["seed", "method", "sample", "metric", "value"])
    assert ranking_note(frame, "fno2d") == ("Mean rel. L2 per seed against FNO: BOON-FNO below FNO on 1 of 3 seeds; "
                                            "BOON-FNO (clean) not below FNO on any of the 3 seeds.")
    assert ranking_note(frame, "fno1d") == ""  # no baseline in the file: no sentence


def test_table_headers_for_neumann_second_order_and_periodic(tmp_path):
    rows = [("boon_fno1d", 0, m, 1e-7) for m in ("bc_ends", "bc_right_2nd", "bc_left_2nd", "rel_l2")]
    path = tmp_path / "m.csv"
    pd.DataFrame(rows, columns=["method", "sample", "metric", "value"]).to_csv(path, index=False)
    outs = _outs(tmp_path)
    make_operator_table(path, caption="c", out_csv=outs["csv"], out_md=outs["md"], out_tex=outs["tex"])
    header = next(line for line in outs["md"].read_text().splitlines() if line.startswith("| Model"))
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "Model", "seeds", "n", "rel. L2", "BC err. left (2nd-order stencil)", "BC err. right (2nd-order stencil)",
        "BC err. ends"]


def test_table_bad_input(tmp_path):
    outs = _outs(tmp_path)
    kw = dict(caption="c", out_csv=outs["csv"], out_md=outs["md"], out_tex=outs["tex"])
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        make_operator_table(tmp_path / "nope.csv", **kw)
    bad = tmp_path / "bad.csv"
    bad.write_text("method,sample,value\nfno1d,0,1.0\n")
    with pytest.raises(ValueError, match=r"bad.csv lacks column\(s\) \['metric'\]"):
        make_operator_table(bad, **kw)
    bad.write_text("method,sample,metric,value\n")
    with pytest.raises(ValueError, match="bad.csv has no rows"):
        make_operator_table(bad, **kw)
    bad.write_text("")
    with pytest.raises(ValueError, match="bad.csv is empty"):
        make_operator_table(bad, **kw)
    bad.write_text("method,sample,metric,value\nfno1d,0,rel_l2,1.0\nfno1d,0,rel_l2,2.0\n")
    with pytest.raises(ValueError, match="duplicate"):
        make_operator_table(bad, **kw)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# --------------------------------------------------------------------------------------- Fig. 1 insets
def _pred_file(path, method, x, u_pred, u_true, *, bc_type="neumann", flux=(0.0, 5.0)):
    n = u_pred.shape[0]
    data = {"u_pred": (("sample", "x"), u_pred), "u_true": (("sample", "x"), u_true),
            "a": (("sample", "x"), np.zeros_like(u_true))}
    if bc_type == "neumann":
        data.update(flux_left=((), flux[0]), flux_right=((), flux[1]))
    else:
        data.update(bc_left=("sample", u_true[:, 0]), bc_right=("sample", u_true[:, -1]))
    ds = xr.Dataset(data, coords={"sample": np.arange(90, 90 + n), "x": x, "t": 0.5},
                    attrs={"method": method, "bc_type": bc_type, "dataset": "heat", "experiment": "heat_single",
                           "n_train": 10, "n_test": n, "n_params": 1, "dtype": "float32"})
    return write_netcdf(ds, path)


def _boon_like(x, rng, g_left=0.0, g_right=5.0):
    """A random field whose BOON-stencil wall derivatives equal (g_left, g_right) exactly (up to round-off)."""
    h = x[1] - x[0]
    u = rng.normal(size=x.size)
    u[0] = u[1] - h * g_left
    u[-1] = (6 * h * g_right + 18 * u[-2] - 9 * u[-3] + 2 * u[-4]) / 11
    return u


@pytest.fixture
def neumann_files(tmp_path):
    x = np.linspace(0.0, 1.0, 11)  # h = 0.1
    rng = np.random.default_rng(3)
    true = np.stack([np.cos(2.5 * np.pi * x), np.cos(3 * np.pi * x)])
    fno = np.stack([x**2 + 1.0, rng.normal(size=x.size)])  # sample 0: u = x^2 (+ const)
    boon = np.stack([_boon_like(x, rng), _boon_like(x, rng)])
    return {"boon_fno1d": _pred_file(tmp_path / "boon.nc", "boon_fno1d", x, boon, true),
            "fno1d": _pred_file(tmp_path / "fno.nc", "fno1d", x, fno, true)}


def test_wall_errors_exact(neumann_files):
    err = wall_errors(neumann_files)
    assert list(err) == ["fno1d", "boon_fno1d"]
    # u = x^2: BOON left stencil (u1 - u0)/h = h = 0.1 (prescribed 0); the 3rd-order right stencil is exact
    # for quadratics: du/dx(1) = 2 (prescribed 5) -> error 3.
    assert err["fno1d"]["left"] == pytest.approx(0.1, rel=1e-12)
    assert err["fno1d"]["right"] == pytest.approx(3.0, rel=1e-12)
    assert err["boon_fno1d"]["left"] < 1e-12 and err["boon_fno1d"]["right"] < 1e-12


def test_boundary_derivative_figure_content_and_files(neumann_files, tmp_path):
    fig = boundary_derivative_figure(neumann_files)
    left, right = fig.axes
    labels = [line.get_label() for line in left.lines]
    assert labels == ["FNO", "BOON-FNO", "Exact", "prescribed du/dx"]
    # coarse grid (h = 0.1 > 0.01): the window widens to 4 nodes; du/dx of x^2 is 2x inside, h at x = 0
    np.testing.assert_allclose(left.lines[0].get_xdata(), [0.0, 0.1, 0.2, 0.3], atol=1e-15)
    np.testing.assert_allclose(left.lines[0].get_ydata(), [0.1, 0.2, 0.4, 0.6], rtol=1e-12)
    np.testing.assert_allclose(right.lines[0].get_xdata(), [0.7, 0.8, 0.9, 1.0], atol=1e-15)
    np.testing.assert_allclose(right.lines[0].get_ydata()[-1], 2.0, rtol=1e-12)
    assert right.lines[3].get_ydata()[0] == 5.0 and right.lines[3].get_xdata()[0] == 1.0
    assert right.lines[2].get_color() == "#000000" and right.lines[1].get_color() == "#8B0000"
    left_err = [t.get_text() for t in left.get_legend().get_texts()]
    right_err = [t.get_text() for t in right.get_legend().get_texts()]
    assert left_err[0] == "FNO: 0.1" and right_err[0] == "FNO: 3"
    assert float(left_err[1].split(": ")[1]) < 1e-12 and float(right_err[1].split(": ")[1]) < 1e-12
    out_png, out_pdf = tmp_path / "f" / "fig.png", tmp_path / "f" / "fig.pdf"
    plot_boundary_derivative({k: str(v) for k, v in neumann_files.items()}, out_png=out_png, out_pdf=out_pdf,
                             sample=1, title="t")
    assert out_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out_png.stat().st_size > 1000
    assert out_pdf.read_bytes()[:5] == b"%PDF-" and out_pdf.stat().st_size > 1000


def test_boundary_derivative_window_is_one_percent_on_fine_grids(tmp_path):
    x = np.linspace(0.0, 1.0, 501)  # h = 0.002: [0, 0.01] holds 6 nodes
    u = np.cos(2.5 * np.pi * x)[None]
    files = {"fno1d": _pred_file(tmp_path / "fno.nc", "fno1d", x, u, u)}
    left, right = boundary_derivative_figure(files).axes
    assert left.get_xlim() == (0.0, 0.01) and left.lines[0].get_xdata().size == 6
    assert right.lines[0].get_xdata().size == 6 and right.get_xlim()[1] == 1.0


def test_boundary_derivative_bad_input(neumann_files, tmp_path):
    x = np.linspace(0.0, 1.0, 11)
    u = np.ones((2, 11))
    dirichlet = _pred_file(tmp_path / "d.nc", "fno1d", x, u, u, bc_type="dirichlet")
    with pytest.raises(ValueError, match="Neumann problems only"):
        wall_errors({"fno1d": dirichlet})
    other_x = _pred_file(tmp_path / "x.nc", "fno1d", np.linspace(0.0, 1.0, 12), np.ones((2, 12)), np.ones((2, 12)))
    with pytest.raises(ValueError, match="differ in shape|disagree on the x grid"):
        boundary_derivative_figure({"boon_fno1d": neumann_files["boon_fno1d"], "fno1d": other_x})
    with pytest.raises(ValueError, match="not 'boon_fno1d'"):
        wall_errors({"boon_fno1d": neumann_files["fno1d"]})
    with pytest.raises(ValueError, match="out of range"):
        wall_errors(neumann_files, sample=2)


# ------------------------------------------------------------------------------------- dataset samples
def _check_files(tmp_path, data_nc, name):
    out_png, out_pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    plot_dataset_samples(data_nc, out_png=out_png, out_pdf=out_pdf, title=name, n_show=2)
    assert out_png.read_bytes()[:4] == b"\x89PNG" and out_png.stat().st_size > 1000
    assert out_pdf.read_bytes()[:5] == b"%PDF-" and out_pdf.stat().st_size > 1000


def test_dataset_samples_1d_single_heat(tmp_path):
    ds = boon_1d.make_heat_neumann(n_samples=4, n_x=32, multi_step=False, n_modes=256, seed=0)
    path = write_netcdf(ds, tmp_path / "heat.nc")
    assert dataset_layout(ds) == "1d_single"
    fig = dataset_samples_figure(path, title="heat", n_show=3)
    ax_a, ax_u = [ax for ax in fig.axes if ax.get_title()]
    np.testing.assert_array_equal(ax_a.lines[1].get_ydata(), ds["a"].values[1])
    np.testing.assert_array_equal(ax_u.lines[2].get_ydata(), ds["u"].values[2])
    tangents = [ln for ln in ax_u.lines if ln.get_linestyle() == "--"]
    assert len(tangents) == 6  # one per wall and sample
    slopes = [np.diff(ln.get_ydata())[0] / np.diff(ln.get_xdata())[0] for ln in tangents]
    np.testing.assert_allclose(slopes, [0.0, 5.0] * 3, atol=1e-12)
    _check_files(tmp_path, path, "heat")


def test_dataset_samples_1d_multi_stokes(tmp_path):
    ds = boon_1d.make_stokes(n_samples=4, n_x=32, multi_step=True, nu=0.1, n_levels=20, n_out=5, seed=0)
    path = write_netcdf(ds, tmp_path / "stokes.nc")
    fig = dataset_samples_figure(path, title="stokes", n_show=2)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert len(axes) == 4 and axes[3].get_xlabel() == "t"
    np.testing.assert_array_equal(axes[2].lines[1].get_ydata(), ds["u"].values[1, :, -1])  # last output time
    np.testing.assert_array_equal(axes[3].lines[2].get_ydata(), ds["bc_left"].values[1])  # sample 1, x = 0
    _check_files(tmp_path, path, "stokes")


def test_dataset_samples_2d_wave_and_periodic(tmp_path):
    ds = boon_2d.make_wave(n_samples=3, n_grid=16, n_levels=21, n_out=5, n_modes=4, seed=0)
    path = write_netcdf(ds, tmp_path / "wave.nc")
    fig = dataset_samples_figure(path, title="wave", n_show=2)
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 6
    np.testing.assert_array_equal(images[5].get_array(), ds["u"].values[1, :, :, -1].T)
    _check_files(tmp_path, path, "wave")

    x = np.linspace(0.0, 1.0, 16, endpoint=False)
    per = xr.Dataset({"a": (("sample", "x"), np.sin(2 * np.pi * x)[None].repeat(3, 0)),
                      "u": (("sample", "x", "t"), np.ones((3, 16, 4)))},
                     coords={"sample": np.arange(3), "x": x, "t": np.linspace(0.7, 1.0, 4)},
                     attrs={"bc_type": "periodic"})
    per_path = write_netcdf(per, tmp_path / "per.nc")
    assert dataset_layout(per) == "1d_multi"
    _check_files(tmp_path, per_path, "periodic")


def test_dataset_samples_bad_layout(tmp_path):
    bad = xr.Dataset({"a": (("sample", "z"), np.ones((2, 3))), "u": (("sample", "z"), np.ones((2, 3)))})
    path = write_netcdf(bad, tmp_path / "bad.nc")
    with pytest.raises(ValueError, match=r"bad.nc: unrecognised BOON dataset layout.*a\('sample', 'z'\)"):
        dataset_samples_figure(path, title="x")
    with pytest.raises(ValueError, match="n_show"):
        dataset_samples_figure(path, title="x", n_show=0)


def test_multi_step_table_shows_first_and_last_step_and_fno3d_is_the_baseline(tmp_path):
    rows = []
    for method, scale in (("boon_fno3d", 1.0), ("fno3d", 4.0)):
        for s in range(2):
            rows += [(method, s, "rel_l2", 0.01 * scale * (s + 1)), (method, s, "bc_top", 0.0 if scale == 1 else 0.5),
                     (method, s, "rel_l2_near_boundary", 0.02 * scale)]
            rows += [(method, s, f"rel_l2_step{k}", 0.001 * k * scale) for k in range(1, 12)]
    path = tmp_path / "metrics.csv"
    pd.DataFrame(rows, columns=["method", "sample", "metric", "value"]).to_csv(path, index=False)
    outs = _outs(tmp_path)
    make_operator_table(path, caption="cavity", out_csv=outs["csv"], out_md=outs["md"], out_tex=outs["tex"],
                        bc_type="dirichlet")
    long = pd.read_csv(outs["csv"])
    assert set(long["metric"]) >= {f"rel_l2_step{k}" for k in range(1, 12)}  # every step in the CSV
    metrics = list(dict.fromkeys(long["metric"]))
    # order: rel_l2, the steps in step order (10, 11 after 2), near walls, the walls
    assert metrics[:13] == ["rel_l2", *[f"rel_l2_step{k}" for k in range(1, 12)], "rel_l2_near_boundary"]
    factor = long[long["metric"] == "improvement_rel_l2"].set_index("method")
    assert list(factor.index) == ["boon_fno3d"] and factor.loc["boon_fno3d", "mean"] == pytest.approx(4.0, rel=1e-12)
    md = outs["md"].read_text()
    header = md.splitlines()[2]
    assert "rel. L2 step 1 " in header and "rel. L2 step 11 " in header and "step 2 " not in header
    assert "rel. L2 near walls" in header and "BC err. top" in header and "FNO / model" in header
    assert "| FNO " in md and "| BOON-FNO " in md and "the CSV holds every step" in md
