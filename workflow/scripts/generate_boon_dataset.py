"""Adapter: rule generate_boon_dataset -> pcml.data.boon_datasets.generate_boon_dataset.

The job's threads are the cavity solver's worker processes (the data do not depend on them). Those
processes are spawned and re-import this script as ``__mp_main__``: the guard keeps them from
running the job again.
"""
from pcml.data.boon_datasets import generate_boon_dataset
from pcml.logs import job_logging

if __name__ == "__main__":
    with job_logging(snakemake.log[0]):
        generate_boon_dataset(
            snakemake.wildcards.dataset,
            dict(snakemake.params.settings),
            seed=snakemake.params.seed,
            profile=snakemake.params.profile,
            out_path=snakemake.output.data,
            workers=snakemake.threads,
        )
