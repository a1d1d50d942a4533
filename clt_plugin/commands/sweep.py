"""`clt sweep BASE.yaml --per-language 0,100,... -o DIR`: one axolotl config per grid point."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE.yaml", help="axolotl config with the clt plugin and a clt_mixture")
    parser.add_argument(
        "--per-language",
        required=True,
        metavar="K,K,...",
        help="examples per added language at each grid point, e.g. 0,100,200,400,800,1000,2000,5000, or a "
        "paper grid: paper-single (0,100,200,400,800,1000,2000,5000) or paper-multi (0 to 7000 by 500)",
    )
    parser.add_argument(
        "--seeds",
        metavar="S,S,...",
        help="train every grid point once per seed (axolotl's seed and the mixture's sampling seed), "
        "e.g. 1,2,3; `clt matrix` pools the seeds of a point into one row",
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the configs and launchers")


def run(args: argparse.Namespace) -> int:
    from clt_plugin.axolotl.sweep import parse_grid, parse_seeds, sweep

    manifest = sweep(args.base, parse_grid(args.per_language), args.output, parse_seeds(args.seeds))
    for point in manifest["points"]:
        seed = f"  seed={point['seed']}" if "seed" in point else ""
        print(f"{args.output}/{point['config']}  per_language={point['per_language']}{seed}")
    print(f"{args.output}/{manifest['launchers']['sequential']}  (sequential)")
    print(f"{args.output}/{manifest['launchers']['slurm']}  (Slurm job array)")
    return 0
