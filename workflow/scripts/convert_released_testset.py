"""Adapter: rule convert_released_testset -> pcml.data.released_testsets.convert_released_testset."""
from pcml.data.released_testsets import convert_released_testset
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    convert_released_testset(
        snakemake.input.npz,
        snakemake.wildcards.experiment,
        t_star=snakemake.params.t_star,
        grid_nx=snakemake.params.grid_nx,
        out_test=snakemake.output.test,
        out_truth=snakemake.output.truth,
        profile=snakemake.params.profile,
    )
