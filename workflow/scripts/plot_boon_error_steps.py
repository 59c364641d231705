"""Adapter: rule plot_boon_error_steps -> pcml.outputs.boon_curves.plot_error_steps."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_curves import plot_error_steps  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_error_steps(dict(zip(snakemake.params.seeds, snakemake.input.metrics)), snakemake.params.methods,
                     sample=snakemake.params.sample, paper_colours=snakemake.params.paper_colours,
                     out_png=snakemake.output.png, out_pdf=snakemake.output.pdf)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
