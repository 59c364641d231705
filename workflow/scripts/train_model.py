"""Adapter: rule train_model -> pcml.training.anp.train_anp."""
from pcml.logs import job_logging
from pcml.training.anp import train_anp
from pcml.training.loop import TrainSettings

with job_logging(snakemake.log[0]):
    train_anp(
        snakemake.input.train,
        snakemake.input.valid,
        model_name=snakemake.params.model_name,
        model_kwargs=snakemake.params.model_kwargs,
        settings=TrainSettings(**snakemake.params.train),
        out_model=snakemake.output.model,
        out_history=snakemake.output.history,
        work_dir=snakemake.params.work_dir,
        device=snakemake.params.device,
        threads=snakemake.threads,
        label=f"{snakemake.wildcards.experiment} {snakemake.wildcards.family}",
        penalty=snakemake.params.penalty,
    )
