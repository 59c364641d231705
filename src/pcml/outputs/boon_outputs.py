"""BOON results table and figures (spec boon.md §5, §6.2, §6.3 Fig. 1), built only from files on disk.

- :func:`make_operator_table`: rows = methods (FNO, BOON-FNO), columns = n and every metric of
  ``metrics.csv`` (relative L2, boundary errors), cells "mean (SE)" over the test samples.
- :func:`plot_boundary_derivative`: the insets of the paper's Fig. 1, du/dx near x = 0 and x = 1 for one
  test sample of a Neumann problem, per method and exact, annotated with each method's wall error.
- :func:`plot_dataset_samples`: a few samples of any BOON dataset (1-D single-step, 1-D multi-step, 2-D).

Figures are matplotlib ``Figure`` objects (no pyplot state, so nothing to close and no display needed),
saved atomically as PNG and PDF by :func:`pcml.outputs.figures.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only: figures are plain Figure objects
import numpy as np
import pandas as pd
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pcml.data.netcdf import read_netcdf
from pcml.evaluation.boon_metrics import derivative_profile
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc, tex_escape, write_text_atomic

__all__ = ["make_operator_table", "summarise_metrics", "format_mean_se", "wall_errors",
           "boundary_derivative_figure", "plot_boundary_derivative", "dataset_layout",
           "dataset_samples_figure", "plot_dataset_samples"]

#: method key -> (display name, colour), in table/figure order; other keys follow, shown as-is.
BOON_METHODS: dict[str, tuple[str, str]] = {"fno1d": ("FNO", "#228B22"), "boon_fno1d": ("BOON-FNO", "#8B0000"),
                                             "boon_fno1d_clean": ("BOON-FNO (clean)", "#1F4E9B")}
EXACT_COLOUR = "#000000"
OTHER_COLOURS = ("#1F77B4", "#FF7F0E", "#9467BD", "#8C564B")
MARKERS = {"fno1d": "s", "boon_fno1d": "o", "boon_fno1d_clean": "^"}
METRIC_HEADERS: dict[str, str] = {
    "rel_l2": "rel. L2", "bc_left": "BC err. left", "bc_right": "BC err. right",
    "bc_left_2nd": "BC err. left (2nd-order stencil)", "bc_right_2nd": "BC err. right (2nd-order stencil)",
    "bc_ends": "BC err. ends",
}
METRICS_COLUMNS = ("method", "sample", "metric", "value")
SUMMARY_COLUMNS = ["method", "metric", "mean", "se", "n"]
MISSING = "–"
WINDOW = 0.01  # Fig. 1 inset width, as a fraction of the domain
MIN_WINDOW_NODES = 4  # on coarse grids the window widens to hold at least this many nodes


# ---------------------------------------------------------------------------------------------- table
def _order(keys) -> list[str]:
    """Distinct method keys: the known ones in BOON_METHODS order, then the others sorted."""
    unique = set(keys)
    return [k for k in BOON_METHODS if k in unique] + sorted(unique - set(BOON_METHODS))


def _name(method: str) -> str:
    return BOON_METHODS.get(method, (method, ""))[0]


def _colour(method: str, position: int) -> str:
    return BOON_METHODS[method][1] if method in BOON_METHODS else OTHER_COLOURS[position % len(OTHER_COLOURS)]


def format_mean_se(mean: float, se: float) -> str:
    """Cell ``"2.0e-02 (1.1e-03)"``: both in scientific notation with 2 significant digits; SE "–" if NaN."""
    return f"{mean:.1e} ({MISSING if not np.isfinite(se) else format(se, '.1e')})"


def _read_metrics(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"metrics file not found: {path}")
    try:
        df = pd.read_csv(path)
    except pd.errors.EmptyDataError:
        raise ValueError(f"metrics file {path} is empty") from None
    missing = [c for c in METRICS_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"metrics file {path} lacks column(s) {missing}; it has {list(df.columns)}")
    if df.empty:
        raise ValueError(f"metrics file {path} has no rows")
    try:
        df["value"] = pd.to_numeric(df["value"], errors="raise").astype(float)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"metrics file {path}: non-numeric value(s) ({exc})") from None
    dup = df.duplicated(["method", "sample", "metric"])
    if dup.any():
        first = df.loc[dup, ["method", "sample", "metric"]].iloc[0].tolist()
        raise ValueError(f"metrics file {path}: {int(dup.sum())} duplicate (method, sample, metric) row(s), "
                         f"e.g. {first}")
    return df


def summarise_metrics(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean, SE = sd/sqrt(n) (ddof=1; NaN if n=1) and n per (method, metric) of a long metrics frame.

    Returns a frame with columns method, metric, mean, se, n; methods in table order, metrics in
    METRIC_HEADERS order (unknown metrics after, sorted).
    """
    rows = []
    metric_order = [m for m in METRIC_HEADERS if m in set(metrics["metric"])]
    metric_order += sorted(set(metrics["metric"]) - set(METRIC_HEADERS))
    for method in _order(metrics["method"]):
        for metric in metric_order:
            v = metrics.loc[(metrics["method"] == method) & (metrics["metric"] == metric), "value"].to_numpy(float)
            if v.size == 0:
                continue
            se = float(np.std(v, ddof=1) / math.sqrt(v.size)) if v.size > 1 else float("nan")
            rows.append((method, metric, float(np.mean(v)), se, int(v.size)))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS).astype({"n": int})


