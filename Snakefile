# pcml: one workflow that regenerates the tables and figures of ProbConserv (ICML 2023) and
# BOON (ICLR 2023). `snakemake --cores all` runs the paper profile; see README.md.
import sys

from snakemake.utils import min_version

from pcml.config import ConfigError, validate_schema

min_version("8.0")


configfile: "workflow/config/paper.yaml"


report: "workflow/report/workflow.rst"


try:
    validate_schema(config, workflow.source_path("workflow/config/schema.yaml"))
except ConfigError as exc:
    raise WorkflowError(str(exc)) from None


include: "workflow/rules/common.smk"
include: "workflow/rules/probconserv.smk"
include: "workflow/rules/probconserv_extras.smk"
include: "workflow/rules/probconserv_diagnostics.smk"
include: "workflow/rules/released.smk"
include: "workflow/rules/boon.smk"
include: "workflow/rules/boon_figures.smk"
include: "workflow/rules/boon_sweeps.smk"
include: "workflow/rules/scorecard.smk"
include: "workflow/rules/manifest.smk"
include: "workflow/rules/benchmark.smk"


onstart:
    # Snakemake's default job-rate limit makes its scheduler wake up ever more often as jobs finish
    # (pcml.scheduling); a local run does not need it.
    from pcml.scheduling import drop_default_rate_limit

    if drop_default_rate_limit(workflow):
        print("pcml: Snakemake's default job-rate limit is off for this local run (see pcml.scheduling)",
              file=sys.stderr)


rule all:
    default_target: True
    input:
        rules.probconserv.input,
        rules.probconserv_diagnostics.input,
        rules.probconserv_released.input,
        rules.boon.input,
        rules.boon_figures.input,
        rules.boon_sweeps.input,
        rules.make_scorecard.output,
        rules.write_manifest.output,
        rules.plot_rule_costs.output,
        rules.benchmark.input,
