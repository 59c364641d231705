"""Adapter: rule plot_rule_costs -> pcml.outputs.costs.plot_rule_costs."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.costs import plot_rule_costs  # noqa: E402

with job_logging(snakemake.log[0]):
    plot_rule_costs(snakemake.params.benchmarks, out_csv=snakemake.output.csv, out_png=snakemake.output.png,
                    patterns=snakemake.params.patterns, out_rules_csv=snakemake.output.by_rule_csv,
                    out_rules_md=snakemake.output.by_rule_md)
