"""Closed-form solutions of the hyperbolic ProbConserv problems: linear advection and inviscid Burgers.

u_t + d/dx f(u) = 0 with f(u) = beta u (advection, spec §2.4) or f(u) = u^2 / 2 (Burgers, spec §2.5).
Each problem gives the exact (entropy) solution u(t, x; p), the exact mass U(t; p) = int u dx and the
position of its discontinuity. Everything is numpy float64; parameters must be > 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from pcml.problems.base import ConservationProblem


@dataclass(frozen=True)
class Advection(ConservationProblem):
    """Linear advection u_t + beta u_x = 0 on [0, 1] x [0, 1] (spec §2.4).

    Initial value 1[x <= 0.5] and inflow u(t, 0) = 1, so u = 1[x <= 0.5 + beta t]: a unit step that
    moves right at speed beta (the Rankine-Hugoniot speed [beta u]/[u] = beta). Once the step has left
    the domain (0.5 + beta t >= 1) u = 1 everywhere. U(t) = 0.5 + min(beta t, 0.5).
    """

    name: str = "advection"
    param_name: str = "beta"
    param_long_name: str = "advection speed beta"
    x_range: tuple[float, float] = (0.0, 1.0)
    t_range: tuple[float, float] = (0.0, 1.0)
    param_bounds: tuple[float, float] = (0.0, math.inf)

    def solution(self, t: np.ndarray, x: np.ndarray, param: float) -> np.ndarray:
        """u(t, x) = 1[x <= 0.5 + beta t], float64 of the broadcast shape of ``t`` and ``x``."""
        beta = self.check_param(param)
        t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
        return (x <= 0.5 + beta * t).astype(float)

    def mass(self, t: np.ndarray, param: float) -> np.ndarray:
        """U(t) = 0.5 + min(beta t, 0.5), same shape as ``t``."""
        beta = self.check_param(param)
        return 0.5 + np.minimum(beta * np.asarray(t, float), 0.5)

    def front_position(self, t: np.ndarray, param: float) -> np.ndarray:
        """Step position min(0.5 + beta t, 1): the right end x1 = 1 once the step has left the domain."""
        beta = self.check_param(param)
        return np.minimum(0.5 + beta * np.asarray(t, float), self.x_range[1])


@dataclass(frozen=True)
class Burgers(ConservationProblem):
    """Inviscid Burgers u_t + (u^2/2)_x = 0 on [-1, 1] x [0, 1] (spec §2.5).

    Initial value u0 = a for x <= -1 (inflow u(t, -1) = a), -a x on [-1, 0], 0 for x > 0: a compressive
    ramp. Before breaking (a t <= 1): u = a for x <= a t - 1, a x / (a t - 1) on (a t - 1, 0], 0 for
    x > 0 (continuous). After breaking (a t > 1): a shock at (a t - 1)/2, moving at the Rankine-Hugoniot
    speed (a^2/2 - 0)/(a - 0) = a/2, with u = a behind it and 0 ahead. At t = 1/a both pieces give the
    step a 1[x <= 0].

    Mass: U(t) = (a/2)(1 + a t) (inflow flux a^2/2 at x = -1) while the shock is inside the domain
    (a t <= 3); afterwards u = a on all of [-1, 1] and U = 2a. ``mass`` returns (a/2)(1 + min(a t, 3)),
    which is the original's (a/2)(1 + a t) wherever that formula is valid (spec §9.14); the two differ
    only for a > 3 late in time (training functions, which never use the mass).
    """

    name: str = "burgers"
    param_name: str = "a"
    param_long_name: str = "ramp slope a"
    x_range: tuple[float, float] = (-1.0, 1.0)
    t_range: tuple[float, float] = (0.0, 1.0)
    param_bounds: tuple[float, float] = (0.0, math.inf)

    def solution(self, t: np.ndarray, x: np.ndarray, param: float) -> np.ndarray:
        """u(t, x), float64 of the broadcast shape of ``t`` and ``x`` (values in [0, a])."""
        a = self.check_param(param)
        t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
        s = a * t - 1.0  # left end of the ramp before breaking (<= 0); twice the shock position after
        broken = s > 0.0
        ramp = ~broken & (x > s) & (x <= 0.0)
        u = np.where(broken, np.where(x <= 0.5 * s, a, 0.0), np.where(x <= s, a, 0.0))
        u[ramp] = a * x[ramp] / s[ramp]  # s < x <= 0 implies s < 0: no division by zero
        return u + 0.0  # no negative zeros (a * 0 / s < 0)

    def mass(self, t: np.ndarray, param: float) -> np.ndarray:
        """U(t) = (a/2)(1 + min(a t, 3)), same shape as ``t``."""
        a = self.check_param(param)
        return 0.5 * a * (1.0 + np.minimum(a * np.asarray(t, float), 3.0))

    def front_position(self, t: np.ndarray, param: float) -> np.ndarray:
        """Shock position (a t - 1)/2 for a t >= 1, clipped to x1 = 1 once the shock has left the domain.

        NaN where a t < 1: before breaking the solution is continuous and has no shock.
        """
        a = self.check_param(param)
        s = a * np.asarray(t, float) - 1.0
        return np.where(s >= 0.0, np.minimum(0.5 * s, self.x_range[1]), np.nan)


HYPERBOLIC_PROBLEMS: tuple[ConservationProblem, ...] = (Advection(), Burgers())
