"""Figures (pcml.outputs.figures): plotted numbers, files, byte stability, bad input."""
import numpy as np
import pytest
import xarray as xr

from pcml.data.netcdf import write_netcdf
from pcml.outputs.figures import (mass_curves, mass_over_time_figure, plot_mass_over_time, plot_solution_profiles,
                                  solution_profiles_figure, trapezoid_weights)

T = np.linspace(0.0, 1.0, 11)
X = np.linspace(0.0, 2.0, 21)  # dx = 0.1, domain length 2
PARAMS = np.array([0.5, 0.5, 0.6, 0.6])  # F = 4 functions in 2 groups
SHIFT = {"anp": 0.25, "hardc_anp": 0.0, "probconserv_anp": -0.125}


def hand_mass(values):
    """Trapezoid by hand on the uniform grid X: dx * (sum - (first + last) / 2), over the last axis."""
    return 0.1 * (values.sum(axis=-1) - 0.5 * (values[..., 0] + values[..., -1]))


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    u = rng.normal(size=(4, T.size, X.size))
    coords = {"t": T, "x": X, "function": np.arange(4), "u_star": ("function", PARAMS)}
    truth = xr.Dataset({"u": (("function", "t", "x"), u), "mass": (("function", "t"), hand_mass(u) + 0.01)},
                       coords=coords, attrs={"param_name": "u_star"})
    write_netcdf(truth, tmp_path / "truth.nc")
    preds = {}
    for method, shift in SHIFT.items():
        sd = 0.1 + 0.05 * rng.random(u.shape)
        ds = xr.Dataset({"mean": (("function", "t", "x"), u + shift), "sd": (("function", "t", "x"), sd)},
                        coords=coords, attrs={"method": method, "inference_dropout": 1, "n_draws": 8})
        preds[method] = write_netcdf(ds, tmp_path / "predictions" / f"{method}.nc")
    return tmp_path / "truth.nc", preds, u


