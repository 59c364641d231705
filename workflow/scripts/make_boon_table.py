"""Adapter: rule make_boon_table -> pcml.outputs.boon_outputs.make_operator_table."""
from pcml.data.boon_datasets import dataset_caption
from pcml.logs import job_logging
from pcml.outputs.boon_outputs import make_operator_table

with job_logging(snakemake.log[0]):
    make_operator_table(
        snakemake.input.metrics,
        caption=dataset_caption(snakemake.input.data, snakemake.params.caption),
        bc_type=snakemake.params.bc_type,
        baseline=snakemake.params.baseline,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        out_tex=snakemake.output.tex,
    )
