""""FNO + BC as input" ablation (spec boon.md §4.3): FNO1dBCInput."""
from __future__ import annotations

import pytest
import torch

from pcml.models import MODELS, build_model
from pcml.models.bc_input import FNO1dBCInput, bc_channels_1d
from pcml.models.fno import FNO1d, count_params
from pcml.seeding import seeded_init

F64 = torch.float64


def small(bc_type="dirichlet", seed=0):
    with seeded_init(seed, "bcin"):
        return FNO1dBCInput(modes=4, width=8, bc_type=bc_type).double()


def plain(seed=0):
    with seeded_init(seed, "bcin"):
        return FNO1d(modes=4, width=8).double()


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


def test_registered_and_same_init_as_fno1d_except_the_lift():
    assert MODELS["fno1d_bcin"] is FNO1dBCInput
    m, p = small(), plain()
    assert isinstance(build_model("fno1d_bcin", modes=4, width=8, bc_type="neumann"), FNO1dBCInput)
    names_m, names_p = list(m.state_dict()), list(p.state_dict())
    assert names_m == names_p  # same parameter order
    for name in names_p:
        if name.startswith("fc0."):
            continue
        assert torch.equal(m.state_dict()[name], p.state_dict()[name]), name
    assert m.fc0.in_features == 4 and m.fc0.weight.shape == (8, 4)
    assert count_params(m) == count_params(p) + 2 * 8


def test_architecture_is_fno1d_with_two_more_lift_inputs():
    # with fc0's (a, x) columns copied from a plain FNO1d and zero BC columns, the outputs agree
    m, p = small(), plain(seed=1)
    sd = p.state_dict()
    sd["fc0.weight"] = torch.cat((sd["fc0.weight"], torch.zeros(8, 2, dtype=F64)), dim=1)
    m.load_state_dict(sd)
    a = rand(3, 16)
    bc = {"left": rand(3, seed=1), "right": 0.7}
    assert torch.equal(m(a, bc), p(a))
    # the BC channels reach the output
    m.fc0.weight.data[:, 2:] = rand(8, 2, seed=2)
    assert not torch.allclose(m(a, bc), m(a, {"left": 0.0, "right": 0.7}))


def test_bc_channels_are_broadcast_over_the_grid():
    a = rand(3, 5)
    left = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
    ch = bc_channels_1d({"left": left, "right": torch.tensor(-1.0)}, "dirichlet", 3, 5, a)
    assert ch.shape == (3, 5, 2)
    assert torch.equal(ch[..., 0], left[:, None].expand(3, 5))
    assert torch.equal(ch[..., 1], torch.full((3, 5), -1.0, dtype=F64))
    ch2 = bc_channels_1d({"left": left[:, None], "right": 2.0}, "neumann", 3, 5, a)
    assert torch.equal(ch2[..., 0], ch[..., 0])
    # the lift sees (a, x, left, right) in this order
    m = small()
    with torch.no_grad():
        m.fc0.weight.zero_()
        m.fc0.bias.zero_()
        m.fc0.weight[0, 2] = 1.0  # latent channel 0 = bc_left
        m.fc0.weight[1, 0] = 1.0  # latent channel 1 = a
        m.fc0.weight[2, 1] = 1.0  # latent channel 2 = x
    z = m.lift(a, {"left": left, "right": 0.0})
    assert z.shape == (3, 8, 5)
    assert torch.equal(z[:, 0], left[:, None].expand(3, 5)) and torch.equal(z[:, 1], a)
    assert torch.equal(z[0, 2], torch.linspace(0, 1, 5, dtype=F64))


def test_forward_shapes_and_gradient():
    m = small("neumann")
    a = rand(2, 12, 1)
    u = m(a, {"left": 0.0, "right": 5.0})
    assert u.shape == (2, 12)
    u.square().sum().backward()
    assert m.fc0.weight.grad[:, 2:].abs().sum() > 0


def test_bad_input_refused():
    with pytest.raises(ValueError, match="periodic"):
        FNO1dBCInput(modes=4, width=8, bc_type="periodic")
    with pytest.raises(ValueError, match="bc_type"):
        FNO1dBCInput(modes=4, width=8, bc_type="robin")
    m = small()
    a = rand(3, 10)
    with pytest.raises(ValueError, match="missing \\['right'\\]"):
        m(a, {"left": 0.0})
    with pytest.raises(ValueError, match="unexpected \\['top'\\]"):
        m(a, {"left": 0.0, "right": 0.0, "top": 1.0})
    with pytest.raises(ValueError, match="bc\\['left'\\]"):
        m(a, {"left": torch.zeros(2), "right": 0.0})
    with pytest.raises(ValueError, match="bc\\['right'\\]"):
        m(a, {"left": 0.0, "right": torch.zeros(3, 10)})
    with pytest.raises(ValueError, match="dict"):
        m(a, None)
    with pytest.raises(ValueError, match="shape \\(batch, n\\)"):
        m(rand(3, 10, 2), {"left": 0.0, "right": 0.0})
