"""Atomic netCDF I/O for xarray datasets.

A written file is complete or absent: data go to a temporary file in the target folder,
which is renamed over the target only after the write succeeded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import xarray as xr

ENGINE = "netcdf4"


def current_umask() -> int:
    """The process's file-creation mask (read without changing it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write ``ds`` to ``path`` atomically (netCDF4 format, no wall-clock attributes); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        ds.to_netcdf(tmp, engine=ENGINE)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp creates 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_netcdf(path: str | Path, required: tuple[str, ...] = ()) -> xr.Dataset:
    """Load a netCDF file fully into memory.

    Raises FileNotFoundError naming the path if it is absent, and ValueError naming the
    path if it is unreadable (corrupt) or lacks one of the ``required`` variables.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input file not found: {path}")
    try:
        with xr.open_dataset(path, engine=ENGINE) as ds:
            ds = ds.load()
    except Exception as exc:  # netCDF4/HDF5 raise OSError, RuntimeError, ...
        raise ValueError(f"cannot read netCDF file {path}: {exc}") from exc
    missing = [v for v in required if v not in ds.variables]
    if missing:
        raise ValueError(f"netCDF file {path} lacks required variable(s) {missing}")
    return ds


def write_csv(frame, path: str | Path, **to_csv_kwargs) -> Path:
    """Write a pandas DataFrame to CSV atomically (temporary name, then rename); no index. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False, **to_csv_kwargs)
    os.replace(tmp, path)
    return path
