"""BOON §6 figures and static tables (pcml.outputs.boon_*): synthetic prediction/metrics files, hand-known values."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from matplotlib.collections import LineCollection
from matplotlib.patches import Ellipse, FancyArrowPatch, Rectangle
from PIL import Image

from pcml.data.netcdf import write_netcdf
from pcml.outputs import boon_curves, boon_field_figures, boon_line_figures, boon_schematics, boon_static
from pcml.outputs.boon_figure_data import load_predictions, output_steps, pick_pair, step_errors
from pcml.outputs.boon_methods import method_colour, method_marker, method_name, method_order

N_T = 25


# ---------------------------------------------------------------------------------------------- fixtures
def _write(tmp_path, method, pred, true, coords, dims, bc_type, extra=None, a=None):
    ds = xr.Dataset({"u_pred": (dims, pred), "u_true": (dims, true), **(extra or {})},
                    coords={"sample": np.arange(100, 100 + pred.shape[0]), **coords},
                    attrs={"method": method, "bc_type": bc_type, "dataset": "synthetic"})
    if a is not None:
        ds["a"] = (dims[:-1] if "t" in dims else dims, a)
    path = tmp_path / f"{method}.nc"
    write_netcdf(ds, path)
    return path


@pytest.fixture
def stokes_files(tmp_path):
    return make_stokes(tmp_path)


@pytest.fixture
def cavity_files(tmp_path):
    return make_cavity(tmp_path)


def make_stokes(tmp_path):
    """1-D+t Dirichlet: BOON error 1e-3 sin(pi x) (zero at the walls), FNO error 1e-2 (1 + x)."""
    x = np.linspace(0.0, 1.0, 65)
    t = np.linspace(0.5, 1.2, N_T)
    true = np.stack([np.exp(-3 * x)[:, None] * np.cos(2 * t[None, :] - 3 * x[:, None]) * (1 + s) for s in range(3)])
    boon = true + 1e-3 * np.sin(np.pi * x)[None, :, None]
    fno = true + 1e-2 * (1 + x)[None, :, None]
    dims, coords = ("sample", "x", "t"), {"x": x, "t": t}
    return {m: _write(tmp_path, m, p, true, coords, dims, "dirichlet", a=true[..., 0])
            for m, p in (("boon_fno2d", boon), ("fno2d", fno))}


def make_cavity(tmp_path):
    """2-D+t Dirichlet: BOON error 1e-3 inside and exact on the walls, FNO error 1e-2 everywhere."""
    x = np.linspace(0.0, 1.0, 9)
    t = 0.02 + 0.04 * np.arange(5)
    true = np.sin(np.pi * x)[None, :, None, None] * np.cos(np.pi * x)[None, None, :, None] * (1 + t)[None, None, None]
    true = np.concatenate([true, 2 * true])
    dims, coords = ("sample", "x", "y", "t"), {"x": x, "y": x, "t": t}
    boon = true.copy()
    boon[:, 1:-1, 1:-1] += 1e-3  # exact on the walls
    fno = true + 1e-2
    return {m: _write(tmp_path, m, p, true, coords, dims, "dirichlet", a=true[..., 0] - 1)
            for m, p in (("boon_fno3d", boon), ("fno3d", fno))}


def _metrics(tmp_path, name, values):
    """values: {method: array (sample, step)} -> per-seed metrics.csv with rel_l2 and rel_l2_step<k>."""
    rows = []
    for method, arr in values.items():
        for s, row in enumerate(arr):
            rows.append((method, s, "rel_l2", float(np.mean(row))))
            rows += [(method, s, f"rel_l2_step{k + 1}", float(v)) for k, v in enumerate(row)]
            rows.append((method, s, "bc_left", 0.0))
    path = tmp_path / f"{name}.csv"
    pd.DataFrame(rows, columns=["method", "sample", "metric", "value"]).to_csv(path, index=False)
    return path


# ------------------------------------------------------------------------------------------ static tables
def test_bc_types_table(tmp_path):
    outs = {k: tmp_path / f"boon_bc_types.{k}" for k in ("csv", "md", "tex")}
    boon_static.write_bc_types_table(caption="Table 1: BC types", out_csv=outs["csv"], out_md=outs["md"],
                                     out_tex=outs["tex"])
    table = pd.read_csv(outs["csv"])
    assert list(table["BC type"]) == ["Dirichlet", "Neumann", "Periodic"]
    assert table["definition"][2] == "u(x_0, t) = u(x_{N-1}, t)"
    assert outs["md"].read_text().startswith("Table 1: BC types\n")
    tex = outs["tex"].read_text()
    assert (r"Dirichlet & $u(x,t) = \alpha_D(x,t),\ x \in \partial\Omega$ & Stokes' second problem, viscous "
            r"Burgers, NS lid-driven cavity \\") in tex and r"\label{tab:boon_bc_types}" in tex
    assert r"\alpha_N" in tex and tex.count(r" \\") == 4  # header + 3 rows


def _config():
    train = {"epochs": 500, "batch_size": 20, "lr": 1.0e-3, "weight_decay": 1.0e-4, "scheduler_step": 50,
             "scheduler_gamma": 0.5}
    return {"boon": {"experiments": {
        "heat_single": {"dataset": "heat_neumann_single", "bc_type": "neumann", "n_train": 500, "n_test": 100,
                        "methods": ["fno1d", "boon_fno1d"], "model": {"modes": 16, "width": 64}, "train": train},
        "cavity": {"dataset": "cavity_re100", "bc_type": "dirichlet", "n_train": 1000, "n_test": 200,
                   "methods": ["fno3d", "boon_fno3d"], "model": {"modes": [8, 8, 8], "width": 20},
                   "train": {**train, "batch_size": 10, "scheduler_step": 100, "clip": 1.0}},
    }}}


def test_hyperparameter_table(tmp_path):
    table = boon_static.hyperparameter_table(_config())
    assert list(table["experiment"]) == ["heat_single", "cavity"]
    row = table.set_index("experiment").loc["cavity"]
    assert row["model"] == "modes=[8, 8, 8], width=20"
    assert (row["batch"], row["StepLR step"], row["n_train"], row["n_test"]) == ("10", "100", 1000, 200)
    assert row["other"] == "clip=1" and table.set_index("experiment").loc["heat_single", "other"] == "–"
    assert row["methods"] == "FNO, BOON-FNO" and row["lr"] == "0.001"
    outs = {k: tmp_path / f"boon_hyperparameters.{k}" for k in ("csv", "md", "tex")}
    boon_static.write_hyperparameter_table(_config(), caption="Hyper-parameters", out_csv=outs["csv"],
                                           out_md=outs["md"], out_tex=outs["tex"])
    assert len(pd.read_csv(outs["csv"])) == 2
    assert "heat\\_single" in outs["tex"].read_text() and "StepLR step" in outs["md"].read_text()
    bad = _config()
    del bad["boon"]["experiments"]["cavity"]["train"]
    with pytest.raises(ValueError, match=r"boon.experiments.cavity lacks \['train'\]"):
        boon_static.hyperparameter_table(bad)
    with pytest.raises(ValueError, match="no boon.experiments"):
        boon_static.hyperparameter_table({"probconserv": {}})


# ------------------------------------------------------------------------------------------- schematics
def test_rod_schematic_content():
    fig = boon_schematics.rod_schematic_figure()
    ax = fig.axes[0]
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert [p.get_hatch() for p in rects if p.get_label() == "insulator"] == ["///"]
    heater = next(p for p in rects if p.get_label() == "heater")
    assert heater.get_x() == 1.0  # the heater sits at x = 1, the insulator ends at x = 0
    assert next(p for p in rects if p.get_label() == "insulator").get_x() + 0.09 == pytest.approx(0.0)
    texts = " ".join(t.get_text() for t in ax.texts)
    assert r"\alpha_N(0,t) = 0" in texts and r"\alpha_N(1,t)$" in texts and "u(x, t)" in texts
    assert ax.lines[0].get_linestyle() == "--"


def test_operator_schematic_content(tmp_path):
    fig = boon_schematics.operator_schematic_figure()
    ax = fig.axes[0]
    assert sorted(p.get_label() for p in ax.patches if isinstance(p, Ellipse)) == ["A", "U", "U_bdy"]
    u_bdy = next(p for p in ax.patches if p.get_label() == "U_bdy")
    arrows = {p.get_label(): p for p in ax.patches if isinstance(p, FancyArrowPatch)}
    assert set(arrows) == {"T", "T~"}

    def inside(point):
        (cx, cy), w, h = u_bdy.center, u_bdy.width, u_bdy.height
        return ((point[0] - cx) / (w / 2)) ** 2 + ((point[1] - cy) / (h / 2)) ** 2 < 1
    # T lands outside U_bdy, T~ inside (the arrow tips, marked by dots)
    tips = {ln.get_label()[:-4]: (ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.lines
            if ln.get_label().endswith(" tip")}
    assert inside(tips["T~"]) and not inside(tips["T"])
    out = {k: tmp_path / f"schematic_operator.{k}" for k in ("png", "pdf")}
    boon_schematics.plot_schematic("schematic_operator", out_png=out["png"], out_pdf=out["pdf"])
    assert out["png"].read_bytes()[:4] == b"\x89PNG" and out["pdf"].read_bytes()[:4] == b"%PDF"
    with pytest.raises(ValueError, match="unknown schematic 'fig9'"):
        boon_schematics.plot_schematic("fig9", out_png=out["png"], out_pdf=out["pdf"])


# -------------------------------------------------------------------------------------- shared helpers
def test_steps_names_pairs():
    assert output_steps(25) == [0, 8, 16, 24]
    assert output_steps(10) == [0, 3, 6, 9] and output_steps(2) == [0, 1] and output_steps(1) == [0]
    assert pick_pair(["fno2d", "boon_fno2d_clean", "boon_fno2d"]) == ("boon_fno2d", "fno2d")
    with pytest.raises(ValueError, match="plain FNO"):
        pick_pair(["boon_fno1d", "pino_fno2d"])
    assert [method_name(m) for m in ("fno3d", "boon_fno1d_clean", "pino_fno2d", "fno2d_bcin", "x")] == [
        "FNO", "BOON-FNO (clean)", "PINO-lite", "FNO + BC input", "x"]
    assert method_order(["zz", "boon_fno2d", "pino_fno2d", "fno2d"]) == ["fno2d", "boon_fno2d", "pino_fno2d", "zz"]
    # one name, colour and marker per kind, in every dimension (tables and figures share them)
    assert method_name("pino_fno1d") == method_name("pino_fno3d") == "PINO-lite"
    assert method_colour("boon_fno1d") == method_colour("boon_fno3d") != method_colour("fno3d")
    assert method_colour("zz", 0) != method_colour("zz", 1)
    assert method_marker("boon_fno1d_clean") == method_marker("boon_fno2d_clean") != method_marker("fno1d")
    assert method_marker("zz") == "D"


def test_load_predictions_checks(tmp_path, stokes_files):
    loaded = load_predictions(stokes_files)
    assert list(loaded) == ["fno2d", "boon_fno2d"]
    other = xr.open_dataset(stokes_files["fno2d"]).load()
    other["x"] = other["x"] * 2
    other.attrs["method"] = "fno1d"
    write_netcdf(other, tmp_path / "bad.nc")
    with pytest.raises(ValueError, match="disagree on the x grid"):
        load_predictions({"boon_fno2d": stokes_files["boon_fno2d"], "fno1d": tmp_path / "bad.nc"})
    with pytest.raises(ValueError, match="is for method 'fno2d', not 'fno1d'"):
        load_predictions({"fno1d": stokes_files["fno2d"]})
    with pytest.raises(ValueError, match="expected both with dims"):
        load_predictions(stokes_files, layouts=(("sample", "x"),))


# ----------------------------------------------------------------------------------------- line figures
def test_stokes_panels(tmp_path, stokes_files):
    fig = boon_line_figures.stokes_panels_figure(stokes_files, sample=1)
    grid = [ax for ax in fig.axes if ax.get_label() not in ("<colorbar>", "time arrow")]
    assert len(grid) == 8
    titles = [ax.get_title() for ax in grid[:4]]
    assert [t.split(" (")[0] for t in titles] == ["output step 1", "output step 9", "output step 17",
                                                  "output step 25"]
    assert all(ax.get_xlim() == (0.0, 0.5) for ax in grid)
    assert "BOON-FNO" in grid[0].get_ylabel() and "FNO" in grid[4].get_ylabel()
    true = xr.open_dataset(stokes_files["fno2d"])["u_true"].values[1]
    x = np.linspace(0.0, 1.0, 65)
    shown = x <= 0.5
    for ax, (method, k) in ((grid[0], ("boon_fno2d", 0)), (grid[7], ("fno2d", 24))):
        lc = next(c for c in ax.collections if isinstance(c, LineCollection))
        pred = xr.open_dataset(stokes_files[method])["u_pred"].values[1]
        expected = boon_line_figures.segment_errors(pred[shown, k], true[shown, k], 1e-6)
        np.testing.assert_allclose(lc.get_array(), expected, rtol=1e-12)
        assert lc.norm.vmin == 1e-6 and lc.norm.vmax == 0.05
    assert np.all(lc.get_array() >= 1e-6)
    # the inset (2nd column) zooms 4x near x = 0 with true, BOON, FNO
    insets = [c for c in grid[1].child_axes]
    assert len(insets) == 1 and insets[0].get_xlim() == (0.0, 0.125)
    assert [ln.get_label() for ln in insets[0].lines] == ["true", "BOON-FNO", "FNO"]
    assert [ln.get_linestyle() for ln in insets[0].lines] == ["-", ":", "--"]
    arrow = next(ax for ax in fig.axes if ax.get_label() == "time arrow")
    assert [t.get_text() for t in arrow.texts] == ["time"] and len(arrow.patches) == 1
    cbar = next(ax for ax in fig.axes if ax.get_label() == "<colorbar>")
    assert cbar.get_ylabel() == "abs error"
    out = {k: tmp_path / f"stokes.{k}" for k in ("png", "pdf")}
    boon_line_figures.plot_stokes_panels(stokes_files, out_png=out["png"], out_pdf=out["pdf"])
    assert out["png"].stat().st_size > 0 and out["pdf"].stat().st_size > 0
    with pytest.raises(ValueError, match="out of range"):
        boon_line_figures.stokes_panels_figure(stokes_files, sample=3)


def test_segment_errors():
    np.testing.assert_array_equal(boon_line_figures.segment_errors([0, 1, 3], [0, 0, 0], 1e-6), [0.5, 2.0])
    assert boon_line_figures.segment_errors([0, 0], [0, 0], 1e-6)[0] == 1e-6


def test_sample_error_figure(tmp_path, stokes_files):
    fig = boon_line_figures.sample_error_figure(stokes_files, sample=0)
    axes = np.array(fig.axes).reshape(2, 2)
    assert axes[0, 0].get_title().startswith("output step 1,") and axes[0, 1].get_title().startswith("output step 25,")
    bottom = axes[1, 1]
    boon_line = bottom.lines[1]  # methods in display order: FNO, BOON-FNO
    true = xr.open_dataset(stokes_files["fno2d"])["u_true"].values[0, :, -1]
    pred = xr.open_dataset(stokes_files["boon_fno2d"])["u_pred"].values[0, :, -1]
    np.testing.assert_allclose(boon_line.get_ydata(), np.maximum(np.abs(pred - true), 1e-16), rtol=1e-12)
    assert boon_line.get_ydata()[0] == 1e-16  # BOON exact at the wall: drawn at the floor
    assert bottom.get_yscale() == "log"
    assert [ln.get_label() for ln in axes[0, 0].lines] == ["True", "FNO", "BOON-FNO"]
    # single-step files: one column
    single = {}
    for m, p in stokes_files.items():
        ds = xr.open_dataset(p).load().isel(t=-1, drop=True)
        single[m] = write_netcdf(ds, tmp_path / f"single_{m}.nc")
    assert len(boon_line_figures.sample_error_figure(single).axes) == 2


# ---------------------------------------------------------------------------------------- field figures
def test_cavity_fields(tmp_path, cavity_files):
    fig = boon_field_figures.initial_field_figure(cavity_files, sample=1)
    ax = fig.axes[0]
    assert ax.get_title() == "Initial condition, test sample 101"  # the sample coordinate of position 1
    a = xr.open_dataset(cavity_files["fno3d"])["a"].values[1]
    levels = ax.collections[0].levels
    assert levels[0] == pytest.approx(a.min()) and levels[-1] == pytest.approx(a.max())
    fig = boon_field_figures.field_snapshots_figure(cavity_files, sample=0)
    panels = [a for a in fig.axes if a.get_label() != "<colorbar>"]
    assert [p.get_title().split(" (")[0] for p in panels] == [
        "Ground Truth, T = 1", "FNO, T = 1", "BOON-FNO, T = 1", "Ground Truth, T = 5", "FNO, T = 5", "BOON-FNO, T = 5"]
    assert all(p.collections[0].get_cmap().name == "plasma" for p in panels)
    with pytest.raises(ValueError, match="steps"):
        boon_field_figures.field_snapshots_figure(cavity_files, steps=[5])
    out = tmp_path / "anim" / "cavity_vorticity.gif"
    assert boon_field_figures.write_field_animation(cavity_files, out, sample=0) == 5
    with Image.open(out) as img:
        assert img.format == "GIF" and img.n_frames == 5
        frames = []
        for k in range(img.n_frames):
            img.seek(k)
            frames.append(np.asarray(img.convert("RGB"), dtype=np.float64))
    # each frame's panels show its own step: below the heading (which names the step), consecutive frames differ
    # by far more than the GIF's per-frame palette noise (< 1e-3 of intensity here when the panels are the same)
    below_title = slice(frames[0].shape[0] // 5, None)
    assert min(np.abs(frames[k][below_title] - frames[k + 1][below_title]).mean() for k in range(4)) > 0.1
    assert sorted(p.name for p in out.parent.iterdir()) == ["cavity_vorticity.gif"]  # no temporary left


# --------------------------------------------------------------------------------------- error vs step
def test_error_step_summary_exact(tmp_path):
    seed0 = {"fno2d": np.array([[0.1, 0.2], [0.3, 0.4]]), "boon_fno2d": np.array([[0.01, 0.02], [0.03, 0.06]])}
    seed1 = {"fno2d": np.array([[0.2, 0.2], [0.2, 0.2]]), "boon_fno2d": np.array([[0.02, 0.02], [0.02, 0.02]])}
    files = {0: _metrics(tmp_path, "s0", seed0), 1: _metrics(tmp_path, "s1", seed1)}
    summary = boon_curves.error_step_summary(files, ["boon_fno2d", "fno2d"])
    assert list(summary["method"]) == ["fno2d", "fno2d", "boon_fno2d", "boon_fno2d"]
    row = summary[(summary["method"] == "boon_fno2d") & (summary["step"] == 2)].iloc[0]
    # seed means 0.04 and 0.02: mean 0.03, SE = sd(ddof 1)/sqrt(2) = 0.01
    assert row["mean"] == pytest.approx(0.03, abs=1e-15) and row["se"] == pytest.approx(0.01, abs=1e-15)
    assert (row["n_seeds"], row["n_samples"]) == (2, 2)
    one = boon_curves.error_step_summary({0: files[0]}, ["fno2d"])
    assert one["mean"].tolist() == pytest.approx([0.2, 0.3], abs=1e-15) and one["se"].isna().all()
    fig = boon_curves.error_steps_figure(files, ["fno2d", "boon_fno2d"], sample=1)
    ax = fig.axes[0]
    labels = [ln.get_label() for ln in ax.lines]
    assert labels == ["FNO:sample", "FNO:average", "BOON-FNO:sample", "BOON-FNO:average"]
    np.testing.assert_allclose(ax.lines[2].get_ydata(), [0.03, 0.06])  # seed 0, sample position 1
    assert ax.lines[0].get_linestyle() == "--" and len(ax.collections) == 2  # one SE band per method
    paper = boon_curves.error_steps_figure(files, ["fno2d", "boon_fno2d"], sample=0, paper_colours=True).axes[0]
    assert [ln.get_color() for ln in paper.lines] == ["#FA8072", "#8B0000", "#87CEFA", "#00008B"]
    single = boon_curves.error_steps_figure({0: files[0]}, ["fno2d", "boon_fno2d"])
    assert len(single.axes[0].collections) == 0 and len(single.axes[0].lines) == 2
    out = {k: tmp_path / f"err.{k}" for k in ("png", "pdf")}
    boon_curves.plot_error_steps(files, ["fno2d", "boon_fno2d"], out_png=out["png"], out_pdf=out["pdf"])
    assert out["png"].exists() and out["pdf"].exists()


def test_step_errors_bad_input(tmp_path):
    path = _metrics(tmp_path, "s0", {"fno2d": np.array([[0.1, 0.2]])})
    with pytest.raises(ValueError, match="no rel_l2_step<k> rows for method 'boon_fno2d'"):
        step_errors({0: path}, ["fno2d", "boon_fno2d"])
    short = _metrics(tmp_path, "s1", {"fno2d": np.array([[0.1, 0.2, 0.3]])})
    with pytest.raises(ValueError, match="steps"):
        step_errors({0: path, 1: short}, ["fno2d"])


# ------------------------------------------------------------------------------------ boundary residual
def _linear_1d(tmp_path, flux_right_offset):
    x = np.linspace(0.0, 1.0, 11)
    t = np.linspace(0.1, 0.5, 5)
    u = 2.0 * x[None, :, None] + t[None, None, :] + np.zeros((2, 1, 1))
    flux = {"flux_left": ("t", np.full(t.size, 2.0)), "flux_right": ("t", np.full(t.size, 2.0 + flux_right_offset))}
    return _write(tmp_path, "boon_fno2d", u, u + 1.0, {"x": x, "t": t}, ("sample", "x", "t"), "neumann", flux)


def test_wall_residuals_exact(tmp_path, stokes_files, cavity_files):
    ds = xr.open_dataset(_linear_1d(tmp_path, 0.5)).load()
    res = boon_curves.wall_residuals(ds)
    assert np.abs(res["left"].values).max() < 1e-12  # du/dx = 2 exactly by the one-sided stencils
    np.testing.assert_allclose(res["right"].values, 0.5, atol=1e-12)
    assert res["right"].dims == ("sample", "t")
    fno = xr.open_dataset(stokes_files["fno2d"]).load()
    res = boon_curves.wall_residuals(fno)
    np.testing.assert_allclose(res["left"].values, 1e-2, rtol=1e-12)
    np.testing.assert_allclose(res["right"].values, 2e-2, rtol=1e-12)
    cav = boon_curves.wall_residuals(xr.open_dataset(cavity_files["fno3d"]).load())
    assert sorted(cav) == ["bottom", "left", "right", "top"]
    np.testing.assert_allclose(cav["top"].values, 1e-2, rtol=1e-9)
    assert np.abs(boon_curves.wall_residuals(xr.open_dataset(cavity_files["boon_fno3d"]).load())["left"]).max() == 0
    # 2-D Neumann, u = 3x: outward du/dn = -3 at x = 0, +3 at x = 1, 0 at y = 0 and 1; flux 0
    g = np.linspace(0.0, 1.0, 6)
    t = np.array([0.5, 1.0])
    u = 3.0 * g[None, :, None, None] + np.zeros((1, 6, 6, 2))
    wave = xr.Dataset({"u_pred": (("sample", "x", "y", "t"), u), "u_true": (("sample", "x", "y", "t"), u),
                       **{f"flux_{w}": ("t", np.zeros(2)) for w in ("left", "right", "bottom", "top")}},
                      coords={"x": g, "y": g, "t": t}, attrs={"bc_type": "neumann"})
    res = boon_curves.wall_residuals(wave)
    for wall, value in (("left", 3.0), ("right", 3.0), ("bottom", 0.0), ("top", 0.0)):
        np.testing.assert_allclose(res[wall].values, value, atol=1e-12)
    wave["flux_left"] = ("t", np.full(2, -3.0))
    assert np.abs(boon_curves.wall_residuals(wave)["left"]).max() < 1e-12
    per = ds.assign_attrs(bc_type="periodic")
    np.testing.assert_allclose(boon_curves.wall_residuals(per)["ends"].values, 2.0, atol=1e-12)
    with pytest.raises(ValueError, match="no 'flux_left'"):
        boon_curves.wall_residuals(ds.drop_vars("flux_left"), "f.nc")
    with pytest.raises(ValueError, match="bc_type 'robin'"):
        boon_curves.wall_residuals(ds.assign_attrs(bc_type="robin"))


def test_boundary_residual_figure(tmp_path, cavity_files):
    fig = boon_curves.boundary_residual_figure(cavity_files, floor=1e-14)
    axes = [ax for ax in fig.axes]
    assert [ax.get_title() for ax in axes] == ["wall: left", "wall: right", "wall: bottom", "wall: top"]
    lines = {ln.get_label(): ln for ln in axes[0].lines if not ln.get_label().startswith("_")}
    np.testing.assert_array_equal(lines["BOON-FNO"].get_ydata(), np.full(5, 1e-14))  # exact zeros at the floor
    np.testing.assert_allclose(lines["FNO"].get_ydata(), 1e-2, rtol=1e-9)
    assert axes[0].get_yscale() == "log"
    out = {k: tmp_path / f"res.{k}" for k in ("png", "pdf")}
    boon_curves.plot_boundary_residual(cavity_files, out_png=out["png"], out_pdf=out["pdf"])
    assert out["png"].exists() and out["pdf"].exists()


# --------------------------------------------------------------------------------------------- captions
def test_captions():
    from pcml.outputs import boon_figure_captions as cap
    one = cap.error_steps_caption("e", methods=["boon_fno2d", "fno2d"], seeds=[3], n_test=7, sample_curves=False)
    assert "mean over the 7 test samples of one training run (seed 3)" in one and "FNO, BOON-FNO" in one
    assert "sample" not in one.split(";")[-1]
    many = cap.error_steps_caption("e", methods=["fno2d"], seeds=[0, 1, 2], n_test=7, sample_curves=True)
    assert "+-1 SE across the seeds" in many and "the models trained with seed 0, the first of the seeds" in many
    assert "floor" in cap.boundary_residual_caption("e", bc_type="neumann", methods=["fno1d"], seeds=[0], floor=1e-16)
    assert "[RECON" in cap.sample_error_caption("e", methods=["fno1d"], seeds=[0], multi_step=True, floor=1e-16)
    with pytest.raises(ValueError, match="unknown schematic"):
        cap.schematic_caption("fig9")
    with pytest.raises(ValueError, match="seeds must not be empty"):
        cap.snapshots_caption("e", methods=["fno3d"], seeds=[], label="vorticity")


# ------------------------------------------------------------------------------------------- workflow
FIGURE_RULES = ["boon_bc_types_table", "boon_hyperparameter_table", "plot_boon_schematic", "plot_boon_error_panels",
                "plot_boon_sample_error", "plot_boon_initial_condition", "plot_boon_snapshots",
                "plot_boon_error_steps", "plot_boon_boundary_residual", "boon_figures"]


STUB_SNAKEFILE = """
import yaml
from pcml.config import deviations

