"""Adapter: rule plot_boundary_derivative -> pcml.outputs.boon_outputs.plot_boundary_derivative."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_outputs import plot_boundary_derivative  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_boundary_derivative(
        dict(zip(snakemake.params.methods, snakemake.input.predictions)),
        out_png=snakemake.output.png,
        out_pdf=snakemake.output.pdf,
    )
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
