"""BOON captions: each describes its own BC type's correction and metrics, the methods shown, and the seeds."""
import pytest

from pcml.outputs.boon_captions import (boundary_derivative_caption, method_notes, operator_table_caption,
                                        seeds_note)

ALL = ["fno1d", "boon_fno1d", "boon_fno1d_clean"]


def test_dirichlet_caption_names_its_correction_and_not_the_neumann_one():
    cap = operator_table_caption("stokes_single", bc_type="dirichlet", methods=ALL, n_test=100, seeds=[0, 1, 2])
    assert "Dirichlet boundary conditions" in cap and "boundary-value residuals" in cap
    assert "P2" in cap and "elimination at the two boundary nodes" in cap and "BOON-FNO (clean)" in cap
    for neumann_only in ("halved", "P14", "flux", "P12"):
        assert neumann_only not in cap, neumann_only
    assert "[RECON]" in cap


def test_neumann_caption_names_halving_and_stencils():
    cap = operator_table_caption("heat_single", bc_type="neumann", methods=ALL, n_test=100, seeds=[0])
    assert "Neumann boundary conditions" in cap and "wall-flux residuals" in cap
    assert "halved (pitfall P14)" in cap and "P12" in cap and "P2" not in cap


def test_periodic_caption_explains_the_missing_clean_row():
    cap = operator_table_caption("burgers_periodic_single", bc_type="periodic", methods=["fno1d", "boon_fno1d"],
                                 n_test=100, seeds=[0, 1])
    assert "periodic boundary conditions" in cap and "periodicity residual" in cap
    assert "their average" in cap and "No BOON-FNO (clean) row" in cap
    for other in ("halved", "Dirichlet", "elimination at"):
        assert other not in cap, other
    # with the clean row present, no "no clean row" sentence
    assert "No BOON-FNO (clean) row" not in method_notes("periodic", ALL)
    # only the methods listed are described
    assert "BOON-FNO" not in method_notes("dirichlet", ["fno1d"])


def test_seeds_note_says_what_the_se_is_over():
    assert "over the 100 test samples of one training run (seed 4), the paper's format" in seeds_note([4], 100)
    many = seeds_note([0, 1, 2], 100)
    assert "over 3 independent training runs (seeds [0, 1, 2]" in many and "SE is over the seeds" in many
    with pytest.raises(ValueError):
        seeds_note([], 10)
    with pytest.raises(ValueError, match="bc_type"):
        method_notes("robin", ALL)


def test_figure_caption_names_the_first_seed():
    cap = boundary_derivative_caption("heat_single", methods=ALL, seeds=[3, 1])
    assert "trained with seed 3, the first of the seeds [3, 1]" in cap and "halved" in cap
    assert "seed 0" in boundary_derivative_caption("heat_single", methods=["fno1d"], seeds=[0])


@pytest.mark.parametrize("bc_type, dim", [("dirichlet", "2d"), ("neumann", "2d"), ("periodic", "2d"),
                                          ("dirichlet", "3d"), ("neumann", "3d")])
def test_multi_step_captions_follow_dimension_and_bc_type(bc_type, dim):
    methods = [f"fno{dim}", f"boon_fno{dim}"] + ([f"boon_fno{dim}_clean"] if bc_type != "periodic" else [])
    cap = operator_table_caption("x", bc_type=bc_type, methods=methods, n_test=200, seeds=[0])
    assert f"BOON-FNO{dim}:" in cap and f"plain FNO{dim}" in cap and "multi-step" in cap
    assert "repeated along t" in cap and "rel. L2 step k" in cap
    assert ("halved" in cap) == (bc_type == "neumann")
    assert ("P2;" in cap) == (bc_type == "dirichlet")
    assert ("y = 0, 1" in cap) == (dim == "3d")
    assert ("[RECON] (the released code has no 3-D Neumann" in cap) == (dim == "3d" and bc_type == "neumann")
    assert ("P11" in cap) == (dim == "2d" and bc_type == "dirichlet")  # the mollifier: 2-D Dirichlet only
    assert ("BOON-FNO (clean): " in cap) == (bc_type != "periodic")
    assert "FNO1d" not in cap and "GELU also on the boundary nodes" not in cap  # P8 is a 1-D quirk
    assert ("No BOON-FNO (clean) row" in cap) == (bc_type == "periodic")
    assert ("pivot_min_abs" in cap) == (bc_type != "periodic")  # the elimination's divisors in the history


def test_single_step_caption_says_nothing_of_steps():
    cap = operator_table_caption("heat_single", bc_type="neumann", methods=ALL, n_test=100, seeds=[0])
    assert "multi-step" not in cap and "step k" not in cap and "FNO2d" not in cap
    assert "pivot_min_abs" in cap  # the 1-D BOON-FNO records its divisors too
    periodic = operator_table_caption("burgers_periodic_single", bc_type="periodic", methods=["fno1d", "boon_fno1d"],
                                      n_test=100, seeds=[0])
    assert "pivot_min_abs" not in periodic  # no elimination
    with pytest.raises(ValueError, match="no periodic correction in 3d"):
        method_notes("periodic", ["boon_fno3d"])
