"""`clt submit RESULTS... -o submission.json`: a validated leaderboard submission for one model."""

from __future__ import annotations

import sys

from clt_plugin.leaderboard.submit import SubmitOptions, build_submission, write_submission


def _codes(text: str) -> list[str]:
    return [c.strip() for c in text.split(",") if c.strip()]


def add_arguments(parser):
    parser.add_argument(
        "results",
        nargs="+",
        metavar="RESULTS",
        help="lm-eval results files or output folders (and `clt judge` results) of one model",
    )
    parser.add_argument("-o", "--output", required=True, help="submission file to write (JSON)")
    parser.add_argument(
        "--model-id",
        help="the model's public id (default: pretrained= from the results; required when that is a local folder)",
    )
    parser.add_argument("--revision", help="model revision (default: revision= from the results)")
    parser.add_argument("--base-model", help="the model it was post-trained from")
    parser.add_argument("--judge-model", help="the judge model (default: read from `clt judge` results)")
    parser.add_argument("--manifest", help="mixture manifest (default: clt_manifest.json in the model folder)")
    parser.add_argument(
        "--seen",
        type=_codes,
        metavar="LANGS",
        help="comma-separated trained languages, for a model without a manifest ('' for none)",
    )
    parser.add_argument(
        "--languages",
        type=_codes,
        metavar="LANGS",
        help="languages each task family must cover where installed (default: en es fr ja zh "
        "ar ko pt plus the seen languages)",
    )
    parser.add_argument(
        "--tasks-dir", help="the installed task YAMLs to check versions against (default: `clt tasks-path`)"
    )
    parser.add_argument(
        "--created-at", metavar="TIME", help="ISO 8601 time to record (default: $SOURCE_DATE_EPOCH, else now)"
    )


def run(args) -> int:
    from clt_plugin.outputs import claim_file

    claim_file(args.output, inputs=args.results, what="submission file")
    opts = SubmitOptions(
        model_id=args.model_id,
        revision=args.revision,
        base_model=args.base_model,
        judge_model=args.judge_model,
        manifest=args.manifest,
        seen=args.seen,
        languages=args.languages,
        created_at=args.created_at,
    )
    built = build_submission(args.results, opts, tasks_dir=args.tasks_dir)
    path = write_submission(built.submission, args.output)
    if built.ignored_tasks:
        print(f"note: not clt per-language tasks, left out: {', '.join(built.ignored_tasks)}", file=sys.stderr)
    sub = built.submission
    print(
        f"{path}: {sub.model.id}, {len(sub.tasks)} tasks in {len(sub.families)} families "
        f"({', '.join(sub.families)}), from {len(built.files)} results files"
    )
    return 0