def _latex_table(table: pd.DataFrame, caption: str, label: str) -> str:
    cols = list(table.columns)
    head = " & ".join(["Model", *[tex_escape(c) for c in cols]]) + r" \\"
    body = [" & ".join([tex_escape(str(idx)), *[tex_escape(str(v)) for v in row]]) + r" \\"
            for idx, row in zip(table.index, table.itertuples(index=False))]
    return "\n".join([r"\begin{table}", r"\centering", rf"\caption{{{tex_escape(caption)}}}",
                      rf"\label{{{label}}}", r"\begin{tabular}{l" + "r" + "c" * (len(cols) - 1) + "}",
                      r"\toprule", head, r"\midrule", *body, r"\bottomrule", r"\end{tabular}",
                      r"\end{table}"]) + "\n"


def make_operator_table(metrics_csv: str | Path, *, caption: str, out_csv: str | Path, out_md: str | Path,
                        out_tex: str | Path) -> None:
    """Write the BOON results table of one experiment as CSV (long), Markdown and LaTeX, atomically.

    ``out_csv``: columns method, metric, mean, se, n (raw values). ``out_md``: the caption line, a table
    (rows = display names FNO, BOON-FNO, then unknown keys as-is; columns "n" = test samples and one per
    metric, cells "mean (SE)"), and a note. ``out_tex``: a ``table`` environment with ``\\caption``.
    Raises FileNotFoundError if ``metrics_csv`` is absent, ValueError (naming it) if it is empty, lacks
    a column of METRICS_COLUMNS, has non-numeric values or duplicate (method, sample, metric) rows.
    """
    summary = summarise_metrics(_read_metrics(metrics_csv))
    metrics = list(dict.fromkeys(summary["metric"]))
    methods = list(dict.fromkeys(summary["method"]))
    cells = {(r.method, r.metric): format_mean_se(r.mean, r.se) for r in summary.itertuples()}
    table = pd.DataFrame(
        [[str(summary.loc[summary["method"] == m, "n"].max())]
         + [cells.get((m, k), MISSING) for k in metrics] for m in methods],
        index=pd.Index([_name(m) for m in methods], name="Model"),
        columns=["n", *[METRIC_HEADERS.get(k, k) for k in metrics]])
    note = ("Cells: mean (SE) over the test samples, SE = sd/sqrt(n). BC err. = |BC residual| at that wall "
            "(Neumann: one-sided stencils of the BOON correction unless marked 2nd-order).")
    md = f"{caption}\n\n{table.to_markdown(colalign=['left'] + ['right'] * table.shape[1])}\n\n{note}\n"
    write_text_atomic(out_csv, summary.to_csv(index=False))
    write_text_atomic(out_md, md)
    write_text_atomic(out_tex, _latex_table(table, caption, f"tab:{Path(out_tex).stem}"))


# ------------------------------------------------------------------------------------- Fig. 1 insets
def _spacing(x: np.ndarray, path) -> float:
    h = (x[-1] - x[0]) / (x.size - 1)
    if x.size < 4 or not np.allclose(np.diff(x), h, rtol=1e-8, atol=0):
        raise ValueError(f"{path}: x must be a uniform grid of at least 4 nodes")
    return float(h)


