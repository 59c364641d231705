"""Model registry: a rule names a method family, ``build_model`` supplies the module."""

from __future__ import annotations

from functools import partial

from torch import nn

from pcml.models.anp import ANP
from pcml.models.bc_input import FNO1dBCInput
from pcml.models.boon import BOONFNO1d
from pcml.models.boon_nd import BOONFNO2d, BOONFNO3d
from pcml.models.fno import FNO1d
from pcml.models.fno_nd import FNO2d, FNO3d

# boon_fno1d: the released code's logic (faithful); boon_fno1d_clean: the paper's math (spec boon.md §3.6).
MODELS = {"anp": ANP, "fno1d": FNO1d, "boon_fno1d": BOONFNO1d,
          "boon_fno1d_clean": partial(BOONFNO1d, faithful=False),
          "fno2d": FNO2d, "boon_fno2d": BOONFNO2d, "boon_fno2d_clean": partial(BOONFNO2d, faithful=False),
          "fno3d": FNO3d, "boon_fno3d": BOONFNO3d, "boon_fno3d_clean": partial(BOONFNO3d, faithful=False),
          "fno1d_bcin": FNO1dBCInput,  # "FNO + BC as input" ablation (spec §4.3); BC not enforced
          # PINO-lite (spec §4.3, [RECON]): the plain FNO, trained with BC (and PDE) penalties
          "pino_fno1d": FNO1d, "pino_fno2d": FNO2d, "pino_fno3d": FNO3d}


def build_model(name: str, **kwargs) -> nn.Module:
    """Instantiate the registered model ``name`` with ``kwargs``."""
    try:
        cls = MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}") from None
    return cls(**kwargs)
