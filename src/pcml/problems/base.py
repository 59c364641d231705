"""Base class of the ProbConserv problems: one-parameter families of exact solutions of a 1-D conservation law.

u_t + d/dx F(u) = 0 on x in [x0, x1], t in [t0, t1] (ProbConserv spec §2). The GPME family
(``pcml.problems.gpme``: F = -k(u) u_x) and the hyperbolic family (``pcml.problems.hyperbolic``:
F = beta u, u^2/2) subclass it; ``pcml.problems.registry`` maps experiment names to instances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ConservationProblem:
    """A one-parameter family of exact solutions u(t, x; p) of a 1-D conservation law.

    Attributes:
        name: experiment key (``diffusion``, ``pme``, ``stefan``, ``advection``, ``burgers``).
        param_name: name of the PDE parameter, used as the netCDF coordinate name.
        param_long_name: human-readable parameter name (for plots and captions).
        x_range: spatial domain (x0, x1).
        t_range: time domain (t0, t1).
        param_bounds: open interval of valid parameter values; ``check_param`` refuses others.
    """

    name: str
    param_name: str
    param_long_name: str
    x_range: tuple[float, float]
    t_range: tuple[float, float]
    param_bounds: tuple[float, float] = field(default=(-math.inf, math.inf))

    def check_param(self, param: float) -> float:
        """Return ``param`` as a float, or raise ValueError if outside the valid bounds."""
        p = float(param)
        lo, hi = self.param_bounds
        if not (lo < p < hi) or not math.isfinite(p):
            raise ValueError(
                f"{self.name}: parameter {self.param_name}={p} is outside its valid range ({lo}, {hi})"
            )
        return p

    def solution(self, t: np.ndarray, x: np.ndarray, param: float) -> np.ndarray:
        """Exact u(t, x); ``t`` and ``x`` broadcast together. Returns float64 array."""
        raise NotImplementedError

    def mass(self, t: np.ndarray, param: float) -> np.ndarray:
        """Exact U(t) = int_{x0}^{x1} u(t, x) dx, same shape as ``t``."""
        raise NotImplementedError

    def front_position(self, t: np.ndarray, param: float) -> np.ndarray | None:
        """Exact front (shock) position x*(t), same shape as ``t``, or None if the family has no front.

        Where a family has a front only at some times (Burgers before breaking), the array holds NaN
        at the times without one.
        """
        return None
