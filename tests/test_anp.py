"""The ANP: parameter count, loss, sampling and chunking (ProbConserv spec §4.1)."""
import math

import pytest
import torch

from pcml.models import build_model
from pcml.models.anp import ANP, gaussian_kl


def data(b=3, nc=7, nt=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(b, nc, 2, generator=g), torch.rand(b, nc, 1, generator=g),
            torch.rand(b, nt, 2, generator=g), torch.rand(b, nt, 1, generator=g))


def test_parameter_count_at_paper_width():
    assert sum(p.numel() for p in ANP(num_hidden=128).parameters()) == 989_826


def test_registry_rejects_unknown_name():
    with pytest.raises(ValueError, match="known"):
        build_model("gp")


def test_loss_is_summed_nll_plus_closed_form_kl():
    torch.manual_seed(0)
    model = ANP(num_hidden=16).eval()
    xc, yc, xt, yt = data()
    out = model.loss(xc, yc, xt, yt, generator=torch.Generator().manual_seed(5))
    # recompute independently with the same latent noise
    mp, lp = model.latent_distribution(xc, yc)
    mq, lq = model.latent_distribution(xt, yt)
    eps = torch.randn(mq.shape, generator=torch.Generator().manual_seed(5))
    z = mq + torch.exp(0.5 * lq) * eps
    mu, sigma = model.decode(model.deterministic(xc, yc, xt), z, xt)
    nll = -torch.distributions.Normal(mu, sigma).log_prob(yt[..., 0]).sum()
    kl = torch.distributions.kl_divergence(torch.distributions.Normal(mq, torch.exp(0.5 * lq)),
                                           torch.distributions.Normal(mp, torch.exp(0.5 * lp))).sum()
    torch.testing.assert_close(out["nll"], nll, rtol=1e-5, atol=1e-4)
    torch.testing.assert_close(out["kl"], kl, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(out["loss"], nll + kl, rtol=1e-5, atol=1e-4)
    assert float(gaussian_kl(mq, lq, mq, lq).detach()) == pytest.approx(0.0, abs=1e-6)


def test_predict_draws_shapes_determinism_and_chunking():
    torch.manual_seed(1)
    model = ANP(num_hidden=16).eval()
    xc, yc, xt, _ = data(b=2, nt=12)
    mu, sigma = model.predict_draws(xc, yc, xt, 6, generator=torch.Generator().manual_seed(3))
    assert mu.shape == sigma.shape == (6, 2, 12)
    assert (sigma > 1e-3).all()
    mu2, _ = model.predict_draws(xc, yc, xt, 6, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(mu, mu2, rtol=0, atol=0)
    # chunking the targets with the same latent seed gives the same predictions
    parts = [model.predict_draws(xc, yc, xt[:, s], 6, generator=torch.Generator().manual_seed(3))[0]
             for s in (slice(0, 5), slice(5, 12))]
    torch.testing.assert_close(torch.cat(parts, dim=-1), mu, rtol=1e-5, atol=1e-6)
    # draws differ (latent variability)
    assert mu.std(dim=0).mean() > 0


def test_mc_dropout_mode_gives_independent_masks_per_draw():
    torch.manual_seed(1)
    model = ANP(num_hidden=16, dropout=0.5)
    xc, yc, xt, _ = data(b=1)
    model.eval()
    mu_eval, _ = model.predict_draws(xc, yc, xt, 4, generator=torch.Generator().manual_seed(0))
    model.train()
    torch.manual_seed(2)
    mu_train, _ = model.predict_draws(xc, yc, xt, 4, generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(mu_eval, mu_train)


@pytest.mark.parametrize("block", ["latent", "det", "decoder"])
def test_every_block_changes_the_output(block):
    torch.manual_seed(0)
    model = ANP(num_hidden=16).eval()
    xc, yc, xt, _ = data()
    before, _ = model.predict_draws(xc, yc, xt, 2, generator=torch.Generator().manual_seed(0))
    for name, sub in model.named_children():
        if name == block:
            for p in sub.parameters():
                p.data.add_(0.1 * torch.randn_like(p))
    after, _ = model.predict_draws(xc, yc, xt, 2, generator=torch.Generator().manual_seed(0))
    assert (after - before).abs().max() > 1e-4


def test_width_must_split_into_heads():
    with pytest.raises(ValueError, match="multiple"):
        ANP(num_hidden=18)
