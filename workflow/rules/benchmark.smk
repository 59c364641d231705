# Cost benchmark: seconds per training step and per inference batch, peak memory growth and
# parameter counts of every model family in config["benchmark"]["families"] (pcml.bench), each case
# alternated with its baseline in one process. Measured, never asserted in a test.
import os

BENCH = config["benchmark"]
BENCH_RUN_ALONE = BENCH["run_alone"]
# Locally, with benchmark.run_alone, the benchmark takes all of the run's cores, so Snakemake runs no other
# job beside it; where the run claims more cores than this machine has (a cluster executor), the job gets
# its own allocation and asks only for the threads torch uses; without run_alone it is a job like any other.
def bench_job_threads():
    if not BENCH_RUN_ALONE:
        return BENCH["threads"]
    try:
        cores = workflow.cores
    except WorkflowError:  # no --cores given: `snakemake --report`, a dry run
        return BENCH["threads"]
    return cores if isinstance(cores, int) and cores <= (os.cpu_count() or 1) else BENCH["threads"]


BENCH_JOB_THREADS = bench_job_threads()


COST_CAPTION = (
    f"Cost of the suite's models, profile {PROFILE}: seconds per training step (forward, backward, "
    "Adam step; float32) and per inference batch (no gradients), medians over alternated repeats; "
    "'vs baseline' is the median of the paired ratios to the row's baseline (FNO1d: a plain "
    "implementation of the same network; BOON-FNO1d: FNO1d of the same sizes). Peak memory: growth "
    "of the process's peak resident set during one call. Spec boon.md §7.2 measured the released "
    f"BOON code at 5-6x FNO (Dirichlet/Neumann). {paper_deviations('benchmark')}"
)


rule measure_cost:
    output:
        csv=f"{RESULTS}/tables/cost.csv",
        md=f"{RESULTS}/tables/cost.md",
    params:
        settings=BENCH,
        caption=COST_CAPTION,
    log:
        f"{LOGS}/benchmark/measure_cost.log",
    benchmark:
        f"{BENCHMARKS}/benchmark/measure_cost.tsv"
    threads: BENCH_JOB_THREADS
    resources:
        mem_mb=8000,
        runtime=30,
    message:
        "Cost benchmark: timing every model family" + (" (runs alone)" if BENCH_RUN_ALONE else "")
    script:
        "../scripts/measure_cost.py"


rule plot_cost:
    input:
        csv=rules.measure_cost.output.csv,
    output:
        png=report(f"{FIGURES}/cost.png", caption="../report/caption.rst", category="4. Cost",
                   labels={"output": "cost of every model (pcml.bench)"}),
        pdf=f"{FIGURES}/cost.pdf",
        caption=f"{FIGURES}/cost.caption.txt",
    params:
        caption=COST_CAPTION,
        title=f"Cost per training step and inference batch (profile {PROFILE})",
    log:
        f"{LOGS}/figures/cost.log",
    benchmark:
        f"{BENCHMARKS}/figures/cost.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "Cost benchmark: figure"
    script:
        "../scripts/plot_cost.py"


rule benchmark:
    input:
        rules.measure_cost.output,
        rules.plot_cost.output,
