"""Fast T2 + L of the 2-D/3-D BOON corrections for a spectral layer, seen from its x-walls (spec §3.2, §3.5).

The straightforward corrected layer (:class:`pcml.constraints.boundary_nd.CorrectionND` with
``reference=True``) calls the layer five times per corrected spectral layer: two impulse probes,
L(x), L(x') and L(x''). T2 changes the input only on the two x-walls (x nodes 0 and N-1, every
y and t), and :class:`pcml.models.spectral_nd.SpectralConvNd` is linear, so here (as
:class:`pcml.constraints.boundary_kernels.SpectralKernel1d` in 1-D) L(x'') is computed with one
forward and one inverse FFT of the full grid:

* X = rfftn(x) over (x, [y,] t), kept on the retained modes: Xc (batch, C_in, 2 m_x, [2 m_y,] m_t)
  (x-frequencies in the order 0..m_x-1, N-m_x..N-1; the same for y), computed with the retained
  rows of the DFT matrices as the layer itself does (:mod:`pcml.fourier`; the inverse likewise);
  Yc = W . Xc;
* L(x) on the x-walls: (1/N) sum_kx Yc[kx] e^{2 pi i kx j / N} for j = 0, N-1 (node N-1 is node -1
  of the periodic grid; one contraction of Xc with W over (channel, kx)), then the inverse
  transform over ([y,] t) of a wall-sized array;
* the probes analytically: an all-channel impulse on the x-wall j0 (every y and t) has the
  spectrum n_t [n_y] e^{-2 pi i kx j0 / N} at ky = kt = 0 only, so L of it is constant over
  y and t and K(j, j0) = (1/N) sum_kx Re(S[kx] e^{2 pi i kx (j - j0) / N}) with
  S[kx] = sum_i W[i, 0, kx, 0, 0]: the same numbers as the probe calls up to rounding (the
  probes do not depend on the batch or on x);
* an input E d supported on the x-walls (d0 at node 0, dN at node N-1, each (batch, C, [n_y,] n_t))
  has the spectrum D0 + e^{2 pi i kx / N} DN with D = FFT over ([y,] t) of d (wall-sized), so the
  right step's (L x')_{N-1} = (L x)_{N-1} + response at node N-1 to d0, and
  L(x'') = irfftn(Yc + W . spectrum(E d)) placed on the full grid: the one inverse transform.

The elimination formulas are those of :func:`pcml.constraints.elimination.eliminate` (same
clamps, P10 signed clamp, P13 right step from the first node, constant clamped probes P22).
Shared with the layer: the inverse is the complex inverse over the leading axes followed by the real
inverse over t (as torch's irfftn), so the wall values computed here are those of the layer's output
even where W breaks the Hermitian symmetry of the kt = 0 plane.
"""
from __future__ import annotations

import math

import torch

from pcml.constraints.boundary_kernels import KernelProbes
from pcml.constraints.elimination import clamp_probe, divisors
from pcml.fourier import truncated_irfftn, truncated_rfftn

__all__ = ["SpectralWallKernel", "eliminated_output", "is_spectral_nd"]


def is_spectral_nd(layer: object, dims: int | None = None) -> bool:
    """True for a layer shaped like :class:`pcml.models.spectral_nd.SpectralConvNd` over 2 or 3 axes
    (``dims`` of them if given): ``modes``, ``in_channels``, ``complex_weights()``, ``check_grid()``.
    Duck-typed, so that the constraints do not import the models (which import them)."""
    modes = getattr(layer, "modes", None)
    ok = (isinstance(modes, tuple) and len(modes) in (2, 3) and callable(getattr(layer, "complex_weights", None))
          and callable(getattr(layer, "check_grid", None)) and hasattr(layer, "in_channels"))
    return ok and (dims is None or len(modes) == dims)


