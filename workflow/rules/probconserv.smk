# ProbConserv (Hansen et al., ICML 2023): data -> ANP training -> one streaming inference pass
# (ANP, HardC-ANP, ProbConserv-ANP) -> metrics -> tables and figures.
PC = config["probconserv"]
PC_DIR = f"{RESULTS}/probconserv"
PC_SOFTC = PC["softc"]["enabled"]
PC_LAMBDAS = [float(v) for v in PC["softc"].get("lambda_sweep", {}).get("lambdas", [])]
PC_LAMBDA_SWEEP = [e for e in PC["softc"].get("lambda_sweep", {}).get("experiments", [])
                   if e in PC["experiments"]] if PC_SOFTC else []


def family_epochs(family):
    """Training epochs of a model family: the anp block's, or probconserv.softc.epochs for SoftC-ANP when set."""
    if family != "anp" and PC["softc"].get("epochs") is not None:
        return int(PC["softc"]["epochs"])
    return int(PC["anp"]["epochs"])


def softc_family(lam):
    """Model family of SoftC-ANP trained with ``lam``: softc_anp at the configured lambda, else softc_anp_lam<tag>."""
    if lam == float(PC["softc"]["lambda"]):
        return "softc_anp"
    return "softc_anp_lam" + f"{lam:g}".replace(".", "p").replace("+", "").replace("-", "m")


SOFTC_LAMBDA = {softc_family(lam): lam for lam in PC_LAMBDAS} | {"softc_anp": float(PC["softc"]["lambda"])}
PC_ANP_METHODS = PC["inference"]["methods"]  # post-processings of the ANP's one inference pass
PC_METHODS = (["softc_anp"] if PC_SOFTC else []) + PC_ANP_METHODS  # every row of the tables (ordered there)
PC_FIGURES = [name for name, fig in PC["figures"].items() if fig["experiment"] in PC["experiments"]]
PC_SWEEP = [e for e in PC.get("sigma_g_sweep_experiments", []) if e in PC["experiments"]]  # sigma_G sweep outputs
PC_SWEEP_FIGURES = ["cons", "mse", "ll"]  # CE^2, MSE, LL against the precision (F-PME-4)
PC_COMBINED = {e: v for e, v in PC.get("combined_table", {}).items() if e in PC["experiments"]}
PC_SHOCK = [e for e in PC["shock"]["experiments"] if e in PC["experiments"]]  # the shock-position task
def pc_seeds(experiment):
    """Training seeds of an experiment: probconserv.experiment_seeds overrides probconserv.seeds."""
    return PC.get("experiment_seeds", {}).get(experiment, PC["seeds"])


PC_RUN = f"{PC_DIR}/{{experiment}}/seed{{seed}}"  # everything that depends on the training seed


def pc_table_times(experiment):
    """{table-name suffix: time}: '' -> t_star (the headline table), '_t<time>' -> each time of t_extra."""
    settings = PC["problems"][experiment]
    return {"": settings["t_star"], **{f"_t{t:g}": t for t in settings.get("t_extra", [])}}


def pc_table_time(experiment, at_time):
    """The time of table probconserv_<experiment><at_time>; a clear error for a time not configured."""
    times = pc_table_times(experiment)
    if at_time not in times:
        raise WorkflowError(f"table probconserv_{experiment}{at_time}: its time is not one of "
                            f"probconserv.problems.{experiment}.t_extra {list(times.values())[1:]}")
    return times[at_time]


def pc_table_note(experiment, at_time):
    """Which table time this is: the headline t*, or one of t_extra (pointing to the headline table)."""
    t_star = PC["problems"][experiment]["t_star"]
    if not at_time:
        return f"t* = {t_star}"
    return (f"t = {pc_table_time(experiment, at_time)} (one of probconserv.problems.{experiment}.t_extra; "
            f"the headline table probconserv_{experiment} is at t* = {t_star})")


wildcard_constraints:
    at_time=r"(_t[0-9][0-9.e+-]*)?",  # empty: the table at t*


def pc_seed_note(experiment):
    """How the table cells aggregate: over test functions (one seed) or over training seeds."""
    seeds = pc_seeds(experiment)
    if len(seeds) == 1:
        return f"one training seed ({seeds[0]}): mean (SE) over the test functions of each value"
    return f"mean (SE) over {len(seeds)} training seeds {seeds} of the per-seed means over the test functions"


