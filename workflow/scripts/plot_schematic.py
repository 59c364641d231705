"""Adapter: rule plot_probconserv_schematic -> pcml.outputs.probconserv_schematic.plot_schematic."""
from pcml.logs import job_logging
from pcml.outputs.probconserv_schematic import plot_schematic

with job_logging(snakemake.log[0]):
    plot_schematic(out_png=snakemake.output.png, out_pdf=snakemake.output.pdf,
                   out_caption=snakemake.output.caption, caption=snakemake.params.caption)
