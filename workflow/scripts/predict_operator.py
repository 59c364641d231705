"""Adapter: rule predict_operator -> pcml.evaluation.operator_predict.predict_operator."""
from pcml.evaluation.operator_predict import predict_operator
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    predict_operator(
        snakemake.input.model,
        snakemake.input.data,
        n_test=snakemake.params.n_test,
        dtype=snakemake.params.dtype,
        batch_size=snakemake.params.batch_size,
        out_nc=snakemake.output.predictions,
        device=snakemake.params.device,
    )
