"""Adapter: rule generate_dataset -> pcml.data.gpme_datasets.write_experiment_data."""
from pcml.data.gpme_datasets import write_experiment_data
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    write_experiment_data(
        snakemake.wildcards.experiment,
        problem_settings=snakemake.params.problem,
        data_settings=snakemake.params.data,
        seed=snakemake.params.seed,
        profile=snakemake.params.profile,
        out_train=snakemake.output.train,
        out_valid=snakemake.output.valid,
        out_test=snakemake.output.test,
        out_truth=snakemake.output.truth,
    )
