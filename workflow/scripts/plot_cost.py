"""Adapter: rule plot_cost -> pcml.bench.run.plot_cost_files."""
import matplotlib

matplotlib.use("Agg")

from pcml.bench.run import plot_cost_files  # noqa: E402
from pcml.logs import job_logging  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_cost_files(
        snakemake.input.csv,
        out_png=snakemake.output.png,
        out_pdf=snakemake.output.pdf,
        out_caption=snakemake.output.caption,
        caption=snakemake.params.caption,
        title=snakemake.params.title,
    )
