"""Folded products of embedded points (pcml.models.affine_input) equal the unfolded ones."""
import pytest
import torch
import torch.nn.functional as F

from pcml.models.affine_input import AffineInput, materialise, project


@pytest.mark.parametrize("embed_bias", [True, False])
@pytest.mark.parametrize("out_bias", [True, False])
def test_folded_product_and_its_gradients_equal_the_product_of_the_features(embed_bias, out_bias):
    torch.manual_seed(0)
    layer = torch.nn.Linear(3, 8, bias=embed_bias).double()
    z = torch.randn(2, 5, 4, 3, dtype=torch.float64, requires_grad=True)  # leading dims (2, 5), 4 points
    weight = torch.randn(6, 8, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(6, dtype=torch.float64, requires_grad=True) if out_bias else None
    h = AffineInput(z, layer)
    assert h.shape == (2, 5, 4, 8)
    folded, plain = project(h, weight, bias), F.linear(layer(z), weight, bias)
    torch.testing.assert_close(folded, plain, rtol=1e-13, atol=1e-13)
    inputs = [z, weight, *layer.parameters()] + ([bias] if out_bias else [])
    g_fold = torch.autograd.grad(folded.square().sum(), inputs)
    g_plain = torch.autograd.grad(plain.square().sum(), inputs)
    for a, b in zip(g_fold, g_plain):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_plain_tensors_pass_through():
    x, w = torch.randn(4, 8), torch.randn(6, 8)
    assert torch.equal(project(x, w), F.linear(x, w)) and materialise(x) is x
    layer = torch.nn.Linear(2, 8)
    z = torch.randn(4, 2)
    assert torch.equal(materialise(AffineInput(z, layer)), layer(z))
