"""The ``pcml`` command: ``pcml verify`` checks a reproduction against a manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pcml.manifest import read_manifest, verify_manifest


def _verify(args: argparse.Namespace) -> int:
    try:
        manifest = read_manifest(args.manifest)
    except ValueError as exc:
        print(f"pcml verify: {exc}", file=sys.stderr)
        return 2
    root = Path(args.root)
    own = Path(args.manifest).resolve()
    exclude = [own.relative_to(root.resolve()).as_posix()] if own.is_relative_to(root.resolve()) else []
    result = verify_manifest(manifest, root, exclude=exclude)
    print(result.report())
    return 0 if result.ok else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pcml`` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="pcml", description="Tools of the pcml reproduction suite.")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="recompute the sha256 of every output listed in a manifest and "
                                           "name each file that differs, is missing or is not listed")
    verify.add_argument("manifest", nargs="?", default=None,
                        help="manifest JSON (default: results/<profile>/manifest.json with --profile)")
    verify.add_argument("--profile", default="paper", help="profile whose manifest to check (default: paper)")
    verify.add_argument("--root", default=".", help="the workflow folder the manifest's paths are relative to")
    args = parser.parse_args(argv)
    if args.command == "verify":
        if args.manifest is None:
            args.manifest = str(Path(args.root) / "results" / args.profile / "manifest.json")
        return _verify(args)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
