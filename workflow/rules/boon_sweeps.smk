# BOON tables whose columns are settings (spec boon.md §6.2):
# - sweeps: experiments of one family that differ in one dataset setting (the viscosity nu), each trained and
#   evaluated as an ordinary experiment of boon.smk; one table with a column per experiment;
# - resolution generalisation: the models of one experiment evaluated without retraining on datasets of other
#   resolutions (same samples: the generators draw the same functions at every n_x); the Neumann stencil's h
#   follows the evaluation grid (P18). One table with the training resolution and every evaluation resolution.
from pcml.config import resolution_datasets, sweep_experiments

# (entries with no values or sizes, which a profile may set to skip them, make no table)
BOON_SWEEPS = {name: sweep_experiments(BOON, name) for name, sw in BOON.get("sweeps", {}).items() if sw["values"]}
BOON_RESOLUTION = {e: resolution_datasets(BOON, e) for e, sizes in BOON.get("resolution", {}).items() if sizes}


wildcard_constraints:
    sweep="|".join(BOON_SWEEPS) or "NONE",


def resolution_dir(w):
    """results/<p>/boon/<experiment>/seed<k>/resolution/<dataset>: one seed's models on another grid."""
    return f"{seed_dir(w)}/resolution/{w.dataset}"


# One job per (experiment, seed, method) predicts on every resolution of the experiment: the datasets are
# small and most of a job is starting Python and importing torch (about 2 of a job's 3 s at the quick profile),
# so one job per dataset cost twice as much. A rule per experiment, since the list of outputs depends on it.
for _bexp, _datasets in BOON_RESOLUTION.items():

    rule:
        name:
            f"predict_operator_resolution_{_bexp}"
        input:
            model=f"{BOON_DIR}/{_bexp}/seed{{seed}}/models/{{bmethod}}.pt",
            data=[f"{BOON_DIR}/datasets/{d}.nc" for d in _datasets],
        output:
            predictions=[f"{BOON_DIR}/{_bexp}/seed{{seed}}/resolution/{d}/predictions/{{bmethod}}.nc" for d in _datasets],
        params:
            predict=predict_settings(_bexp),
        log:
            f"{LOGS}/boon/{_bexp}/seed{{seed}}/resolution_predict_{{bmethod}}.log",
        benchmark:
            f"{BENCHMARKS}/boon/{_bexp}/seed{{seed}}/resolution_predict_{{bmethod}}.tsv"
        threads: config["threads"]
        resources:
            mem_mb=4000,
            runtime=30,
            gpu=0,
        message:
            f"BOON {_bexp}, seed {{wildcards.seed}}: {{wildcards.bmethod}} on {', '.join(_datasets)} without retraining"
        script:
            "../scripts/predict_operator_resolution.py"


rule evaluate_operator_resolution:
    input:
        predictions=lambda w: [f"{resolution_dir(w)}/predictions/{m}.nc" for m in BOON["experiments"][w.bexp]["methods"]],
    output:
        metrics=f"{BOON_DIR}/{{bexp}}/seed{{seed}}/resolution/{{dataset}}/metrics.csv",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
    log:
        f"{LOGS}/boon/{{bexp}}/seed{{seed}}/resolution_{{dataset}}_evaluate.log",
    benchmark:
        f"{BENCHMARKS}/boon/{{bexp}}/seed{{seed}}/resolution_{{dataset}}_evaluate.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}, seed {wildcards.seed}: metrics on {wildcards.dataset}"
    script:
        "../scripts/evaluate_operator.py"


rule combine_resolution_metrics:
    input:
        metrics=lambda w: [f"{BOON_DIR}/{w.bexp}/seed{k}/resolution/{w.dataset}/metrics.csv" for k in boon_seeds(w.bexp)],
    output:
        metrics=f"{BOON_DIR}/{{bexp}}/resolution/{{dataset}}/metrics.csv",
    params:
        seeds=lambda w: boon_seeds(w.bexp),
    log:
        f"{LOGS}/boon/{{bexp}}/resolution_{{dataset}}_combine.log",
    benchmark:
        f"{BENCHMARKS}/boon/{{bexp}}/resolution_{{dataset}}_combine.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: metrics of all training seeds on {wildcards.dataset}"
    script:
        "../scripts/combine_operator_metrics.py"


