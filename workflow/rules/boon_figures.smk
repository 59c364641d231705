# BOON §6 figures and static tables (spec boon.md §6.2-6.3), from the files the BOON rules write:
# Table 1 (BC types) and the hyper-parameter table, the two schematics, the Stokes error panels, the cavity
# (or wave) fields and animation, error vs output step, and the appendix-style sample/|error| and
# boundary-residual figures. Included after boon.smk (uses BOON, BOON_DIR, boon_seeds, boon_caption,
# boon_dataset_of). Each figure rule exists only for the experiments that have the data it draws.
from pcml.outputs.boon_figure_captions import (bc_types_caption, boundary_residual_caption, cost_caption,
                                               error_panels_caption,
                                               error_steps_caption, hyperparameter_caption,
                                               initial_condition_caption, sample_error_caption, schematic_caption,
                                               snapshots_caption)
from pcml.outputs.boon_figure_data import pick_pair

BOON_FIELD_GENERATORS = {"cavity": "vorticity", "wave": "displacement u"}  # 2-D+t datasets -> field label
BOON_FIG = dict(n_panels=4, x_max=0.5, vmin=1e-6, vmax=0.05, floor=1e-16)  # spec §6.3 (Stokes), log floor


def boon_generator(bexp):
    return BOON["datasets"][boon_dataset_of(bexp)]["generator"]


def boon_is_multi_step(bexp):
    """Output over t: 1-D+t multi-step datasets and the 2-D+t ones (cavity, wave)."""
    return bool(BOON["datasets"][boon_dataset_of(bexp)].get("multi_step")) or boon_generator(bexp) in BOON_FIELD_GENERATORS


def boon_has_pair(bexp):
    try:
        pick_pair(BOON["experiments"][bexp]["methods"])
    except ValueError:
        return False
    return True


def boon_pair(bexp):
    return list(pick_pair(BOON["experiments"][bexp]["methods"]))


def boon_first_seed_predictions(bexp, methods):
    return [f"{BOON_DIR}/{bexp}/seed{boon_seeds(bexp)[0]}/predictions/{m}.nc" for m in methods]


BOON_MULTI = [e for e in BOON["experiments"] if boon_is_multi_step(e)]
BOON_LINE = [e for e in BOON["experiments"] if boon_generator(e) not in BOON_FIELD_GENERATORS]  # 1-D (+t)
BOON_STOKES_MULTI = [e for e in BOON_MULTI if boon_generator(e) == "stokes" and boon_has_pair(e)]
BOON_FIELDS = [e for e in BOON_MULTI if boon_generator(e) in BOON_FIELD_GENERATORS]


def boon_figure_files(names, kind, exts=("png", "pdf", "caption.txt")):
    return [f"{FIGURES}/boon/{n}_{kind}.{ext}" for n in names for ext in exts]


rule boon_bc_types_table:
    output:
        csv=report(f"{RESULTS}/tables/boon_bc_types.csv", caption="../report/caption.rst", category="3. BOON",
                   subcategory="static", labels={"output": "table", "name": "Table 1: BC types"}),
        md=f"{RESULTS}/tables/boon_bc_types.md",
        tex=f"{RESULTS}/tables/boon_bc_types.tex",
    params:
        kind="bc_types",
        caption=bc_types_caption(),
    log:
        f"{LOGS}/tables/boon_bc_types.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_bc_types.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    message:
        "BOON Table 1: the boundary-condition types"
    script:
        "../scripts/make_boon_static_table.py"


rule boon_hyperparameter_table:
    output:
        csv=report(f"{RESULTS}/tables/boon_hyperparameters.csv", caption="../report/caption.rst",
                   category="3. BOON", subcategory="static", labels={"output": "table", "name": "hyper-parameters"}),
        md=f"{RESULTS}/tables/boon_hyperparameters.md",
        tex=f"{RESULTS}/tables/boon_hyperparameters.tex",
    params:
        kind="hyperparameters",
        config={"boon": {"experiments": BOON["experiments"]}},
        caption=hyperparameter_caption(PROFILE),
    log:
        f"{LOGS}/tables/boon_hyperparameters.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_hyperparameters.tsv"
    threads: 1
    resources:
        mem_mb=500,
        runtime=5,
    message:
        "BOON hyper-parameter table of profile " + PROFILE
    script:
        "../scripts/make_boon_static_table.py"


