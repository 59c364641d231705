# Shared helpers: the profile's folders, semantic config checks, hashes of settings.
import hashlib
import json

import yaml

from pcml.config import ConfigError, check_config, deviations, expand_boon

try:
    check_config(config)
    # the datasets and experiments that the BOON sweeps and the resolution study derive, as ordinary entries
    config["boon"] = expand_boon(config["boon"])
except ConfigError as exc:
    raise WorkflowError(f"invalid configuration: {exc}") from None

PROFILE = config["profile"]
RESULTS = f"results/{PROFILE}"
FIGURES = f"figures/{PROFILE}"
LOGS = f"{RESULTS}/logs"
BENCHMARKS = f"{RESULTS}/benchmarks"

# The ProbConserv trainings and their inference are the DAG's longest chain (about 10 min of training, then
# 3 min of inference, per run at the quick profile). Snakemake starts the ready jobs of higher priority first,
# so the short BOON jobs fill the slots around that chain instead of one of its jobs being left for the end.
LONG_CHAIN_PRIORITY = 50

with open(workflow.source_path("../config/paper.yaml")) as _f:
    PAPER_CONFIG = yaml.safe_load(_f)
PAPER_CONFIG["boon"] = expand_boon(PAPER_CONFIG["boon"])


wildcard_constraints:
    experiment="|".join(config["probconserv"]["experiments"]),
    method="[a-z_]+",
    family="anp|softc_anp|softc_anp_lam[0-9a-z]+",
    figure="|".join(
        name for name, fig in config["probconserv"]["figures"].items()
        if fig["experiment"] in config["probconserv"]["experiments"]
    ) or "NONE",
    ext="png|pdf",
    seed=r"\d+",


def settings_hash(*objects):
    """Short stable hash of JSON-serialisable settings (names checkpoint folders)."""
    blob = json.dumps(objects, sort_keys=True, default=str).encode()
    return hashlib.sha1(blob).hexdigest()[:10]


def paper_deviations(section):
    """Settings of config[section] that differ from the paper profile, as one caption line."""
    lines = deviations(config[section], PAPER_CONFIG[section], prefix=f"{section}.")
    if not lines:
        return f"All {section} settings are the paper's."
    return f"Profile '{PROFILE}' departs from the paper's settings: " + "; ".join(lines) + "."
