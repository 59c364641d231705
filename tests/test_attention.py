"""The attention softmax (pcml.models.attention.softmax_last) against torch.softmax: values, first and
second derivatives in float64, with and without a graph being built."""
import pytest
import torch

from pcml.models.attention import softmax_last

DT = torch.float64


def scores_and_cotangents(seed=0, shape=(3, 2, 5, 7)):
    g = torch.Generator().manual_seed(seed)
    s = (3 * torch.randn(shape, dtype=DT, generator=g)).requires_grad_(True)
    return s, torch.randn(shape, dtype=DT, generator=g), torch.randn(shape, dtype=DT, generator=g)


def test_values_and_first_derivative_equal_torch_softmax():
    s, g, _ = scores_and_cotangents()
    ours, ref = softmax_last(s), torch.softmax(s, dim=-1)
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-15)
    (d_ours,) = torch.autograd.grad(ours, s, g)
    (d_ref,) = torch.autograd.grad(ref, s, g)
    torch.testing.assert_close(d_ours, d_ref, rtol=0, atol=1e-14)


@pytest.mark.parametrize("seed", [0, 1])
def test_second_derivative_equals_torch_softmax(seed):
    """d/ds <h, d/ds <g, softmax(s)>> and the derivative with respect to g (the SoftC-ANP pattern)."""
    s, g, h = scores_and_cotangents(seed)
    g.requires_grad_(True)
    results = []
    for fn in (softmax_last, lambda x: torch.softmax(x, dim=-1)):
        (first,) = torch.autograd.grad(fn(s), s, g, create_graph=True)
        results.append(torch.autograd.grad(first, (s, g), h))
    for ours, ref in zip(*results):
        torch.testing.assert_close(ours, ref, rtol=0, atol=1e-13)


def test_gradgradcheck():
    """Against finite differences: the first derivative (torch's fused kernel) and the derivative of the
    differentiable backward. The latter checks self-consistency only; agreement with torch's second
    derivative is the test above."""
    s = torch.randn(2, 3, 4, dtype=DT, generator=torch.Generator().manual_seed(5), requires_grad=True)
    assert torch.autograd.gradcheck(softmax_last, (s,))
    assert torch.autograd.gradgradcheck(softmax_last, (s,))
