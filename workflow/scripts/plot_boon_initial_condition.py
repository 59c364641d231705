"""Adapter: rule plot_boon_initial_condition -> pcml.outputs.boon_field_figures.plot_initial_field."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_field_figures import plot_initial_field  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_initial_field(dict(zip(snakemake.params.methods, snakemake.input.predictions)),
                       out_png=snakemake.output.png, out_pdf=snakemake.output.pdf, label=snakemake.params.label)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
