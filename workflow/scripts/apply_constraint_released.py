"""Adapter: rule apply_constraint_released -> pcml.evaluation.predict.run_released_inference."""
from pcml.evaluation.predict import InferenceSettings, run_released_inference
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    run_released_inference(
        snakemake.params.models,
        snakemake.params.methods,
        snakemake.input.test,
        snakemake.input.truth,
        snakemake.output[0],
        InferenceSettings(seed=snakemake.params.seed, **snakemake.params.inference),
        device=snakemake.params.device,
        threads=snakemake.threads,
    )
