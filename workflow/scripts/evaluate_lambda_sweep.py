"""Adapter: rule evaluate_lambda_sweep -> pcml.evaluation.sweep.evaluate_lambda_sweep."""
from pcml.evaluation.sweep import evaluate_lambda_sweep
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    evaluate_lambda_sweep(snakemake.input.truth, dict(zip(snakemake.params.lambdas, snakemake.input.predictions)),
                          snakemake.params.t_star, snakemake.output.metrics)
