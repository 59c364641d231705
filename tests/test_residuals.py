"""SoftC-ANP's PDE residuals (ProbConserv spec §4.2): zero on exact solutions, by autograd."""
import math

import pytest
import torch

from pcml.models.anp import ANP
from pcml.models.dropout import dropout_rng
from pcml.seeding import generator, seeded_init
from pcml.training.anp import anp_objective, softc_objective
from pcml.training.residuals import get_residual


def points(t_range, x_range, n=50, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = t_range[0] + (t_range[1] - t_range[0]) * torch.rand(2, n, generator=g, dtype=torch.float64)
    x = x_range[0] + (x_range[1] - x_range[0]) * torch.rand(2, n, generator=g, dtype=torch.float64)
    return torch.stack([t, x], dim=-1).requires_grad_(True)


EXACT = {  # experiment: (solution u(t, x, p), parameter values, t range, x range) on smooth regions
    "diffusion": (lambda t, x, k: torch.exp(-k * t) * torch.sin(x), [1.0, 5.0], (0.0, 1.0), (0.0, 2 * math.pi)),
    "pme": (lambda t, x, m: (m * (t - x)) ** (1.0 / m), [1.0, 3.0], (0.6, 1.0), (0.0, 0.5)),   # t > x
    "stefan": (lambda t, x, u: 1.0 - 0.7 * torch.erf(x / (2 * torch.sqrt(t))), [0.2], (0.01, 0.1), (0.0, 0.1)),
    "advection": (lambda t, x, b: torch.sin(x - b * t), [1.0, 3.0], (0.0, 1.0), (0.0, 1.0)),
    "burgers": (lambda t, x, a: a * x / (a * t - 1.0), [1.0, 3.0], (0.0, 0.3), (-0.5, 0.0)),  # pre-break ramp
}


@pytest.mark.parametrize("experiment", sorted(EXACT))
def test_residual_vanishes_on_exact_solutions_and_not_on_wrong_parameters(experiment):
    u, values, t_range, x_range = EXACT[experiment]
    residual = get_residual(experiment)
    for p in values:
        x_t = points(t_range, x_range)
        param = torch.full((2,), p, dtype=torch.float64)
        r = residual(u(x_t[..., 0], x_t[..., 1], p), x_t, param)
        assert r.shape == (2, 50) and float(r.abs().max()) < 1e-10, (experiment, p, float(r.abs().max()))
    if experiment not in ("burgers", "stefan"):  # the residual reads the parameter: a wrong one shows
        x_t = points(t_range, x_range)
        wrong = torch.full((2,), values[0] + 0.5, dtype=torch.float64)
        assert float(residual(u(x_t[..., 0], x_t[..., 1], values[0]), x_t, wrong).abs().max()) > 1e-3


def test_stefan_residual_switches_diffusion_off_below_the_melting_value():
    x_t = points((0.01, 0.1), (0.0, 0.1))
    mu = 1.0 - 0.7 * torch.erf(x_t[..., 1] / (2 * torch.sqrt(x_t[..., 0])))  # values in (0.3, 1)
    below = get_residual("stefan")(mu, x_t, torch.full((2,), 2.0, dtype=torch.float64))  # u* above all mu: k = 0
    mu_t = torch.autograd.grad(mu.sum(), x_t, retain_graph=True)[0][..., 0]
    torch.testing.assert_close(below, mu_t)


def test_unknown_residual_is_refused():
    with pytest.raises(ValueError, match="known"):
        get_residual("wave")


def test_softc_objective_is_the_anp_loss_plus_the_weighted_mean_squared_residual():
    with seeded_init(0):
        model = ANP(num_hidden=8, dropout=0.0)
    g = torch.Generator().manual_seed(0)
    data = {"x_context": torch.rand(4, 6, 2, generator=g), "y_context": torch.rand(4, 6, 1, generator=g),
            "x_target": torch.rand(4, 5, 2, generator=g), "y_target": torch.rand(4, 5, 1, generator=g),
            "param": torch.tensor([1.0, 2.0, 3.0, 4.0])}
    index = torch.arange(4)
    base = anp_objective(model, data, index, generator(0, "z"))
    for lam in (1.0, 100.0):
        soft = softc_objective(model, data, index, generator(0, "z"), get_residual("pme"), lam)
        x_t = data["x_target"].clone().requires_grad_(True)
        with dropout_rng(generator(0, "z")):
            mu = model.loss(data["x_context"], data["y_context"], x_t, data["y_target"], generator=generator(0, "z"))["mu"]
        r = get_residual("pme")(mu, x_t, data["param"])
        torch.testing.assert_close(soft, base + lam * torch.mean(r**2), rtol=1e-5, atol=1e-5)
        assert float(soft - base) > 0


def test_advection_broadcast_residual_is_the_originals_every_beta_on_every_function():
    x_t = points((0.0, 1.0), (0.0, 1.0))
    beta = torch.tensor([1.0, 3.0], dtype=torch.float64)
    mu = torch.stack([torch.sin(x_t[0, :, 1] - 1.0 * x_t[0, :, 0]), torch.sin(x_t[1, :, 1] - 3.0 * x_t[1, :, 0])])
    broadcast = get_residual("advection_broadcast")(mu, x_t, beta)
    assert broadcast.shape == (2, 2, 50)
    own = get_residual("advection")(mu, x_t, beta)
    torch.testing.assert_close(torch.diagonal(broadcast, dim1=0, dim2=1).T, own)  # b == b': its own beta
    assert float(own.abs().max()) < 1e-10 and float(broadcast[0, 1].abs().max()) > 0.1  # beta 1 on the beta-3 function
