"""FLOP count and matrix-product floor of the cost benchmark (pcml.bench.roofline)."""
import math

import pytest
import torch

from pcml.bench.roofline import MATMULS, MatmulCall, count_flops, matmul_floor_s, record_matmuls, replay_s

aten = torch.ops.aten


def _mlp_step(batch=7, n_in=5, n_hidden=6):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(n_in, n_hidden), torch.nn.ReLU(), torch.nn.Linear(n_hidden, 1))
    x = torch.randn(batch, n_in)
    return lambda: net(x).sum().backward()


def test_flops_of_a_two_layer_step_are_the_textbook_count():
    b, i, h = 7, 5, 6
    # forward: 2 b i h + 2 b h; backward: weight grads of both layers (2 b i h + 2 b h) and the input
    # grad of the second layer only (2 b h): x needs no gradient.
    assert count_flops(_mlp_step(b, i, h)) == 2 * b * i * h + 2 * b * h + 2 * b * i * h + 2 * b * h + 2 * b * h


def test_recorder_sees_every_product_with_its_shapes():
    a, b3 = torch.randn(3, 4), torch.randn(2, 4, 5)
    calls = record_matmuls(lambda: (a @ torch.randn(4, 6), torch.randn(2, 3, 4) @ b3))
    assert [(c.op, c.shapes) for c in calls] == [(aten.mm.default, ((3, 4), (4, 6))),
                                                 (aten.bmm.default, ((2, 3, 4), (2, 4, 5)))]
    step_calls = record_matmuls(_mlp_step())
    assert all(c.op in MATMULS for c in step_calls) and len(step_calls) == 5  # 2 addmm, 3 mm


def test_replayed_operands_keep_shape_and_dtype_complex_included():
    g = torch.Generator().manual_seed(0)
    call = MatmulCall(aten.bmm.default, ((2, 3, 4), (2, 4, 5)), torch.complex64)
    ops = call.operands(g)
    assert [tuple(o.shape) for o in ops] == [(2, 3, 4), (2, 4, 5)] and all(o.dtype == torch.complex64 for o in ops)
    assert call.op(*ops).shape == (2, 3, 5)


def test_floor_is_a_positive_time_and_grows_with_the_work():
    small = [MatmulCall(aten.mm.default, ((8, 8), (8, 8)), torch.float32)]
    large = [MatmulCall(aten.mm.default, ((256, 256), (256, 256)), torch.float32)] * 4
    t_small, t_large = replay_s(small, repeats=5), replay_s(large, repeats=5)
    assert 0 < t_small < t_large and math.isfinite(t_large)
    assert matmul_floor_s(_mlp_step(), repeats=2) > 0
    with pytest.raises(ValueError, match="repeats"):
        replay_s(small, repeats=0)
