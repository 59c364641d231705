""""FNO + BC as input": a plain FNO that reads the boundary data as extra input channels (spec
boon.md §4.3, optional fairness ablation, pitfall P2) [RECON].

BOON gets the boundary values (Dirichlet: the target's wall values; Neumann: the fluxes) and a
plain FNO does not. This ablation hands the same data to an otherwise unchanged FNO: each BC value
is broadcast over the grid as one more input channel of the lift, so that the network *may* use
it. Nothing enforces the BC: the output satisfies it only as well as training makes it.

1-D (:class:`FNO1dBCInput`): input channels (a(x), x, bc_left, bc_right), lift
``fc0 = Linear(2 + 2, width)``; everything else is :class:`pcml.models.fno.FNO1d`.
Dirichlet: bc_left/right = u(0), u(1); Neumann: du/dx(0), du/dx(1); periodic has no data and is
refused (ValueError).

2-D+t and 3-D follow the same pattern once :mod:`pcml.models.fno_nd` provides FNO2d/FNO3d: subclass
the base, replace its lift by ``Linear(base_in + n_bc, width)`` after the base's own construction
(n_bc = 2 for the x-walls of 1-D+t, whose values are (batch, n_t) and are broadcast over x only;
n_bc = 4 for the four walls of 2-D+t, where a wall value (batch, n_y, n_t) or (batch, n_x, n_t)
must first be reduced to something broadcastable over the grid, e.g. each wall's value at the
matching coordinate of the other axis), and append the channels before the lift.
"""
from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from pcml.constraints.boundary import check_bc_keys
from pcml.models.fno import FNO1d, check_input_1d, unit_grid

__all__ = ["FNO1dBCInput", "BC_INPUT_TYPES", "N_BC_CHANNELS_1D", "bc_channels_1d"]

BC_INPUT_TYPES = ("dirichlet", "neumann")
N_BC_CHANNELS_1D = 2  # bc_left, bc_right
_KEYS = ("left", "right")


def bc_channels_1d(bc: Mapping | None, bc_type: str, batch: int, n: int, like: torch.Tensor) -> torch.Tensor:
    """The BC values as grid channels: (batch, n, 2) = (left, right) repeated over the n nodes.

    Each value is a float, a 0-d tensor, or a (batch,) / (batch, 1) tensor (one value per sample).
    Raises ValueError naming the missing, unexpected or mis-shaped key.
    """
    check_bc_keys(bc, _KEYS, bc_type)
    cols = []
    for key in _KEYS:
        v = torch.as_tensor(bc[key], dtype=like.dtype, device=like.device)
        if v.ndim == 2 and v.shape[1] == 1:
            v = v[:, 0]
        if v.ndim == 0:
            v = v.expand(batch)
        if v.shape != (batch,):
            raise ValueError(f"bc[{key!r}] must be a number, 0-d, (batch,) or (batch, 1) with batch = {batch}, "
                             f"got shape {tuple(v.shape)}")
        cols.append(v[:, None].expand(batch, n))
    return torch.stack(cols, dim=-1)


class FNO1dBCInput(FNO1d):
    """FNO1d with the BC values as two extra input channels: forward(a (batch, n), bc) -> u (batch, n).

    Same architecture as :class:`FNO1d` except the lift ``fc0 = Linear(4, width)`` on
    (a(x), x, bc_left, bc_right). Does NOT enforce the BC (see the module doc).

    Initialisation: the FNO1d is built first (fc0, conv0..3, w0..3, fc1, fc2, in the released
    code's order) and its fc0 is then replaced, so that under the same seed every parameter except
    fc0 equals that of a plain FNO1d(modes, width), and the parameter order is unchanged.
    Parameter count: FNO1d's + 2 * width.

    Args:
        modes, width: as FNO1d.
        bc_type: 'dirichlet' (values u(0), u(1)) or 'neumann' (fluxes du/dx at x = 0, 1);
            'periodic' raises ValueError (there is no boundary data to give).
    BC dict: {"left": ..., "right": ...}, each a float, a 0-d tensor or a (batch,) tensor.
    """

    def __init__(self, modes: int = 16, width: int = 64, bc_type: str = "dirichlet") -> None:
        if bc_type == "periodic":
            raise ValueError("FNO1dBCInput: periodic BCs carry no boundary data to give as input; "
                             "use the plain FNO1d")
        if bc_type not in BC_INPUT_TYPES:
            raise ValueError(f"FNO1dBCInput: bc_type must be one of {BC_INPUT_TYPES}, got {bc_type!r}")
        super().__init__(modes=modes, width=width)
        self.bc_type = bc_type
        self.fc0 = nn.Linear(2 + N_BC_CHANNELS_1D, self.width)

    def lift(self, a: torch.Tensor, bc: Mapping | None = None) -> torch.Tensor:  # type: ignore[override]
        """fc0 on (a, x, bc_left, bc_right): (batch, n) -> latent (batch, width, n)."""
        b, n = a.shape
        feats = torch.cat((torch.stack((a, unit_grid(b, n, a)), dim=-1),
                           bc_channels_1d(bc, self.bc_type, b, n, a)), dim=-1)
        return self.fc0(feats).permute(0, 2, 1)

    def forward(self, a: torch.Tensor, bc: Mapping | None = None) -> torch.Tensor:  # type: ignore[override]
        """Map a (batch, n) (or (batch, n, 1)) and the BC dict to u (batch, n)."""
        return self.body(self.lift(check_input_1d(a, "FNO1dBCInput"), bc))

    def extra_repr(self) -> str:
        return f"bc_type={self.bc_type!r}, bc channels=(left, right), BC not enforced"
