"""`clt eval-run CONFIG...`: run a trained config's `clt_eval` again, skipping what is evaluated."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "configs",
        nargs="+",
        metavar="CONFIG",
        help="axolotl configs with clt_eval (run from where axolotl trained them: output_dir is relative to it)",
    )


def run(args: argparse.Namespace) -> int:
    from clt_plugin.axolotl.eval_run import evaluate_config

    for path in args.configs:
        for results in evaluate_config(path):
            print(results)
    return 0
