# The authors' released ProbConserv models (PME, Stefan), evaluated by our own inference,
# constraint and metric code. Active when config["official_models_dir"] is set.
from pathlib import Path

RELEASED_DIR = config.get("official_models_dir")
RELEASED_EXPERIMENTS = ["pme", "stefan"]
RELEASED_MODELS = {  # method -> released weights file, per experiment
    "pme": {"anp": "anp.pt", "softc_anp": "softc.pt"},
    "stefan": {"anp": "anp.pt"},
}
RELEASED_OUT = f"{PC_DIR}/released"
DROPOUT = {"on": True, "off": False}


def released_methods(experiment):
    """Methods scored for the released models of ``experiment`` (SoftC only where released)."""
    return ["anp"] + (["softc_anp"] if "softc_anp" in RELEASED_MODELS[experiment] else []) + [
        "hardc_anp",
        "probconserv_anp",
    ]


if RELEASED_DIR:
    for _exp in RELEASED_EXPERIMENTS:
        for _name in ["test.npz", *RELEASED_MODELS[_exp].values()]:
            if not (Path(RELEASED_DIR) / _exp / _name).is_file():
                raise WorkflowError(
                    f"official_models_dir={RELEASED_DIR!r}: missing file {_exp}/{_name} "
                    "(expected the released ProbConserv models: pme/{anp,softc}.pt, stefan/anp.pt, */test.npz)"
                )


wildcard_constraints:
    dropout="on|off",


rule convert_released_testset:
    input:
        npz=lambda w: f"{RELEASED_DIR}/{w.experiment}/test.npz",
    output:
        test=f"{RELEASED_OUT}/{{experiment}}/data/test.nc",
        truth=f"{RELEASED_OUT}/{{experiment}}/truth.nc",
    params:
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
        grid_nx=PC["data"]["grid_nx"],
        profile=PROFILE,
    log:
        f"{LOGS}/probconserv/released/{{experiment}}/convert_released_testset.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/released/{{experiment}}/convert_released_testset.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: converting the authors' released test set"
    script:
        "../scripts/convert_released_testset.py"


rule apply_constraint_released:
    input:
        anp=lambda w: f"{RELEASED_DIR}/{w.experiment}/anp.pt",
        extra=lambda w: [f"{RELEASED_DIR}/{w.experiment}/{f}" for m, f in RELEASED_MODELS[w.experiment].items() if m != "anp"],
        test=rules.convert_released_testset.output.test,
        truth=rules.convert_released_testset.output.truth,
    output:
        directory(f"{RELEASED_OUT}/{{experiment}}/predictions/dropout_{{dropout}}"),
    params:
        models=lambda w: {m: f"{RELEASED_DIR}/{w.experiment}/{f}" for m, f in RELEASED_MODELS[w.experiment].items()},
        methods=lambda w: released_methods(w.experiment),
        inference=lambda w: {
            **{k: v for k, v in PC["inference"].items() if k != "methods"},
            "inference_dropout": DROPOUT[w.dropout],
        },
        seed=PC["seeds"][0],
        device=config["device"],
    log:
        f"{LOGS}/probconserv/released/{{experiment}}/apply_constraint_dropout_{{dropout}}.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/released/{{experiment}}/apply_constraint_dropout_{{dropout}}.tsv"
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=0,
    message:
        "ProbConserv {wildcards.experiment}: released models, inference_dropout {wildcards.dropout}"
    script:
        "../scripts/apply_constraint_released.py"


rule evaluate_released:
    input:
        truth=rules.convert_released_testset.output.truth,
        predictions=rules.apply_constraint_released.output,
    output:
        metrics=f"{RELEASED_OUT}/{{experiment}}/metrics_dropout_{{dropout}}.csv",
    params:
        methods=lambda w: released_methods(w.experiment),
    log:
        f"{LOGS}/probconserv/released/{{experiment}}/evaluate_dropout_{{dropout}}.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/released/{{experiment}}/evaluate_dropout_{{dropout}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: metrics of the released models (dropout {wildcards.dropout})"
    script:
        "../scripts/evaluate_released.py"


rule make_table_released:
    input:
        metrics=rules.evaluate_released.output.metrics,
    output:
        csv=report(f"{RESULTS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.csv",
                   caption="../report/caption.rst", category="2. ProbConserv", subcategory="{experiment}",
                   labels={"output": "table", "models": "released, dropout {dropout}"}),
        md=f"{RESULTS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.md",
        tex=f"{RESULTS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.tex",
    params:
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
        methods=lambda w: released_methods(w.experiment),
        caption=lambda w: (
            f"ProbConserv {w.experiment}, the authors' released models (amazon-science/probconserv, Apache-2.0) "
            f"on their released test set, scored by this suite: CE, LL and MSE at t = "
            f"{PC['problems'][w.experiment]['t_star']} on {PC['data']['grid_nx']} grid points, mean (SE) over the "
            f"test functions of each parameter value; S = {PC['inference']['n_draws']} latent draws; "
            f"inference_dropout = {'true' if DROPOUT[w.dropout] else 'false'}; seed {PC['seeds'][0]}."
        ),
    log:
        f"{LOGS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.log",
    benchmark:
        f"{BENCHMARKS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: released-model table (dropout {wildcards.dropout})"
    script:
        "../scripts/make_table.py"


rule probconserv_released:
    input:
        expand(
            f"{RESULTS}/tables/probconserv_{{experiment}}_released_dropout_{{dropout}}.{{ext}}",
            experiment=RELEASED_EXPERIMENTS if RELEASED_DIR else [],
            dropout=list(DROPOUT),
            ext=["csv", "md", "tex"],
        ),
