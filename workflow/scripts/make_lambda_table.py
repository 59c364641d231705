"""Adapter: rule make_lambda_table -> pcml.outputs.sweep_outputs.make_sweep_table (rows: lambda)."""
from pcml.logs import job_logging
from pcml.outputs.sweep_outputs import make_sweep_table

with job_logging(snakemake.log[0]):
    make_sweep_table(list(snakemake.input.metrics), caption=snakemake.params.caption, out_csv=snakemake.output.csv,
                     out_md=snakemake.output.md, out_tex=snakemake.output.tex,
                     experiment=snakemake.wildcards.experiment, row="lambda")
