"""Layout of the BOON datasets and predictions files, without torch (the evaluation jobs import only this).

Dataset kinds, by the dims of ``u`` (:data:`KIND_DIMS`), and the methods that map each (:data:`METHOD_KINDS`):
``1d`` single-step (sample, x); ``1d_t`` multi-step (sample, x, t); ``2d_t`` multi-step (sample, x, y, t).

BC data as the BOON models and the metrics take them (:func:`boundary_values`): Dirichlet, per sample
(pitfall P2): 1-D {"left", "right"} (sample[, t]); 2-D {"left", "right"} (sample, y, t) at x = 0, 1 and
{"bottom", "top"} (sample, x, t) at y = 0, 1. Neumann, global (pitfall P3): du/dx at x = 0, 1 (0-d or (t,)),
in 2-D also du/dy at y = 0, 1. The 2-D datasets store OUTWARD normal derivatives (du/dn), converted here (left
and bottom negated); the 1-D heat data store du/dx as is. Periodic: {}.
"""
from __future__ import annotations

import numpy as np
import xarray as xr

#: dataset kind -> dims of its target u
KIND_DIMS: dict[str, tuple[str, ...]] = {"1d": ("sample", "x"), "1d_t": ("sample", "x", "t"),
                                         "2d_t": ("sample", "x", "y", "t")}
#: method (registry key) -> the dataset kind it maps
METHOD_KINDS: dict[str, str] = {
    **{m: "1d" for m in ("fno1d", "boon_fno1d", "boon_fno1d_clean", "pino_fno1d", "fno1d_bcin")},
    **{m: "1d_t" for m in ("fno2d", "boon_fno2d", "boon_fno2d_clean", "pino_fno2d")},
    **{m: "2d_t" for m in ("fno3d", "boon_fno3d", "boon_fno3d_clean", "pino_fno3d")},
}
KIND_NAMES = {"1d": "1-D single-step (sample, x)", "1d_t": "1-D multi-step (sample, x, t)",
              "2d_t": "2-D multi-step (sample, x, y, t)"}
#: sign turning a 2-D dataset's outward normal derivative du/dn into the derivative along the wall's axis
OUTWARD_SIGN = {"left": -1.0, "right": 1.0, "bottom": -1.0, "top": 1.0}
WALLS_1D, WALLS_2D = ("left", "right"), ("left", "right", "bottom", "top")
#: every boundary variable a predictions file carries over from its dataset
BC_VARIABLES = tuple(f"{p}_{w}" for p in ("bc", "flux") for w in WALLS_2D)


def method_kind(model_name: str) -> str:
    """The dataset kind ('1d', '1d_t', '2d_t') that method ``model_name`` maps; ValueError if unknown."""
    try:
        return METHOD_KINDS[model_name]
    except KeyError:
        raise ValueError(f"unknown BOON method {model_name!r}; known: {sorted(METHOD_KINDS)}") from None


def dataset_kind(ds: xr.Dataset, source: str) -> tuple[str, str]:
    """(kind, bc_type) of a BOON dataset: kind from the dims of ``u``, after checking ``a`` matches."""
    for name in ("a", "u"):
        if name not in ds:
            raise ValueError(f"{source}: no variable {name!r}; not a BOON dataset")
    kind = next((k for k, dims in KIND_DIMS.items() if ds["u"].dims == dims), None)
    if kind is None:
        raise ValueError(f"{source}: u has dims {ds['u'].dims}; expected one of {list(KIND_DIMS.values())}")
    if ds["a"].dims != KIND_DIMS[kind][:2 + (kind == "2d_t")]:
        raise ValueError(f"{source}: a has dims {ds['a'].dims}, which do not match u {ds['u'].dims}")
    bc_type = ds.attrs.get("bc_type")
    if bc_type not in ("neumann", "dirichlet", "periodic"):
        raise ValueError(f"{source}: attribute bc_type = {bc_type!r} is not dirichlet, neumann or periodic")
    return kind, bc_type


def check_dataset(ds: xr.Dataset, source: str, model_name: str) -> tuple[str, str]:
    """(kind, bc_type) of the dataset, after checking that ``model_name`` maps datasets of its kind."""
    kind, bc_type = dataset_kind(ds, source)
    want = method_kind(model_name)
    if kind != want:
        raise ValueError(f"{source}: a {KIND_NAMES[kind]} dataset, but {model_name} maps {KIND_NAMES[want]} "
                         "data")
    return kind, bc_type


def boundary_values(ds: xr.Dataset, bc_type: str) -> dict[str, np.ndarray]:
    """The BC data of a dataset (or predictions file) as the BOON models and the metrics take them, float64.

    Periodic: {}. Dirichlet: {wall: values} with dims (sample[, y or x][, t]). Neumann: {wall: du/dx or
    du/dy} (0-d or (t,)), 2-D datasets' outward derivatives converted (see the module docstring).
    """
    if bc_type == "periodic":
        return {}
    two_d = "y" in ds.dims
    walls = WALLS_2D if two_d else WALLS_1D
    prefix = "bc" if bc_type == "dirichlet" else "flux"
    out = {}
    for wall in walls:
        name = f"{prefix}_{wall}"
        if name not in ds:
            raise ValueError(f"{bc_type} dataset has no boundary variable {name!r}")
        var = ds[name]
        order = [d for d in ("sample", "x", "y", "t") if d in var.dims]
        values = np.asarray(var.transpose(*order).values, dtype=np.float64)
        if bc_type == "neumann" and two_d:
            values = OUTWARD_SIGN[wall] * values
        out[wall] = values
    return out
