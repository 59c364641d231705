"""Loading the authors' released ProbConserv ANPs through the explicit key mapping."""
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from pcml.models.anp import ANP
from pcml.models.released import load_released_anp, load_released_state_dict, released_key_map


def reference_dir() -> Path | None:
    env = os.environ.get("PCML_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "probconserv")
    return next((p for p in candidates if (p / "stefan" / "anp.pt").exists()), None)


REF = reference_dir()
needs_reference = pytest.mark.skipif(REF is None, reason="released ProbConserv models not available")


def test_mapping_is_a_bijection_onto_our_66_tensors():
    mapping = released_key_map()
    ours = ANP(num_hidden=128).state_dict()
    assert len(mapping) == 66 == len(ours)
    assert sorted(mapping.values()) == sorted(ours)


@needs_reference
@pytest.mark.parametrize("name", ["pme/anp.pt", "pme/softc.pt", "stefan/anp.pt"])
def test_released_files_map_completely(name):
    original = torch.load(REF / name, map_location="cpu", weights_only=True)
    if name.endswith("softc.pt"):  # the SoftC wrapper holds the ANP as sub-module "anp"
        assert all(k.startswith("anp.") for k in original)
        original = {k[4:]: v for k, v in original.items()}
    assert set(original) == set(released_key_map())
    state = load_released_state_dict(REF / name)
    for old, new in released_key_map().items():
        torch.testing.assert_close(state[new], original[old], rtol=0, atol=0)


@needs_reference
def test_bad_files_are_refused_with_the_key_named(tmp_path):
    original = torch.load(REF / "stefan" / "anp.pt", map_location="cpu", weights_only=True)
    key = "decoder.final_projection.linear_layer.bias"
    missing = {k: v for k, v in original.items() if k != key}
    torch.save(missing, tmp_path / "missing.pt")
    with pytest.raises(ValueError, match="final_projection"):
        load_released_anp(tmp_path / "missing.pt")
    torch.save({**original, "extra.weight": torch.zeros(1)}, tmp_path / "extra.pt")
    with pytest.raises(ValueError, match="extra.weight"):
        load_released_anp(tmp_path / "extra.pt")
    torch.save({**original, key: torch.zeros(3)}, tmp_path / "shape.pt")
    with pytest.raises(ValueError, match="final_projection.linear_layer.bias"):
        load_released_anp(tmp_path / "shape.pt")
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.pt"):
        load_released_anp(tmp_path / "junk.pt")


@needs_reference
def test_released_stefan_anp_predicts_far_better_than_untrained():
    data = np.load(REF / "stefan" / "test.npz")
    f = slice(50, 60)  # u* = 0.6 group
    xc, yc, xt, yt = (torch.as_tensor(data[k][f], dtype=torch.float32) for k in
                      ("input_contexts", "output_contexts", "input_targets", "output_targets"))

    def mse(model):
        with torch.no_grad():
            mu, _ = model.eval().predict_draws(xc, yc, xt, 8, generator=torch.Generator().manual_seed(0))
        return float(((mu.mean(0) - yt[..., 0]) ** 2).mean())

    torch.manual_seed(0)
    released, untrained = mse(load_released_anp(REF / "stefan" / "anp.pt")), mse(ANP())
    assert released < 0.02
    assert released < untrained / 10
