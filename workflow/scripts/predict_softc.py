"""Adapter: rule predict_softc -> pcml.evaluation.predict.run_inference (SoftC-ANP, no post-processing)."""
from pcml.evaluation.predict import InferenceSettings, run_inference
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    run_inference(
        snakemake.input.model,
        snakemake.input.test,
        snakemake.input.truth,
        {"softc_anp": snakemake.output.prediction},
        InferenceSettings(seed=snakemake.params.seed, **snakemake.params.inference),
        device=snakemake.params.device,
        threads=snakemake.threads,
    )
