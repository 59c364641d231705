"""The reproduction manifest: sha256 of every table, figure and netCDF file of a profile.

``build_manifest`` walks a profile's result and figure folders and records, for each output file,
its sha256, with the package versions, the configuration and the git commit. ``verify_manifest``
recomputes the hashes and names each file that differs, is missing or is not listed. Because the
suite's reruns are bit-identical on one machine, a reader checks a reproduction by running the DAG
and then ``pcml verify`` against a published manifest.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import platform
import subprocess
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

MANIFEST_VERSION = 1
# Generated outputs that the manifest covers (tables, figures and their captions, gridded data).
SUFFIXES = (".nc", ".csv", ".md", ".tex", ".rst", ".png", ".pdf", ".txt", ".gif")
# Per-run records that legitimately differ between reruns (timings, logs) or are resumable state.
SKIPPED_FOLDERS = ("logs", "benchmarks", "checkpoints")
# Outputs that record measured timings (the cost benchmark): never bit-identical, so not in the manifest.
TIMING_GLOBS = ("results/*/tables/cost.*", "figures/*/cost.*")
PACKAGES = ("pcml", "torch", "numpy", "scipy", "pandas", "xarray", "netCDF4", "h5py", "matplotlib", "seaborn",
            "snakemake")


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of the bytes of ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def output_files(root: str | Path, folders: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    """Output files under ``root``/each of ``folders``, as sorted POSIX paths relative to ``root``.

    Only files ending in ``SUFFIXES`` count; ``SKIPPED_FOLDERS``, ``TIMING_GLOBS``, hidden files
    (temporary names of atomic writes) and the paths in ``exclude`` are left out.
    """
    root = Path(root)
    skip = set(exclude)
    found = []
    for folder in folders:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            rel = path.relative_to(root)
            if (path.is_file() and path.name.endswith(SUFFIXES) and not path.name.startswith(".")
                    and not set(rel.parts) & set(SKIPPED_FOLDERS) and rel.as_posix() not in skip
                    and not any(fnmatch.fnmatch(rel.as_posix(), pattern) for pattern in TIMING_GLOBS)):
                found.append(rel.as_posix())
    return sorted(found)


def package_versions(names: Iterable[str] = PACKAGES) -> dict[str, str]:
    """Installed version of each distribution in ``names`` ("not installed" where absent), and Python's."""
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def git_commit(root: str | Path) -> str:
    """HEAD of the git checkout holding ``root`` (suffix "+dirty" with uncommitted changes), or "unknown"."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + ("+dirty" if status.stdout.strip() else "")


def build_manifest(root: str | Path, folders: Iterable[str], *, profile: str, config: Mapping[str, Any],
                   exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The manifest of the outputs under ``root``/``folders``: a JSON-ready dict.

    Keys: manifest_version, profile, git_commit, versions, config, files ({relative path: sha256}).
    Nothing in it depends on the time of the run, so equal outputs give an equal manifest.
    """
    files = output_files(root, folders, exclude)
    return {
        "manifest_version": MANIFEST_VERSION,
        "profile": profile,
        "git_commit": git_commit(root),
        "versions": package_versions(),
        "config": json.loads(json.dumps(dict(config), default=str)),
        "files": {rel: sha256_file(Path(root) / rel) for rel in files},
    }


def write_manifest(manifest: Mapping[str, Any], path: str | Path) -> Path:
    """Write ``manifest`` as indented, key-sorted JSON (atomically)."""
    from pcml.outputs.style import write_text_atomic

    return write_text_atomic(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")


def read_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest; ValueError naming the file when it is missing, not JSON or lacks ``files``."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"manifest not found: {path}")
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"manifest {path} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ValueError(f"manifest {path} has no 'files' mapping")
    return manifest


@dataclass
class Verification:
    """Outcome of ``verify_manifest``: relative paths that differ, are missing, or are not listed."""

    checked: int = 0
    differ: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.differ or self.missing or self.unlisted)

    def report(self) -> str:
        """One line per problem, then a summary line."""
        lines = [f"DIFFERS  {p}" for p in self.differ] + [f"MISSING  {p}" for p in self.missing]
        lines += [f"UNLISTED {p}" for p in self.unlisted]
        verdict = "all files identical" if self.ok else (
            f"{len(self.differ)} differ, {len(self.missing)} missing, {len(self.unlisted)} not in the manifest")
        return "\n".join(lines + [f"{self.checked} files checked: {verdict}"])


def verify_manifest(manifest: Mapping[str, Any], root: str | Path, folders: Iterable[str] | None = None,
                    exclude: Iterable[str] = ()) -> Verification:
    """Recompute the hash of every file listed in ``manifest`` under ``root`` and compare.

    ``folders``: where to look for files the manifest does not list (default: the top folders of
    the listed paths); ``exclude``: relative paths to ignore there (e.g. the manifest itself).
    """
    root = Path(root)
    listed = dict(manifest["files"])
    result = Verification()
    for rel, expected in sorted(listed.items()):
        path = root / rel
        if not path.is_file():
            result.missing.append(rel)
            continue
        result.checked += 1
        if sha256_file(path) != expected:
            result.differ.append(rel)
    if folders is None:
        folders = sorted({"/".join(Path(rel).parts[:2]) for rel in listed})
    result.unlisted = [rel for rel in output_files(root, folders, exclude) if rel not in listed]
    return result
