"""What every BOON result figure (spec boon.md §6.3) reads: prediction files, method names, output steps.

- :func:`load_predictions`: ``{method: predictions/<method>.nc}`` -> ``{method: xr.Dataset}`` (methods in
  display order), checked: ``u_pred`` and ``u_true`` with the same dims, one of the layouts of
  :data:`LAYOUTS`, and the same grid in every file.
- :func:`pick_pair`: the (BOON, FNO) pair of an experiment's methods (``boon_fno2d``, ``fno2d``, ...).
- :func:`output_steps`: ``k`` evenly spaced output steps (0-based) including the first and the last.
- :func:`step_errors`: relative L2 per output step from the metrics files of one or several seeds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from pcml.data.netcdf import read_netcdf
from pcml.evaluation.seed_stats import read_metrics
from pcml.outputs.boon_methods import method_kind, method_order

__all__ = ["LAYOUTS", "load_predictions", "pick_pair", "output_steps", "step_errors", "STEP_METRIC"]

#: the layouts of u_pred / u_true in a predictions file (a, where present, has them without ``t``)
LAYOUTS: tuple[tuple[str, ...], ...] = (("sample", "x"), ("sample", "x", "t"), ("sample", "x", "y", "t"))
STEP_METRIC = re.compile(r"^rel_l2_step(\d+)$")

def pick_pair(methods: Sequence[str]) -> tuple[str, str]:
    """(BOON, FNO) of ``methods``: the faithful ``boon_fnoNd`` and the plain ``fnoNd``; ValueError if absent."""
    boon = [m for m in methods if method_kind(m) == "boon"]
    fno = [m for m in methods if method_kind(m) == "fno"]
    if not boon or not fno:
        raise ValueError(f"methods {list(methods)} need one plain FNO (fno1d/fno2d/fno3d) and one BOON-FNO "
                         "(boon_fno1d/2d/3d) for a BOON-vs-FNO figure")
    return boon[0], fno[0]


def output_steps(n_t: int, k: int = 4) -> list[int]:
    """``k`` evenly spaced 0-based output steps from 0 to n_t - 1 (25 -> [0, 8, 16, 24]); fewer if n_t < k."""
    if n_t < 1 or k < 1:
        raise ValueError(f"need n_t >= 1 and k >= 1, got n_t={n_t}, k={k}")
    return sorted({int(round(v)) for v in np.linspace(0, n_t - 1, min(k, n_t))})


def load_predictions(predictions: Mapping[str, str | Path],
                     layouts: Sequence[tuple[str, ...]] = LAYOUTS) -> dict[str, xr.Dataset]:
    """Read prediction files ``{method: path}`` (returned in :func:`method_order`) and check them.

    Each file needs ``u_pred`` and ``u_true`` with the same dims, one of ``layouts`` (any order of the
    named dims; returned transposed to that layout), attrs ``method`` equal to its key if set, and the same
    sample count and x (y, t) coordinates as the first file (atol 1e-12). ValueError naming the file otherwise.
    """
    if not predictions:
        raise ValueError("no prediction files given")
    out: dict[str, xr.Dataset] = {}
    for method in method_order(predictions):
        path = predictions[method]
        ds = read_netcdf(path, ("u_pred", "u_true"))
        if ds.attrs.get("method", method) != method:
            raise ValueError(f"prediction file {path} is for method {ds.attrs['method']!r}, not {method!r}")
        dims = set(ds["u_pred"].dims)
        layout = next((lay for lay in layouts if set(lay) == dims), None)
        if layout is None or set(ds["u_true"].dims) != dims:
            raise ValueError(f"prediction file {path}: u_pred {ds['u_pred'].dims} / u_true {ds['u_true'].dims}; "
                             f"expected both with dims {[list(lay) for lay in layouts]}")
        for name in ("u_pred", "u_true"):
            ds[name] = ds[name].transpose(*layout)
        for dim in layout[1:]:
            if dim not in ds.coords:
                raise ValueError(f"prediction file {path} lacks the coordinate {dim!r}")
        out[method] = ds
    first_method, first = next(iter(out.items()))
    for method, ds in out.items():
        if ds["u_pred"].shape != first["u_pred"].shape:
            raise ValueError(f"prediction files of {first_method!r} and {method!r} differ in shape: "
                             f"{first['u_pred'].shape} vs {ds['u_pred'].shape}")
        for dim in first["u_pred"].dims[1:]:
            if not np.allclose(ds[dim].values, first[dim].values, rtol=0, atol=1e-12):
                raise ValueError(f"prediction files of {first_method!r} and {method!r} disagree on the {dim} grid")
    return out


def step_errors(metrics: Mapping[int, str | Path], methods: Sequence[str]) -> pd.DataFrame:
    """Relative L2 per output step of ``methods`` from per-seed metrics files ``{seed: metrics.csv}``.

    Reads the metrics ``rel_l2_step<k>`` (k = 1..n_t). Returns a long frame with columns seed, method,
    sample, step (1-based int), value. ValueError if a file has no step metric for a method, or the methods
    or seeds disagree on the steps.
    """
    if not metrics:
        raise ValueError("no metrics files given")
    frames = []
    steps_seen: tuple[int, ...] | None = None
    for seed, path in metrics.items():
        df = read_metrics(path)
        df = df.drop(columns="seed", errors="ignore")
        match = df["metric"].astype(str).str.extract(STEP_METRIC.pattern, expand=False)
        df = df.assign(step=pd.to_numeric(match)).dropna(subset=["step"])
        for method in methods:
            mine = df[df["method"] == method]
            if mine.empty:
                raise ValueError(f"metrics file {path} has no rel_l2_step<k> rows for method {method!r}")
            steps = tuple(sorted(int(s) for s in mine["step"].unique()))
            if steps_seen is None:
                steps_seen = steps
            elif steps != steps_seen:
                raise ValueError(f"metrics file {path}: method {method!r} has steps {steps}, others {steps_seen}")
        df = df[df["method"].isin(methods)].assign(seed=int(seed), step=lambda d: d["step"].astype(int))
        frames.append(df[["seed", "method", "sample", "step", "value"]])
    return pd.concat(frames, ignore_index=True)
