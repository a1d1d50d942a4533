"""`clt report`: plots and a self-contained HTML page over many runs."""

from __future__ import annotations

from clt_plugin.analysis.report import build_report
from clt_plugin.analysis.results import RunSpec, load_runs
from clt_plugin.commands.matrix import add_common_arguments, parse_metric, stat_options
from clt_plugin.errors import CLTError


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
    if not args.results and not args.run:
        raise CLTError("no runs given: name results directories or --run NAME=RESULTS_DIR")
    runs = load_runs(args.results, [RunSpec.parse(r) for r in args.run])
    fidelity = None if args.fidelity_metric.lower() == "none" else args.fidelity_metric
    out = build_report(
        runs,
        args.output,
        args.task,
        parse_metric(args.metric),
        percent=args.percent,
        baseline=args.baseline,
        allow_mixed=args.allow_mixed,
        order=args.order,
        plateau_threshold=args.plateau_threshold,
        fidelity_metric=fidelity,
        stats=stat_options(args),
        pool=args.pool,
    )
    print(out / "index.html")
    return 0