def _load_predictions(predictions: Mapping[str, str | Path]) -> dict[str, xr.Dataset]:
    """Read the Neumann prediction files (methods in table order) and check that they agree."""
    if not predictions:
        raise ValueError("no prediction files given")
    loaded: dict[str, xr.Dataset] = {}
    for method in _order(predictions):
        path = predictions[method]
        ds = read_netcdf(path, ("u_pred", "u_true"))
        if ds.attrs.get("method", method) != method:
            raise ValueError(f"prediction file {path} is for method {ds.attrs['method']!r}, not {method!r}")
        if ds.attrs.get("bc_type") != "neumann":
            raise ValueError(f"prediction file {path} has bc_type {ds.attrs.get('bc_type')!r}: the boundary-"
                             "derivative figure (paper Fig. 1) is for Neumann problems only")
        for name in ("flux_left", "flux_right"):
            if name not in ds or ds[name].ndim != 0:
                raise ValueError(f"prediction file {path} needs a 0-d {name!r} (prescribed du/dx)")
        for name in ("u_pred", "u_true"):
            if set(ds[name].dims) != {"sample", "x"}:
                raise ValueError(f"prediction file {path}: {name} has dims {ds[name].dims}, expected (sample, x)")
        loaded[method] = ds
    first_method, first = next(iter(loaded.items()))
    for method, ds in loaded.items():
        if ds.sizes["x"] != first.sizes["x"] or not np.allclose(ds["x"].values, first["x"].values,
                                                                   rtol=0, atol=1e-12):
            raise ValueError(f"prediction files of {first_method!r} and {method!r} disagree on the x grid")
        for name in ("flux_left", "flux_right"):
            if not np.isclose(float(ds[name]), float(first[name]), rtol=1e-12, atol=1e-12):
                raise ValueError(f"prediction files of {first_method!r} and {method!r} disagree on {name}")
    return loaded


def _derivatives(ds: xr.Dataset, sample: int, var: str, path="") -> np.ndarray:
    """du/dx of ``var`` for position ``sample`` on every node (n,), central inside, BOON stencils at walls."""
    if not 0 <= sample < ds.sizes["sample"]:
        raise ValueError(f"sample position {sample} out of range: the file {path} holds {ds.sizes['sample']}")
    x = ds["x"].values.astype(np.float64)
    u = ds[var].transpose("sample", "x").values[sample].astype(np.float64)
    return derivative_profile(u[None], _spacing(x, path))[0]


def _wall_errors(loaded: Mapping[str, xr.Dataset], sample: int) -> dict[str, dict[str, float]]:
    out = {}
    for method, ds in loaded.items():
        du = _derivatives(ds, sample, "u_pred")
        out[method] = {"left": abs(float(du[0]) - float(ds["flux_left"])),
                       "right": abs(float(du[-1]) - float(ds["flux_right"]))}
    return out


def wall_errors(predictions: Mapping[str, str | Path], *, sample: int = 0) -> dict[str, dict[str, float]]:
    """|du/dx(wall) - prescribed flux| of each method's prediction at test-sample position ``sample``.

    du/dx at the walls with the BOON stencils: (u1 - u0)/h on the left, the third-order backward
    (11 u_{n-1} - 18 u_{n-2} + 9 u_{n-3} - 2 u_{n-4})/(6h) on the right. Returns
    {method: {"left": float, "right": float}} (methods in table order).
    """
    return _wall_errors(_load_predictions(predictions), sample)


def _window(x: np.ndarray, side: str) -> tuple[float, float, np.ndarray]:
    """(lo, hi, node mask) of the inset next to the ``side`` wall: width 1% of the domain or 3 spacings."""
    width = max(WINDOW * (x[-1] - x[0]), (MIN_WINDOW_NODES - 1) * (x[1] - x[0]))
    lo, hi = (x[0], x[0] + width) if side == "left" else (x[-1] - width, x[-1])
    tol = 1e-9 * (x[-1] - x[0])
    return lo, hi, (x >= lo - tol) & (x <= hi + tol)


