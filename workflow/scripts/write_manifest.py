"""Adapter: rule write_manifest -> pcml.manifest.build_manifest / write_manifest."""
from pcml.logs import job_logging
from pcml.manifest import build_manifest, write_manifest

with job_logging(snakemake.log[0]):
    write_manifest(
        build_manifest(".", snakemake.params.folders, profile=snakemake.params.profile,
                       config=snakemake.params.config, exclude=[snakemake.output.manifest]),
        snakemake.output.manifest,
    )
