# pcml: one workflow that regenerates the tables and figures of ProbConserv (ICML 2023) and
# BOON (ICLR 2023). `snakemake --cores all` runs the paper profile; see README.md.
from snakemake.utils import min_version, validate

min_version("8.0")


configfile: "workflow/config/paper.yaml"


validate(config, "workflow/config/schema.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/probconserv.smk"


rule all:
    default_target: True
    input:
        rules.probconserv.input,
