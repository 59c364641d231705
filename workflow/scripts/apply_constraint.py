"""Adapter: rule apply_constraint -> pcml.evaluation.predict.run_inference."""
from pcml.evaluation.predict import InferenceSettings, run_inference
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    run_inference(
        snakemake.input.model,
        snakemake.input.test,
        snakemake.input.truth,
        dict(zip(snakemake.params.methods, snakemake.output.predictions)),
        InferenceSettings(seed=snakemake.params.seed, **snakemake.params.inference),
        device=snakemake.params.device,
        threads=snakemake.threads,
        t_star=snakemake.params.t_star,
        sweep_path=snakemake.output.sweep,
        posterior=(snakemake.params.shock_f_id, snakemake.output.posterior),
    )
