"""PDE residuals of SoftC-ANP's penalty (ProbConserv spec §4.2), by automatic differentiation.

The residual is that of the predictive MEAN mu at the training target inputs x_t = (t, x),
with each function's own parameter. One function per problem, registered under the experiment
name; each takes (mu (B, N), x_t (B, N, 2) with requires_grad, param (B,)) and returns r (B, N):

- diffusion: r = mu_t - d/dx (k mu_x), k the function's diffusivity;
- pme:       r = mu_t - d/dx (relu(mu)^m mu_x);
- stefan:    r = mu_t - d/dx (1[mu >= u*] mu_x) (the indicator has zero derivative, so the
             second term is 1[mu >= u*] mu_xx, spec §4.2);
- advection: r = mu_t + beta mu_x; "advection_broadcast" is the original code's version (spec
             §9.10): every function's residual is evaluated with every beta of the batch, r (B, B, N);
- burgers:   r = mu_t + mu mu_x.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Residual = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
RESIDUALS: dict[str, Residual] = {}


def register_residual(name: str) -> Callable[[Residual], Residual]:
    """Register a residual under the experiment name ``name``."""
    def wrap(fn: Residual) -> Residual:
        RESIDUALS[name] = fn
        return fn
    return wrap


def get_residual(name: str) -> Residual:
    """The residual of experiment ``name``; ValueError naming the known ones otherwise."""
    try:
        return RESIDUALS[name]
    except KeyError:
        raise ValueError(f"no SoftC residual for experiment {name!r}; known: {sorted(RESIDUALS)}") from None


def _gradient(y: torch.Tensor, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(dy/dt, dy/dx) at every point: each (B, N); the graph is kept for a second derivative."""
    g = torch.autograd.grad(y.sum(), x_t, create_graph=True)[0]
    return g[..., 0], g[..., 1]


def _gpme(mu: torch.Tensor, x_t: torch.Tensor, k_of_mu: torch.Tensor | Callable) -> torch.Tensor:
    mu_t, mu_x = _gradient(mu, x_t)
    k = k_of_mu(mu) if callable(k_of_mu) else k_of_mu
    _, flux_x = _gradient(k * mu_x, x_t)
    return mu_t - flux_x


@register_residual("diffusion")
def diffusion_residual(mu: torch.Tensor, x_t: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return _gpme(mu, x_t, k[:, None].to(mu.dtype))


@register_residual("pme")
def pme_residual(mu: torch.Tensor, x_t: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    return _gpme(mu, x_t, lambda u: torch.relu(u) ** m[:, None].to(u.dtype))


@register_residual("stefan")
def stefan_residual(mu: torch.Tensor, x_t: torch.Tensor, u_star: torch.Tensor) -> torch.Tensor:
    return _gpme(mu, x_t, lambda u: (u >= u_star[:, None].to(u.dtype)).to(u.dtype))


@register_residual("advection")
def advection_residual(mu: torch.Tensor, x_t: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    mu_t, mu_x = _gradient(mu, x_t)
    return mu_t + beta[:, None].to(mu.dtype) * mu_x


@register_residual("advection_broadcast")
def advection_residual_broadcast(mu: torch.Tensor, x_t: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """The original's broadcast (spec §9.10): r[b, b', n] = mu_t[b', n] + beta_b mu_x[b', n], (B, B, N)."""
    mu_t, mu_x = _gradient(mu, x_t)
    return mu_t[None] + beta[:, None, None].to(mu.dtype) * mu_x[None]


@register_residual("burgers")
def burgers_residual(mu: torch.Tensor, x_t: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    mu_t, mu_x = _gradient(mu, x_t)
    return mu_t + mu * mu_x
