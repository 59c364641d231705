"""Adapter: rule make_table -> pcml.outputs.tables.make_results_table."""
from pcml.logs import job_logging
from pcml.outputs.tables import make_results_table

with job_logging(snakemake.log[0]):
    make_results_table(
        snakemake.input.metrics,
        experiment=snakemake.wildcards.experiment,
        t_star=snakemake.params.t_star,
        methods=snakemake.params.methods,
        caption=snakemake.params.caption,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        out_tex=snakemake.output.tex,
        paper_csv=snakemake.input.get("paper"),
    )