configfile: "figs.yaml"

PROFILE = config["profile"]
RESULTS = f"results/{PROFILE}"
FIGURES = f"figures/{PROFILE}"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"
with open("workflow/config/paper.yaml") as _f:
    PAPER_CONFIG = yaml.safe_load(_f)

wildcard_constraints:
    seed=r"\\d+",

include: "workflow/rules/boon.smk"
include: "workflow/rules/boon_figures.smk"
"""


def test_boon_figure_rules(tmp_path):
    """The rules of boon_figures.smk on synthetic predictions and metrics: every target, gated by experiment."""
    import yaml

    from conftest import REPO, copy_workflow, snakemake

    root = copy_workflow(tmp_path / "wf")
    # A Snakefile with the folders of common.smk, boon.smk (for boon_caption) and boon_figures.smk, without the
    # config checks, which (until the multi-step experiments land) refuse a multi-step experiment.
    (root / "Snakefile").write_text(STUB_SNAKEFILE)
    def merge(base, over):  # Snakemake's deep update of the default config by --configfile
        for k, v in over.items():
            base[k] = merge(base.get(k, {}), v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
        return base

    config = merge(yaml.safe_load((REPO / "workflow/config/paper.yaml").read_text()),
                   yaml.safe_load((REPO / "workflow/config/smoke.yaml").read_text()))
    exps = config["boon"]["experiments"]
    config["boon"].pop("experiment_seeds", None)  # every experiment below runs the seeds of boon.seeds
    heat = exps["heat_single"]
    config["boon"]["experiments"] = {
        "heat_single": heat,
        "stokes_multi": {**heat, "dataset": "stokes_multi_nu0p1", "bc_type": "dirichlet", "n_train": 3, "n_test": 3,
                         "methods": ["fno1d", "boon_fno1d"]},
        "cavity": {**heat, "dataset": "cavity_re100", "bc_type": "dirichlet", "n_train": 1, "n_test": 2,
                   "methods": ["fno1d", "boon_fno1d"]},
    }
    (root / "figs.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    profile = config["profile"]
    base = root / "results" / profile / "boon"
    n_t = {"stokes_multi": N_T, "cavity": 5}
    for exp, maker in (("stokes_multi", make_stokes), ("cavity", make_cavity)):
        for seed in config["boon"]["seeds"]:
            d = base / exp / f"seed{seed}"
            (d / "predictions").mkdir(parents=True)
            files = maker(d / "predictions")
            for old, new in (("fno2d", "fno1d"), ("boon_fno2d", "boon_fno1d"), ("fno3d", "fno1d"),
                             ("boon_fno3d", "boon_fno1d")):
                if old in files:
                    ds = xr.open_dataset(files[old]).load().assign_attrs(method=new)
                    files[old].unlink()
                    write_netcdf(ds, d / "predictions" / f"{new}.nc")
            rng = np.random.default_rng(seed)
            _metrics(d, "metrics", {m: rng.random((2, n_t[exp])) for m in ("fno1d", "boon_fno1d")})
    d = base / "heat_single" / f"seed{config['boon']['seeds'][0]}" / "predictions"
    d.mkdir(parents=True)
    x = np.linspace(0, 1, 16)
    for m in heat["methods"]:
        u = np.sin(np.pi * x)[None] * np.ones((3, 1))
        _write(d, m, u + (0.01 if m == "fno1d" else 0.0), u, {"x": x}, ("sample", "x"), "neumann")
    snakemake(root, "boon_figures", "--cores", "2", "--allowed-rules", *FIGURE_RULES,
              env={"PYTHONPATH": str(REPO / "src")})
    figs = root / "figures" / profile / "boon"
    made = sorted(p.name for p in figs.iterdir())
    expected = sorted(
        [f"{n}.{e}" for n in ("schematic_rod", "schematic_operator") for e in ("png", "pdf", "caption.txt")]
        + [f"stokes_multi_{k}.{e}" for k in ("error_panels", "sample_error", "error_steps", "boundary_residual")
           for e in ("png", "pdf", "caption.txt")]
        + [f"heat_single_sample_error.{e}" for e in ("png", "pdf", "caption.txt")]
        + [f"cavity_{k}.{e}" for k in ("initial_condition", "snapshots", "error_steps", "boundary_residual")
           for e in ("png", "pdf", "caption.txt")] + ["cavity_snapshots.gif"])
    assert made == expected  # no Stokes panels for the cavity, no fields/steps for the single-step heat
    tables = root / "results" / profile / "tables"
    assert sorted(p.name for p in tables.iterdir()) == sorted(
        f"boon_{n}.{e}" for n in ("bc_types", "hyperparameters") for e in ("csv", "md", "tex"))
    assert list(pd.read_csv(tables / "boon_hyperparameters.csv")["experiment"]) == ["heat_single", "stokes_multi",
                                                                                    "cavity"]
    caption = (figs / "cavity_error_steps.caption.txt").read_text()
    assert "mean over the 2 test samples of each of the 2 training seeds" in caption and "Profile smoke" in caption
    assert "Dashed ':sample' curves" in caption
    assert "[RECON" in (figs / "stokes_multi_boundary_residual.caption.txt").read_text()
    assert "drawn at that floor" in (figs / "stokes_multi_boundary_residual.caption.txt").read_text()
    with Image.open(figs / "cavity_snapshots.gif") as img:
        assert img.n_frames == 5
