"""Adapter: rule plot_boon_schematic -> pcml.outputs.boon_schematics.plot_schematic."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_schematics import plot_schematic  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_schematic(snakemake.wildcards.schematic, out_png=snakemake.output.png, out_pdf=snakemake.output.pdf)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
