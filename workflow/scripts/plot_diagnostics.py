"""Adapter: rule plot_probconserv_diagnostics -> pcml.outputs.diagnostics.write_diagnostics."""
import matplotlib

matplotlib.use("Agg")

from pcml.logs import job_logging  # noqa: E402
from pcml.outputs.diagnostics import write_diagnostics  # noqa: E402

with job_logging(snakemake.log[0]):
    out = snakemake.output
    write_diagnostics(
        snakemake.input.truth,
        dict(zip(snakemake.params.methods, snakemake.input.predictions)),
        snakemake.input.test,
        t_star=float(snakemake.params.t_star),
        f_id=int(snakemake.params.f_id),
        figures={name: {"png": out[f"{name}_png"], "pdf": out[f"{name}_pdf"], "caption": out[f"{name}_caption"]}
                 for name in snakemake.params.figures},
        mse_at_t_csv=out.mse_at_t,
        cons_df_csv=out.cons_df,
        caption=snakemake.params.caption,
    )