def sweep_caption(kind, name, experiments):
    first = experiments[0]
    exp = BOON["experiments"][first]
    if kind == "resolution":
        head = (f"BOON {first}: resolution generalisation ([RECON] protocol, spec boon.md §6.2): the models trained "
                f"on {boon_dataset_of(first)} evaluated without retraining on the same test functions at other grid "
                "sizes N (the Neumann stencil's h follows the grid, P18).")
    else:
        head = (f"BOON {name}: one column per experiment ({', '.join(experiments)}), each trained and evaluated on "
                "its own dataset ([RECON] columns, spec boon.md §6.2).")
    return (f"{head} BC type {exp['bc_type']}; methods {', '.join(exp['methods'])}; {exp['n_test']} test samples; "
            f"training seeds {boon_seeds(first)}. " + boon_caption(boon_dataset_of(first), first))


rule make_boon_sweep_table:
    input:
        metrics=lambda w: [f"{BOON_DIR}/{e}/metrics.csv" for e in BOON_SWEEPS[w.sweep]],
        data=lambda w: [f"{BOON_DIR}/datasets/{boon_dataset_of(e)}.nc" for e in BOON_SWEEPS[w.sweep]],
    output:
        csv=report(f"{RESULTS}/tables/boon_sweep_{{sweep}}.csv", caption="../report/caption.rst", category="3. BOON",
                   subcategory="sweeps", labels={"output": "table", "name": "{sweep}"}),
        md=f"{RESULTS}/tables/boon_sweep_{{sweep}}.md",
        tex=f"{RESULTS}/tables/boon_sweep_{{sweep}}.tex",
    params:
        setting=lambda w: BOON["sweeps"][w.sweep]["setting"],
        baseline=lambda w: BOON["experiments"][BOON_SWEEPS[w.sweep][0]]["methods"][0],
        caption=lambda w: sweep_caption("sweep", w.sweep, BOON_SWEEPS[w.sweep]),
    log:
        f"{LOGS}/tables/boon_sweep_{{sweep}}.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_sweep_{{sweep}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON sweep {wildcards.sweep}: one column per experiment"
    script:
        "../scripts/make_boon_sweep_table.py"


rule make_boon_resolution_table:
    input:
        metrics=lambda w: [f"{BOON_DIR}/{w.bexp}/metrics.csv"]
        + [f"{BOON_DIR}/{w.bexp}/resolution/{d}/metrics.csv" for d in BOON_RESOLUTION[w.bexp]],
        data=lambda w: [f"{BOON_DIR}/datasets/{d}.nc" for d in [boon_dataset_of(w.bexp), *BOON_RESOLUTION[w.bexp]]],
    output:
        csv=report(f"{RESULTS}/tables/boon_{{bexp}}_resolution.csv", caption="../report/caption.rst",
                   category="3. BOON", subcategory="{bexp}", labels={"output": "table", "name": "resolution"}),
        md=f"{RESULTS}/tables/boon_{{bexp}}_resolution.md",
        tex=f"{RESULTS}/tables/boon_{{bexp}}_resolution.tex",
    params:
        setting="n_x",
        baseline=lambda w: BOON["experiments"][w.bexp]["methods"][0],
        caption=lambda w: sweep_caption("resolution", w.bexp, [w.bexp]),
    log:
        f"{LOGS}/tables/boon_{{bexp}}_resolution.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_{{bexp}}_resolution.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: resolution generalisation table"
    script:
        "../scripts/make_boon_sweep_table.py"


rule boon_sweeps:
    input:
        sweeps=expand(f"{RESULTS}/tables/boon_sweep_{{sweep}}.{{ext}}", sweep=list(BOON_SWEEPS), ext=["csv", "md", "tex"]),
        resolution=expand(f"{RESULTS}/tables/boon_{{bexp}}_resolution.{{ext}}", bexp=list(BOON_RESOLUTION),
                          ext=["csv", "md", "tex"]),


# Everything of BOON (included last of the BOON rule files): datasets, per-experiment tables and Fig. 1
# (boon.smk), the §6 figures and static tables (boon_figures.smk), the sweep and resolution tables (this file).
rule boon:
    input:
        rules.boon_tables.input,
        rules.boon_figures.input,
        rules.boon_sweeps.input,
        rules.make_boon_cost_table.output,  # seconds per epoch and parameters (boon_figures.smk)
