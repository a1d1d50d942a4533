"""`clt sweep BASE.yaml --per-language 0,100,... -o DIR`: one axolotl config per grid point."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE.yaml", help="axolotl config with the clt plugin and a clt_mixture")
    parser.add_argument(
        "--per-language", required=True, metavar="K,K,...",
        help="examples per added language at each grid point, e.g. 0,100,200,400,800,1000,2000,5000 "
             "(or paper-single / paper-multi)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the configs and launchers")


def run(args: argparse.Namespace) -> int:
    from clt_plugin.axolotl.sweep import parse_grid, sweep

    manifest = sweep(args.base, parse_grid(args.per_language), args.output)
    for point in manifest["points"]:
        print(f"{args.output}/{point['config']}  per_language={point['per_language']}")
    print(f"{args.output}/{manifest['launchers']['sequential']}  (sequential)")
    print(f"{args.output}/{manifest['launchers']['slurm']}  (Slurm job array)")
    return 0
