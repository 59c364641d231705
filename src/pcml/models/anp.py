"""Attentive Neural Process of ProbConserv (spec §4.1; 989,826 parameters at H = 128).

Inputs are raw (t, x) pairs, outputs u. Shapes: B functions, Nc context and Nt target points;
x tensors (B, N, 2), y tensors (B, N, 1). Given the latent z, every target point is predicted
independently (attention is per query, LayerNorm per token), so callers may chunk targets.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from pcml.models.attention import Attention, xavier_linear


class LatentEncoder(nn.Module):
    """Set encoder of (x, y) pairs -> (mean, log-variance) of z, each (B, H)."""

    def __init__(self, num_hidden: int, dim_x: int, dim_y: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.embed = xavier_linear(dim_x + dim_y, num_hidden)
        self.self_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout) for _ in range(2)])
        self.hidden = xavier_linear(num_hidden, num_hidden, gain="relu")
        self.mean = xavier_linear(num_hidden, num_hidden)
        self.logvar = xavier_linear(num_hidden, num_hidden)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.embed(torch.cat([x, y], dim=-1))
        for layer in self.self_attn:
            h = layer(h, h, h)
        h = torch.relu(self.hidden(h.mean(dim=1)))
        return self.mean(h), self.logvar(h)


class DeterministicEncoder(nn.Module):
    """Self-attention over the context, then cross-attention from targets: r (B, Nt, H)."""

    def __init__(self, num_hidden: int, dim_x: int, dim_y: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.embed = xavier_linear(dim_x + dim_y, num_hidden)
        self.self_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout) for _ in range(2)])
        self.cross_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout) for _ in range(2)])
        self.key_proj = xavier_linear(dim_x, num_hidden)
        self.query_proj = xavier_linear(dim_x, num_hidden)

    def forward(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        e = self.embed(torch.cat([x_c, y_c], dim=-1))
        for layer in self.self_attn:
            e = layer(e, e, e)
        keys, query = self.key_proj(x_c), self.query_proj(x_t)
        for layer in self.cross_attn:
            query = layer(keys, e, query)
        return query


class Decoder(nn.Module):
    """MLP on [r, z, proj(x_t)] -> (mu, sigma), sigma = softplus(s) + 1e-3, each (B, Nt)."""

    def __init__(self, num_hidden: int, dim_x: int) -> None:
        super().__init__()
        width = 3 * num_hidden
        self.target_proj = xavier_linear(dim_x, num_hidden)
        self.hidden = nn.ModuleList([xavier_linear(width, width, gain="relu") for _ in range(3)])
        self.out = xavier_linear(width, 2)

    def forward(self, r: torch.Tensor, z: torch.Tensor, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = z.unsqueeze(1).expand(-1, x_t.shape[1], -1)
        h = torch.cat([r, z, self.target_proj(x_t)], dim=-1)
        for layer in self.hidden:
            h = torch.relu(layer(h))
        mu, s = self.out(h).unbind(dim=-1)
        return mu, F.softplus(s) + 1e-3


def gaussian_kl(mean_q: torch.Tensor, logvar_q: torch.Tensor, mean_p: torch.Tensor,
                logvar_p: torch.Tensor) -> torch.Tensor:
    """KL(q || p) of diagonal Gaussians, summed over all elements (log-variance parametrisation)."""
    return 0.5 * torch.sum((logvar_q.exp() + (mean_q - mean_p) ** 2) / logvar_p.exp() - 1.0 + logvar_p - logvar_q)


class ANP(nn.Module):
    """Attentive neural process with latent and deterministic paths (spec §4.1)."""

    def __init__(self, num_hidden: int = 128, dim_x: int = 2, dim_y: int = 1, num_heads: int = 4,
                 dropout: float = 0.1) -> None:
        super().__init__()
        self.num_hidden = num_hidden
        self.latent = LatentEncoder(num_hidden, dim_x, dim_y, num_heads, dropout)
        self.det = DeterministicEncoder(num_hidden, dim_x, dim_y, num_heads, dropout)
        self.decoder = Decoder(num_hidden, dim_x)

    def latent_distribution(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of z given a set of points, each (B, H)."""
        return self.latent(x, y)

    def deterministic(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        """Deterministic representation of each target, (B, Nt, H)."""
        return self.det(x_c, y_c, x_t)

    def decode(self, r: torch.Tensor, z: torch.Tensor, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictive (mu, sigma) of each target, each (B, Nt)."""
        return self.decoder(r, z, x_t)

    @staticmethod
    def sample_z(mean: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * logvar) * eps

    def loss(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor, y_t: torch.Tensor,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Training objective: -sum log N(y_t | mu, sigma^2) + KL(q(z|targets) || p(z|context)).

        Both terms are summed over the batch (not averaged). Returns {loss, nll, kl} scalars.
        """
        mean_p, logvar_p = self.latent(x_c, y_c)
        mean_q, logvar_q = self.latent(x_t, y_t)
        z = self.sample_z(mean_q, logvar_q, generator)
        mu, sigma = self.decoder(self.det(x_c, y_c, x_t), z, x_t)
        y = y_t.squeeze(-1)
        nll = -torch.sum(-0.5 * ((y - mu) / sigma) ** 2 - torch.log(sigma) - 0.5 * math.log(2 * math.pi))
        kl = gaussian_kl(mean_q, logvar_q, mean_p, logvar_p)
        return {"loss": nll + kl, "nll": nll, "kl": kl}

    def predict_draws(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor, n_draws: int,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-draw predictive moments with z ~ p(z | context): (mu, sigma) each (n_draws, B, Nt).

        In eval mode r is computed once and shared by all draws. In train mode (MC dropout at
        inference) every draw runs its own forward pass, so dropout masks differ per draw.
        """
        b = x_c.shape[0]
        if not self.training:
            mean_p, logvar_p = self.latent(x_c, y_c)
            r = self.det(x_c, y_c, x_t)
            z = self.sample_z(mean_p.unsqueeze(0).expand(n_draws, -1, -1),
                              logvar_p.unsqueeze(0).expand(n_draws, -1, -1), generator)
            mu, sigma = self.decoder(r.repeat(n_draws, 1, 1), z.reshape(n_draws * b, -1),
                                     x_t.repeat(n_draws, 1, 1))
        else:
            xc, yc, xt = (a.repeat(n_draws, 1, 1) for a in (x_c, y_c, x_t))
            mean_p, logvar_p = self.latent(xc, yc)
            z = self.sample_z(mean_p, logvar_p, generator)
            mu, sigma = self.decoder(self.det(xc, yc, xt), z, xt)
        return mu.view(n_draws, b, -1), sigma.view(n_draws, b, -1)