def boundary_derivative_figure(predictions: Mapping[str, str | Path], *, sample: int = 0,
                               title: str | None = None) -> Figure:
    """Fig. 1 insets as a Figure: du/dx on the nodes of [0, 0.01] and [0.99, 1] (widened on coarse grids).

    One curve per method and the exact derivative (black, of u_true with the same stencils); the
    prescribed fluxes are black stars at x = 0 and x = 1; each panel is annotated with the wall errors of
    :func:`wall_errors`. ValueError if the files disagree on x or the fluxes, or are not Neumann.
    """
    loaded = _load_predictions(predictions)
    errors = _wall_errors(loaded, sample)
    first = next(iter(loaded.values()))
    x = first["x"].values.astype(np.float64)
    exact = _derivatives(first, sample, "u_true")
    flux = {"left": float(first["flux_left"]), "right": float(first["flux_right"])}
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(7.5, 3.0), layout="constrained")
        axes = fig.subplots(1, 2)
        for ax, side in zip(axes, ("left", "right")):
            lo, hi, mask = _window(x, side)
            for i, (method, ds) in enumerate(loaded.items()):
                du = _derivatives(ds, sample, "u_pred")
                ax.plot(x[mask], du[mask], color=_colour(method, i), marker=MARKERS.get(method, "D"),
                        markersize=4, linewidth=1.3, label=_name(method))
            ax.plot(x[mask], exact[mask], color=EXACT_COLOUR, marker=".", linewidth=1.1, label="Exact")
            wall_x = x[0] if side == "left" else x[-1]
            ax.plot([wall_x], [flux[side]], linestyle="none", marker="*", markersize=11, color=EXACT_COLOUR,
                    clip_on=False, zorder=5, label="prescribed du/dx")
            ax.set_xlim(lo, hi)
            ax.set_xlabel("x")
            ax.set_ylabel("du/dx")
            handles = [Line2D([], [], linestyle="none", marker=MARKERS.get(m, "D"), color=_colour(m, i),
                              label=f"{_name(m)}: {e[side]:.3g}") for i, (m, e) in enumerate(errors.items())]
            # an axes legend with loc="best" keeps the wall errors off the curves
            ax.legend(handles=handles, title="wall error |du/dx - prescribed|", loc="best", fontsize="small",
                      title_fontsize="small", framealpha=0.9)
            ax.set_title(f"{side} wall, x = {wall_x:g}", fontsize="medium")
        axes[1].yaxis.tick_right()
        axes[1].yaxis.set_label_position("right")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), frameon=False)
        sample_id = first["sample"].values[sample] if "sample" in first.coords else sample
        fig.suptitle(title or f"{first.attrs.get('experiment', first.attrs.get('dataset', ''))}: du/dx near "
                     f"the walls, test sample {sample_id}".lstrip(": "), fontsize="medium")
    return fig


def plot_boundary_derivative(predictions: dict[str, str], *, out_png: str | Path, out_pdf: str | Path,
                             sample: int = 0, title: str | None = None) -> None:
    """Write the Fig. 1 insets (:func:`boundary_derivative_figure`) as PNG and PDF, atomically."""
    save_figure(boundary_derivative_figure(predictions, sample=sample, title=title), out_png, out_pdf)


# ---------------------------------------------------------------------------------- dataset samples
def dataset_layout(ds: xr.Dataset, path: str | Path = "") -> str:
    """"1d_single" (u (sample, x)), "1d_multi" (u (sample, x, t)) or "2d" (u (sample, x, y, t)).

    Decided from the dims of ``a`` and ``u``; ValueError naming the variables found otherwise.
    """
    found = ", ".join(f"{k}{tuple(v.dims)}" for k, v in ds.data_vars.items()) or "none"
    a_dims = set(ds["a"].dims) if "a" in ds else None
    u_dims = set(ds["u"].dims) if "u" in ds else None
    if a_dims == {"sample", "x"} and u_dims == {"sample", "x"}:
        return "1d_single"
    if a_dims == {"sample", "x"} and u_dims == {"sample", "x", "t"}:
        return "1d_multi"
    if a_dims == {"sample", "x", "y"} and u_dims == {"sample", "x", "y", "t"}:
        return "2d"
    raise ValueError(f"{path}: unrecognised BOON dataset layout (expected a (sample, x[, y]) and u (sample, x) "
                     f"/ (sample, x, t) / (sample, x, y, t)); variables found: {found}")


