"""The ANP's fast paths against a straightforward implementation on fixed weights and inputs.

The model shares work across latent draws (broadcast draw axis, the first decoder layer and the
attention output layer split by column blocks, the score scale on q, one context encoding per
function) and draws its dropout masks from 32-bit fields. The reference below is the textbook
computation (inputs repeated per draw, concatenations, scores / sqrt(d)) taking its masks from the
same generators in the same order, so both must agree to float round-off in eval AND train mode.
"""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from pcml.models.anp import ANP, gaussian_kl, gaussian_nll
from pcml.models.dropout import SeededDropout, dropout_rng, keep_mask
from pcml.seeding import generator, seeded_init


class Masks:
    """Mask source of the reference: the context generator, or one generator per target block."""

    def __init__(self, context, target_gens=None, block=0):
        self.context, self.target_gens, self.block = context, target_gens, block

    def __call__(self, shape, keep, like, target_axis=None):
        if target_axis is None or self.target_gens is None:
            return keep_mask(shape, keep, self.context, like)
        n = shape[target_axis]
        parts = []
        for i, start in enumerate(range(0, n, self.block)):
            part = list(shape)
            part[target_axis] = min(self.block, n - start)
            parts.append(keep_mask(part, keep, self.target_gens[i], like))
        return torch.cat(parts, dim=target_axis)


def ref_attention(layer, key, value, query, masks, train, target=False):
    """Attention of (B, N, H) tensors exactly as written in the paper's code."""
    b, nq, hdim = query.shape
    heads, d = layer.num_heads, layer.head_dim
    split = lambda h: h.view(h.shape[0], h.shape[1], heads, d).transpose(1, 2)  # noqa: E731
    k, v, q = split(key @ layer.key.weight.T), split(value @ layer.value.weight.T), split(query @ layer.query.weight.T)
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
    keep = 1.0 - layer.attn_dropout.p
    if train:
        weights = weights * masks(weights.shape, keep, weights, -2 if target else None)
    attended = (weights @ v).transpose(1, 2).reshape(b, nq, hdim)
    out = torch.cat([query, attended], dim=-1) @ layer.out.weight.T + layer.out.bias
    if train:
        out = out * masks(out.shape, keep, out, -2 if target else None)
    return layer.norm(out + query)


def ref_latent(enc, x, y, masks, train):
    h = torch.cat([x, y], dim=-1) @ enc.embed.weight.T + enc.embed.bias
    for layer in enc.self_attn:
        h = ref_attention(layer, h, h, h, masks, train)
    h = torch.relu(enc.hidden(h.mean(dim=1)))
    return enc.mean(h), enc.logvar(h)


def ref_deterministic(det, x_c, y_c, x_t, masks, train):
    e = det.embed(torch.cat([x_c, y_c], dim=-1))
    for layer in det.self_attn:
        e = ref_attention(layer, e, e, e, masks, train)
    keys, query = det.key_proj(x_c), det.query_proj(x_t)
    for layer in det.cross_attn:
        query = ref_attention(layer, keys, e, query, masks, train, target=True)
    return query


def ref_decoder(dec, r, z, x_t):
    h = torch.cat([r, z.unsqueeze(1).expand(-1, x_t.shape[1], -1), dec.target_proj(x_t)], dim=-1)
    for layer in dec.hidden:
        h = torch.relu(h @ layer.weight.T + layer.bias)
    mu, s = dec.out(h).unbind(dim=-1)
    return mu, F.softplus(s) + 1e-3


def ref_predict_draws(model, x_c, y_c, x_t, n_draws, masks, gen, train):
    """Inputs repeated n_draws times along the batch (draw-major), everything recomputed per draw."""
    b = x_c.shape[0]
    xc, yc, xt = (a.repeat(n_draws, 1, 1) for a in (x_c, y_c, x_t))
    mean_p, logvar_p = ref_latent(model.latent, xc, yc, masks, train)
    z = mean_p + torch.exp(0.5 * logvar_p) * torch.randn(mean_p.shape, generator=gen)
    mu, sigma = ref_decoder(model.decoder, ref_deterministic(model.det, xc, yc, xt, masks, train), z, xt)
    return mu.view(n_draws, b, -1), sigma.view(n_draws, b, -1)


def ref_loss(model, x_c, y_c, x_t, y_t, gen, train):
    masks = Masks(gen)
    mean_p, logvar_p = ref_latent(model.latent, x_c, y_c, masks, train)
    mean_q, logvar_q = ref_latent(model.latent, x_t, y_t, masks, train)
    z = mean_q + torch.exp(0.5 * logvar_q) * torch.randn(mean_q.shape, generator=gen)
    mu, sigma = ref_decoder(model.decoder, ref_deterministic(model.det, x_c, y_c, x_t, masks, train), z, x_t)
    return gaussian_nll(y_t.squeeze(-1), mu, sigma) + gaussian_kl(mean_q, logvar_q, mean_p, logvar_p)


