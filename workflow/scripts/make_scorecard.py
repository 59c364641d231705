"""Adapter: rule make_scorecard -> pcml.outputs.scorecard.make_scorecard."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.scorecard import make_scorecard  # noqa: E402

with job_logging(snakemake.log[0]):
    inputs = snakemake.params.inputs
    make_scorecard(
        snakemake.input.claims,
        probconserv=inputs["probconserv"],
        boon=inputs["boon"],
        released=inputs["released"],
        task_metrics=inputs["tasks"],
        t_stars=snakemake.params.t_stars,
        smoke=not snakemake.params.meaningful,
        caption=snakemake.params.caption,
        out_csv=snakemake.output.csv,
        out_md=snakemake.output.md,
        out_tex=snakemake.output.tex,
        out_rst=snakemake.output.rst,
        out_png=snakemake.output.png,
        out_pdf=snakemake.output.pdf,
        out_caption=snakemake.output.caption,
    )
