# ProbConserv beyond the main tables: the sigma_G sweep and the SoftC lambda ablation, the shock-position
# task, the combined main-text table and the exact-solution figure. Uses the definitions of probconserv.smk.


rule evaluate_sigma_g_sweep:
    input:
        truth=rules.generate_dataset.output.truth,
        sweep=rules.apply_constraint.output.sweep,
    output:
        metrics=f"{PC_RUN}/sigma_g_sweep.csv",
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_sigma_g_sweep.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_sigma_g_sweep.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: sigma_G sweep metrics"
    script:
        "../scripts/evaluate_sigma_g_sweep.py"


def sigma_g_caption(experiment, what):
    t_star = PC["problems"][experiment]["t_star"]
    return (
        f"ProbConserv {experiment}: {what} of ProbConserv-ANP against the constraint precision 1/sigma_G^2 "
        f"(spec §4.6, F-PME-4) at t = {t_star}, from the same latent draws as the main table; "
        f"{PC['data']['n_test_per_value']} test functions per parameter value; {pc_seed_note(experiment)}. "
        + pc_caption(experiment)
    )


rule make_sigma_g_table:
    input:
        metrics=lambda w: expand(f"{PC_RUN}/sigma_g_sweep.csv", experiment=w.experiment, seed=pc_seeds(w.experiment)),
    output:
        csv=report(f"{RESULTS}/tables/probconserv_{{experiment}}_sigma_g.csv", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="{experiment}", labels={"output": "sigma_G sweep table"}),
        md=f"{RESULTS}/tables/probconserv_{{experiment}}_sigma_g.md",
        tex=f"{RESULTS}/tables/probconserv_{{experiment}}_sigma_g.tex",
    params:
        caption=lambda w: sigma_g_caption(w.experiment, "CE^2, MSE and LL"),
    log:
        f"{LOGS}/tables/probconserv_{{experiment}}_sigma_g.log",
    benchmark:
        f"{BENCHMARKS}/tables/probconserv_{{experiment}}_sigma_g.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: sigma_G sweep table"
    script:
        "../scripts/make_sigma_g_table.py"


rule plot_sigma_g_sweep:
    input:
        metrics=lambda w: expand(f"{PC_RUN}/sigma_g_sweep.csv", experiment=w.experiment, seed=pc_seeds(w.experiment)),
    output:
        png=report(f"{FIGURES}/probconserv/{{experiment}}_sigma_g_{{sweep_figure}}.png", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="{experiment}",
                   labels={"output": "figure", "name": "{experiment}_sigma_g_{sweep_figure}"}),
        pdf=f"{FIGURES}/probconserv/{{experiment}}_sigma_g_{{sweep_figure}}.pdf",
        caption=f"{FIGURES}/probconserv/{{experiment}}_sigma_g_{{sweep_figure}}.caption.txt",
    params:
        caption=lambda w: sigma_g_caption(
            w.experiment, {"cons": "CE^2 (mean over functions of the squared conservation error)",
                           "mse": "MSE", "ll": "log-likelihood"}[w.sweep_figure])
        + " Precisions below 1e-6 are not drawn (as in the paper); the band is +-1 SE.",
        min_precision=1e-7,
    wildcard_constraints:
        sweep_figure="|".join(PC_SWEEP_FIGURES),
    log:
        f"{LOGS}/figures/probconserv_{{experiment}}_sigma_g_{{sweep_figure}}.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_{{experiment}}_sigma_g_{{sweep_figure}}.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: sigma_G sweep figure ({wildcards.sweep_figure})"
    script:
        "../scripts/plot_sigma_g_sweep.py"


rule evaluate_lambda_sweep:
    input:
        truth=rules.generate_dataset.output.truth,
        predictions=lambda w: [f"{PC_DIR}/{w.experiment}/seed{w.seed}/predictions/{softc_family(lam)}.nc"
                               for lam in PC_LAMBDAS],
    output:
        metrics=f"{PC_RUN}/lambda_sweep.csv",
    params:
        lambdas=PC_LAMBDAS,
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_lambda_sweep.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/evaluate_lambda_sweep.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: SoftC-ANP lambda ablation metrics"
    script:
        "../scripts/evaluate_lambda_sweep.py"


rule make_lambda_table:
    input:
        metrics=lambda w: expand(f"{PC_RUN}/lambda_sweep.csv", experiment=w.experiment, seed=pc_seeds(w.experiment)),
    output:
        csv=report(f"{RESULTS}/tables/probconserv_{{experiment}}_lambda.csv", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="{experiment}", labels={"output": "lambda ablation table"}),
        md=f"{RESULTS}/tables/probconserv_{{experiment}}_lambda.md",
        tex=f"{RESULTS}/tables/probconserv_{{experiment}}_lambda.tex",
    params:
        caption=lambda w: (
            f"ProbConserv {w.experiment}: SoftC-ANP trained with each penalty weight lambda (spec §6.6, an appendix "
            f"ablation whose presence in the paper is unverified), CE, LL and MSE at t = {PC['problems'][w.experiment]['t_star']}; "
            f"{PC['data']['n_test_per_value']} test functions per parameter value; {pc_seed_note(w.experiment)}. "
            + pc_caption(w.experiment)
        ),
    log:
        f"{LOGS}/tables/probconserv_{{experiment}}_lambda.log",
    benchmark:
        f"{BENCHMARKS}/tables/probconserv_{{experiment}}_lambda.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: SoftC lambda ablation table"
    script:
        "../scripts/make_lambda_table.py"


