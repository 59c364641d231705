"""Adapter: rule plot_boon_snapshots -> pcml.outputs.boon_field_figures (static panels and the GIF)."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_field_figures import plot_field_snapshots, write_field_animation  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    predictions = dict(zip(snakemake.params.methods, snakemake.input.predictions))
    plot_field_snapshots(predictions, out_png=snakemake.output.png, out_pdf=snakemake.output.pdf,
                         label=snakemake.params.label)
    write_field_animation(predictions, snakemake.output.gif, label=snakemake.params.label)
    write_text_atomic(snakemake.output.caption, snakemake.params.caption + "\n")
