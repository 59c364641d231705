"""Adapter: rule plot_dataset_samples -> pcml.outputs.dataset_figures.plot_dataset_samples."""
import matplotlib

matplotlib.use("Agg")

from pcml.data.boon_datasets import dataset_caption  # noqa: E402
from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.dataset_figures import plot_dataset_samples  # noqa: E402
from pcml.outputs.style import write_text_atomic  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_dataset_samples(snakemake.input.data, out_png=snakemake.output.png, out_pdf=snakemake.output.pdf,
                         title=snakemake.params.title)
    write_text_atomic(snakemake.output.caption, dataset_caption(snakemake.input.data, snakemake.params.caption) + "\n")