def _walls_1d(ds: xr.Dataset, idx: np.ndarray, n_t: int) -> tuple[str, dict[str, np.ndarray]]:
    """BC kind and wall data {"left", "right"} broadcast to (n_show, n_t); ({} if there is none)."""
    kind = "dirichlet" if "bc_left" in ds else "neumann" if "flux_left" in ds else "periodic"
    if kind == "periodic":
        return str(ds.attrs.get("bc_type", "periodic")), {}
    out = {}
    for side in ("left", "right"):
        v = ds[f"{'bc' if kind == 'dirichlet' else 'flux'}_{side}"]
        if not set(v.dims) <= {"sample", "t"}:
            raise ValueError(f"boundary variable {v.name} has dims {v.dims}; expected a subset of (sample, t)")
        arr = v.transpose(*[d for d in ("sample", "t") if d in v.dims]).values.astype(np.float64)
        arr = arr[idx] if "sample" in v.dims else arr[None]
        out[side] = np.broadcast_to(arr if "t" in v.dims else arr[..., None], (idx.size, n_t))
    return kind, out


def _mark_walls(ax, x: np.ndarray, u: np.ndarray, kind: str, walls: dict, j: int, colours) -> None:
    """Mark the BC data at output time index j on a u(x) panel: Dirichlet dots, Neumann tangent dashes."""
    if kind == "dirichlet":
        for i, c in enumerate(colours):
            ax.plot([x[0], x[-1]], [walls["left"][i, j], walls["right"][i, j]], linestyle="none", marker="o",
                    markersize=6, markerfacecolor="none", markeredgecolor=c, clip_on=False, zorder=5)
    elif kind == "neumann":
        length = 0.08 * (x[-1] - x[0])
        for i in range(len(colours)):
            for end, side in ((0, "left"), (-1, "right")):
                xs = np.array([x[0], x[0] + length]) if end == 0 else np.array([x[-1] - length, x[-1]])
                ax.plot(xs, u[i, end] + walls[side][i, j] * (xs - x[end]), color="black", linestyle="--",
                        linewidth=1.0, zorder=4)
        ax.text(0.5, 0.02, f"du/dx(0) = {walls['left'][0, j]:.3g}, du/dx(1) = {walls['right'][0, j]:.3g}",
                transform=ax.transAxes, ha="center", va="bottom", fontsize="x-small")


def _legend_1d(fig, kind: str) -> None:
    handles = {"dirichlet": [Line2D([], [], linestyle="none", marker="o", markerfacecolor="none",
                                   markeredgecolor="0.3", label="Dirichlet data u(0), u(1)")],
               "neumann": [Line2D([], [], color="black", linestyle="--", label="prescribed slope du/dx at walls")]}
    fig.legend(handles=handles.get(kind, [Line2D([], [], color="none", label=f"BC: {kind} (no boundary data)")]),
               loc="outside lower center", frameon=False, fontsize="small")


def _robust(field: np.ndarray) -> tuple[float, float]:
    lo, hi = np.percentile(field, [1, 99])
    return (float(lo), float(hi)) if hi > lo else (float(lo) - 1, float(hi) + 1)


def dataset_samples_figure(data_nc: str | Path, *, title: str, n_show: int = 3) -> Figure:
    """The first ``n_show`` samples of a BOON dataset as a Figure (layout chosen by :func:`dataset_layout`).

    1-D single-step: panels a(x), u(x) with BC data marked. 1-D multi-step: a(x), u at the first and last
    output time, and the boundary data against t (Dirichlet values, Neumann fluxes, or for periodic data the
    end values u(x_0, t), u(x_end, t)). 2-D: rows = samples, columns = a, u at the first and last output
    time, colour range = 1st-99th percentile of each panel.
    """
    if n_show < 1:
        raise ValueError(f"n_show must be >= 1, got {n_show}")
    ds = read_netcdf(data_nc)
    layout = dataset_layout(ds, data_nc)
    idx = np.arange(min(n_show, ds.sizes["sample"]))
    colours = sns.color_palette("colorblind", idx.size)
    with plt.rc_context(plot_rc()):
        if layout == "2d":
            fig = _figure_2d(ds, idx)
            title = f"{title} (BC: {ds.attrs['bc_type']})" if "bc_type" in ds.attrs else title
        else:
            x = ds["x"].values.astype(np.float64)
            a = ds["a"].transpose("sample", "x").values[idx]
            multi = layout == "1d_multi"
            u = ds["u"].transpose("sample", "x", "t").values[idx] if multi else \
                ds["u"].transpose("sample", "x").values[idx][..., None]
            t = np.atleast_1d(ds["t"].values) if "t" in ds.coords else np.arange(u.shape[-1])
            kind, walls = _walls_1d(ds, idx, u.shape[-1])
            fig = Figure(figsize=(12.0 if multi else 7.0, 3.0), layout="constrained")
            axes = fig.subplots(1, 4 if multi else 2)
            for i, c in enumerate(colours):
                axes[0].plot(x, a[i], color=c, linewidth=1.2)
            axes[0].set(title="input a(x)", xlabel="x", ylabel="a")
            for ax, j in zip(axes[1:3] if multi else axes[1:], (0, -1) if multi else (0,)):
                for i, c in enumerate(colours):
                    ax.plot(x, u[i, :, j], color=c, linewidth=1.2, label=f"sample {idx[i]}")
                _mark_walls(ax, x, u[:, :, j], kind, walls, j, colours)
                ax.set(title=f"target u(x), t = {float(t[j]):.3g}", xlabel="x", ylabel="u")
            if multi:
                _boundary_panel(axes[3], t, u, kind, walls, colours)
            axes[1].legend(fontsize="x-small", frameon=False)
            _legend_1d(fig, kind)
        fig.suptitle(title, fontsize="medium")
    return fig


