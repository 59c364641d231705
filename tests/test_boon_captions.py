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
