"""Adapter: rule plot_exact_solutions -> pcml.outputs.problem_figures.plot_exact_solutions."""
from pcml.logs import job_logging
from pcml.outputs.problem_figures import plot_exact_solutions

with job_logging(snakemake.log[0]):
    plot_exact_solutions(out_png=snakemake.output.png, out_pdf=snakemake.output.pdf,
                         out_caption=snakemake.output.caption, caption=snakemake.params.caption)