class SpectralWallKernel:
    """A spectral layer (:class:`pcml.models.spectral_nd.SpectralConvNd`; 2-D: (x, t); 3-D: (x, y, t))
    seen from its x-walls (axis 2 of a latent).

    Methods take/return latents (batch, C, n_x, [n_y,] n_t); wall tensors are
    (batch, C, [n_y,] n_t) (a latent without its x-axis); node pairs stack along a new axis 2.
    """

    def __init__(self, layer: torch.nn.Module) -> None:
        if not is_spectral_nd(layer):
            raise ValueError(f"SpectralWallKernel: needs a 2-D or 3-D SpectralConvNd, got {type(layer).__name__}")
        self.layer = layer
        self.dims = len(layer.modes)
        self._cache: dict[tuple, torch.Tensor] = {}

    # ---------------------------------------------------------------- spectra
    def weights(self, dtype: torch.dtype) -> torch.Tensor:
        """The weight blocks as one complex tensor (C_in, C_out, 2 m_x, [2 m_y,] m_t)."""
        return self.layer.combined_weights(dtype)

    def phases(self, n: int, like: torch.Tensor) -> torch.Tensor:
        """e^{-2 pi i kx / n} over the retained x-frequencies (2 m_x,): node N-1 read from a spectrum,
        the conjugate is the spectrum of an impulse at node N-1."""
        m = self.layer.modes[0]
        key = ("phases", n, m, like.dtype, like.device)
        ph = self._cache.get(key)
        if ph is None:
            if len(self._cache) > 32:
                self._cache.clear()
            k = torch.cat((torch.arange(m), torch.arange(n - m, n))).to(torch.float64)
            ph = torch.polar(torch.ones_like(k), -2 * math.pi * k / n)
            # columns: 1 (same node), e^{-i a} (node 0 -> N-1), e^{i a} (node N-1 -> 0), all / N
            probe_basis = torch.stack((torch.ones_like(ph), ph, ph.conj()), dim=-1) / n
            self._cache[key] = ph = ph.to(dtype=like.dtype, device=like.device)
            self._cache[("probe_basis",) + key[1:]] = probe_basis.to(dtype=like.dtype, device=like.device)
            self._cache[("ends",) + key[1:]] = torch.tensor([0, n - 1], device=like.device)
        return ph

    def cached(self, name: str, n: int, like: torch.Tensor) -> torch.Tensor:
        """'probe_basis' (2 m_x, 3) or 'ends' (the index [0, N-1]) for N = n, made by :meth:`phases`."""
        self.phases(n, like)
        return self._cache[(name, n, self.layer.modes[0], like.dtype, like.device)]

    def wall_spectrum(self, d: torch.Tensor) -> torch.Tensor:
        """Retained ([y,] t) spectrum of wall data d (batch, C, [n_y,] n_t) -> (batch, C, [2 m_y,] m_t)."""
        return truncated_rfftn(d, self.layer.modes[1:])

    def modes_of(self, x: torch.Tensor) -> torch.Tensor:
        """Retained spectrum Xc (batch, C, 2 m_x, [2 m_y,] m_t) of a latent x: the numbers of rfftn(x)
        there, up to rounding (:func:`pcml.fourier.truncated_rfftn`, as the layer computes them)."""
        return truncated_rfftn(x, self.layer.modes)

    def inverse(self, spec: torch.Tensor, grid: tuple[int, ...]) -> torch.Tensor:
        """Inverse of :meth:`modes_of` (or, with a wall's ([y,] t) grid, of :meth:`wall_spectrum`) with
        zeros on the other modes: irfftn of the full spectrum over the last len(grid) axes (the complex
        inverse over the both-signs axes, then the real inverse over t; :func:`pcml.fourier.truncated_irfftn`,
        as the layer) -> (..., *grid)."""
        return truncated_irfftn(spec, grid)

    # ---------------------------------------------------------------- probes
    def probes(self, n: int, w: torch.Tensor) -> KernelProbes:
        """K00, KN0, K0N, KNN (0-d tensors) from the combined weights w (:meth:`weights`), for N = n.

        K00 = KNN = (1/N) sum_kx Re S[kx]; KN0 (node N-1, impulse at 0) = (1/N) sum Re(S e^{-i a});
        K0N = (1/N) sum Re(S e^{i a}); a = 2 pi kx / N, S[kx] = sum_i W[i, 0, kx, 0, 0].
        """
        s = w[:, 0].sum(dim=0)
        while s.ndim > 1:
            s = s[..., 0]
        k = (s @ self.cached("probe_basis", n, s)).real
        return KernelProbes(k[0], k[1], k[2], k[0])


