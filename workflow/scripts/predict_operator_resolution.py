"""Adapter: rule predict_operator_resolution_<experiment> -> pcml.evaluation.operator_predict.predict_operator,
once per resolution dataset (one process for all of them)."""
from pcml.evaluation.operator_predict import predict_operator
from pcml.logs import job_logging

with job_logging(snakemake.log[0]):
    for data, out_nc in zip(snakemake.input.data, snakemake.output.predictions, strict=True):
        predict_operator(snakemake.input.model, data, out_nc=out_nc, **snakemake.params.predict)
