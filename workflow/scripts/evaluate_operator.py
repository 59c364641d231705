"""Adapter: rule evaluate_operator -> pcml.evaluation.operator_eval.operator_metrics."""
from pcml.evaluation.operator_eval import operator_metrics
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    operator_metrics(dict(zip(snakemake.params.methods, snakemake.input.predictions)), snakemake.output.metrics)