_ENDS = {2: "bijkt,iokt->bojt", 3: "bijkyt,iokyt->bojyt"}


def eliminated_output(kernel: SpectralWallKernel, x: torch.Tensor, tol: float, *, signed_clamp: bool,
                      right_from_first: bool) -> torch.Tensor:
    """L(T2 x) for a latent x (batch, C_in, n_x, [n_y,] n_t): both sides eliminated along x.

    Equal (up to rounding) to ``layer(eliminate(layer along x, x, probes, left=True, right=True,
    tol, signed_clamp=..., right_from_first=...))`` with the probes of
    :func:`pcml.constraints.elimination.probe_kernel`; returns (batch, C_out, n_x, [n_y,] n_t).
    """
    layer = kernel.layer
    grid = tuple(x.shape[2:])
    if x.ndim != kernel.dims + 2 or x.shape[1] != layer.in_channels:
        raise ValueError(f"eliminated_output: expected (batch, {layer.in_channels}, {kernel.dims} grid axes), "
                         f"got {tuple(x.shape)}")
    layer.check_grid(grid)
    n, grid_wall = grid[0], grid[1:]
    xc = kernel.modes_of(x)                                      # (batch, C_in, 2 m_x, [2 m_y,] m_t)
    w = kernel.weights(xc.dtype)
    ph = kernel.phases(n, xc)                                     # (2 m_x,): reads node N-1
    shape = (-1,) + (1,) * (kernel.dims - 1)
    # L(x) at nodes 0 and N-1: (1/N) sum over kx of Yc e^{2 pi i kx j / N}, as one contraction over
    # (channel, kx) (few large matrix products, not one per mode), then the wall inverse
    # -> (batch, C_out, 2, [n_y,] n_t)
    basis = kernel.cached("probe_basis", n, xc)                  # (2 m_x, 3): [1, ph, conj ph] / N
    x_ends_ft = xc.unsqueeze(2) * basis[:, :2].T.reshape((2,) + shape)
    y_end = kernel.inverse(torch.einsum(_ENDS[kernel.dims], x_ends_ft, w), grid_wall)
    y0, yn = y_end[:, :, 0], y_end[:, :, 1]
    x_end = x.index_select(2, kernel.cached("ends", n, xc))
    x0, xn = x_end[:, :, 0], x_end[:, :, 1]
    probes = kernel.probes(n, w)
    knn = clamp_probe(probes.knn, tol, signed_clamp)
    k_tilde = clamp_probe(divisors(probes, tol, signed_clamp)[1], tol, signed_clamp)
    x0_new = 2 * x0 - (y0 - yn * probes.k0n / knn + probes.k0n * xn) / k_tilde
    d0 = x0_new - x0
    d0_ft = kernel.wall_spectrum(d0)                              # (batch, C_in, [2 m_y,] m_t)
    w_end = torch.einsum("iok...,k->io...", w, basis[:, 1])       # node N-1 response to node 0
    yn_mid = yn + kernel.inverse(torch.einsum("bi...,io...->bo...", d0_ft, w_end), grid_wall)
    xn_new = 2 * (x0_new if right_from_first else xn) - yn_mid / knn
    dn_ft = kernel.wall_spectrum(xn_new - xn)
    d_ft = d0_ft.unsqueeze(2) + ph.conj().reshape(shape) * dn_ft.unsqueeze(2)
    yc = torch.einsum("bi...,io...->bo...", xc + d_ft, w)
    return kernel.inverse(yc, grid)
