"""clt fidelity COMPLETIONS --lang L [--format json]: LPR/WPR over completions made elsewhere."""

from __future__ import annotations

import json

from clt_plugin.fidelity_file import render_table, score_file


def add_arguments(parser):
    parser.add_argument(
        "completions",
        help="JSONL with a 'completion' (and optional 'source') field per line, or a CSV with those columns",
    )
    parser.add_argument(
        "--lang",
        required=True,
        help="the language the completions should be in (registry code: en, es, it, ja, zh, ...)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="table (default) or a JSON object with lpr, wpr, n, skipped (percent, as the benchmark prints)",
    )


def run(args) -> int:
    result = score_file(args.completions, args.lang)
    print(json.dumps(result, ensure_ascii=False, indent=2) if args.format == "json" else render_table(result))
    return 0
