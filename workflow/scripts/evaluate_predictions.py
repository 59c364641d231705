"""Adapter: rule evaluate_predictions -> pcml.evaluation.evaluate.evaluate_predictions."""
from pcml.evaluation.evaluate import evaluate_predictions
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    evaluate_predictions(
        snakemake.input.truth,
        dict(zip(snakemake.params.methods, snakemake.input.predictions)),
        snakemake.output.metrics,
    )
