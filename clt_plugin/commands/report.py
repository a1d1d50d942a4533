"""`clt report`: plots and a self-contained HTML page over many runs."""

from __future__ import annotations

from clt_plugin.analysis.report import build_report
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
    parser.add_argument("--percent", action="store_true", help="show fractions as percentages")


def run(args) -> int:
    runs = load(args)
    out = build_report(
        runs, args.output, args.task, parse_metric(args.metric), percent=args.percent, **analysis_options(args)
    )
    print(out / "index.html")
    return 0
