"""Registry of the BOON dataset generators: a config block names a generator and its settings.

Each generator returns an xarray Dataset with ``a`` (input), ``u`` (target), the boundary
data and physical coordinates (see pcml.data.boon_1d and pcml.data.boon_2d).
"""

from __future__ import annotations

import importlib
import inspect
import zlib
from typing import Callable

import xarray as xr

from pcml.data.netcdf import read_netcdf, write_netcdf

# generator key -> (module, function)
GENERATORS: dict[str, tuple[str, str]] = {
    "heat_neumann": ("pcml.data.boon_1d", "make_heat_neumann"),
    "stokes": ("pcml.data.boon_1d", "make_stokes"),
    "burgers_dirichlet": ("pcml.data.boon_1d", "make_burgers_dirichlet"),
    "burgers_periodic": ("pcml.data.boon_periodic", "make_burgers_periodic"),
    "cavity": ("pcml.data.boon_2d", "make_cavity"),
    "wave": ("pcml.data.boon_2d", "make_wave"),
}


def get_generator(name: str) -> Callable[..., xr.Dataset]:
    """The generator function registered as ``name``; ValueError naming the known ones otherwise."""
    try:
        module, function = GENERATORS[name]
    except KeyError:
        raise ValueError(f"unknown BOON generator {name!r}; known: {sorted(GENERATORS)}") from None
    return getattr(importlib.import_module(module), function)


def generate_boon_dataset(dataset: str, settings: dict, *, seed: int, profile: str, out_path: str) -> None:
    """Run the generator named in ``settings["generator"]`` with the other settings; write netCDF.

    Unknown settings are refused with the dataset and key named (before any work).
    """
    settings = dict(settings)
    generator = get_generator(settings.pop("generator"))
    accepted = set(inspect.signature(generator).parameters) - {"seed"}
    unknown = sorted(set(settings) - accepted)
    if unknown:
        raise ValueError(f"boon.datasets.{dataset}: unknown setting(s) {unknown} for generator "
                         f"{generator.__name__}; accepted: {sorted(accepted)}")
    dataset_seed = zlib.crc32(f"{dataset}:{seed}".encode())  # independent stream per dataset
    ds = generator(**settings, seed=dataset_seed)
    ds.attrs.update(dataset=dataset, profile=profile, config_seed=int(seed))
    write_netcdf(ds, out_path)


def dataset_caption(data_path: str, prefix: str) -> str:
    """``prefix`` followed by the dataset's solver and its [RECON] note (attributes ``solver``, ``recon``)."""
    attrs = read_netcdf(data_path).attrs
    parts = [prefix.strip()]
    if attrs.get("solver"):
        parts.append(f"Solver: {attrs['solver']}.")
    if attrs.get("recon"):
        parts.append(str(attrs["recon"]))
    return " ".join(parts)
