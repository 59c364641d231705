"""Adapter: rule plot_boon_error_panels -> pcml.outputs.boon_line_figures.plot_stokes_panels."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_line_figures import plot_stokes_panels  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_stokes_panels(dict(zip(snakemake.params.methods, snakemake.input.predictions)),
                       out_png=snakemake.output.png, out_pdf=snakemake.output.pdf, **snakemake.params.options)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