def _boundary_panel(ax, t: np.ndarray, u: np.ndarray, kind: str, walls: dict, colours) -> None:
    if kind == "neumann":
        ax.plot(t, walls["left"][0], color="black", label="du/dx at x=0")
        ax.plot(t, walls["right"][0], color="black", linestyle="--", label="du/dx at x=1")
        ax.set(ylabel="prescribed du/dx", title="Neumann data vs t")
    else:
        left = walls["left"] if walls else u[:, 0, :]
        right = walls["right"] if walls else u[:, -1, :]
        for i, c in enumerate(colours):
            ax.plot(t, left[i], color=c)
            ax.plot(t, right[i], color=c, linestyle="--")
        ax.plot([], [], color="0.3", label="x = 0" if walls else "u at first node")
        ax.plot([], [], color="0.3", linestyle="--", label="x = 1" if walls else "u at last node")
        ax.set(ylabel="u on the wall" if walls else "u at the ends",
               title="Dirichlet data vs t" if walls else f"{kind}: end values vs t")
    ax.set_xlabel("t")
    ax.legend(fontsize="x-small", frameon=False)


def _figure_2d(ds: xr.Dataset, idx: np.ndarray) -> Figure:
    x, y = ds["x"].values.astype(np.float64), ds["y"].values.astype(np.float64)
    a = ds["a"].transpose("sample", "x", "y").values[idx]
    u = ds["u"].transpose("sample", "x", "y", "t").values[idx]
    t = ds["t"].values if "t" in ds.coords else np.arange(u.shape[-1])
    fig = Figure(figsize=(11.0, 2.9 * idx.size + 0.4), layout="constrained")
    axes = fig.subplots(idx.size, 3, squeeze=False)
    dx, dy = (x[-1] - x[0]) / max(x.size - 1, 1), (y[-1] - y[0]) / max(y.size - 1, 1)
    extent = (x[0] - dx / 2, x[-1] + dx / 2, y[0] - dy / 2, y[-1] + dy / 2)  # pixel centres on the nodes
    heads = ["input a(x, y)", f"target u, t = {float(t[0]):.3g}", f"target u, t = {float(t[-1]):.3g}"]
    for r, s in enumerate(idx):
        for c, field in enumerate((a[r], u[r, :, :, 0], u[r, :, :, -1])):
            ax = axes[r, c]
            vmin, vmax = _robust(field)
            im = ax.imshow(field.T, origin="lower", extent=extent, vmin=vmin, vmax=vmax,
                           cmap="viridis", interpolation="nearest", aspect="auto")
            fig.colorbar(im, ax=ax, shrink=0.9, extend="both")
            ax.grid(False)
            ax.set_xlabel("x")
            ax.set_ylabel(f"sample {s}\ny" if c == 0 else "y")
            if r == 0:
                ax.set_title(heads[c], fontsize="medium")
    return fig


def plot_dataset_samples(data_nc: str | Path, *, out_png: str | Path, out_pdf: str | Path, title: str,
                         n_show: int = 3) -> None:
    """Write :func:`dataset_samples_figure` of ``data_nc`` as PNG and PDF, atomically."""
    save_figure(dataset_samples_figure(data_nc, title=title, n_show=n_show), out_png, out_pdf)
