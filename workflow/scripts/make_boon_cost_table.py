"""Adapter: rule make_boon_cost_table -> pcml.outputs.boon_cost.make_cost_table."""
from pcml.logs import job_logging
from pcml.outputs.boon_cost import make_cost_table

with job_logging(snakemake.log[0]):
    make_cost_table(snakemake.params.runs, snakemake.params.baseline, caption=snakemake.params.caption,
                    out_csv=snakemake.output.csv, out_md=snakemake.output.md, out_tex=snakemake.output.tex)
