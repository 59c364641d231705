# ProbConserv per-experiment diagnostics (spec probconserv.md §7.2, the original's analyze.py plots): MSE(t),
# mass of one test function (left and right Riemann sums), profiles at t*, one function with its context points,
# the context locations; tables mse_at_t and cons_df at t*. Uses the definitions of probconserv.smk.
PC_DIAGNOSTICS = ["mse_over_time", "cons_plot", "time_plot", "time_plot_fid", "input_context"]
PC_DIAG_DIR = f"{FIGURES}/probconserv/diagnostics/{{experiment}}"


def pc_diagnostic_outputs():
    """Named outputs <figure>_png (in the report), <figure>_pdf and <figure>_caption of every diagnostic figure."""
    out = {}
    for name in PC_DIAGNOSTICS:
        out[f"{name}_png"] = report(f"{PC_DIAG_DIR}/{name}.png", caption="../report/caption.rst",
                                    category="2. ProbConserv", subcategory="{experiment} diagnostics",
                                    labels={"output": "diagnostic", "name": name})
        out[f"{name}_pdf"] = f"{PC_DIAG_DIR}/{name}.pdf"
        out[f"{name}_caption"] = f"{PC_DIAG_DIR}/{name}.caption.txt"
    return out


rule plot_probconserv_diagnostics:
    input:
        truth=rules.generate_dataset.output.truth,
        test=rules.generate_dataset.output.test,
        predictions=lambda w: [f"{PC_DIR}/{w.experiment}/seed{pc_seeds(w.experiment)[0]}/predictions/{m}.nc"
                               for m in PC_METHODS],
    output:
        **pc_diagnostic_outputs(),
        mse_at_t=f"{RESULTS}/tables/probconserv_{{experiment}}_mse_at_t.csv",
        cons_df=f"{RESULTS}/tables/probconserv_{{experiment}}_cons_df.csv",
    params:
        methods=PC_METHODS,
        figures=PC_DIAGNOSTICS,
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
        f_id=PC["shock"]["f_id"],  # the paper's representative test function of each parameter value
        caption=lambda w: (
            f"ProbConserv {w.experiment} diagnostics (spec §7.2, the original's analyze.py): predictions of training "
            f"seed {pc_seeds(w.experiment)[0]}; t* = {PC['problems'][w.experiment]['t_star']}; f_id "
            f"{PC['shock']['f_id']} = the test function of that index (from 0) in each parameter value; "
            f"{PC['data']['n_test_per_value']} test functions per value. " + pc_caption(w.experiment)
        ),
    log:
        f"{LOGS}/figures/probconserv_{{experiment}}_diagnostics.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_{{experiment}}_diagnostics.tsv"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=20,
    message:
        "ProbConserv {wildcards.experiment}: diagnostic figures and the mse_at_t / cons_df tables"
    script:
        "../scripts/plot_diagnostics.py"


rule probconserv_diagnostics:
    input:
        figures=expand(f"{FIGURES}/probconserv/diagnostics/{{experiment}}/{{name}}.{{ext}}",
                       experiment=PC["experiments"], name=PC_DIAGNOSTICS, ext=["png", "pdf", "caption.txt"]),
        tables=expand(f"{RESULTS}/tables/probconserv_{{experiment}}_{{table}}.csv", experiment=PC["experiments"],
                      table=["mse_at_t", "cons_df"]),
