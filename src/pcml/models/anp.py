"""Attentive Neural Process of ProbConserv (spec §4.1; 989,826 parameters at H = 128).

Inputs are raw (t, x) pairs, outputs u (no normalisation, spec §9.16). Shapes: B functions,
Nc context and Nt target points; x tensors (B, N, dim_x), y tensors (B, N, 1), float32.

Given the latent z, every target point is predicted independently (cross-attention is per
query, LayerNorm and the decoder MLP per token), so callers may split x_t into chunks and
concatenate the predictions, provided every chunk uses the same z (in eval mode: the same
generator seed, see ``ANP.predict_draws``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from pcml.models.affine_input import AffineInput
from pcml.models.attention import Attention, xavier_linear


class LatentEncoder(nn.Module):
    """Set encoder of (x, y) pairs (..., N, dim) -> (mean, log-variance) of z, each (..., H)."""

    def __init__(self, num_hidden: int, dim_x: int, dim_y: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.embed = xavier_linear(dim_x + dim_y, num_hidden)
        self.self_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout) for _ in range(2)])
        self.hidden = xavier_linear(num_hidden, num_hidden, gain="relu")
        self.mean = xavier_linear(num_hidden, num_hidden)
        self.logvar = xavier_linear(num_hidden, num_hidden)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = AffineInput(torch.cat([x, y], dim=-1), self.embed)  # the first layer folds the embedding in
        for layer in self.self_attn:
            h = layer(h, h, h)
        h = torch.relu(self.hidden(h.mean(dim=-2)))
        return self.mean(h), self.logvar(h)


class DeterministicEncoder(nn.Module):
    """Self-attention over the context, then cross-attention from targets: r (..., Nt, H).

    ``encode`` (context only) and ``attend`` (per target) split the work, so a caller can encode
    a context once and attend to it from many chunks of targets; leading dims broadcast.
    """

    def __init__(self, num_hidden: int, dim_x: int, dim_y: int, num_heads: int, dropout: float) -> None:
        super().__init__()
        self.embed = xavier_linear(dim_x + dim_y, num_hidden)
        self.self_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout) for _ in range(2)])
        self.cross_attn = nn.ModuleList([Attention(num_hidden, num_heads, dropout, target_queries=True)
                                         for _ in range(2)])
        self.key_proj = xavier_linear(dim_x, num_hidden)
        self.query_proj = xavier_linear(dim_x, num_hidden)

    def encode(self, x_c: torch.Tensor, y_c: torch.Tensor) -> torch.Tensor:
        """The context's values after self-attention: (..., Nc, H)."""
        e = AffineInput(torch.cat([x_c, y_c], dim=-1), self.embed)  # folded into the first layer
        for layer in self.self_attn:
            e = layer(e, e, e)
        return e

    def attend(self, x_c: torch.Tensor, values: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        """r of each target: cross-attention from proj(x_t) to keys proj(x_c) and ``values``."""
        # keys enter every layer, the query the first one, only through products: both stay folded
        keys, query = AffineInput(x_c, self.key_proj), AffineInput(x_t, self.query_proj)
        for layer in self.cross_attn:
            query = layer(keys, values, query)
        return query

    def forward(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        return self.attend(x_c, self.encode(x_c, y_c), x_t)


class Decoder(nn.Module):
    """MLP on [r, z, proj(x_t)] -> (mu, sigma), sigma = softplus(s) + 1e-3, each (..., Nt).

    The first layer is applied as W_r r + W_z z + W_p proj(x_t) + b (the column blocks of its
    weight), the same function as on the concatenation, so that z enters once per draw rather
    than once per target, and r or proj(x_t) once when they are shared by all draws; W_p proj(x_t)
    is folded into one product with x_t (``pcml.models.affine_input``).
    """

    def __init__(self, num_hidden: int, dim_x: int) -> None:
        super().__init__()
        width = 3 * num_hidden
        self.target_proj = xavier_linear(dim_x, num_hidden)
        self.hidden = nn.ModuleList([xavier_linear(width, width, gain="relu") for _ in range(3)])
        self.out = xavier_linear(width, 2)

    def forward(self, r: torch.Tensor, z: torch.Tensor, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """r (..., Nt, H), z (..., H), x_t (..., Nt, dim_x), leading dims broadcast -> mu, sigma."""
        n = r.shape[-1]
        w, bias = self.hidden[0].weight, self.hidden[0].bias
        h = (F.linear(r, w[:, :n]) + F.linear(z, w[:, n:2 * n]).unsqueeze(-2)
             + AffineInput(x_t, self.target_proj).project(w[:, 2 * n:], bias))
        h = torch.relu(h)
        for layer in self.hidden[1:]:
            h = torch.relu(layer(h))
        mu, s = self.out(h).unbind(dim=-1)
        return mu, F.softplus(s) + 1e-3


def gaussian_kl(mean_q: torch.Tensor, logvar_q: torch.Tensor, mean_p: torch.Tensor,
                logvar_p: torch.Tensor) -> torch.Tensor:
    """KL(q || p) of diagonal Gaussians given means and log-variances, summed over all elements.

    Returns a scalar: ½ Σ [(e^{ℓ_q} + (μ_q − μ_p)²) / e^{ℓ_p} − 1 + ℓ_p − ℓ_q].
    """
    return 0.5 * torch.sum((logvar_q.exp() + (mean_q - mean_p) ** 2) / logvar_p.exp() - 1.0 + logvar_p - logvar_q)


def gaussian_nll(y: torch.Tensor, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """−Σ log N(y | mu, sigma²) over all elements (scalar); y, mu, sigma of one shape."""
    return torch.sum(0.5 * ((y - mu) / sigma) ** 2 + torch.log(sigma) + 0.5 * math.log(2 * math.pi))


class ANP(nn.Module):
    """Attentive neural process with a latent and a deterministic path (spec §4.1).

    Sub-modules: ``latent`` (set encoder -> q(z)), ``det`` (self- then cross-attention -> r per
    target), ``decoder`` (MLP on [r, z, proj(x_t)] -> mu, sigma). ``num_hidden`` is both the width
    and the latent dimension; it must be a multiple of ``num_heads``. Predictions are scalar
    (``dim_y`` must be 1).
    """

    def __init__(self, num_hidden: int = 128, dim_x: int = 2, dim_y: int = 1, num_heads: int = 4,
                 dropout: float = 0.1) -> None:
        super().__init__()
        if dim_y != 1:
            raise ValueError(f"dim_y={dim_y}: this ANP predicts a scalar (mu, sigma) per target; dim_y must be 1")
        self.num_hidden = num_hidden
        self.dim_x = dim_x
        self.latent = LatentEncoder(num_hidden, dim_x, dim_y, num_heads, dropout)
        self.det = DeterministicEncoder(num_hidden, dim_x, dim_y, num_heads, dropout)
        self.decoder = Decoder(num_hidden, dim_x)

    def _check(self, **tensors: torch.Tensor) -> None:
        """Refuse inputs whose shapes do not fit (B, N, dim_x) / (B, N, 1), naming the argument."""
        for name, t in tensors.items():
            width = self.dim_x if name.startswith("x") else 1
            if t.dim() != 3 or t.shape[-1] != width:
                raise ValueError(f"{name} must have shape (B, N, {width}); got {tuple(t.shape)}")
        batch = {name: t.shape[0] for name, t in tensors.items()}
        if len(set(batch.values())) > 1:
            raise ValueError(f"batch sizes differ: {batch}")
        for a, b in (("x_c", "y_c"), ("x_t", "y_t"), ("x", "y")):
            if a in tensors and b in tensors and tensors[a].shape[1] != tensors[b].shape[1]:
                raise ValueError(f"{a} has {tensors[a].shape[1]} points but {b} has {tensors[b].shape[1]}")

    def latent_distribution(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(mean, log-variance) of z given a set of points x (B, N, dim_x), y (B, N, 1); each (B, H).

        The second output is a log-VARIANCE: std = exp(logvar / 2).
        """
        self._check(x=x, y=y)
        return self.latent(x, y)

    def deterministic(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor) -> torch.Tensor:
        """Deterministic representation r of each target given the context: (B, Nt, H)."""
        self._check(x_c=x_c, y_c=y_c, x_t=x_t)
        return self.det(x_c, y_c, x_t)

    def decode(self, r: torch.Tensor, z: torch.Tensor, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Predictive (mu, sigma) of each target from r (B, Nt, H), z (B, H), x_t (B, Nt, dim_x).

        Returns mu, sigma each (B, Nt); sigma = softplus(s) + 1e-3.
        """
        return self.decoder(r, z, x_t)

    @staticmethod
    def sample_z(mean: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """z = mean + exp(logvar / 2) * eps, eps = torch.randn(mean.shape, generator); shape of mean."""
        eps = torch.randn(mean.shape, generator=generator, device=mean.device, dtype=mean.dtype)
        return mean + torch.exp(0.5 * logvar) * eps

    def loss(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor, y_t: torch.Tensor,
             generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Training objective: −Σ log N(y_t | mu, sigma²) + KL(q(z | x_t, y_t) ‖ p(z | x_c, y_c)).

        z is one draw from q (the latent encoder on the target set). The NLL is summed over the
        batch and the points, the KL over the batch and the latent dims (sums, not means).
        Returns {"loss", "nll", "kl"}, scalar tensors, and "mu" (B, Nt), the predictive mean at the
        targets (differentiable w.r.t. x_t when x_t requires grad: SoftC's residual).
        """
        self._check(x_c=x_c, y_c=y_c, x_t=x_t, y_t=y_t)
        mean_p, logvar_p = self.latent(x_c, y_c)
        mean_q, logvar_q = self.latent(x_t, y_t)
        z = self.sample_z(mean_q, logvar_q, generator)
        mu, sigma = self.decoder(self.det(x_c, y_c, x_t), z, x_t)
        nll = gaussian_nll(y_t.squeeze(-1), mu, sigma)
        kl = gaussian_kl(mean_q, logvar_q, mean_p, logvar_p)
        return {"loss": nll + kl, "nll": nll, "kl": kl, "mu": mu}

    def encode_context(self, x_c: torch.Tensor, y_c: torch.Tensor, n_draws: int,
                       generator: torch.Generator | None = None) -> ContextEncoding:
        """Everything the predictions need from a context: n_draws latent draws z ~ p(z | context).

        x_c (B, Nc, dim_x), y_c (B, Nc, 1). The latent noise is one ``torch.randn((n_draws, B, H),
        generator)`` call. In train mode (MC dropout at inference, spec §9.3) every draw gets its
        own dropout masks in both context encoders (the inputs are broadcast along a draw axis, so
        the masks are the ones of inputs repeated n_draws times, draw-major); in eval mode the
        encodings are computed once and shared by all draws.
        """
        if n_draws < 1:
            raise ValueError(f"n_draws must be >= 1; got {n_draws}")
        self._check(x_c=x_c, y_c=y_c)
        b = x_c.shape[0]
        shape = (n_draws if self.training else 1, *x_c.shape)
        xc, yc = x_c.unsqueeze(0).expand(shape), y_c.unsqueeze(0).expand(*shape[:-1], 1)
        mean_p, logvar_p = self.latent(xc, yc)
        z = self.sample_z(mean_p.expand(n_draws, b, -1), logvar_p.expand(n_draws, b, -1), generator)
        return ContextEncoding(x_c=x_c.unsqueeze(0), values=self.det.encode(xc, yc), z=z)

    def decode_targets(self, encoding: ContextEncoding, x_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-draw predictive (mu, sigma) of targets x_t (B, Nt, dim_x), each (n_draws, B, Nt).

        Given the encoding, targets are independent: calling this on chunks of x_t and
        concatenating gives the predictions of one call (with MC dropout, when the masks of the
        target path come from per-block generators of ``pcml.models.dropout``).
        """
        self._check(x_t=x_t)
        xt = x_t.unsqueeze(0)
        return self.decoder(self.det.attend(encoding.x_c, encoding.values, xt), encoding.z, xt)

    def predict_draws(self, x_c: torch.Tensor, y_c: torch.Tensor, x_t: torch.Tensor, n_draws: int,
                      generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-draw predictive moments with z ~ p(z | context): (mu, sigma), each (n_draws, B, Nt).

        ``encode_context`` then ``decode_targets`` (see both): a seeded generator reproduces the
        draws, and in eval mode calling this on chunks of x_t with the same generator seed gives
        the predictions of one call.
        """
        self._check(x_c=x_c, y_c=y_c, x_t=x_t)
        return self.decode_targets(self.encode_context(x_c, y_c, n_draws, generator), x_t)


@dataclass(frozen=True)
class ContextEncoding:
    """A context encoded for ``n_draws`` draws: x_c (1, B, Nc, dim_x); values (S or 1, B, Nc, H),
    the deterministic path's context after self-attention (S with per-draw dropout masks);
    z (n_draws, B, H)."""

    x_c: torch.Tensor
    values: torch.Tensor
    z: torch.Tensor
