"""Adapter: rule plot_shock_histograms -> pcml.outputs.shock_figures.plot_shock_histograms."""
from pcml.logs import job_logging
from pcml.outputs.shock_figures import plot_shock_histograms

with job_logging(snakemake.log[0]):
    plot_shock_histograms(snakemake.input.positions, out_png=snakemake.output.png, out_pdf=snakemake.output.pdf,
                          out_caption=snakemake.output.caption, caption=snakemake.params.caption)
