"""Adapter: rule evaluate_released -> pcml.evaluation.evaluate.evaluate_predictions."""
from pcml.evaluation.evaluate import evaluate_predictions
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    evaluate_predictions(
        snakemake.input.truth,
        {m: f"{snakemake.input.predictions[0]}/{m}.nc" for m in snakemake.params.methods},
        snakemake.output.metrics,
    )
