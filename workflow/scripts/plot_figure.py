"""Adapter: rule plot_figure -> pcml.outputs.registry.plot_configured_figure."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.registry import plot_configured_figure  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_configured_figure(
        snakemake.params.figure,
        snakemake.input.truth,
        dict(zip(snakemake.params.methods, snakemake.input.predictions)),
        snakemake.output.png,
        snakemake.output.pdf,
        caption=snakemake.params.caption,
        out_caption=snakemake.output.caption,
    )
