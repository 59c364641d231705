"""Cost-benchmark families of the space-time operators: FNO2d (1-D space + time), FNO3d (2-D space +
time) and their BOON corrections, each BOON variant alternated with the plain FNO of the same sizes
(spec boon.md §6.2 cost table, §7.2). Registered in :data:`pcml.bench.cases.CASE_FAMILIES`.

Settings (``benchmark.families.fno2d`` / ``boon_fno2d``): ``n`` (space points), ``n_t`` (output steps),
``batch_size``, ``modes``, ``modes_t`` (optional, default ``modes``), ``width``, ``infer_dtype``;
FNO3d also ``n_y`` (default ``n``); the BOON families ``bc_types`` and ``modes_of_correction``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from pcml.bench.cases import DTYPES, BenchCase, _adam_step, _cast, register_family
from pcml.models import build_model
from pcml.models.fno import count_params

__all__ = ["grid_of", "boundary_batch", "nd_case"]


def grid_of(s: Mapping[str, Any], dims: int) -> tuple[int, ...]:
    """The input grid of a case: (n, n_t) for FNO2d, (n, n_y, n_t) for FNO3d."""
    n, n_t = int(s["n"]), int(s["n_t"])
    return (n, n_t) if dims == 2 else (n, int(s.get("n_y", n)), n_t)


def boundary_batch(bc_type: str | None, batch: int, grid: tuple[int, ...], g: torch.Generator) -> dict | None:
    """Random BC data of the shapes the BOON models take (None for a plain FNO, {} for periodic)."""
    if bc_type is None:
        return None
    if bc_type == "periodic":
        return {}
    n_t = grid[-1]
    if len(grid) == 2:
        shapes = {"left": (batch, n_t), "right": (batch, n_t)}
    else:
        n_x, n_y = grid[0], grid[1]
        shapes = {"left": (batch, n_y, n_t), "right": (batch, n_y, n_t),
                  "bottom": (batch, n_x, n_t), "top": (batch, n_x, n_t)}
    if bc_type == "neumann":
        return {k: torch.zeros(shape) for k, shape in shapes.items()}
    return {k: torch.randn(shape, generator=g) for k, shape in shapes.items()}


def nd_case(model: nn.Module, label: str, variant: str, s: Mapping[str, Any], seed: int, dims: int,
            bc_type: str | None) -> BenchCase:
    """Training step (float32, relative L2 summed over the batch) and one inference batch
    (``infer_dtype``, no gradients) of a space-time operator a (batch, *grid) -> u (batch, *grid)."""
    g = torch.Generator().manual_seed(seed)
    batch, grid = int(s["batch_size"]), grid_of(s, dims)
    a, u = torch.randn(batch, *grid, generator=g), torch.randn(batch, *grid, generator=g)
    bc = boundary_batch(bc_type, batch, grid, g)

    def apply(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return m(x) if bc is None else m(x, {k: v.to(x.dtype) for k, v in bc.items()})

    def loss() -> torch.Tensor:
        diff = (apply(model, a) - u).reshape(batch, -1)
        return (diff.norm(dim=1) / u.reshape(batch, -1).norm(dim=1)).sum()

    dtype = DTYPES[s.get("infer_dtype", "float32")]
    infer_model = _cast(model, dtype).eval()
    a_infer = a.to(dtype)

    def infer() -> None:
        with torch.no_grad():
            apply(infer_model, a_infer)

    model.train()
    sizes = (f"grid {'x'.join(map(str, grid))}, batch {batch}, modes {s['modes']}"
             f"{'/' + str(s['modes_t']) if 'modes_t' in s else ''}, width {s['width']}; "
             f"train float32, inference {s.get('infer_dtype', 'float32')}")
    return BenchCase(label, variant, count_params(model), _adam_step(model, loss), infer, sizes)


def _kwargs(s: Mapping[str, Any]) -> dict[str, int]:
    out = {"modes": int(s["modes"]), "width": int(s["width"])}
    if "modes_t" in s:
        out["modes_t"] = int(s["modes_t"])
    return out


def _fno_cases(dims: int):
    def build(s: Mapping[str, Any], seed: int) -> list[BenchCase]:
        torch.manual_seed(seed)
        name = f"fno{dims}d"
        return [nd_case(build_model(name, **_kwargs(s)), name, "", s, seed, dims, None)]
    return build


def _boon_cases(dims: int):
    def build(s: Mapping[str, Any], seed: int) -> list[BenchCase]:
        cases = []
        for bc_type in s["bc_types"]:
            for mode in s["modes_of_correction"]:
                torch.manual_seed(seed)
                name = f"boon_fno{dims}d" + ("" if mode == "faithful" else "_clean")
                case = nd_case(build_model(name, bc_type=bc_type, **_kwargs(s)), name, f"{bc_type}, {mode}", s,
                               seed, dims, bc_type)
                torch.manual_seed(seed)
                case.baseline = nd_case(build_model(f"fno{dims}d", **_kwargs(s)), f"fno{dims}d", "", s, seed, dims,
                                        None)
                cases.append(case)
        return cases
    return build


register_family("fno2d")(_fno_cases(2))
register_family("fno3d")(_fno_cases(3))
register_family("boon_fno2d")(_boon_cases(2))
register_family("boon_fno3d")(_boon_cases(3))
