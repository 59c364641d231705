"""pcml: a reproducible benchmark suite for physics-constrained machine learning.

Subpackages, in the direction data flows:
problems -> data -> models/training -> constraints/evaluation -> outputs.
Nothing here imports Snakemake or knows the workflow's path layout.
"""

__version__ = "0.1.0"
