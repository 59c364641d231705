"""Adapter: rule sample_shock_positions -> pcml.evaluation.shock.run_shock_task."""
from pcml.evaluation.shock import run_shock_task
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    shock = snakemake.params.shock
    run_shock_task(snakemake.input.truth, dict(zip(snakemake.params.methods, snakemake.input.predictions)),
                   snakemake.input.posterior, t_star=snakemake.params.t_star, f_id=shock["f_id"],
                   n_samples=shock["n_samples"], diagonal=shock["diag_covariance"],
                   mapping=shock["position_mapping"], seed=snakemake.params.seed,
                   out_positions=snakemake.output.positions, out_metrics=snakemake.output.metrics)
