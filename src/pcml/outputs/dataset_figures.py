"""Figures of a few samples of any BOON dataset (1-D single-step, 1-D multi-step, 2-D), so a reader sees
what each generator makes: input a, target u and the boundary data.

Figures are matplotlib ``Figure`` objects (no pyplot state), saved atomically as PNG and PDF.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
import seaborn as sns
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from pcml.data.netcdf import read_netcdf
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc

__all__ = ["dataset_layout", "dataset_samples_figure", "plot_dataset_samples"]


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
