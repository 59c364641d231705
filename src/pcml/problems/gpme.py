"""Closed-form solutions of the generalized porous medium equation (GPME) family.

u_t = d/dx (k(u) du/dx) on x in [x0, x1], t in [t0, t1]; ProbConserv spec §2.1-2.3.
Each problem gives the exact solution u(t, x; p), the exact mass U(t; p) = int u dx and,
where it has one, the exact front position. Everything is numpy float64. The experiments are
registered in ``pcml.problems.registry``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import brentq
from scipy.special import erf

from pcml.problems.base import ConservationProblem


@dataclass(frozen=True)
class Diffusion(ConservationProblem):
    """Heat equation u_t = k u_xx on [0, 2pi], periodic; u = exp(-k t) sin(x) (spec §2.1).

    The mass is 0 for all t (zero net flux). The original code's spectral/interpolation
    artefacts (spec §9.1-9.2) are not reproduced: this is the exact solution everywhere.
    """

    name: str = "diffusion"
    param_name: str = "k"
    param_long_name: str = "diffusivity k"
    x_range: tuple[float, float] = (0.0, 2.0 * math.pi)
    t_range: tuple[float, float] = (0.0, 1.0)
    param_bounds: tuple[float, float] = (0.0, math.inf)

    def solution(self, t, x, param):
        k = self.check_param(param)
        t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
        return np.exp(-k * t) * np.sin(x)

    def mass(self, t, param):
        self.check_param(param)
        return np.zeros_like(np.asarray(t, float))


@dataclass(frozen=True)
class PorousMedium(ConservationProblem):
    """PME u_t = (u^m u_x)_x on [0, 1]; u = (m max(t - x, 0))^(1/m) (spec §2.2).

    Front at x* = t; U(t) = m^(1 + 1/m) t^(1 + 1/m) / (m + 1) for t <= 1.
    """

    name: str = "pme"
    param_name: str = "m"
    param_long_name: str = "exponent m"
    x_range: tuple[float, float] = (0.0, 1.0)
    t_range: tuple[float, float] = (0.0, 1.0)
    param_bounds: tuple[float, float] = (0.0, math.inf)

    def solution(self, t, x, param):
        m = self.check_param(param)
        t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
        return (m * np.maximum(t - x, 0.0)) ** (1.0 / m)

    def mass(self, t, param):
        m = self.check_param(param)
        t = np.asarray(t, float)
        return m ** (1.0 + 1.0 / m) * t ** (1.0 + 1.0 / m) / (m + 1.0)

    def front_position(self, t, param):
        self.check_param(param)
        return np.asarray(t, float).copy()


@lru_cache(maxsize=256)
def stefan_constants(u_star: float, k_max: float = 1.0) -> tuple[float, float, float]:
    """Constants (z1, alpha, c1) of the Stefan similarity solution (spec §2.3).

    z1 solves u* erf(z1) z1 exp(z1^2) = (1 - u*)/sqrt(pi) (root in [0, 10], brentq, float64);
    alpha = 2 sqrt(k_max) z1 (front x* = alpha sqrt(t)); c1 = (1 - u*)/erf(z1).
    """
    if not 0.0 < u_star < 1.0:
        raise ValueError(f"stefan: u_star={u_star} must lie in (0, 1)")

    def residual(z: float) -> float:
        return u_star * erf(z) * z * math.exp(z * z) - (1.0 - u_star) / math.sqrt(math.pi)

    z1 = brentq(residual, 0.0, 10.0, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=500)
    alpha = 2.0 * math.sqrt(k_max) * z1
    c1 = (1.0 - u_star) / erf(z1)
    return z1, alpha, c1


@dataclass(frozen=True)
class Stefan(ConservationProblem):
    """Stefan problem, k(u) = 1[u >= u*], on [0, 1] x [0, 0.1] (spec §2.3, §9.6).

    u = 1 - c1 erf(x / (2 sqrt(t))) for x <= alpha sqrt(t), else 0; u(t, 0) = 1 and
    u(0, x > 0) = 0 are imposed explicitly. U(t) = 2 c1 sqrt(t / pi).
    """

    name: str = "stefan"
    param_name: str = "u_star"
    param_long_name: str = "melting value u*"
    x_range: tuple[float, float] = (0.0, 1.0)
    t_range: tuple[float, float] = (0.0, 0.1)
    param_bounds: tuple[float, float] = (0.0, 1.0)

    def solution(self, t, x, param):
        u_star = self.check_param(param)
        _, alpha, c1 = stefan_constants(u_star)
        t, x = np.broadcast_arrays(np.asarray(t, float), np.asarray(x, float))
        u = np.zeros(t.shape)
        positive = t > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = positive & (x <= alpha * np.sqrt(np.where(positive, t, 0.0)))
            eta = x[inside] / (2.0 * np.sqrt(t[inside]))
        u[inside] = 1.0 - c1 * erf(eta)
        u[x == 0.0] = 1.0
        return u

    def mass(self, t, param):
        u_star = self.check_param(param)
        _, _, c1 = stefan_constants(u_star)
        return 2.0 * c1 * np.sqrt(np.asarray(t, float) / math.pi)

    def front_position(self, t, param):
        u_star = self.check_param(param)
        _, alpha, _ = stefan_constants(u_star)
        return alpha * np.sqrt(np.asarray(t, float))


GPME_PROBLEMS: tuple[ConservationProblem, ...] = (Diffusion(), PorousMedium(), Stefan())
