"""Adapter: rule boon_bc_types_table, boon_hyperparameter_table -> pcml.outputs.boon_static."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.boon_static import write_bc_types_table, write_hyperparameter_table  # noqa: E402

with job_logging(snakemake.log[0]):
    outs = dict(out_csv=snakemake.output.csv, out_md=snakemake.output.md, out_tex=snakemake.output.tex)
    if snakemake.params.kind == "bc_types":
        write_bc_types_table(caption=snakemake.params.caption, **outs)
    elif snakemake.params.kind == "hyperparameters":
        write_hyperparameter_table(snakemake.params.config, caption=snakemake.params.caption, **outs)
    else:
        raise ValueError(f"unknown static BOON table {snakemake.params.kind!r}")