def pc_caption(experiment):
    """Caption notes shared by every ProbConserv output of this profile."""
    inf = PC["inference"]
    return (
        f"Profile {PROFILE}; data seed {config['data_seed']}; training seeds {pc_seeds(experiment)}; S = {inf['n_draws']} latent draws; "
        f"inference_dropout = {str(inf['inference_dropout']).lower()}; "
        f"ProbConserv-ANP sigma_G^2 = {inf['sigma_g2']}. "
        + ((f"Heat data: {'the original code' + chr(39) + 's artefacts, time-warped training/context values and the sin(511x/512) truth (spec §9.1-9.2; problems.diffusion.faithful_artifacts)' if PC['problems']['diffusion'].get('faithful_artifacts') else 'the exact e^(-kt) sin(x) everywhere (the original warps times and uses sin(511x/512), spec §9.1-9.2)'}; the paper's row comes from the original's data. ")
           if experiment == "diffusion" else "")
        + (f"SoftC-ANP's advection residual: {'the original broadcast over every beta of the batch (spec §9.10)' if PC['softc']['advection_penalty_broadcast'] else 'each function with its own beta (the original broadcasts, spec §9.10)'}. "
           if experiment == "advection" and PC_SOFTC else "")
        + paper_deviations("probconserv")
    )


rule generate_dataset:
    output:
        train=f"{PC_DIR}/{{experiment}}/data/train.nc",
        valid=f"{PC_DIR}/{{experiment}}/data/valid.nc",
        test=f"{PC_DIR}/{{experiment}}/data/test.nc",
        truth=f"{PC_DIR}/{{experiment}}/truth.nc",
    params:
        problem=lambda w: PC["problems"][w.experiment],
        data=PC["data"],
        seed=config["data_seed"],
        profile=PROFILE,
    log:
        f"{LOGS}/probconserv/{{experiment}}/generate_dataset.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/generate_dataset.tsv"
    priority: LONG_CHAIN_PRIORITY
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    message:
        "ProbConserv {wildcards.experiment}: sampling train/valid/test functions and the test truth"
    script:
        "../scripts/generate_dataset.py"


rule train_model:
    input:
        train=rules.generate_dataset.output.train,
        valid=rules.generate_dataset.output.valid,
    output:
        model=f"{PC_RUN}/models/{{family}}.pt",
        history=f"{PC_RUN}/models/{{family}}_history.csv",
    params:
        model_name="anp",  # SoftC-ANP is the same network with a penalty in its loss
        model_kwargs=lambda w: {"num_hidden": PC["anp"]["num_hidden"]},
        penalty=lambda w: {"experiment": w.experiment, "lambda": SOFTC_LAMBDA[w.family],
                           "advection_broadcast": PC["softc"]["advection_penalty_broadcast"]} if w.family != "anp" else None,
        train=lambda w: {
            "epochs": family_epochs(w.family),
            "batch_size": PC["anp"]["batch_size"],
            "lr": PC["anp"]["lr"],
            "val_every": PC["anp"]["val_every"],
            "seed": int(w.seed),
        },
        work_dir=lambda w: f"{PC_DIR}/{w.experiment}/seed{w.seed}/checkpoints/{w.family}-"
        + settings_hash(PC["anp"], PC["data"], PC["problems"][w.experiment], config["data_seed"], int(w.seed),
                        *([SOFTC_LAMBDA[w.family], PC["softc"]["advection_penalty_broadcast"], family_epochs(w.family)]
                          if w.family != "anp" else [])),
        device=config["device"],
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/train_{{family}}.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/train_{{family}}.tsv"
    priority: LONG_CHAIN_PRIORITY
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60 * 24,
        gpu=0,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: training {wildcards.family} (resumes from its checkpoint)"
    script:
        "../scripts/train_model.py"


rule apply_constraint:
    input:
        model=f"{PC_RUN}/models/anp.pt",
        test=rules.generate_dataset.output.test,
        truth=rules.generate_dataset.output.truth,
    output:
        predictions=[f"{PC_RUN}/predictions/{m}.nc" for m in PC_ANP_METHODS],
        sweep=f"{PC_RUN}/predictions/sigma_g_sweep.nc",
        posterior=f"{PC_RUN}/predictions/posterior_tstar.nc",
    params:
        methods=PC_ANP_METHODS,
        shock_f_id=PC["shock"]["f_id"],
        inference={k: v for k, v in PC["inference"].items() if k != "methods"},
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
        seed=lambda w: int(w.seed),
        device=config["device"],
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/apply_constraint.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/apply_constraint.tsv"
    priority: LONG_CHAIN_PRIORITY
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60 * 6,
        gpu=0,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: one inference pass for {params.methods}"
    script:
        "../scripts/apply_constraint.py"



rule predict_softc:
    input:
        model=f"{PC_RUN}/models/{{family}}.pt",
        test=rules.generate_dataset.output.test,
        truth=rules.generate_dataset.output.truth,
    output:
        prediction=f"{PC_RUN}/predictions/{{family}}.nc",
    params:
        inference={k: v for k, v in PC["inference"].items() if k != "methods"},
        seed=lambda w: int(w.seed),
        device=config["device"],
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/predict_{{family}}.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/predict_{{family}}.tsv"
    wildcard_constraints:
        family="softc_anp(_lam[0-9a-z]+)?",
    priority: LONG_CHAIN_PRIORITY
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=60 * 6,
        gpu=0,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: inference of {wildcards.family}"
    script:
        "../scripts/predict_softc.py"

