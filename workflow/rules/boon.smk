# BOON (Saad et al., ICLR 2023): datasets from the suite's own solvers, and the FNO vs BOON-FNO
# experiments (1-D single-step: FNO1d; 1-D + t: FNO2d; 2-D + t: FNO3d): train and predict (one job) -> boundary and
# relative-L2 metrics, one run per training seed under <experiment>/seed<k>/ -> metrics of all seeds ->
# table (mean and SE over seeds) and figures (first seed).
from pcml.config import boon_dataset_grid
from pcml.outputs.boon_captions import boundary_derivative_caption, operator_table_caption

BOON = config["boon"]
BOON_DIR = f"{RESULTS}/boon"
BOON_SEEDS = BOON["seeds"]


def boon_seeds(bexp):
    """Training seeds of one experiment: boon.experiment_seeds.<bexp>, else boon.seeds."""
    return BOON.get("experiment_seeds", {}).get(bexp, BOON_SEEDS)


def boon_kind(bexp):
    """'1d' (single-step), '1d_t' or '2d_t': the kind of the experiment's dataset."""
    return boon_dataset_grid(BOON["datasets"][BOON["experiments"][bexp]["dataset"]])[0]


wildcard_constraints:
    dataset="|".join(BOON["datasets"]) or "NONE",
    bexp="|".join(BOON["experiments"]) or "NONE",
    bmethod="|".join(f"{p}{d}{s}" for d in ("1d", "2d", "3d")
                     for p, s in (("fno", ""), ("boon_fno", ""), ("boon_fno", "_clean"), ("pino_fno", ""))) + "|fno1d_bcin",


def boon_caption(dataset, bexp=None):
    """Profile, seed and the departures from the paper's settings of one dataset (and experiment)."""
    blocks = [("datasets", dataset)] + ([("experiments", bexp)] if bexp else [])
    lines = []
    for kind, name in blocks:
        lines += deviations(BOON[kind][name], PAPER_CONFIG["boon"][kind].get(name, {}), prefix=f"boon.{kind}.{name}.")
    head = f"Profile {PROFILE}; data seed {config['data_seed']}" + (
        f"; training seeds {boon_seeds(bexp)}. " if bexp else ". ")
    if not lines:
        return head + "All settings of this " + ("experiment and its dataset" if bexp else "dataset") + " are the paper's."
    return head + f"Departures from the paper's settings: " + "; ".join(lines) + "."


def boon_dataset_threads(dataset):
    """Threads of a dataset job: the cavity's worker processes (2, or 1 when it has one chunk of samples),
    1 for the other generators."""
    from pcml.data.boon_datasets import dataset_workers  # imports the solvers: only when needed

    return dataset_workers(BOON["datasets"][dataset], max_workers=2)


def boon_dataset_of(bexp):
    return BOON["experiments"][bexp]["dataset"]


def predict_settings(bexp):
    """Keyword arguments of pcml.evaluation.operator_predict.predict_operator for experiment ``bexp``'s test
    samples: float64, so that BOON's BC residuals show round-off, in batches of the training batch size."""
    exp = BOON["experiments"][bexp]
    return {"n_test": exp["n_test"], "batch_size": exp["train"]["batch_size"], "dtype": "float64",
            "device": config["device"]}


def seed_dir(w):
    """results/<p>/boon/<experiment>/seed<k>: everything that depends on the training seed."""
    return f"{BOON_DIR}/{w.bexp}/seed{w.seed}"


rule generate_boon_dataset:
    output:
        data=f"{BOON_DIR}/datasets/{{dataset}}.nc",
    params:
        settings=lambda w: BOON["datasets"][w.dataset],
        seed=config["data_seed"],
        profile=PROFILE,
    log:
        f"{LOGS}/boon/datasets/{{dataset}}.log",
    benchmark:
        f"{BENCHMARKS}/boon/datasets/{{dataset}}.tsv"
    # the cavity solves its sample chunks in parallel processes (identical data for any count;
    # Snakemake lowers this to --cores); the other generators are single-process
    threads: lambda w: boon_dataset_threads(w.dataset)
    resources:
        mem_mb=4000,
        runtime=60,
    message:
        "BOON dataset {wildcards.dataset}: running its solver"
    script:
        "../scripts/generate_boon_dataset.py"


