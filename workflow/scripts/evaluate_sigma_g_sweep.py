"""Adapter: rule evaluate_sigma_g_sweep -> pcml.evaluation.sweep.evaluate_sweep."""
from pcml.evaluation.sweep import evaluate_sweep
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    evaluate_sweep(snakemake.input.sweep, snakemake.input.truth, snakemake.output.metrics)