def problem(b=3, nc=9, nt=12, seed=0):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.rand(b, n, d, generator=g) for n, d in ((nc, 2), (nc, 1), (nt, 2), (nt, 1)))


def model(dropout=0.3):
    with seeded_init(4):
        return ANP(num_hidden=16, dropout=dropout)


@pytest.mark.parametrize("train", [False, True])
def test_loss_and_gradients_match_the_straightforward_computation(train):
    net = model().train(train)
    x_c, y_c, x_t, y_t = problem()
    # The model draws masks and the latent noise from one generator: replay that in the reference.
    g = generator(0, "loss")
    with dropout_rng(g):
        fast = net.loss(x_c, y_c, x_t, y_t, generator=g)["loss"]
    fast_grads = torch.autograd.grad(fast, list(net.parameters()))
    ref = ref_loss(net, x_c, y_c, x_t, y_t, generator(0, "loss"), train)
    ref_grads = torch.autograd.grad(ref, list(net.parameters()))
    torch.testing.assert_close(fast, ref, rtol=1e-5, atol=1e-4)
    for (name, _), a, b in zip(net.named_parameters(), fast_grads, ref_grads):
        # float32 round-off relative to the tensor's scale (sums over 36 points and 3 functions)
        assert float((a - b).abs().max()) <= 1e-5 * max(1.0, float(b.abs().max())), name


@pytest.mark.parametrize("train", [False, True])
def test_predict_draws_match_the_straightforward_computation(train):
    """Per-draw moments with per-draw masks (train) or shared encodings (eval), in target blocks."""
    net = model().train(train)
    x_c, y_c, x_t, _ = problem(b=1)
    block, n_draws = 4, 5
    target_gens = lambda: [generator(1, "slice", i) for i in range(3)]  # noqa: E731

    g = generator(1, "draws")
    with dropout_rng(g, target_gens(), target_block=block):
        fast = net.predict_draws(x_c, y_c, x_t, n_draws, generator=g)
    g = generator(1, "draws")
    ref = ref_predict_draws(net, x_c, y_c, x_t, n_draws, Masks(g, target_gens(), block), g, train)
    for a, b in zip(fast, ref):
        assert a.shape == (n_draws, 1, 12)
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    if train:  # the draws differ (their own masks), so sharing across draws was not faked
        assert fast[0].std(dim=0).min() > 0


def test_encoding_once_and_decoding_chunks_equals_one_call():
    net = model().train()
    x_c, y_c, x_t, _ = problem(b=1)
    gens = lambda blocks: [generator(2, "slice", i) for i in blocks]  # noqa: E731
    g = generator(2, "draws")
    with dropout_rng(g, gens(range(3)), target_block=4):
        whole = net.predict_draws(x_c, y_c, x_t, 6, generator=g)
    g = generator(2, "draws")
    with dropout_rng(g):
        encoding = net.encode_context(x_c, y_c, 6, generator=g)
    parts = []
    for blocks in (range(0, 1), range(1, 3)):
        with dropout_rng(g, gens(blocks), target_block=4):
            parts.append(net.decode_targets(encoding, x_t[:, 4 * blocks.start:4 * blocks.stop]))
    for i in range(2):
        torch.testing.assert_close(torch.cat([p[i] for p in parts], dim=-1), whole[i], rtol=1e-5, atol=1e-6)


def test_keep_mask_is_bernoulli_keep_and_inverted():
    """Frequency within 5 binomial sd of 1 - p, values {0, 1/keep}, independent of dtype path."""
    n, keep = 400_000, 0.9
    mask = keep_mask((n,), keep, generator(0, "mask"), torch.empty(0))
    assert set(np.unique(mask.numpy()).tolist()) == {0.0, np.float32(1 / keep)}
    kept = float((mask > 0).double().mean())
    assert abs(kept - keep) < 5 * math.sqrt(keep * (1 - keep) / n)
    # neighbouring entries (the two fields of one 64-bit word) are uncorrelated
    a, b = (mask[0::2] > 0).double(), (mask[1::2] > 0).double()
    assert abs(float((a * b).mean()) - keep ** 2) < 5 * math.sqrt(keep ** 2 * (1 - keep ** 2) / (n / 2))
    as64 = keep_mask((n,), keep, generator(0, "mask"), torch.empty(0, dtype=torch.float64))
    torch.testing.assert_close(as64, mask.double(), rtol=1e-7, atol=0)  # same draws, other dtype


def test_block_dropout_without_grad_equals_concatenated_masks():
    drop = SeededDropout(0.4, target_axis=-2).train()
    x = torch.randn(2, 3, 10, 4)
    gens = lambda: [generator(3, "b", i) for i in range(4)]  # noqa: E731
    with torch.no_grad(), dropout_rng(generator(3, "c"), gens(), target_block=3):
        fast = drop(x)
    ref = x * Masks(generator(3, "c"), gens(), 3)(x.shape, 0.6, x, -2)
    assert torch.equal(fast, ref)
