"""Registry of the BOON dataset generators: a config block names a generator and its settings.

Each generator returns an xarray Dataset with ``a`` (input), ``u`` (target), the boundary
data and physical coordinates (see pcml.data.boon_1d and pcml.data.boon_2d).
"""

from __future__ import annotations

import importlib
import inspect
import math
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

#: generator key -> the type of the boundary conditions of its data (the ``bc_type`` attribute it writes)
GENERATOR_BC_TYPES: dict[str, str] = {
    "heat_neumann": "neumann", "stokes": "dirichlet", "burgers_dirichlet": "dirichlet",
    "burgers_periodic": "periodic", "cavity": "dirichlet", "wave": "neumann",
}

#: generator arguments the workflow supplies at run time, never a dataset block: ``seed`` (from the
#: profile's data_seed) and ``workers`` (processes, from the job's threads; the data do not depend on it)
RUNTIME_ARGUMENTS: frozenset[str] = frozenset({"seed", "workers"})


def get_generator(name: str) -> Callable[..., xr.Dataset]:
    """The generator function registered as ``name``; ValueError naming the known ones otherwise."""
    try:
        module, function = GENERATORS[name]
    except KeyError:
        raise ValueError(f"unknown BOON generator {name!r}; known: {sorted(GENERATORS)}") from None
    return getattr(importlib.import_module(module), function)


def check_generator_settings(dataset: str, settings: dict) -> tuple[Callable[..., xr.Dataset], dict]:
    """(generator, its keyword arguments) of a dataset block ``{"generator": key, **arguments}``.

    ValueError naming ``boon.datasets.<dataset>`` and the key(s) at fault for an unknown generator, a
    setting the generator does not take (``seed`` included: it comes from the profile's data_seed) or a
    missing required one; the run-time arguments (RUNTIME_ARGUMENTS: ``seed``, ``workers``) are refused
    too. Nothing is generated.
    """
    settings = dict(settings)
    try:
        generator = get_generator(settings.pop("generator", None))
    except ValueError as exc:
        raise ValueError(f"boon.datasets.{dataset}.generator: {exc}") from None
    params = inspect.signature(generator).parameters
    accepted = set(params) - RUNTIME_ARGUMENTS
    unknown = sorted(set(settings) - accepted)
    if unknown:
        raise ValueError(f"boon.datasets.{dataset}: unknown setting(s) {unknown} for generator "
                         f"{generator.__name__}; accepted: {sorted(accepted)}")
    required = sorted(k for k in accepted if params[k].default is inspect.Parameter.empty)
    missing = [k for k in required if k not in settings]
    if missing:
        raise ValueError(f"boon.datasets.{dataset}: missing setting(s) {missing} required by generator "
                         f"{generator.__name__}")
    return generator, settings


def _takes_workers(generator: Callable[..., xr.Dataset]) -> bool:
    """True for a generator that can spread its work over processes (a ``workers`` argument)."""
    return "workers" in inspect.signature(generator).parameters


def dataset_workers(settings: dict, max_workers: int = 2) -> int:
    """Processes worth giving a dataset block's job: for a generator that takes ``workers`` (the cavity,
    which solves chunks of ``chunk_size`` samples), min(max_workers, its number of chunks); else 1."""
    generator = get_generator(settings["generator"])
    if not _takes_workers(generator):
        return 1
    chunk_size = settings.get("chunk_size", inspect.signature(generator).parameters["chunk_size"].default)
    return max(1, min(max_workers, math.ceil(settings["n_samples"] / chunk_size)))


def generate_boon_dataset(dataset: str, settings: dict, *, seed: int, profile: str, out_path: str,
                          workers: int = 1) -> None:
    """Run the generator named in ``settings["generator"]`` with the other settings; write netCDF.

    Unknown or missing settings are refused with the dataset and key named (before any work).
    ``workers``: processes for a generator that takes a ``workers`` argument (cavity); the others
    ignore it. The data are the same for every value.
    """
    generator, settings = check_generator_settings(dataset, settings)
    dataset_seed = zlib.crc32(f"{dataset}:{seed}".encode())  # independent stream per dataset
    if _takes_workers(generator):
        settings["workers"] = workers
    ds = generator(**settings, seed=dataset_seed)
    ds.attrs.update(dataset=dataset, profile=profile, config_seed=int(seed))
    write_netcdf(ds, out_path)


def dataset_caption(data_path: str, prefix: str) -> str:
    """``prefix`` followed by the dataset's solver, its [RECON] note and (periodic data) its end-point setting.

    Reads the attributes ``solver``, ``recon`` and ``overwrite`` (pitfall P4) of the netCDF file.
    """
    attrs = read_netcdf(data_path).attrs
    parts = [prefix.strip()]
    if attrs.get("solver"):
        parts.append(f"Solver: {attrs['solver']}.")
    if attrs.get("recon"):
        parts.append(str(attrs["recon"]))
    if attrs.get("overwrite"):
        parts.append(f"Grid end point: {attrs['overwrite']}.")
    return " ".join(parts)
