"""Loading the authors' released ProbConserv ANPs through the explicit key mapping."""

import numpy as np
import pytest
import torch

from pcml.models.anp import ANP
from pcml.models.released import (load_released_anp, load_released_state_dict, released_key_map,
                                  translate_state_dict)


from conftest import REF

needs_reference = pytest.mark.skipif(REF is None, reason="released ProbConserv files (shared/reference/probconserv "
                                                         "or $PCML_REFERENCE_DIR) not available")
RELEASED = ["pme/anp.pt", "pme/softc.pt", "stefan/anp.pt"]


def read_original(name: str) -> dict[str, torch.Tensor]:
    original = torch.load(REF / name, map_location="cpu", weights_only=True)
    if name.endswith("softc.pt"):  # the SoftC wrapper holds the ANP as sub-module "anp"
        assert all(k.startswith("anp.") for k in original)
        original = {k[4:]: v for k, v in original.items()}
    return original


def test_mapping_is_a_bijection_onto_our_66_tensors():
    mapping = released_key_map()
    ours = ANP(num_hidden=128).state_dict()
    assert len(mapping) == 66 == len(ours)
    assert len(set(mapping.values())) == 66
    assert set(mapping.values()) == set(ours)


def test_mapping_pairs_modules_by_meaning():
    mapping = released_key_map()
    assert mapping["latent_encoder.self_attentions.0.encoder_key.linear_layer.weight"] == "latent.self_attn.0.key.weight"
    assert mapping["latent_encoder.log_sigma.linear_layer.bias"] == "latent.logvar.bias"
    assert mapping["deterministic_encoder.context_projection.linear_layer.weight"] == "det.key_proj.weight"
    assert mapping["deterministic_encoder.target_projection.linear_layer.weight"] == "det.query_proj.weight"
    assert mapping["deterministic_encoder.cross_attentions.1.layer_norm.weight"] == "det.cross_attn.1.norm.weight"
    assert mapping["decoder.target_projection.linear_layer.weight"] == "decoder.target_proj.weight"
    assert mapping["decoder.linears.2.linear_layer.bias"] == "decoder.hidden.2.bias"
    assert mapping["decoder.final_projection.linear_layer.weight"] == "decoder.out.weight"


@needs_reference
@pytest.mark.parametrize("name", RELEASED)
def test_released_files_map_completely_both_ways(name):
    original = read_original(name)
    assert len(original) == 66
    assert set(original) == set(released_key_map())
    state = load_released_state_dict(REF / name)
    assert set(state) == set(ANP().state_dict())
    for old, new in released_key_map().items():
        torch.testing.assert_close(state[new], original[old], rtol=0, atol=0)
    model = load_released_anp(REF / name)
    assert sum(p.numel() for p in model.parameters()) == 989_826
    torch.testing.assert_close(model.state_dict()["decoder.out.weight"],
                               original["decoder.final_projection.linear_layer.weight"], rtol=0, atol=0)


@needs_reference
def test_bad_files_are_refused_with_the_key_named(tmp_path):
    original = torch.load(REF / "stefan" / "anp.pt", map_location="cpu", weights_only=True)
    key = "decoder.final_projection.linear_layer.bias"
    torch.save({k: v for k, v in original.items() if k != key}, tmp_path / "missing.pt")
    with pytest.raises(ValueError, match=r"missing.pt.*missing: \['decoder\.final_projection\.linear_layer\.bias'\]"):
        load_released_anp(tmp_path / "missing.pt")
    torch.save({**original, "extra.weight": torch.zeros(1)}, tmp_path / "extra.pt")
    with pytest.raises(ValueError, match=r"unexpected: \['extra\.weight'\]"):
        load_released_anp(tmp_path / "extra.pt")
    torch.save({**original, key: torch.zeros(3)}, tmp_path / "shape.pt")
    with pytest.raises(ValueError, match=r"final_projection\.linear_layer\.bias: \(3,\) != \(2,\)"):
        load_released_anp(tmp_path / "shape.pt")
    with pytest.raises(ValueError, match=r"self_attentions\.0\.encoder_key\.linear_layer\.weight: \(128, 128\) != "):
        load_released_state_dict(REF / "stefan" / "anp.pt", num_hidden=64)


def test_unreadable_files_are_refused_with_the_path_named(tmp_path):
    (tmp_path / "junk.pt").write_bytes(b"junk")
    with pytest.raises(ValueError, match="junk.pt"):
        load_released_anp(tmp_path / "junk.pt")
    torch.save([torch.zeros(2)], tmp_path / "list.pt")
    with pytest.raises(ValueError, match="list.pt.*not a state dict"):
        load_released_anp(tmp_path / "list.pt")
    with pytest.raises(FileNotFoundError, match="absent.pt"):
        load_released_anp(tmp_path / "absent.pt")
    state = {k: torch.zeros(1) for k in released_key_map()}
    state["decoder.linears.0.linear_layer.bias"] = 1.0
    with pytest.raises(ValueError, match="decoder.linears.0.linear_layer.bias: not a tensor"):
        translate_state_dict(state)


def mean_prediction_mse(model: ANP, data, functions: slice) -> float:
    xc, yc, xt, yt = (torch.as_tensor(data[k][functions], dtype=torch.float32) for k in
                      ("input_contexts", "output_contexts", "input_targets", "output_targets"))
    with torch.no_grad():
        mu, _ = model.eval().predict_draws(xc, yc, xt, 8, generator=torch.Generator().manual_seed(0))
    return float(((mu.mean(0) - yt[..., 0]) ** 2).mean())


@needs_reference
def test_released_stefan_anp_predicts_far_better_than_untrained():
    data = np.load(REF / "stefan" / "test.npz")
    f = slice(50, 60)  # u* = 0.6 (in-domain) group
    assert np.allclose(data["u_star"][f], 0.6)
    torch.manual_seed(0)
    released, untrained = mean_prediction_mse(load_released_anp(REF / "stefan" / "anp.pt"), data, f), \
        mean_prediction_mse(ANP(), data, f)
    # measured: released 4.4e-3, untrained 0.23; the targets' variance is 0.08
    assert released < 0.01
    assert released < untrained / 10


@needs_reference
@pytest.mark.parametrize("name", ["anp.pt", "softc.pt"])
def test_released_pme_models_predict_well(name):
    data = np.load(REF / "pme" / "test.npz")
    f = slice(50, 60)  # m = 3 group
    assert np.allclose(data["m"][f], 3.0)
    torch.manual_seed(0)
    released = mean_prediction_mse(load_released_anp(REF / "pme" / name), data, f)
    untrained = mean_prediction_mse(ANP(), data, f)
    # measured: anp 8.8e-5, softc 1.8e-4, untrained 4.6; the targets' variance is 0.25
    assert released < 1e-3
    assert released < untrained / 100