rule evaluate_predictions:
    input:
        truth=rules.generate_dataset.output.truth,
        predictions=lambda w: ([f"{PC_RUN}/predictions/softc_anp.nc".format(**w)] if PC_SOFTC else [])
        + expand(rules.apply_constraint.output.predictions, experiment=w.experiment, seed=w.seed),
    output:
        metrics=f"{PC_RUN}/metrics.csv",
    params:
        methods=PC_METHODS,
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_predictions.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_predictions.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: MSE, LL and CE at every grid time"
    script:
        "../scripts/evaluate_predictions.py"


rule make_table:
    input:
        metrics=lambda w: expand(f"{PC_RUN}/metrics.csv", experiment=w.experiment, seed=pc_seeds(w.experiment)),
        paper="workflow/resources/paper_numbers/probconserv.csv",
    output:
        csv=report(f"{RESULTS}/tables/probconserv_{{experiment}}{{at_time}}.csv", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="{experiment}", labels={"output": "table{at_time}"}),
        md=f"{RESULTS}/tables/probconserv_{{experiment}}{{at_time}}.md",
        tex=f"{RESULTS}/tables/probconserv_{{experiment}}{{at_time}}.tex",
    params:
        t_star=lambda w: pc_table_time(w.experiment, w.at_time),
        methods=PC_METHODS,
        caption=lambda w: (
            f"ProbConserv {w.experiment}: CE, LL and MSE at {pc_table_note(w.experiment, w.at_time)}, "
            f"{PC['data']['n_test_per_value']} test functions per parameter value; {pc_seed_note(w.experiment)}. "
            + pc_caption(w.experiment)
        ),
    log:
        f"{LOGS}/tables/probconserv_{{experiment}}{{at_time}}.log",
    benchmark:
        f"{BENCHMARKS}/tables/probconserv_{{experiment}}{{at_time}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: results table{wildcards.at_time}"
    script:
        "../scripts/make_table.py"


def figure_inputs(wildcards):
    fig = PC["figures"][wildcards.figure]
    exp = fig["experiment"]
    return {
        "truth": f"{PC_DIR}/{exp}/truth.nc",
        "predictions": [f"{PC_DIR}/{exp}/seed{pc_seeds(exp)[0]}/predictions/{m}.nc" for m in PC_METHODS],
    }


rule plot_figure:
    input:
        unpack(figure_inputs),
    output:
        png=report(f"{FIGURES}/probconserv/{{figure}}.png", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory=lambda w: PC["figures"][w.figure]["experiment"],
                   labels={"output": "figure", "name": "{figure}"}),
        pdf=f"{FIGURES}/probconserv/{{figure}}.pdf",
        caption=f"{FIGURES}/probconserv/{{figure}}.caption.txt",
    params:
        figure=lambda w: PC["figures"][w.figure],
        methods=PC_METHODS,
        caption=lambda w: (PC["figures"][w.figure]["caption"] + f" Predictions of training seed {pc_seeds(PC['figures'][w.figure]['experiment'])[0]}. "
                           + pc_caption(PC["figures"][w.figure]["experiment"])),
    log:
        f"{LOGS}/figures/probconserv_{{figure}}.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_{{figure}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "ProbConserv figure {wildcards.figure}"
    script:
        "../scripts/plot_figure.py"


rule probconserv:
    input:
        tables=[f"{RESULTS}/tables/probconserv_{e}{at}.{ext}" for e in PC["experiments"] for at in pc_table_times(e)
                for ext in ("csv", "md", "tex")],
        figures=expand(f"{FIGURES}/probconserv/{{figure}}.{{ext}}", figure=PC_FIGURES, ext=["png", "pdf", "caption.txt"]),
        sweep_tables=expand(f"{RESULTS}/tables/probconserv_{{experiment}}_sigma_g.{{ext}}", experiment=PC_SWEEP,
                            ext=["csv", "md", "tex"]),
        combined=expand(f"{RESULTS}/tables/probconserv_main.{{ext}}", ext=["csv", "md"] if PC_COMBINED else []),
        exact_solutions=expand(f"{FIGURES}/probconserv/gpme_exact_solutions.{{ext}}", ext=["png", "pdf", "caption.txt"]),
        schematic=expand(f"{FIGURES}/probconserv/schematic.{{ext}}", ext=["png", "pdf", "caption.txt"]),
        shock_figures=expand(f"{FIGURES}/probconserv/{{experiment}}_shock_positions.{{ext}}", experiment=PC_SHOCK,
                             ext=["png", "pdf", "caption.txt"]),
        lambda_tables=expand(f"{RESULTS}/tables/probconserv_{{experiment}}_lambda.{{ext}}", experiment=PC_LAMBDA_SWEEP,
                             ext=["csv", "md", "tex"]),
        sweep_figures=expand(f"{FIGURES}/probconserv/{{experiment}}_sigma_g_{{kind}}.{{ext}}", experiment=PC_SWEEP,
                             kind=PC_SWEEP_FIGURES, ext=["png", "pdf", "caption.txt"]),
