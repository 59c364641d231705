"""Adapter: rule make_combined_table -> pcml.outputs.combined_table.make_combined_table."""
from pcml.logs import job_logging
from pcml.outputs.combined_table import make_combined_table

with job_logging(snakemake.log[0]):
    params = snakemake.params.params
    make_combined_table(dict(zip(params, snakemake.input.tables)), params, caption=snakemake.params.caption,
                        out_csv=snakemake.output.csv, out_md=snakemake.output.md)
