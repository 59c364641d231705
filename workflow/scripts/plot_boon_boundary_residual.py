"""Adapter: rule plot_boon_boundary_residual -> pcml.outputs.boon_curves.plot_boundary_residual."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_curves import plot_boundary_residual  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_boundary_residual(dict(zip(snakemake.params.methods, snakemake.input.predictions)),
                           out_png=snakemake.output.png, out_pdf=snakemake.output.pdf, floor=snakemake.params.floor)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
