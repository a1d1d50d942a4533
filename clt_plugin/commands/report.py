"""`clt report`: plots and a self-contained HTML page over many runs."""

from __future__ import annotations

import argparse

from clt_plugin.analysis.gcpause import gc_paused
from clt_plugin.analysis.report import UNITS, build_report
from clt_plugin.commands.matrix import add_common_arguments, analysis_options, load, parse_metric


def add_arguments(parser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="report directory (index.html, PNGs, matrix.json), written whole or not at all",
    )
    parser.add_argument(
        "--unit",
        choices=UNITS,
        default="percent",
        help="how scores of 0-1 metrics are shown: percent (default, as the paper's tables and the demo's "
        "report) or fraction; matrix.json keeps the metric's own units",
    )
    # Kept so that scripts written when fractions were the default still run.
    parser.add_argument("--percent", dest="unit", action="store_const", const="percent", help=argparse.SUPPRESS)


@gc_paused()  # thousands of runs stay loaded while the figures and page are made
def run(args) -> int:
    runs = load(args)
    out = build_report(
        runs,
        args.output,
        args.task,
        parse_metric(args.metric),
        percent=args.unit == "percent",
        **analysis_options(args),
    )
    print(out / "index.html")
    return 0
