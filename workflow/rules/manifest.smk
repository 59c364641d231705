# The reproduction manifest: sha256 of every table, figure and netCDF file of the profile, with the
# package versions, the configuration and the git commit. `pcml verify` checks a rerun against it.


rule write_manifest:
    input:
        rules.probconserv.input,
        rules.probconserv_diagnostics.input,
        rules.probconserv_released.input,
        rules.boon.input,
        rules.boon_figures.input,
        rules.boon_sweeps.input,
        rules.make_scorecard.output,
    output:
        manifest=f"{RESULTS}/manifest.json",
    params:
        folders=[RESULTS, FIGURES],
        profile=PROFILE,
        config=config,
    log:
        f"{LOGS}/write_manifest.log",
    benchmark:
        f"{BENCHMARKS}/write_manifest.tsv"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=30,
    message:
        "Manifest: sha256 of every output of profile {params.profile}"
    script:
        "../scripts/write_manifest.py"