def test_trapezoid_weights_match_numpy_on_any_grid():
    rng = np.random.default_rng(1)
    for x in (X, np.sort(rng.random(17))):
        y = rng.normal(size=(3, x.size))
        np.testing.assert_allclose(y @ trapezoid_weights(x), np.trapezoid(y, x, axis=-1), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(trapezoid_weights(X), [0.05] + [0.1] * 19 + [0.05], rtol=1e-14)
    with pytest.raises(ValueError, match="1-D grid"):
        trapezoid_weights(np.array([1.0]))


def test_mass_lines_are_the_hand_computed_trapezoid_mass(files):
    truth_nc, preds, u = files
    fig = mass_over_time_figure(truth_nc, dict(reversed(preds.items())), param_value=0.6)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == ["ANP", "HardC-ANP", "ProbConserv-ANP", "True"]  # style order whatever the input order
    assert ax.get_ylabel() == "Mass" and ax.get_xlabel() == "t" and ax.get_legend().get_title().get_text() == "Model"
    group = u[2:]  # the u* = 0.6 functions
    expected_pred = hand_mass(group).mean(axis=0)
    for line, method in zip(ax.lines, ["anp", "hardc_anp", "probconserv_anp"]):
        np.testing.assert_array_equal(line.get_xdata(), T)
        # a constant shift c of the mean shifts the mass by c * domain length (2)
        np.testing.assert_allclose(line.get_ydata(), expected_pred + 2.0 * SHIFT[method], rtol=0, atol=1e-13)
        assert line.get_color() == {"anp": "#F8766D", "hardc_anp": "#00BFC4", "probconserv_anp": "#C77CFF"}[method]
    true = ax.lines[-1]
    np.testing.assert_allclose(true.get_ydata(), expected_pred + 0.01, rtol=0, atol=1e-13)
    assert true.get_color() == "#000000" and true.get_linestyle() == "--"
    np.testing.assert_allclose(fig.get_size_inches(), [4.5, 3.0])


def test_mass_curves_average_only_the_requested_group(files):
    truth_nc, preds, u = files
    truth = xr.open_dataset(truth_nc).load()
    t, curves, true = mass_curves(truth, {"anp": xr.open_dataset(preds["anp"]).load()}, 0.5)
    np.testing.assert_allclose(curves["anp"], hand_mass(u[:2]).mean(axis=0) + 0.5, rtol=0, atol=1e-13)
    np.testing.assert_allclose(curves["anp"] - true, 0.5 - 0.01, rtol=0, atol=1e-13)
    with pytest.raises(ValueError, match=r"u_star = 0.7"):
        mass_curves(truth, {}, 0.7)


def test_figure_files_are_png_pdf_atomic_and_byte_stable(files, tmp_path):
    truth_nc, preds, _ = files
    out = tmp_path / "fig"
    contents = []
    for run in range(2):
        plot_mass_over_time(truth_nc, preds, param_value=0.5, out_png=out / "mass.png", out_pdf=out / "mass.pdf")
        plot_solution_profiles(truth_nc, preds, param_value=0.6, t=0.5, out_png=out / "prof.png",
                               out_pdf=out / "prof.pdf", xlim=(0.5, 1.5))
        contents.append({p.name: p.read_bytes() for p in out.iterdir()})
    assert sorted(contents[0]) == ["mass.pdf", "mass.png", "prof.pdf", "prof.png"]  # no temporary file left
    for name, data in contents[0].items():
        assert data.startswith(b"%PDF" if name.endswith(".pdf") else b"\x89PNG\r\n\x1a\n") and len(data) > 1000
        assert b"CreationDate" not in data
    assert contents[0] == contents[1]


def test_profile_panels_show_the_requested_function_and_time(files):
    truth_nc, preds, u = files
    fig = solution_profiles_figure(truth_nc, preds, param_value=0.6, t=0.52, f_id=1, xlim=(0.5, 1.5))
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == ["ANP", "HardC-ANP", "ProbConserv-ANP"]
    f, j = 3, 5  # second function of the u* = 0.6 group; t = 0.52 -> grid time 0.5
    for ax, method in zip(axes, ["anp", "hardc_anp", "probconserv_anp"]):
        mean_line, true_line = ax.lines
        np.testing.assert_array_equal(mean_line.get_ydata(), u[f, j] + SHIFT[method])
        np.testing.assert_array_equal(true_line.get_ydata(), u[f, j])
        assert true_line.get_linestyle() == "--" and ax.get_xlim() == (0.5, 1.5)
        ribbon = ax.collections[0].get_paths()[0].vertices
        sd = xr.open_dataset(preds[method])["sd"].values[f, j]
        assert np.isclose(ribbon[:, 1].max(), (u[f, j] + SHIFT[method] + 3 * sd).max())
    assert axes[0].get_ylim() == axes[2].get_ylim()  # shared y
    assert "True solution" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_bad_input_raises_naming_the_fault(files, tmp_path):
    truth_nc, preds, _ = files
    kw = dict(param_value=0.6, out_png=tmp_path / "a.png", out_pdf=tmp_path / "a.pdf")
    with pytest.raises(ValueError, match="t = 1.07"):
        plot_solution_profiles(truth_nc, preds, t=1.07, **kw)
    with pytest.raises(ValueError, match="f_id = 2"):
        plot_solution_profiles(truth_nc, preds, t=0.5, f_id=2, **kw)
    with pytest.raises(ValueError, match="'gp'"):
        plot_mass_over_time(truth_nc, {"gp": preds["anp"]}, **kw)
    with pytest.raises(ValueError, match="'anp'"):  # file of one method passed as another
        plot_mass_over_time(truth_nc, {"hardc_anp": preds["anp"]}, **kw)
    assert not (tmp_path / "a.png").exists() and not (tmp_path / "a.pdf").exists()


def test_error_view_plots_mean_minus_truth_with_the_ribbon_around_it(files):
    truth_nc, preds, u = files
    fig = solution_profiles_figure(truth_nc, preds, param_value=0.6, t=0.5, f_id=1, error=True)
    f, j = 3, 5  # the second function of the u* = 0.6 group, t = 0.5
    for ax, method in zip(fig.axes, ["anp", "hardc_anp", "probconserv_anp"]):
        mean_line, zero_line = ax.lines[0], ax.lines[1]
        np.testing.assert_allclose(mean_line.get_ydata(), np.full(X.size, SHIFT[method]), rtol=0, atol=1e-12)
        np.testing.assert_array_equal(zero_line.get_ydata(), np.zeros(X.size))
        sd = xr.open_dataset(preds[method])["sd"].values[f, j]
        band = ax.collections[0].get_paths()[0].vertices[:, 1]
        assert np.isclose(band.max(), np.max(SHIFT[method] + 3 * sd)) and np.isclose(band.min(), np.min(SHIFT[method] - 3 * sd))
    assert fig.axes[0].get_ylabel() == "û − u"
    assert u.shape[0] == 4


def test_mse_over_time_is_the_mean_squared_error_of_the_group(files):
    from pcml.outputs.overview_figures import mse_curves, mse_over_time_figure

    truth_nc, preds, u = files
    truth = xr.open_dataset(truth_nc).load()
    t, curves = mse_curves(truth, {m: xr.open_dataset(p).load() for m, p in preds.items()}, 0.6)
    for method, shift in SHIFT.items():  # a constant shift c of the mean gives MSE c^2 at every time
        np.testing.assert_allclose(curves[method], np.full(T.size, shift ** 2), rtol=0, atol=1e-14)
    fig = mse_over_time_figure(truth_nc, preds, param_value=0.6, tlim=(0.2, 0.6))
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["ANP", "HardC-ANP", "ProbConserv-ANP"]
    np.testing.assert_allclose(ax.lines[0].get_xdata(), T[2:7])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "MSE"
    with pytest.raises(ValueError, match="tlim"):
        mse_over_time_figure(truth_nc, preds, param_value=0.6, tlim=(2.0, 3.0))


def test_overlaid_profiles_draw_every_mean_and_the_truth_in_one_panel(files):
    from pcml.outputs.overview_figures import overlaid_profiles_figure

    truth_nc, preds, u = files
    fig = overlaid_profiles_figure(truth_nc, preds, param_value=0.5, t=0.3, f_id=0)
    (ax,) = fig.axes
    assert [line.get_label() for line in ax.lines] == ["ANP", "HardC-ANP", "ProbConserv-ANP", "True"]
    for line, method in zip(ax.lines, ["anp", "hardc_anp", "probconserv_anp"]):
        np.testing.assert_allclose(line.get_ydata(), u[0, 3] + SHIFT[method], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ax.lines[-1].get_ydata(), u[0, 3], rtol=0, atol=1e-12)
    assert not ax.collections  # no ribbons
    with pytest.raises(ValueError, match="f_id = 2"):
        overlaid_profiles_figure(truth_nc, preds, param_value=0.5, t=0.3, f_id=2)


def test_every_configured_figure_kind_is_registered_and_in_the_schema():
    import yaml
    from pathlib import Path

    from pcml.outputs.registry import FIGURE_KINDS

    repo = Path(__file__).resolve().parents[1]
    schema = yaml.safe_load((repo / "workflow/config/schema.yaml").read_text())
    enum = schema["properties"]["probconserv"]["properties"]["figures"]["additionalProperties"]["properties"]["kind"]["enum"]
    assert set(enum) == set(FIGURE_KINDS)
    paper = yaml.safe_load((repo / "workflow/config/paper.yaml").read_text())
    assert {fig["kind"] for fig in paper["probconserv"]["figures"].values()} == set(FIGURE_KINDS)


def test_schematic_has_both_steps_inputs_and_outputs(tmp_path):
    from pcml.outputs.probconserv_schematic import plot_schematic, schematic_figure

    fig = schematic_figure()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for needed in ("Attentive Neural\nProcess θ", "Probabilistic\nconstraint\nG, b, σ_G", "μ, Σ", "μ̃, Σ̃", "Context D"):
        assert needed in texts
    assert len(fig.axes[0].patches) == 6  # two boxes, four arrows
    plot_schematic(out_png=tmp_path / "s.png", out_pdf=tmp_path / "s.pdf", out_caption=tmp_path / "s.txt", caption="F0")
    assert (tmp_path / "s.png").stat().st_size > 1000 and (tmp_path / "s.txt").read_text() == "F0\n"
