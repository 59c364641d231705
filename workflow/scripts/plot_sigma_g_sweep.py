"""Adapter: rule plot_sigma_g_sweep -> pcml.outputs.sweep_outputs.plot_sweep."""
from pcml.logs import job_logging
from pcml.outputs.sweep_outputs import plot_sweep

with job_logging(snakemake.log[0]):
    plot_sweep(list(snakemake.input.metrics), kind=snakemake.wildcards.sweep_figure, out_png=snakemake.output.png,
               out_pdf=snakemake.output.pdf, out_caption=snakemake.output.caption, caption=snakemake.params.caption,
               min_precision=snakemake.params.min_precision)
