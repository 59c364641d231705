"""Adapter: rule train_operator -> pcml.training.operator.train_operator, then
pcml.evaluation.operator_predict.predict_operator on the test samples (same process)."""
from pcml.evaluation.operator_predict import predict_operator
from pcml.logs import job_logging
from pcml.training.loop import TrainSettings
from pcml.training.operator import train_operator

with job_logging(snakemake.log[0]):
    train_operator(
        snakemake.input.data,
        model_name=snakemake.wildcards.bmethod,
        model_kwargs=snakemake.params.model_kwargs,
        n_train=snakemake.params.n_train,
        n_test=snakemake.params.n_test,
        settings=TrainSettings(**snakemake.params.train),
        out_model=snakemake.output.model,
        out_history=snakemake.output.history,
        work_dir=snakemake.params.work_dir,
        device=snakemake.params.device,
        threads=snakemake.threads,
        label=f"{snakemake.wildcards.bexp} seed{snakemake.wildcards.seed}",
        pino=snakemake.params.pino,
    )
    predict_operator(snakemake.output.model, snakemake.input.data, out_nc=snakemake.output.predictions,
                     **snakemake.params.predict)
