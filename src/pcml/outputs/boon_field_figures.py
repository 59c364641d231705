"""BOON figures of 2-D fields over (x, y) (spec boon.md §6.3, NS lid-driven cavity), one test sample.

- :func:`initial_field_figure`: panel (a), the input ``a`` (initial vorticity) of the test sample.
- :func:`field_snapshots_figure`: panel (b), ground truth and each method's prediction (columns) at the
  first and last output steps (rows), filled contours with a plasma map and one shared colour range.
- :func:`write_field_animation`: (b) as an animated GIF over every output step (matplotlib.animation with
  PillowWriter), written atomically.
Input: prediction files with ``u_pred``, ``u_true`` over (sample, x, y, t) and ``a`` over (sample, x, y).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt  # rc_context only
import numpy as np
from matplotlib.animation import FuncAnimation, PillowWriter
from matplotlib.figure import Figure

from pcml.data.netcdf import current_umask
from pcml.outputs.boon_figure_data import load_predictions
from pcml.outputs.boon_methods import method_name
from pcml.outputs.figures import save_figure
from pcml.outputs.style import plot_rc

__all__ = ["initial_field_figure", "plot_initial_field", "field_snapshots_figure", "plot_field_snapshots",
           "write_field_animation", "N_LEVELS", "CMAP"]

CMAP = "plasma"
N_LEVELS = 30
LAYOUT_2D = (("sample", "x", "y", "t"),)


def _load(predictions: Mapping[str, str | Path], sample: int):
    loaded = load_predictions(predictions, layouts=LAYOUT_2D)
    first = next(iter(loaded.values()))
    if not 0 <= sample < first.sizes["sample"]:
        raise ValueError(f"sample position {sample} out of range: the files hold {first.sizes['sample']}")
    return loaded, first


def _sample_id(ds, sample: int):
    """The sample coordinate of position ``sample`` (its dataset index), or the position if there is none."""
    return ds["sample"].values[sample] if "sample" in ds.coords else sample


def _levels(fields: Sequence[np.ndarray]) -> np.ndarray:
    lo = min(float(np.min(f)) for f in fields)
    hi = max(float(np.max(f)) for f in fields)
    if hi <= lo:
        hi = lo + 1.0
    return np.linspace(lo, hi, N_LEVELS + 1)


def _panel(ax, x, y, field, levels, title):
    """contourf of field (x, y) with x horizontal; returns the mappable."""
    cs = ax.contourf(x, y, field.T, levels=levels, cmap=CMAP, extend="neither")
    ax.set_aspect("equal")
    ax.set_title(title, fontsize="medium")
    ax.set_xticks([x[0], x[-1]])
    ax.set_yticks([y[0], y[-1]])
    return cs


def initial_field_figure(predictions: Mapping[str, str | Path], *, sample: int = 0,
                         label: str = "initial vorticity", title: str | None = None) -> Figure:
    """Panel (a): ``a`` (sample, x, y) of the test sample at position ``sample`` (from the first file).

    ValueError if the file has no ``a`` over (sample, x, y).
    """
    loaded, first = _load(predictions, sample)
    path = next(iter(predictions.values()))
    if "a" not in first or set(first["a"].dims) != {"sample", "x", "y"}:
        raise ValueError(f"prediction file {path} needs 'a' over (sample, x, y) for the initial-condition panel")
    a = first["a"].transpose("sample", "x", "y").values[sample]
    x, y = first["x"].values, first["y"].values
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(4.2, 3.6), layout="constrained")
        ax = fig.subplots()
        cs = _panel(ax, x, y, a, _levels([a]), title or f"Initial condition, test sample {_sample_id(first, sample)}")
        fig.colorbar(cs, ax=ax, label=label)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
    return fig


def plot_initial_field(predictions: Mapping[str, str | Path], *, out_png, out_pdf, **kwargs) -> None:
    """Write :func:`initial_field_figure` as PNG and PDF."""
    save_figure(initial_field_figure(predictions, **kwargs), out_png, out_pdf)


def _columns(loaded, sample: int) -> list[tuple[str, np.ndarray]]:
    """[("Ground Truth", u_true (x, y, t)), (method name, u_pred (x, y, t)), ...] of one sample."""
    first = next(iter(loaded.values()))
    cols = [("Ground Truth", first["u_true"].values[sample])]
    return cols + [(method_name(m), ds["u_pred"].values[sample]) for m, ds in loaded.items()]


def field_snapshots_figure(predictions: Mapping[str, str | Path], *, sample: int = 0,
                           steps: Sequence[int] | None = None, label: str = "vorticity",
                           title: str | None = None) -> Figure:
    """Panel (b): rows = output steps (0-based; default first and last), columns = truth then each method.

    One colour range (the truth's and predictions' min..max over the shown steps) for every panel.
    """
    loaded, first = _load(predictions, sample)
    n_t = first.sizes["t"]
    steps = [0, n_t - 1] if steps is None else list(steps)
    if not steps or any(not 0 <= k < n_t for k in steps):
        raise ValueError(f"steps {steps} must be non-empty and lie in [0, {n_t - 1}]")
    steps = list(dict.fromkeys(steps))
    cols = _columns(loaded, sample)
    x, y, t = first["x"].values, first["y"].values, first["t"].values
    levels = _levels([f[..., k] for _, f in cols for k in steps])
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(3.0 * len(cols) + 0.8, 2.8 * len(steps)), layout="constrained")
        axes = fig.subplots(len(steps), len(cols), squeeze=False)
        for r, k in enumerate(steps):
            for c, (name, field) in enumerate(cols):
                cs = _panel(axes[r, c], x, y, field[..., k], levels, f"{name}, T = {k + 1} (t = {t[k]:.3g})")
        fig.colorbar(cs, ax=axes, label=label, shrink=0.9)
        fig.suptitle(title or f"Test sample {_sample_id(first, sample)}", fontsize="medium")
    return fig


def plot_field_snapshots(predictions: Mapping[str, str | Path], *, out_png, out_pdf, **kwargs) -> None:
    """Write :func:`field_snapshots_figure` as PNG and PDF."""
    save_figure(field_snapshots_figure(predictions, **kwargs), out_png, out_pdf)


def write_field_animation(predictions: Mapping[str, str | Path], out_gif: str | Path, *, sample: int = 0,
                          fps: int = 4, dpi: int = 80, label: str = "vorticity") -> int:
    """Animated GIF of truth and predictions of one sample over every output step; returns the frame count.

    Frame k shows the panels of :func:`field_snapshots_figure` at output step k (one colour range over all
    steps). Written with PillowWriter into a temporary file beside ``out_gif``, then renamed.
    """
    if fps < 1:
        raise ValueError(f"fps must be >= 1, got {fps}")
    loaded, first = _load(predictions, sample)
    cols = _columns(loaded, sample)
    x, y, t = first["x"].values, first["y"].values, first["t"].values
    n_t = t.size
    levels = _levels([f for _, f in cols])
    with plt.rc_context(plot_rc()):
        fig = Figure(figsize=(3.0 * len(cols) + 0.8, 3.0), layout="constrained")
        axes = fig.subplots(1, len(cols), squeeze=False)[0]
        cs = None
        for ax, (name, field) in zip(axes, cols):
            cs = _panel(ax, x, y, field[..., 0], levels, name)
        fig.colorbar(cs, ax=list(axes), label=label, shrink=0.9)
        def heading_text(k: int) -> str:
            return f"Test sample {_sample_id(first, sample)}: output step T = {k + 1} of {n_t} (t = {t[k]:.3g})"

        heading = fig.suptitle(heading_text(0), fontsize="medium")
        fig.draw_without_rendering()  # lay the figure out once, then freeze it: every frame has the same layout
        fig.set_layout_engine("none")

        def draw(k: int):
            for ax, (name, field) in zip(axes, cols):
                for coll in list(ax.collections):
                    coll.remove()
                _panel(ax, x, y, field[..., k], levels, name)
            heading.set_text(heading_text(k))
            return []

        anim = FuncAnimation(fig, draw, frames=n_t, blit=False)
        out_gif = Path(out_gif)
        out_gif.parent.mkdir(parents=True, exist_ok=True)
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".{out_gif.name}.", dir=out_gif.parent))
        try:
            tmp = tmp_dir / out_gif.name
            anim.save(tmp, writer=PillowWriter(fps=fps), dpi=dpi)
            os.chmod(tmp, 0o666 & ~current_umask())
            os.replace(tmp, out_gif)
        finally:
            shutil.rmtree(tmp_dir, ignore_errors=True)
    return n_t
