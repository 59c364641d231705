"""Adapter: rules make_boon_sweep_table / make_boon_resolution_table -> pcml.outputs.boon_sweep_tables."""
from pcml.logs import job_logging
from pcml.outputs.boon_sweep_tables import make_sweep_table, sweep_columns

with job_logging(snakemake.log[0]):
    make_sweep_table(sweep_columns(snakemake.input.data, snakemake.input.metrics, snakemake.params.setting),
                     caption=snakemake.params.caption, baseline=snakemake.params.baseline,
                     out_csv=snakemake.output.csv, out_md=snakemake.output.md, out_tex=snakemake.output.tex)