def boon_cost_runs():
    """Every BOON training run: experiment, method, seed, epochs, its benchmark file and its model file."""
    return [{"experiment": e, "method": m, "seed": int(k), "epochs": int(BOON["experiments"][e]["train"]["epochs"]),
             "benchmark": BOON_TRAIN_BENCHMARK.format(bexp=e, seed=k, bmethod=m),
             "model": rules.train_operator.output.model.format(bexp=e, seed=k, bmethod=m)}
            for e in BOON["experiments"] for k in boon_seeds(e) for m in BOON["experiments"][e]["methods"]]


rule make_boon_cost_table:
    input:
        # the trained models; their jobs' benchmark files exist once they are done
        models=[run["model"] for run in boon_cost_runs()],
    output:
        # timings differ from run to run: under benchmarks/, outside the manifest, like the rule costs
        csv=report(f"{BENCHMARKS}/summary/boon_cost.csv", caption="../report/caption.rst", category="3. BOON",
                   subcategory="static", labels={"output": "table", "name": "cost"}),
        md=f"{BENCHMARKS}/summary/boon_cost.md",
        tex=f"{BENCHMARKS}/summary/boon_cost.tex",
    params:
        runs=boon_cost_runs(),
        baseline={e: next((m for m in x["methods"] if m in ("fno1d", "fno2d", "fno3d")), "")
                  for e, x in BOON["experiments"].items()},
        caption=cost_caption(PROFILE, config["threads"]),
    log:
        f"{LOGS}/tables/boon_cost.log",
    benchmark:
        f"{BENCHMARKS}/tables/boon_cost.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON cost table of profile " + PROFILE + ": seconds per epoch and parameters of every training run"
    script:
        "../scripts/make_boon_cost_table.py"