rule plot_dataset_samples:
    input:
        data=rules.generate_boon_dataset.output.data,
    output:
        png=report(f"{FIGURES}/boon/dataset_{{dataset}}.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="datasets", labels={"output": "dataset samples", "dataset": "{dataset}"}),
        pdf=f"{FIGURES}/boon/dataset_{{dataset}}.pdf",
        caption=f"{FIGURES}/boon/dataset_{{dataset}}.caption.txt",
    params:
        title=lambda w: f"BOON dataset {w.dataset} (profile {PROFILE}): input a, target u, boundary data",
        caption=lambda w: (
            f"BOON dataset {w.dataset}: a few samples of the input a, the target u and the boundary data, "
            f"made by the suite's own solver (spec boon.md §2; the authors' MATLAB data were never released). "
            + boon_caption(w.dataset)
        ),
    log:
        f"{LOGS}/figures/boon_dataset_{{dataset}}.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_dataset_{{dataset}}.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    message:
        "BOON dataset {wildcards.dataset}: sample figure"
    script:
        "../scripts/plot_dataset_samples.py"


# the benchmark file of a training job, read again by the cost table (make_boon_cost_table)
BOON_TRAIN_BENCHMARK = f"{BENCHMARKS}/boon/{{bexp}}/seed{{seed}}/train_{{bmethod}}.tsv"


rule train_operator:
    input:
        data=lambda w: f"{BOON_DIR}/datasets/{BOON['experiments'][w.bexp]['dataset']}.nc",
    output:
        model=f"{BOON_DIR}/{{bexp}}/seed{{seed}}/models/{{bmethod}}.pt",
        history=f"{BOON_DIR}/{{bexp}}/seed{{seed}}/models/{{bmethod}}_history.csv",
        # the test predictions are made by the training job itself: a separate job would spend most of its
        # time (about 2 of 3 s at the quick profile, 153 jobs) starting Python and importing torch
        predictions=f"{BOON_DIR}/{{bexp}}/seed{{seed}}/predictions/{{bmethod}}.nc",
    params:
        model_kwargs=lambda w: {
            **BOON["experiments"][w.bexp]["model"],
            **({"bc_type": BOON["experiments"][w.bexp]["bc_type"]}
               if w.bmethod.startswith("boon") or w.bmethod.endswith("_bcin") else {}),
        },
        pino=lambda w: BOON["pino_lite"] if w.bmethod.startswith("pino_") else None,
        n_train=lambda w: BOON["experiments"][w.bexp]["n_train"],
        n_test=lambda w: BOON["experiments"][w.bexp]["n_test"],
        train=lambda w: {**BOON["experiments"][w.bexp]["train"], "select": "last", "seed": int(w.seed)},
        work_dir=lambda w: f"{seed_dir(w)}/checkpoints/{w.bmethod}-"
        + settings_hash(
            {k: BOON["experiments"][w.bexp][k] for k in ("dataset", "bc_type", "n_train", "n_test", "model", "train")},
            BOON["datasets"][boon_dataset_of(w.bexp)],
            int(w.seed),
        ),
        device=config["device"],
        predict=lambda w: predict_settings(w.bexp),
    log:
        f"{LOGS}/boon/{{bexp}}/seed{{seed}}/train_{{bmethod}}.log",
    benchmark:
        BOON_TRAIN_BENCHMARK
    threads: config["threads"]
    resources:
        mem_mb=lambda w: 16000 if boon_kind(w.bexp) == "2d_t" else 4000,
        runtime=60 * 24,
        gpu=0,
    message:
        "BOON {wildcards.bexp}, seed {wildcards.seed}: training {wildcards.bmethod} (resumes from its checkpoint), then its test predictions"
    script:
        "../scripts/train_operator.py"


rule evaluate_operator:
    input:
        predictions=lambda w: [f"{seed_dir(w)}/predictions/{m}.nc" for m in BOON["experiments"][w.bexp]["methods"]],
    output:
        metrics=f"{BOON_DIR}/{{bexp}}/seed{{seed}}/metrics.csv",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
    log:
        f"{LOGS}/boon/{{bexp}}/seed{{seed}}/evaluate_operator.log",
    benchmark:
        f"{BENCHMARKS}/boon/{{bexp}}/seed{{seed}}/evaluate_operator.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}, seed {wildcards.seed}: relative L2 and boundary errors"
    script:
        "../scripts/evaluate_operator.py"


rule combine_operator_metrics:
    input:
        metrics=lambda w: [f"{BOON_DIR}/{w.bexp}/seed{k}/metrics.csv" for k in boon_seeds(w.bexp)],
    output:
        metrics=f"{BOON_DIR}/{{bexp}}/metrics.csv",
    params:
        seeds=lambda w: boon_seeds(w.bexp),
    log:
        f"{LOGS}/boon/{{bexp}}/combine_operator_metrics.log",
    benchmark:
        f"{BENCHMARKS}/boon/{{bexp}}/combine_operator_metrics.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: metrics of all training seeds in one file"
    script:
        "../scripts/combine_operator_metrics.py"


rule make_boon_table:
    input:
        metrics=rules.combine_operator_metrics.output.metrics,
        data=lambda w: f"{BOON_DIR}/datasets/{boon_dataset_of(w.bexp)}.nc",
    output:
        csv=report(f"{RESULTS}/tables/boon_{{bexp}}.csv", caption="../report/caption.rst", category="3. BOON",
                   subcategory="{bexp}", labels={"output": "table"}),
        md=f"{RESULTS}/tables/boon_{{bexp}}.md",
        tex=f"{RESULTS}/tables/boon_{{bexp}}.tex",
    params:
        bc_type=lambda w: BOON["experiments"][w.bexp]["bc_type"],
        baseline=lambda w: next((m for m in BOON["experiments"][w.bexp]["methods"] if m.startswith("fno")), None),
        caption=lambda w: operator_table_caption(
            w.bexp,
            bc_type=BOON["experiments"][w.bexp]["bc_type"],
            methods=BOON["experiments"][w.bexp]["methods"],
            n_test=BOON["experiments"][w.bexp]["n_test"],
            seeds=boon_seeds(w.bexp),
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/tables/boon_{{bexp}}.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_{{bexp}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: results table (mean and SE over the training seeds)"
    script:
        "../scripts/make_boon_table.py"


rule plot_boundary_derivative:
    input:
        predictions=lambda w: [
            f"{BOON_DIR}/{w.bexp}/seed{boon_seeds(w.bexp)[0]}/predictions/{m}.nc" for m in BOON["experiments"][w.bexp]["methods"]
        ],
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_boundary_derivative.png", caption="../report/caption.rst",
                   category="3. BOON", subcategory="{bexp}", labels={"output": "figure", "name": "Fig. 1 insets"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_boundary_derivative.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_boundary_derivative.caption.txt",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
        caption=lambda w: boundary_derivative_caption(
            w.bexp, methods=BOON["experiments"][w.bexp]["methods"], seeds=boon_seeds(w.bexp)
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_boundary_derivative.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_boundary_derivative.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: du/dx near the walls (paper Fig. 1), first training seed"
    script:
        "../scripts/plot_boundary_derivative.py"


# Fig. 1 insets: the 1-D single-step Neumann experiments (du/dx at the two walls of one test sample)
BOON_FIG1_EXPERIMENTS = [e for e, exp in BOON["experiments"].items() if exp["bc_type"] == "neumann" and boon_kind(e) == "1d"]


rule boon_tables:
    input:
        datasets=expand(f"{FIGURES}/boon/dataset_{{dataset}}.{{ext}}", dataset=list(BOON["datasets"]), ext=["png", "pdf", "caption.txt"]),
        tables=expand(f"{RESULTS}/tables/boon_{{bexp}}.{{ext}}", bexp=list(BOON["experiments"]), ext=["csv", "md", "tex"]),
        figures=expand(f"{FIGURES}/boon/{{bexp}}_boundary_derivative.{{ext}}", ext=["png", "pdf", "caption.txt"],
                       bexp=BOON_FIG1_EXPERIMENTS),


rule boon_datasets:
    input:
        expand(f"{BOON_DIR}/datasets/{{dataset}}.nc", dataset=list(BOON["datasets"])),
