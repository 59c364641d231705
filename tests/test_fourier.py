"""pcml.fourier's truncated n-D transforms against torch.fft on the full grid (float64), and the n-D
spectral layer's values and gradients against the straightforward rfftn / irfftn layer."""
import itertools

import pytest
import torch

from pcml.fourier import retained_frequencies, truncated_irfftn, truncated_rfftn
from pcml.models.spectral_nd import SpectralConv2d, SpectralConv3d

DT = torch.float64
# (grid, modes): prime padded sizes as in FNO2d/FNO3d, even n_t with the Nyquist mode kept, 2m = n
CASES = [((73, 34), (8, 8)), ((9, 10), (4, 6)), ((8, 7), (4, 4)), ((7, 6, 5), (3, 2, 3)), ((6, 5, 8), (3, 2, 5))]


def kept_index(grid, modes, bits):
    """Index of one block (bit j: the high end of axis j) in the full rfftn spectrum and in the compact one."""
    full, compact = [], []
    for b, n, m in zip(bits, grid[:-1], modes[:-1]):
        full.append(slice(n - m, n) if b else slice(0, m))
        compact.append(slice(m, 2 * m) if b else slice(0, m))
    return tuple(full) + (slice(0, modes[-1]),), tuple(compact) + (slice(None),)


def zero_filled(spec, grid, modes):
    """The full rfftn-shaped spectrum holding ``spec`` (compact layout) on the kept modes, zero elsewhere."""
    out = spec.new_zeros(spec.shape[:-len(grid)] + tuple(grid[:-1]) + (grid[-1] // 2 + 1,))
    for bits in itertools.product((0, 1), repeat=len(grid) - 1):
        full, compact = kept_index(grid, modes, bits)
        out[(..., *full)] = spec[(..., *compact)]
    return out


@pytest.mark.parametrize("grid,modes", CASES)
def test_truncated_rfftn_equals_rfftn_on_the_kept_modes(grid, modes):
    x = torch.randn((2, 3) + grid, dtype=DT, generator=torch.Generator().manual_seed(0))
    full = torch.fft.rfftn(x, dim=tuple(range(-len(grid), 0)))
    got = truncated_rfftn(x, modes)
    assert got.shape == (2, 3) + tuple(2 * m for m in modes[:-1]) + (modes[-1],)
    for bits in itertools.product((0, 1), repeat=len(grid) - 1):
        f, c = kept_index(grid, modes, bits)
        torch.testing.assert_close(got[(..., *c)], full[(..., *f)], rtol=0, atol=1e-12)


@pytest.mark.parametrize("grid,modes", CASES)
def test_truncated_irfftn_equals_irfftn_of_the_zero_filled_spectrum(grid, modes):
    shape = (2, 3) + tuple(2 * m for m in modes[:-1]) + (modes[-1],)
    # a spectrum that is not Hermitian at t-frequency 0 (and Nyquist): irfft ignores those imaginary parts
    spec = torch.randn(shape, dtype=torch.complex128, generator=torch.Generator().manual_seed(1))
    ref = torch.fft.irfftn(zero_filled(spec, grid, modes), s=grid, dim=tuple(range(-len(grid), 0)))
    got = truncated_irfftn(spec, grid)
    assert got.dtype == DT and got.shape == ref.shape
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-14)


def fft_layer(layer, x):
    """The straightforward layer: full rfftn, each block multiplied by its weights, full irfftn."""
    d = len(layer.modes)
    grid = tuple(x.shape[2:])
    x_ft = torch.fft.rfftn(x, dim=tuple(range(-d, 0)))
    out = x_ft.new_zeros((x.shape[0], layer.out_channels) + x_ft.shape[2:])
    for k, w in enumerate(layer.complex_weights()):
        bits = [(k >> j) & 1 for j in range(d - 1)]
        full, _ = kept_index(grid, layer.modes, bits)
        out[(slice(None), slice(None), *full)] = torch.einsum("bi...,io...->bo...", x_ft[(slice(None), slice(None), *full)], w)
    return torch.fft.irfftn(out, s=grid, dim=tuple(range(-d, 0)))


@pytest.mark.parametrize("cls,modes,grid", [(SpectralConv2d, (8, 8), (73, 34)), (SpectralConv2d, (4, 6), (9, 10)),
                                            (SpectralConv3d, (3, 2, 3), (7, 6, 5)), (SpectralConv3d, (3, 2, 5), (6, 5, 8))])
def test_spectral_layer_values_and_gradients_equal_the_fft_layer(cls, modes, grid):
    torch.manual_seed(0)
    layer = cls(3, 2, *modes).double()
    x = torch.randn((2, 3) + grid, dtype=DT, generator=torch.Generator().manual_seed(2), requires_grad=True)
    g = torch.randn((2, 2) + grid, dtype=DT, generator=torch.Generator().manual_seed(3))
    params = [x] + list(layer.parameters())
    y_fast = layer(x)
    grads_fast = torch.autograd.grad(y_fast, params, g)
    y_ref = fft_layer(layer, x)
    grads_ref = torch.autograd.grad(y_ref, params, g)
    torch.testing.assert_close(y_fast, y_ref, rtol=0, atol=1e-14)
    for a, b in zip(grads_fast, grads_ref):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_retained_frequencies_and_bad_modes():
    assert retained_frequencies(7, 3, True).tolist() == [0, 1, 2, 4, 5, 6]
    assert retained_frequencies(7, 3, False).tolist() == [0, 1, 2]
    x = torch.zeros(1, 8, 6)
    with pytest.raises(ValueError, match="do not fit the grid"):
        truncated_rfftn(x, (5, 2))      # 5 > 8 // 2
    with pytest.raises(ValueError, match="do not fit the grid"):
        truncated_rfftn(x, (2, 5))      # 5 > 6 // 2 + 1
    with pytest.raises(ValueError, match="must be real"):
        truncated_rfftn(x.to(torch.complex64), (2, 2))
    with pytest.raises(ValueError, match="does not hold the modes"):
        truncated_irfftn(torch.zeros(1, 3, 2, dtype=torch.complex64), (8, 6))   # odd x-extent
