"""What the cost benchmark measures: a registry of model families, each building its cases.

A family is a function ``settings -> list[BenchCase]`` registered under the config key of its
settings block (``benchmark.families.<key>``), so a new model (FNO2d, FNO3d, ...) plugs in with a
registered builder and a config block, without touching the runner. A case bundles a model's
training step (forward + backward + optimiser step on a fixed random batch) and one inference
batch (forward, no gradients), and optionally a baseline case that the runner alternates with it.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from pcml.bench.plain_fno import PlainFNO1d, copy_weights
from pcml.models import build_model
from pcml.models.fno import count_params

__all__ = ["BenchCase", "CASE_FAMILIES", "register_family", "build_cases"]

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass
class BenchCase:
    """One benchmarked model. ``train_step()`` and ``infer()`` run one unit of work each."""
    model: str                      # row label, e.g. "boon_fno1d"
    variant: str                    # e.g. "dirichlet, faithful"
    n_params: int                   # real parameters (a complex entry counts 2)
    train_step: Callable[[], None]
    infer: Callable[[], None]
    sizes: str                      # human-readable sizes of the work units
    baseline: BenchCase | None = None


CaseBuilder = Callable[[Mapping[str, Any], int], list[BenchCase]]
CASE_FAMILIES: dict[str, CaseBuilder] = {}


def register_family(name: str) -> Callable[[CaseBuilder], CaseBuilder]:
    """Register a case builder under ``name`` (the key of its settings in ``benchmark.families``)."""
    def wrap(builder: CaseBuilder) -> CaseBuilder:
        CASE_FAMILIES[name] = builder
        return builder
    return wrap


def build_cases(families: Mapping[str, Mapping[str, Any]], seed: int = 0) -> list[BenchCase]:
    """The cases of every configured family, in the config's order; unknown names raise ValueError."""
    unknown = sorted(set(families) - set(CASE_FAMILIES))
    if unknown:
        raise ValueError(f"benchmark.families: unknown families {unknown}; known: {sorted(CASE_FAMILIES)}")
    return [case for name, settings in families.items() for case in CASE_FAMILIES[name](settings, seed)]


def _adam_step(model: nn.Module, loss_fn: Callable[[], torch.Tensor]) -> Callable[[], None]:
    """A training step: zero grads, loss, backward, Adam step (the settings of the training loop)."""
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

    def step() -> None:
        optimiser.zero_grad(set_to_none=True)
        loss_fn().backward()
        optimiser.step()
    return step


