"""Adapter: rule plot_boon_sample_error -> pcml.outputs.boon_line_figures.plot_sample_error."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_line_figures import plot_sample_error  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_sample_error(dict(zip(snakemake.params.methods, snakemake.input.predictions)),
                      out_png=snakemake.output.png, out_pdf=snakemake.output.pdf, floor=snakemake.params.floor)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