rule plot_boon_schematic:
    output:
        png=report(f"{FIGURES}/boon/{{schematic}}.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="static", labels={"output": "figure", "name": "{schematic}"}),
        pdf=f"{FIGURES}/boon/{{schematic}}.pdf",
        caption=f"{FIGURES}/boon/{{schematic}}.caption.txt",
    wildcard_constraints:
        schematic="schematic_rod|schematic_operator",
    params:
        caption=lambda w: schematic_caption(w.schematic),
    log:
        f"{LOGS}/figures/boon_{{schematic}}.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{schematic}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    message:
        "BOON {wildcards.schematic}: static drawing"
    script:
        "../scripts/plot_boon_schematic.py"


rule plot_boon_error_panels:
    input:
        predictions=lambda w: boon_first_seed_predictions(w.bexp, boon_pair(w.bexp)),
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_error_panels.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="{bexp}", labels={"output": "figure", "name": "Stokes panels"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_error_panels.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_error_panels.caption.txt",
    params:
        methods=lambda w: boon_pair(w.bexp),
        options={k: BOON_FIG[k] for k in ("n_panels", "x_max", "vmin", "vmax")},
        caption=lambda w: error_panels_caption(
            w.bexp, methods=boon_pair(w.bexp), seeds=boon_seeds(w.bexp),
            **{k: BOON_FIG[k] for k in ("n_panels", "x_max", "vmin", "vmax")},
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_error_panels.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_error_panels.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: BOON vs FNO over x at four output steps, coloured by |error| (first seed)"
    script:
        "../scripts/plot_boon_error_panels.py"


rule plot_boon_sample_error:
    input:
        predictions=lambda w: boon_first_seed_predictions(w.bexp, BOON["experiments"][w.bexp]["methods"]),
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_sample_error.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="{bexp}", labels={"output": "figure", "name": "sample and |error|"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_sample_error.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_sample_error.caption.txt",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
        floor=BOON_FIG["floor"],
        caption=lambda w: sample_error_caption(
            w.bexp, methods=BOON["experiments"][w.bexp]["methods"], seeds=boon_seeds(w.bexp),
            multi_step=boon_is_multi_step(w.bexp), floor=BOON_FIG["floor"],
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_sample_error.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_sample_error.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: a test sample and its |error| against x (first seed)"
    script:
        "../scripts/plot_boon_sample_error.py"


rule plot_boon_initial_condition:
    input:
        predictions=lambda w: boon_first_seed_predictions(w.bexp, BOON["experiments"][w.bexp]["methods"][:1]),
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_initial_condition.png", caption="../report/caption.rst",
                   category="3. BOON", subcategory="{bexp}", labels={"output": "figure", "name": "initial condition"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_initial_condition.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_initial_condition.caption.txt",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"][:1],
        label=lambda w: BOON_FIELD_GENERATORS[boon_generator(w.bexp)],
        caption=lambda w: initial_condition_caption(w.bexp, label=BOON_FIELD_GENERATORS[boon_generator(w.bexp)])
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_initial_condition.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_initial_condition.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: initial condition of a test sample"
    script:
        "../scripts/plot_boon_initial_condition.py"


rule plot_boon_snapshots:
    input:
        predictions=lambda w: boon_first_seed_predictions(w.bexp, BOON["experiments"][w.bexp]["methods"]),
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_snapshots.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="{bexp}", labels={"output": "figure", "name": "field snapshots"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_snapshots.pdf",
        gif=f"{FIGURES}/boon/{{bexp}}_snapshots.gif",
        caption=f"{FIGURES}/boon/{{bexp}}_snapshots.caption.txt",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
        label=lambda w: BOON_FIELD_GENERATORS[boon_generator(w.bexp)],
        caption=lambda w: snapshots_caption(
            w.bexp, methods=BOON["experiments"][w.bexp]["methods"], seeds=boon_seeds(w.bexp),
            label=BOON_FIELD_GENERATORS[boon_generator(w.bexp)],
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_snapshots.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_snapshots.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    message:
        "BOON {wildcards.bexp}: truth and predictions over (x, y), first and last step, and an animation"
    script:
        "../scripts/plot_boon_snapshots.py"


rule plot_boon_error_steps:
    input:
        metrics=lambda w: [f"{BOON_DIR}/{w.bexp}/seed{s}/metrics.csv" for s in boon_seeds(w.bexp)],
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_error_steps.png", caption="../report/caption.rst", category="3. BOON",
                   subcategory="{bexp}", labels={"output": "figure", "name": "error vs output step"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_error_steps.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_error_steps.caption.txt",
    params:
        seeds=lambda w: boon_seeds(w.bexp),
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
        sample=lambda w: 0 if boon_generator(w.bexp) == "cavity" else None,  # cavity panel (c): sample curves
        paper_colours=lambda w: boon_generator(w.bexp) == "cavity",  # and the NS video's colours
        caption=lambda w: error_steps_caption(
            w.bexp, methods=BOON["experiments"][w.bexp]["methods"], seeds=boon_seeds(w.bexp),
            n_test=BOON["experiments"][w.bexp]["n_test"], sample_curves=boon_generator(w.bexp) == "cavity",
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_error_steps.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_error_steps.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: relative L2 per output step (mean and SE over the training seeds)"
    script:
        "../scripts/plot_boon_error_steps.py"


rule plot_boon_boundary_residual:
    input:
        predictions=lambda w: boon_first_seed_predictions(w.bexp, BOON["experiments"][w.bexp]["methods"]),
    output:
        png=report(f"{FIGURES}/boon/{{bexp}}_boundary_residual.png", caption="../report/caption.rst",
                   category="3. BOON", subcategory="{bexp}", labels={"output": "figure", "name": "BC residual vs t"}),
        pdf=f"{FIGURES}/boon/{{bexp}}_boundary_residual.pdf",
        caption=f"{FIGURES}/boon/{{bexp}}_boundary_residual.caption.txt",
    params:
        methods=lambda w: BOON["experiments"][w.bexp]["methods"],
        floor=BOON_FIG["floor"],
        caption=lambda w: boundary_residual_caption(
            w.bexp, bc_type=BOON["experiments"][w.bexp]["bc_type"], methods=BOON["experiments"][w.bexp]["methods"],
            seeds=boon_seeds(w.bexp), floor=BOON_FIG["floor"],
        )
        + " "
        + boon_caption(boon_dataset_of(w.bexp), w.bexp),
    log:
        f"{LOGS}/figures/boon_{{bexp}}_boundary_residual.log",
    benchmark:
        f"{BENCHMARKS}/figures/boon_{{bexp}}_boundary_residual.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "BOON {wildcards.bexp}: boundary residual per wall against time (first seed)"
    script:
        "../scripts/plot_boon_boundary_residual.py"


rule boon_figures:
    input:
        tables=expand(f"{RESULTS}/tables/boon_{{name}}.{{ext}}", name=["bc_types", "hyperparameters"],
                      ext=["csv", "md", "tex"]),
        schematics=expand(f"{FIGURES}/boon/{{name}}.{{ext}}", name=["schematic_rod", "schematic_operator"],
                          ext=["png", "pdf", "caption.txt"]),
        error_panels=boon_figure_files(BOON_STOKES_MULTI, "error_panels"),
        sample_error=boon_figure_files(BOON_LINE, "sample_error"),
        initial=boon_figure_files(BOON_FIELDS, "initial_condition"),
        snapshots=boon_figure_files(BOON_FIELDS, "snapshots", ("png", "pdf", "gif", "caption.txt")),
        error_steps=boon_figure_files(BOON_MULTI, "error_steps"),
        boundary_residual=boon_figure_files(BOON_MULTI, "boundary_residual"),
