# The reproduction scorecard (every claim of the two papers, judged from the per-seed metrics) and the
# cost section of the report (wall time and peak memory of every rule, from the benchmark files).


def boon_seed_metrics(bexp):
    """The metrics file of every training seed of a BOON experiment."""
    return [f"{BOON_DIR}/{bexp}/seed{k}/metrics.csv" for k in boon_seeds(bexp)]


SCORECARD_INPUTS = {
    "probconserv": {e: expand(f"{PC_RUN}/metrics.csv", experiment=e, seed=pc_seeds(e)) for e in PC["experiments"]},
    "boon": {e: boon_seed_metrics(e) for e in BOON["experiments"]},
    "tasks": {"shock_position": {e: expand(f"{PC_RUN}/shock_metrics.csv", experiment=e, seed=pc_seeds(e))
                                 for e in PC_SHOCK}},
    "released": (
        {e: f"{RELEASED_OUT}/{e}/metrics_dropout_on.csv" for e in RELEASED_EXPERIMENTS if e in PC["experiments"]}
        if RELEASED_DIR else {}
    ),
}


def scorecard_caption():
    if not config["meaningful_verdicts"]:
        head = ("Smoke profile: every verdict is 'smoke: not meaningful' (tiny models trained for seconds; "
                "the values are computed but say nothing about the papers). ")
    else:
        head = ""
    return head + (
        f"Reproduction scorecard, profile {PROFILE}: each claim of the two papers that the specs name, the "
        "paper's value, the authors' released ProbConserv models scored by our code (MC dropout on) where they "
        f"exist, ours (mean ± sd over the training seeds: ProbConserv {PC['seeds']} (per experiment: {PC.get('experiment_seeds', {})}), BOON {BOON['seeds']} (per experiment: {BOON.get('experiment_seeds', {})})) and "
        "the verdict computed from the per-seed values: reproduces (every seed), does not reproduce (no seed), "
        "mixed across seeds, or not run at this profile. Tests and claims: workflow/resources/claims.yaml."
    )


rule make_scorecard:
    input:
        claims="workflow/resources/claims.yaml",
        probconserv=[p for paths in SCORECARD_INPUTS["probconserv"].values() for p in paths],
        boon=[p for paths in SCORECARD_INPUTS["boon"].values() for p in paths],
        released=list(SCORECARD_INPUTS["released"].values()),
        tasks=[p for task in SCORECARD_INPUTS["tasks"].values() for paths in task.values() for p in paths],
    output:
        csv=report(f"{RESULTS}/tables/scorecard.csv", caption="../report/caption.rst", category="1. Scorecard",
                   labels={"output": "table"}),
        md=f"{RESULTS}/tables/scorecard.md",
        tex=f"{RESULTS}/tables/scorecard.tex",
        rst=f"{RESULTS}/tables/scorecard.rst",
        png=report(f"{FIGURES}/scorecard.png", caption="../report/caption.rst", category="1. Scorecard",
                   labels={"output": "figure"}),
        pdf=f"{FIGURES}/scorecard.pdf",
        caption=f"{FIGURES}/scorecard.caption.txt",
    params:
        inputs=SCORECARD_INPUTS,
        t_stars={e: PC["problems"][e]["t_star"] for e in PC["experiments"]},
        meaningful=config["meaningful_verdicts"],
        caption=scorecard_caption(),
    log:
        f"{LOGS}/tables/scorecard.log",
    benchmark:
        f"{BENCHMARKS}/tables/scorecard.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "Scorecard: every claim of both papers, judged from the per-seed metrics"
    script:
        "../scripts/make_scorecard.py"


def benchmark_patterns():
    """Every rule's benchmark pattern, relative to BENCHMARKS and without '.tsv' (rules without one left out)."""
    prefix = f"{BENCHMARKS}/"
    patterns = {}
    for r in workflow.rules:
        pattern = str(r.benchmark) if r.benchmark is not None else ""
        if pattern.startswith(prefix) and pattern.endswith(".tsv"):
            patterns[r.name] = pattern[len(prefix):-len(".tsv")]
    return patterns


rule plot_rule_costs:
    input:
        # runs after every other product of the profile, then reads the benchmark files they left
        rules.make_scorecard.output,
        rules.probconserv.input,
        rules.probconserv_released.input,
        rules.boon.input,
    output:
        # timings differ from run to run: they live under benchmarks/, outside the manifest
        csv=f"{BENCHMARKS}/summary/rule_costs.csv",
        png=report(f"{BENCHMARKS}/summary/rule_costs.png", caption="../report/caption.rst", category="4. Cost",
                   labels={"output": "wall time and memory of the jobs"}),
        # the same benchmark files summed per rule (job-seconds, jobs, longest, peak memory)
        by_rule_csv=f"{BENCHMARKS}/summary/rule_costs_by_rule.csv",
        by_rule_md=f"{BENCHMARKS}/summary/rule_costs_by_rule.md",
    params:
        benchmarks=BENCHMARKS,
        # rule name -> its benchmark file pattern relative to the benchmarks folder, without .tsv
        patterns=lambda w: benchmark_patterns(),
        caption=(f"Cost of the jobs of profile {PROFILE}: wall time (s) and peak resident memory (MB) from "
                 "Snakemake's benchmark files (results/<profile>/benchmarks/, one per job, named after the job's "
                 "outputs), the 40 longest jobs; rule_costs_by_rule.csv and .md sum them per rule (a file that matches no "
                 "rule of this workflow, e.g. left by an older layout, is listed as such). A job that did not run in "
                 "the last invocation shows the benchmark of its last run."),
    log:
        f"{LOGS}/plot_rule_costs.log",
    benchmark:
        f"{BENCHMARKS}/plot_rule_costs.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "Cost section: wall time and peak memory per rule"
    script:
        "../scripts/plot_rule_costs.py"
