"""Adapter: rule measure_cost -> pcml.bench.run.benchmark_to_files."""
from pcml.bench.run import benchmark_to_files
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    benchmark_to_files(
        dict(snakemake.params.settings),
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        caption=snakemake.params.caption,
    )
