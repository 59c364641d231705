"""Adapter: rule generate_boon_dataset -> pcml.data.boon_datasets.generate_boon_dataset."""
from pcml.data.boon_datasets import generate_boon_dataset
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    generate_boon_dataset(
        snakemake.wildcards.dataset,
        dict(snakemake.params.settings),
        seed=snakemake.params.seed,
        profile=snakemake.params.profile,
        out_path=snakemake.output.data,
    )
