"""The ANP: parameter count, loss, sampling, MC dropout and chunking (ProbConserv spec §4.1)."""
import math

import pytest
import torch
from torch import nn

from pcml.models import MODELS, build_model
from pcml.models.anp import ANP, gaussian_kl
from pcml.models.attention import Attention

H = 16  # small width for behaviour tests


def data(b=3, nc=7, nt=5, seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    return tuple(torch.rand(b, n, d, generator=g, dtype=dtype) for n, d in ((nc, 2), (nc, 1), (nt, 2), (nt, 1)))


def gen(seed):
    return torch.Generator().manual_seed(seed)


def test_parameter_count_at_paper_width():
    assert sum(p.numel() for p in ANP(num_hidden=128).parameters()) == 989_826


def test_registry_builds_anp_and_rejects_unknown_name():
    assert MODELS["anp"] is ANP
    model = build_model("anp", num_hidden=H)
    assert isinstance(model, ANP) and model.num_hidden == H
    with pytest.raises(ValueError, match="known.*anp"):
        build_model("gp")


def test_attention_block_layout_and_init():
    torch.manual_seed(0)
    block = Attention(128)
    for proj in (block.key, block.value, block.query):
        assert proj.bias is None and proj.weight.shape == (128, 128)
    assert block.out.weight.shape == (128, 256) and block.out.bias is not None
    bound = math.sqrt(6 / (128 + 128))  # Xavier-uniform, gain 1
    assert block.key.weight.abs().max() <= bound and block.key.weight.abs().max() > 0.9 * bound
    relu_bound = math.sqrt(2) * math.sqrt(6 / (3 * H + 3 * H))  # decoder hidden: relu gain
    w = ANP(num_hidden=H).decoder.hidden[0].weight
    assert w.abs().max() <= relu_bound and w.abs().max() > 0.9 * relu_bound


def test_attention_is_per_query_and_head_split_matches_definition():
    """Each output token depends only on its own query; the heads split H as head * d + j."""
    torch.manual_seed(0)
    block = Attention(H, num_heads=4, dropout=0.0).eval()
    g = gen(1)
    key, value, query = (torch.randn(2, n, H, generator=g) for n in (6, 6, 5))
    out = block(key, value, query)
    assert out.shape == (2, 5, H)
    torch.testing.assert_close(block(key, value, query[:, 2:4]), out[:, 2:4], rtol=1e-6, atol=1e-6)
    # reference computation, head by head
    k, v, q = block.key(key), block.value(value), block.query(query)
    d = H // 4
    heads = []
    for h in range(4):
        s = slice(h * d, (h + 1) * d)
        w = torch.softmax(q[..., s] @ k[..., s].transpose(1, 2) / math.sqrt(d), dim=-1)
        heads.append(w @ v[..., s])
    ref = block.norm(query + block.out(torch.cat([query, torch.cat(heads, -1)], -1)))
    torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)


def test_output_shapes_and_sigma_floor():
    torch.manual_seed(0)
    model = ANP(num_hidden=H).eval()
    xc, yc, xt, yt = data(b=2, nc=7, nt=5)
    mean, logvar = model.latent_distribution(xc, yc)
    assert mean.shape == logvar.shape == (2, H)
    r = model.deterministic(xc, yc, xt)
    assert r.shape == (2, 5, H)
    mu, sigma = model.decode(r, mean, xt)
    assert mu.shape == sigma.shape == (2, 5)
    assert (sigma > 1e-3).all()
    # a large negative pre-activation drives sigma to its floor 1e-3 (softplus underflows to 0)
    with torch.no_grad():
        model.decoder.out.bias[1] = -1e4
    _, sigma = model.decode(r, mean, xt)
    torch.testing.assert_close(sigma, torch.full_like(sigma, 1e-3), rtol=0, atol=0)
    out = model.loss(xc, yc, xt, yt, generator=gen(0))
    assert all(out[k].shape == () for k in ("loss", "nll", "kl")) and out["mu"].shape == (2, 5)


@torch.no_grad()
def test_loss_is_summed_gaussian_nll_plus_closed_form_kl():
    torch.manual_seed(0)
    model = ANP(num_hidden=H).double().eval()
    xc, yc, xt, yt = data(dtype=torch.float64)
    out = model.loss(xc, yc, xt, yt, generator=gen(5))
    # recompute independently from the model's intermediate outputs with the same latent noise
    mp, lp = model.latent_distribution(xc, yc)
    mq, lq = model.latent_distribution(xt, yt)
    eps = torch.randn(mq.shape, generator=gen(5), dtype=torch.float64)
    z = mq + torch.sqrt(torch.exp(lq)) * eps  # logvar is a log-variance
    mu, sigma = model.decode(model.deterministic(xc, yc, xt), z, xt)
    y = yt[..., 0]
    nll = sum(0.5 * math.log(2 * math.pi * float(s) ** 2) + 0.5 * (float(yy) - float(m)) ** 2 / float(s) ** 2
              for yy, m, s in zip(y.flatten(), mu.flatten(), sigma.flatten()))
    var_q, var_p = lq.exp(), lp.exp()
    kl = float(0.5 * (torch.log(var_p / var_q) + (var_q + (mq - mp) ** 2) / var_p - 1).sum())
    assert float(out["nll"]) == pytest.approx(nll, rel=1e-12)
    assert float(out["kl"]) == pytest.approx(kl, rel=1e-12)
    assert float(out["loss"]) == pytest.approx(nll + kl, rel=1e-12)
    assert float(gaussian_kl(mq, lq, mq, lq)) == pytest.approx(0.0, abs=1e-12)
    assert out["kl"] > 0


