"""`clt sweep BASE.yaml [--grid NAME | --per-language K,... [--languages SET ...]] -o DIR`: one
axolotl config per grid point, plus launchers."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", metavar="BASE.yaml", help="axolotl config with the clt plugin and a clt_mixture")
    parser.add_argument(
        "--per-language",
        metavar="K,K,...",
        help="examples per added language at each grid point, e.g. 0,100,200,400,800,1000,2000,5000, or the "
        "k values of a paper grid: paper-single (0,100,200,400,800,1000,2000,5000) or paper-multi (0, 100, "
        "then 500 to 7000 by 500)",
    )
    parser.add_argument(
        "--languages",
        action="append",
        metavar="SET",
        help="a seen-language set to sweep as well as k (repeat for each set): languages like es,fr, or a "
        "script group (latin = es,fr; non-latin = ja,zh); default: the spec's own languages",
    )
    parser.add_argument(
        "--grid",
        metavar="NAME",
        help="a paper grid, both axes: paper-single, paper-multi, or paper-script ([es, fr] and [ja, zh] at "
        "every paper-single k); default, without --per-language: the config's clt_grid",
    )
    parser.add_argument(
        "--seeds",
        metavar="S,S,...",
        help="train every grid point once per seed (axolotl's seed and the mixture's sampling seed), "
        "e.g. 1,2,3; `clt matrix` pools the seeds of a point into one row",
    )
    parser.add_argument(
        "--eval-checkpoints",
        action="store_true",
        help="keep every checkpoint (save_total_limit off) and evaluate each one, then the final model, "
        "after training, as the config's clt_eval says (for Spearman rho over training, the paper's Table 2)",
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="directory for the configs and launchers")


def run(args: argparse.Namespace) -> int:
    from clt_plugin.axolotl.sweep import grid_from_options, parse_seeds, sweep

    grid = grid_from_options(args.per_language, args.languages, args.grid)
    manifest = sweep(args.base, grid, args.output, parse_seeds(args.seeds), eval_checkpoints=args.eval_checkpoints)
    for note in manifest["notes"]:
        print(f"{args.base}: warning: {note}")
    for point in manifest["points"]:
        langs = f"  languages={','.join(point['languages'])}" if "languages" in point else ""
        seed = f"  seed={point['seed']}" if "seed" in point else ""
        kept = f"  ~{point['checkpoints']} checkpoints" if "checkpoints" in point else ""
        print(f"{args.output}/{point['config']}  per_language={point['per_language']}{langs}{seed}{kept}")
    print(f"{args.output}/{manifest['launchers']['sequential']}  (sequential)")
    print(f"{args.output}/{manifest['launchers']['slurm']}  (Slurm job array)")
    return 0
