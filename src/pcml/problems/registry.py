"""The ProbConserv experiments by name: each one a problem of ``pcml.problems.gpme`` or ``.hyperbolic``."""

from __future__ import annotations

from pcml.problems.base import ConservationProblem
from pcml.problems.gpme import GPME_PROBLEMS
from pcml.problems.hyperbolic import HYPERBOLIC_PROBLEMS

#: experiment name -> problem, in the spec's order (diffusion, pme, stefan, advection, burgers)
PROBLEMS: dict[str, ConservationProblem] = {p.name: p for p in (*GPME_PROBLEMS, *HYPERBOLIC_PROBLEMS)}


def get_problem(name: str) -> ConservationProblem:
    """Return the registered problem called ``name``; ValueError naming the known ones otherwise."""
    try:
        return PROBLEMS[name]
    except KeyError:
        raise ValueError(f"unknown ProbConserv problem {name!r}; known: {sorted(PROBLEMS)}") from None
