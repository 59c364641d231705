"""Adapter: rule combine_operator_metrics -> pcml.evaluation.seed_stats.combine_seed_metrics."""
from pcml.evaluation.seed_stats import combine_seed_metrics
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    combine_seed_metrics(dict(zip(snakemake.params.seeds, snakemake.input.metrics)), snakemake.output.metrics)