def _operator_case(model: nn.Module, label: str, variant: str, s: Mapping[str, Any], seed: int,
                   bc_type: str | None) -> BenchCase:
    """Training step (float32, summed relative L2 loss) and inference batch (``infer_dtype``,
    eval mode, no gradients) of a 1-D operator a (batch, n) -> u (batch, n)."""
    g = torch.Generator().manual_seed(seed)
    batch, n = int(s["batch_size"]), int(s["n"])
    a, u = torch.randn(batch, n, generator=g), torch.randn(batch, n, generator=g)
    bc = {"dirichlet": {"left": torch.randn(batch, generator=g), "right": torch.randn(batch, generator=g)},
          "neumann": {"left": torch.zeros(batch), "right": 5.0 * torch.ones(batch)},
          "periodic": {}, None: None}[bc_type]

    def apply(m: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return m(x) if bc is None else m(x, {k: v.to(x.dtype) for k, v in bc.items()})

    def loss() -> torch.Tensor:
        return ((apply(model, a) - u).norm(dim=1) / u.norm(dim=1)).sum()

    dtype = DTYPES[s.get("infer_dtype", "float32")]
    infer_model = _cast(model, dtype)
    a_infer = a.to(dtype)

    def infer() -> None:
        with torch.no_grad():
            apply(infer_model, a_infer)

    infer_model.eval()
    model.train()
    sizes = (f"n={n}, batch {batch}, modes {s['modes']}, width {s['width']}; "
             f"train float32, inference {s.get('infer_dtype', 'float32')}")
    return BenchCase(label, variant, count_params(model), _adam_step(model, loss), infer, sizes)


def _cast(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """A copy of ``model`` in ``dtype`` (complex parameters to the matching complex type)."""
    out = copy.deepcopy(model)
    complex_dtype = {torch.float32: torch.complex64, torch.float64: torch.complex128}[dtype]
    with torch.no_grad():  # Module.to(float64) would turn complex parameters into real ones
        for t in list(out.parameters()) + list(out.buffers()):
            if t.is_complex():
                t.data = t.data.to(complex_dtype)
            elif t.is_floating_point():
                t.data = t.data.to(dtype)
    return out


@register_family("fno1d")
def fno1d_cases(s: Mapping[str, Any], seed: int) -> list[BenchCase]:
    """FNO1d, alternated with a plain implementation of the same network (same weights)."""
    torch.manual_seed(seed)
    fno = build_model("fno1d", modes=int(s["modes"]), width=int(s["width"]))
    plain = copy_weights(fno, PlainFNO1d(int(s["modes"]), int(s["width"])))
    case = _operator_case(fno, "fno1d", "", s, seed, None)
    case.baseline = _operator_case(plain, "plain_fno1d", "", s, seed, None)
    return [case]


@register_family("boon_fno1d")
def boon_fno1d_cases(s: Mapping[str, Any], seed: int) -> list[BenchCase]:
    """BOON-FNO1d for every BC type and mode in the settings, each alternated with an FNO1d of
    the same sizes. ``reference: true`` adds the straightforward implementation as extra rows."""
    cases = []
    implementations = [False, True] if s.get("reference", False) else [False]
    for bc_type in s["bc_types"]:
        for mode in s["modes_of_correction"]:
            for reference in implementations:
                torch.manual_seed(seed)
                name = "boon_fno1d" if mode == "faithful" else "boon_fno1d_clean"
                model = build_model(name, bc_type=bc_type, modes=int(s["modes"]), width=int(s["width"]),
                                    reference=reference)
                variant = f"{bc_type}, {mode}" + (", reference implementation" if reference else "")
                case = _operator_case(model, name, variant, s, seed, bc_type)
                torch.manual_seed(seed)
                fno = build_model("fno1d", modes=int(s["modes"]), width=int(s["width"]))
                case.baseline = _operator_case(fno, "fno1d", "", s, seed, None)
                cases.append(case)
    return cases


@register_family("anp")
def anp_cases(s: Mapping[str, Any], seed: int) -> list[BenchCase]:
    """The ANP at each width H, as the workflow runs it: a training step (dropout masks from the
    loop's seeded generator) on ``batch_size`` functions with ``n_context`` + ``n_target`` points,
    and the inference of one function (``predict_functions``: one pass of ``n_draws`` draws with MC
    dropout on a ``grid`` x ``grid`` grid, in chunks of ``max_points_per_pass``, giving ANP,
    HardC-ANP and ProbConserv-ANP)."""
    import numpy as np
    import xarray as xr

    from pcml.evaluation.predict import InferenceSettings, predict_functions
    from pcml.models.dropout import dropout_rng

    cases = []
    side = np.linspace(0.0, 1.0, int(s["grid"]))
    truth = xr.Dataset({"mass": (("function", "t"), np.ones((1, side.size)))},
                       coords={"function": [0], "t": side, "x": side}, attrs={"experiment": "benchmark"})
    settings = InferenceSettings(n_draws=int(s["n_draws"]), inference_dropout=True, seed=seed,
                                 max_points_per_pass=int(s.get("max_points_per_pass", InferenceSettings.max_points_per_pass)))
    for hidden in s["num_hidden"]:
        torch.manual_seed(seed)
        model = build_model("anp", num_hidden=int(hidden))
        g = torch.Generator().manual_seed(seed)
        b, nc, nt = int(s["batch_size"]), int(s["n_context"]), int(s["n_target"])
        x_c, y_c = torch.rand(b, nc, 2, generator=g), torch.randn(b, nc, 1, generator=g)
        x_t, y_t = torch.rand(b, nt, 2, generator=g), torch.randn(b, nt, 1, generator=g)
        contexts = {"x_context": x_c[:1], "y_context": y_c[:1]}

        def loss(model=model, x_c=x_c, y_c=y_c, x_t=x_t, y_t=y_t, g=g) -> torch.Tensor:
            with dropout_rng(g):
                return model.loss(x_c, y_c, x_t, y_t, generator=g)["loss"]

        def infer(model=model, contexts=contexts) -> None:
            predict_functions(model, contexts, truth, ["anp", "hardc_anp", "probconserv_anp"], settings,
                              progress=False)
            model.train()

        model.train()  # dropout on in both: training, and MC dropout at inference
        sizes = (f"H={hidden}; train batch {b}, {nc} context + {nt} target points; inference "
                 f"{s['n_draws']} draws on a {s['grid']}x{s['grid']} grid, one function, "
                 f"{settings.max_points_per_pass} draws x targets per pass, 3 methods")
        cases.append(BenchCase("anp", f"H = {hidden}", count_params(model), _adam_step(model, loss), infer, sizes))
    if not cases:
        raise ValueError("benchmark.families.anp.num_hidden is empty")
    return cases


# The space-time families (fno2d, fno3d, boon_fno2d, boon_fno3d) register themselves on import.
from pcml.bench import cases_nd  # noqa: E402,F401  (after the names that cases_nd imports from here)
