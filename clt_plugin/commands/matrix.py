"""`clt matrix`: one transfer matrix per task over many runs, as a table or JSON."""

from __future__ import annotations

import sys

from clt_plugin.analysis.bootstrap import CORRECTIONS, DEFAULT_RESAMPLES
from clt_plugin.analysis.gcpause import gc_paused
from clt_plugin.analysis.matrix import ORDERS, VIEWS, build_matrices, compare_runs
from clt_plugin.analysis.render import FORMATS, render, terminal_lines
from clt_plugin.analysis.results import RunSpec, load_runs
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.errors import CLTError
from clt_plugin.families import FIDELITY_METRIC
from clt_plugin.io import atomic_write_text
from clt_plugin.names import family_part


def add_common_arguments(parser) -> None:
    """Arguments `clt matrix` and `clt report` share: which runs, which task, how to compare."""
    parser.add_argument(
        "results",
        nargs="*",
        metavar="RESULTS_DIR",
        help="lm-eval output: a results_*.json, a folder with them, or a folder of such folders (one run each)",
    )
    parser.add_argument(
        "--run",
        action="append",
        default=[],
        metavar="NAME=RESULTS_DIR[:MANIFEST]",
        help="a run with an explicit name (and manifest, when model_args does not lead to one)",
    )
    parser.add_argument(
        "--task",
        action="append",
        default=[],
        metavar="TASK",
        help="task family, e.g. mgsm (repeatable; default: every clt task found)",
    )
    parser.add_argument(
        "--metric",
        action="append",
        default=[],
        metavar="[TASK=]METRIC",
        help="metric to read, e.g. acc or xlsum=rougeL (default: each task's primary metric in clt_plugin.families)",
    )
    parser.add_argument(
        "--baseline", metavar="NAME", help="the English-only run (default: the run whose manifest says english_only)"
    )
    parser.add_argument(
        "--allow-mixed",
        action="store_true",
        help="compare runs whose task versions, hashes or few-shot settings differ (flagged in the output)",
    )
    parser.add_argument(
        "--order", choices=ORDERS, default="k", help="rows by examples per language (k) or by training language"
    )
    parser.add_argument(
        "--plateau-threshold",
        type=float,
        default=0.95,
        metavar="F",
        help="plateau: smallest k reaching this fraction of the largest gain (default 0.95)",
    )
    parser.add_argument(
        "--fidelity-metric",
        default=FIDELITY_METRIC,
        metavar="METRIC",
        help="metric shown alongside as language fidelity ('none' to hide)",
    )
    stats = parser.add_argument_group("uncertainty")
    stats.add_argument(
        "--resamples",
        type=int,
        default=DEFAULT_RESAMPLES,
        metavar="N",
        help=f"bootstrap resamples (and sign flips) per interval and test (default {DEFAULT_RESAMPLES})",
    )
    stats.add_argument(
        "--seed", type=int, default=0, help="seed of the resampling (default 0): same seed, same numbers"
    )
    stats.add_argument(
        "--level", type=float, default=0.95, metavar="F", help="confidence level of the intervals (default 0.95)"
    )
    stats.add_argument(
        "--correction",
        choices=CORRECTIONS,
        default="holm",
        help="multiple-comparison correction of the delta tests (default holm; bh: Benjamini-Hochberg)",
    )
    stats.add_argument("--alpha", type=float, default=0.05, help="significance level after correction (default 0.05)")
    stats.add_argument(
        "--pool",
        action="store_true",
        help="also compute rho over runs of different base models or seen sets (labelled as pooled)",
    )


def stat_options(args) -> StatOptions:
    opts = StatOptions(
        resamples=args.resamples, seed=args.seed, level=args.level, correction=args.correction, alpha=args.alpha
    )
    opts.check()
    return opts


def add_arguments(parser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--view", choices=VIEWS, default="absolute")
    parser.add_argument("--format", choices=FORMATS, default="github")
    parser.add_argument("--percent", action="store_true", help="show fractions as percentages")
    parser.add_argument("--digits", type=int, metavar="N", help="decimals shown (default 3, or 1 for percentages)")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="B against A instead of the baseline: paired deltas and tests of these two runs only",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write here (atomically) instead of stdout")


def parse_metric(values: list[str]):
    """['acc'] -> 'acc'; ['mgsm=acc', 'xlsum=rougeL'] -> {...}; None when not given."""
    if not values:
        return None
    plain = [v for v in values if "=" not in v]
    per_task = dict(v.split("=", 1) for v in values if "=" in v)
    if len(plain) > 1:
        raise CLTError(f"--metric given {len(plain)} times without a task ({', '.join(plain)}); use TASK=METRIC")
    if plain and per_task:
        raise CLTError("--metric: give either one METRIC for every task or TASK=METRIC pairs, not both")
    if plain:
        return plain[0]
    return {family_part(k): v for k, v in per_task.items()}


def load(args):
    """The runs the arguments name."""
    if not args.results and not args.run:
        raise CLTError("no runs given: name results directories or --run NAME=RESULTS_DIR")
    return load_runs(args.results, [RunSpec.parse(r) for r in args.run])


def analysis_options(args) -> dict:
    """Keyword arguments of build_matrices and build_report from the common arguments."""
    return dict(
        baseline=args.baseline,
        allow_mixed=args.allow_mixed,
        order=args.order,
        plateau_threshold=args.plateau_threshold,
        fidelity_metric=None if args.fidelity_metric.lower() == "none" else args.fidelity_metric,
        stats=stat_options(args),
        pool=args.pool,
    )


def load_and_build(args, view: str):
    runs = load(args)
    compare = getattr(args, "compare", None)
    tasks = args.task or (sorted({f for r in runs for f in r.families()}) if compare else [])
    if compare and not tasks:
        return runs, []  # nothing to compare: the options are not even read
    metric, opts = parse_metric(args.metric), analysis_options(args)
    if compare:
        kw = {k: opts[k] for k in ("allow_mixed", "fidelity_metric", "stats")}
        return runs, [compare_runs(runs, t, *compare, metric, **kw) for t in tasks]
    return runs, build_matrices(runs, tasks, metric, view=view, **opts)


@gc_paused()  # thousands of runs stay loaded while the tables and JSON are made
def output(args) -> tuple[str, list[str]]:
    """What `clt matrix` writes: the text, and the lines that go to stderr (CSV only)."""
    if args.digits is not None and not 0 <= args.digits <= 12:
        raise CLTError(f"--digits: expected 0 to 12, got {args.digits}")
    runs, matrices = load_and_build(args, args.view)
    text = render(matrices, runs, args.format, digits=args.digits, percent=args.percent)
    if args.format != "csv":
        return text, []
    # CSV stays machine-readable; what the tables carry below them goes to stderr.
    return text, terminal_lines(matrices)


def run(args) -> int:
    if args.output:  # refused before any work: a folder, a parent that is a file, an input
        from clt_plugin.outputs import claim_file

        claim_file(args.output, inputs=args.results)
    text, stderr_lines = output(args)
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    for line in stderr_lines:
        print(line, file=sys.stderr)
    return 0