rule sample_shock_positions:
    input:
        truth=rules.generate_dataset.output.truth,
        predictions=rules.evaluate_predictions.input.predictions,
        posterior=rules.apply_constraint.output.posterior,
    output:
        positions=f"{PC_RUN}/shock_positions.csv",
        metrics=f"{PC_RUN}/shock_metrics.csv",
    params:
        methods=PC_METHODS,
        t_star=lambda w: PC["problems"][w.experiment]["t_star"],
        shock=PC["shock"],
        seed=lambda w: int(w.seed),
    log:
        f"{LOGS}/probconserv/{{experiment}}/seed{{seed}}/sample_shock_positions.log",
    benchmark:
        f"{BENCHMARKS}/probconserv/{{experiment}}/seed{{seed}}/sample_shock_positions.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}, seed {wildcards.seed}: sampling shock positions"
    script:
        "../scripts/sample_shock_positions.py"


def shock_caption(experiment):
    s = PC["shock"]
    return (
        f"ProbConserv {experiment}: shock positions of {s['n_samples']} samples from each method's posterior at "
        f"t = {PC['problems'][experiment]['t_star']}, test function f_id {s['f_id']} of each parameter value, training "
        f"seed {pc_seeds(experiment)[0]}; the vertical line is the true front. ProbConserv-ANP (and w/diff) sample "
        f"the full posterior covariance; the other methods a diagonal one, diag({'sd' if s['diag_covariance'] == 'sd' else 'sd^2'})"
        + (" as in the original code (spec §9.4; the correct diag(sd^2) is the setting 'variance')" if s["diag_covariance"] == "sd" else "")
        + f"; positions mapped {'as the original (index / N_x * x_max, spec §9.4)' if s['position_mapping'] == 'original' else 'to the grid (x0 + index * dx)'}. "
        + pc_caption(experiment)
    )


rule plot_shock_histograms:
    input:
        positions=lambda w: f"{PC_DIR}/{w.experiment}/seed{pc_seeds(w.experiment)[0]}/shock_positions.csv",
    output:
        png=report(f"{FIGURES}/probconserv/{{experiment}}_shock_positions.png", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="{experiment}",
                   labels={"output": "figure", "name": "{experiment}_shock_positions"}),
        pdf=f"{FIGURES}/probconserv/{{experiment}}_shock_positions.pdf",
        caption=f"{FIGURES}/probconserv/{{experiment}}_shock_positions.caption.txt",
    params:
        caption=lambda w: shock_caption(w.experiment),
    log:
        f"{LOGS}/figures/probconserv_{{experiment}}_shock_positions.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_{{experiment}}_shock_positions.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv {wildcards.experiment}: shock-position histograms"
    script:
        "../scripts/plot_shock_histograms.py"


rule make_combined_table:
    input:
        tables=[f"{RESULTS}/tables/probconserv_{e}.csv" for e in PC_COMBINED],
    output:
        csv=report(f"{RESULTS}/tables/probconserv_main.csv", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="combined", labels={"output": "main-text table"}),
        md=f"{RESULTS}/tables/probconserv_main.md",
    params:
        params=PC_COMBINED,
        caption=(
            "ProbConserv combined main-text table (spec §6.6; its layout is recalled, unverified): CE, LL and MSE of "
            "each experiment at its table time and representative value "
            + ", ".join(f"{e} {v:g}" for e, v in PC_COMBINED.items())
            + "; the numbers of the per-experiment tables, whose captions give the seeds and settings. "
            + paper_deviations("probconserv")
        ),
    log:
        f"{LOGS}/tables/probconserv_main.log",
    benchmark:
        f"{BENCHMARKS}/tables/probconserv_main.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv: combined main-text table"
    script:
        "../scripts/make_combined_table.py"


rule plot_exact_solutions:
    output:
        png=report(f"{FIGURES}/probconserv/gpme_exact_solutions.png", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="problems", labels={"output": "figure", "name": "F-GPME"}),
        pdf=f"{FIGURES}/probconserv/gpme_exact_solutions.pdf",
        caption=f"{FIGURES}/probconserv/gpme_exact_solutions.caption.txt",
    params:
        caption=("F-GPME (ProbConserv appendix figure, spec §7.1): exact solutions of the GPME family at five times: "
                 "easy, diffusion (k = 1); medium, PME (m = 3; the paper's m is not known, the spec's choice); hard, "
                 "Stefan (u* = 0.6; likewise), from the closed forms of pcml.problems (no data, no model)."),
    log:
        f"{LOGS}/figures/probconserv_gpme_exact_solutions.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_gpme_exact_solutions.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv: exact solutions of the GPME problems (F-GPME)"
    script:
        "../scripts/plot_exact_solutions.py"


rule plot_probconserv_schematic:
    output:
        png=report(f"{FIGURES}/probconserv/schematic.png", caption="../report/caption.rst",
                   category="2. ProbConserv", subcategory="problems", labels={"output": "figure", "name": "F0"}),
        pdf=f"{FIGURES}/probconserv/schematic.pdf",
        caption=f"{FIGURES}/probconserv/schematic.caption.txt",
    params:
        caption=("F0 (ProbConserv README/paper schematic, spec §7.1): step 1, the attentive neural process maps the "
                 "context and the target points to a predictive mean and covariance; step 2, the probabilistic "
                 "constraint (G, b, sigma_G) updates them. A static diagram redrawn with matplotlib (no data)."),
    log:
        f"{LOGS}/figures/probconserv_schematic.log",
    benchmark:
        f"{BENCHMARKS}/figures/probconserv_schematic.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    message:
        "ProbConserv: the two-step schematic (F0)"
    script:
        "../scripts/plot_schematic.py"
