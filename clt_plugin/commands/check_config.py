"""`clt check-config CONFIG...`: fail (exit 2) when axolotl would silently drop the clt settings."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("configs", nargs="+", metavar="CONFIG", help="axolotl config YAML files")
    parser.add_argument(
        "--grid",
        default=None,
        help="grid whose points are size-checked against the sources: paper-single, paper-multi, "
        "paper-script or none (default: the config's clt_grid, else none)",
    )


def run(args: argparse.Namespace) -> int:
    from clt_plugin.axolotl.config_check import checked_file
    from clt_plugin.errors import CLTError
    from clt_plugin.mixture.decontam_report import plan_lines

    failures = []
    for path in args.configs:
        notes: list[str] = []
        try:
            cfg, clt = checked_file(path, grid=args.grid, notes=notes)
        except CLTError as e:
            failures.append(str(e))
            continue
        for note in notes:
            print(f"{path}: warning: {note}")
        if cfg.get("clt_mixture") is None:
            print(f"{path}: ok (no clt_mixture)")
        else:
            print(f"{path}: ok (clt_mixture is read by the clt plugin)")
            if clt.mixture.decontaminate is not None:  # when off, the warning above said so
                print("\n".join(f"{path}: {line}" for line in plan_lines(clt.mixture)))
    if failures:
        raise CLTError("\n".join(failures))
    return 0
