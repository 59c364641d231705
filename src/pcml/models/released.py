"""Load the authors' released ProbConserv ANP state dicts into our ANP.

The released files (Apache-2.0, amazon-science/probconserv) use the original module names,
e.g. ``latent_encoder.self_attentions.0.encoder_key.linear_layer.weight``. ``released_key_map``
spells out the translation to our names; loading refuses a file with a missing, extra or
mis-shaped tensor and names it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from pcml.models.anp import ANP

# Module-level renames: original prefix -> our prefix.
MODULES = {
    "latent_encoder.input_projection": "latent.embed",
    "latent_encoder.penultimate_layer": "latent.hidden",
    "latent_encoder.mu": "latent.mean",
    "latent_encoder.log_sigma": "latent.logvar",
    "deterministic_encoder.input_projection": "det.embed",
    "deterministic_encoder.context_projection": "det.key_proj",
    "deterministic_encoder.target_projection": "det.query_proj",
    "decoder.target_projection": "decoder.target_proj",
    "decoder.final_projection": "decoder.out",
}
# Attention blocks: original prefix -> our prefix (two of each).
ATTENTION_BLOCKS = {
    "latent_encoder.self_attentions": "latent.self_attn",
    "deterministic_encoder.self_attentions": "det.self_attn",
    "deterministic_encoder.cross_attentions": "det.cross_attn",
}
# Inside an attention block: original sub-module -> ours.
ATTENTION_PARTS = {"encoder_key": "key", "encoder_value": "value", "encoder_query": "query",
                   "final_linear": "out"}
N_LAYERS = 2
WRAPPER_PREFIX = "anp."
N_DECODER_LAYERS = 3


def released_key_map() -> dict[str, str]:
    """Original state-dict key -> our key, for all 66 tensors of the released ANP."""
    mapping = {}
    for old, new in MODULES.items():
        for p in ("weight", "bias"):
            mapping[f"{old}.linear_layer.{p}"] = f"{new}.{p}"
    for i in range(N_DECODER_LAYERS):
        for p in ("weight", "bias"):
            mapping[f"decoder.linears.{i}.linear_layer.{p}"] = f"decoder.hidden.{i}.{p}"
    for old, new in ATTENTION_BLOCKS.items():
        for i in range(N_LAYERS):
            for part_old, part_new in ATTENTION_PARTS.items():
                params = ("weight", "bias") if part_old == "final_linear" else ("weight",)
                for p in params:
                    mapping[f"{old}.{i}.{part_old}.linear_layer.{p}"] = f"{new}.{i}.{part_new}.{p}"
            for p in ("weight", "bias"):
                mapping[f"{old}.{i}.layer_norm.{p}"] = f"{new}.{i}.norm.{p}"
    return mapping


def translate_state_dict(original: dict[str, torch.Tensor], num_hidden: int = 128,
                         source: str = "state dict") -> dict[str, torch.Tensor]:
    """Rename a released state dict (original key names) to our ANP's names.

    Checks the keys (none missing, none unknown) and every tensor's shape against
    ANP(num_hidden); raises ValueError naming ``source`` and the offending keys. Returns a
    dict our key -> tensor (the same tensor objects, not copies), 66 entries.
    """
    mapping = released_key_map()
    expected = ANP(num_hidden=num_hidden).state_dict()
    missing = sorted(set(mapping) - set(original))
    extra = sorted(set(original) - set(mapping))
    if missing or extra:
        raise ValueError(f"{source}: released ANP keys do not match the expected 66 "
                         f"(missing: {missing or 'none'}; unexpected: {extra or 'none'})")
    out = {}
    bad = []
    for old, new in mapping.items():
        tensor = original[old]
        if not isinstance(tensor, torch.Tensor):
            bad.append(f"{old}: not a tensor ({type(tensor).__name__})")
            continue
        if tuple(tensor.shape) != tuple(expected[new].shape):
            bad.append(f"{old}: {tuple(tensor.shape)} != {tuple(expected[new].shape)}")
        out[new] = tensor
    if bad:
        raise ValueError(f"{source}: mis-shaped tensor(s) for ANP(num_hidden={num_hidden}): " + "; ".join(bad))
    return out


def load_released_state_dict(path: str | Path, num_hidden: int = 128) -> dict[str, torch.Tensor]:
    """Read a released ANP (or SoftC-ANP, keys prefixed ``anp.``) file; its state dict in our names.

    Raises FileNotFoundError for a missing file and ValueError naming the path for a file that
    is not a torch state dict or whose keys/shapes do not match (see ``translate_state_dict``).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"released model file not found: {path}")
    try:
        original = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"cannot read released model {path} as a torch state dict: {exc}") from exc
    if not isinstance(original, dict):
        raise ValueError(f"released model {path} is not a state dict (got {type(original).__name__})")
    if original and all(k.startswith(WRAPPER_PREFIX) for k in original):
        # SoftC-ANP checkpoints wrap the ANP as the sub-module ``anp``.
        original = {k[len(WRAPPER_PREFIX):]: v for k, v in original.items()}
        return translate_state_dict(original, num_hidden, source=f"{path} (prefix {WRAPPER_PREFIX!r} removed)")
    return translate_state_dict(original, num_hidden, source=str(path))


def load_released_anp(path: str | Path, num_hidden: int = 128) -> ANP:
    """Our ANP with the released weights of ``path`` loaded (strictly)."""
    model = ANP(num_hidden=num_hidden)
    model.load_state_dict(load_released_state_dict(path, num_hidden), strict=True)
    return model
