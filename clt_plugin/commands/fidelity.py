"""clt fidelity FILE... [--lang L] [--task T] [--format table|json|csv]: LPR/WPR of completions made elsewhere."""

from __future__ import annotations

import json

from clt_plugin.fidelity_file import render_csv, render_table, score_files


def add_arguments(parser):
    parser.add_argument(
        "completions",
        nargs="+",
        metavar="FILE",
        help="CSV in the Language Confusion Benchmark's layout (completion, source, language, task columns) "
        "or JSONL with 'completion' and optional 'source', 'lang', 'task' per line; many files, one process",
    )
    parser.add_argument(
        "--lang",
        help="the language of rows that name none (registry code: en, es, it, ja, zh, ...); "
        "with it, only rows in that language are scored",
    )
    parser.add_argument("--task", help="the task of rows that name none (default: 'default')")
    parser.add_argument(
        "--format",
        choices=("table", "json", "csv"),
        default="table",
        help="table (default), csv (one row per line of the benchmark's table), or JSON per file and task; "
        "values in percent, as the benchmark prints them",
    )


def run(args) -> int:
    result = score_files(args.completions, lang=args.lang, task=args.task)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        print(render_csv(result), end="")
    else:
        print(render_table(result))
    return 0
