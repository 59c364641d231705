"""Command line of the cost benchmark: ``pcml-bench`` or ``python -m pcml.bench``.

Reads the ``benchmark`` block of a workflow config file (default ``workflow/config/paper.yaml``;
a profile such as ``smoke.yaml`` is read on top of it when given with ``--profile``), optionally
keeps only some families, and writes the cost table (CSV + Markdown) and, with ``--figure``, the
figure. Example::

    pcml-bench --out results/manual/cost --families fno1d boon_fno1d --repeats 21
"""
from __future__ import annotations

import argparse
import logging
from pathlib import Path

import yaml

from pcml.bench.cases import CASE_FAMILIES
from pcml.bench.run import benchmark_to_files, plot_cost

__all__ = ["main", "load_settings"]


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load_settings(config: str | Path, profile: str | Path | None = None) -> dict:
    """The ``benchmark`` block of ``config``, overlaid with that of ``profile`` if given."""
    settings = yaml.safe_load(Path(config).read_text())
    if profile is not None:
        settings = _merge(settings, yaml.safe_load(Path(profile).read_text()))
    if "benchmark" not in settings:
        raise ValueError(f"{config}: no 'benchmark' block")
    return settings["benchmark"]


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the benchmark, write ``<out>.csv``, ``<out>.md`` (and the figure)."""
    parser = argparse.ArgumentParser(prog="pcml-bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="workflow/config/paper.yaml", help="workflow config with a benchmark block")
    parser.add_argument("--profile", default=None, help="profile overlay, e.g. workflow/config/smoke.yaml")
    parser.add_argument("--families", nargs="*", default=None, help=f"subset of {sorted(CASE_FAMILIES)}")
    parser.add_argument("--repeats", type=int, default=None, help="timed repeats per case (default: config)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: config)")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory columns")
    parser.add_argument("--figure", action="store_true", help="also write <out>.png and <out>.pdf")
    parser.add_argument("--out", default="cost", help="output path without extension (default: ./cost)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    settings = load_settings(args.config, args.profile)
    if args.families is not None:
        unknown = sorted(set(args.families) - set(settings["families"]))
        if unknown:
            parser.error(f"--families: {unknown} not in the config's families {sorted(settings['families'])}")
        settings["families"] = {k: v for k, v in settings["families"].items() if k in args.families}
    for key in ("repeats", "threads"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    if args.no_memory:
        settings["memory"] = False
    out = Path(args.out)
    table = benchmark_to_files(settings, out_csv=out.with_suffix(".csv"), out_md=out.with_suffix(".md"),
                               caption=f"Cost benchmark (pcml-bench, config {args.config}).")
    if args.figure:
        import matplotlib

        matplotlib.use("Agg")
        plot_cost(table, out.with_suffix(".png"), out.with_suffix(".pdf"))
    print(out.with_suffix(".md").read_text())
    return 0