def test_loss_backpropagates_into_every_parameter():
    torch.manual_seed(0)
    model = ANP(num_hidden=H)
    model.loss(*data(), generator=gen(0))["loss"].backward()
    no_grad = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert no_grad == []


def test_predict_draws_eval_is_reproducible_and_reuses_r_exactly():
    torch.manual_seed(1)
    model = ANP(num_hidden=H).eval()
    xc, yc, xt, _ = data(b=2, nt=12)
    n = 6
    mu, sigma = model.predict_draws(xc, yc, xt, n, generator=gen(3))
    assert mu.shape == sigma.shape == (n, 2, 12)
    assert (sigma > 1e-3).all()
    mu2, sigma2 = model.predict_draws(xc, yc, xt, n, generator=gen(3))
    torch.testing.assert_close((mu, sigma), (mu2, sigma2), rtol=0, atol=0)
    assert mu.std(dim=0).min() > 0  # the latent draws differ
    # per-draw recomputation of the whole forward pass with the same latent noise
    mean, logvar = model.latent_distribution(xc, yc)
    eps = torch.randn((n, 2, H), generator=gen(3))
    for s in range(n):
        mu_s, sigma_s = model.decode(model.deterministic(xc, yc, xt), mean + torch.exp(0.5 * logvar) * eps[s], xt)
        torch.testing.assert_close(mu[s], mu_s, rtol=1e-6, atol=1e-6)
        torch.testing.assert_close(sigma[s], sigma_s, rtol=1e-6, atol=1e-6)


def test_train_and_eval_paths_agree_without_dropout():
    torch.manual_seed(1)
    model = ANP(num_hidden=H, dropout=0.0)
    xc, yc, xt, _ = data(b=2, nt=4)
    a = model.eval().predict_draws(xc, yc, xt, 3, generator=gen(7))
    b = model.train().predict_draws(xc, yc, xt, 3, generator=gen(7))
    torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-6)


def test_chunking_targets_gives_the_same_predictions():
    torch.manual_seed(1)
    model = ANP(num_hidden=H).eval()
    xc, yc, xt, _ = data(b=2, nt=12)
    mu, sigma = model.predict_draws(xc, yc, xt, 5, generator=gen(3))
    parts = [model.predict_draws(xc, yc, xt[:, s], 5, generator=gen(3)) for s in (slice(0, 5), slice(5, 12))]
    torch.testing.assert_close(torch.cat([p[0] for p in parts], -1), mu, rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(torch.cat([p[1] for p in parts], -1), sigma, rtol=1e-6, atol=1e-6)


def test_mc_dropout_masks_are_independent_per_draw():
    torch.manual_seed(1)
    model = ANP(num_hidden=H, dropout=0.5)
    with torch.no_grad():  # make p(z | context) a point mass so draws differ only through dropout
        model.latent.logvar.weight.zero_()
        model.latent.logvar.bias.fill_(-80.0)
    xc, yc, xt, _ = data(b=1)
    mu_eval, _ = model.eval().predict_draws(xc, yc, xt, 4, generator=gen(0))
    assert (mu_eval - mu_eval[0]).abs().max() == 0
    torch.manual_seed(2)
    mu_train, _ = model.train().predict_draws(xc, yc, xt, 4, generator=gen(0))
    for i in range(4):
        for j in range(i):
            assert (mu_train[i] - mu_train[j]).abs().max() > 1e-4, (i, j)


def leaf_modules(model: nn.Module) -> list[str]:
    return [n for n, m in model.named_modules() if isinstance(m, (nn.Linear, nn.LayerNorm))]


def test_every_layer_changes_the_output():
    torch.manual_seed(0)
    model = ANP(num_hidden=H).eval()
    xc, yc, xt, _ = data()
    before = model.predict_draws(xc, yc, xt, 2, generator=gen(0))
    names = leaf_modules(model)
    assert len(names) == 3 * 2 * 5 + 4 + 3 + 5  # attention blocks, latent/det/decoder linears
    unchanged = []
    for name in names:
        perturbed = ANP(num_hidden=H).eval()
        perturbed.load_state_dict(model.state_dict())
        with torch.no_grad():
            for p in perturbed.get_submodule(name).parameters():
                p.add_(0.3 * torch.randn_like(p))
        after = perturbed.predict_draws(xc, yc, xt, 2, generator=gen(0))
        if max((a - b).abs().max() for a, b in zip(after, before)) < 1e-4:
            unchanged.append(name)
    assert unchanged == []


def test_bad_inputs_are_refused():
    model = ANP(num_hidden=H)
    xc, yc, xt, yt = data(b=2)
    with pytest.raises(ValueError, match="multiple"):
        ANP(num_hidden=18)
    with pytest.raises(ValueError, match="dim_y"):
        ANP(num_hidden=H, dim_y=2)
    with pytest.raises(ValueError, match="y_t"):
        model.loss(xc, yc, xt, yt[..., 0])
    with pytest.raises(ValueError, match="x_t"):
        model.predict_draws(xc, yc, xt[..., :1], 2)
    with pytest.raises(ValueError, match="batch"):
        model.deterministic(xc, yc, xt[:1])
    with pytest.raises(ValueError, match="y_c has 3"):
        model.deterministic(xc, yc[:, :3], xt)
    with pytest.raises(ValueError, match="y has 3"):
        model.latent_distribution(xc, yc[:, :3])
    with pytest.raises(ValueError, match="n_draws"):
        model.predict_draws(xc, yc, xt, 0)
