"""clt ifeval-score RESPONSES.jsonl --lang ja [-o OUT]: IFEval accuracies for outside responses."""

from __future__ import annotations

from clt_plugin.ifeval import responses
from clt_plugin.ifeval.scoring import METRICS


def add_arguments(parser):
    parser.add_argument("responses", help="JSONL with one {'prompt' or 'key', 'response'} object per line")
    parser.add_argument(
        "--lang", required=True, help="language of the IFEval data (registry code: en, es, fr, ja, ...)"
    )
    parser.add_argument("-o", "--output", help="where to write the JSON report (default: beside RESPONSES)")
    parser.add_argument(
        "--any-language",
        action="store_true",
        help="score rows given by 'key' alone even when most responses are in another language than "
        "--lang (a model that answers in the wrong language); by default they are refused, since "
        "M-IFEval's keys are shared across languages",
    )
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--data-dir", help="folder holding {lang}_input_data.jsonl (default: $CLT_DATA_DIR, else the hub)")
    src.add_argument("--data", help="an IFEval-schema JSONL file to match the responses against")


def run(args) -> int:
    from clt_plugin.outputs import claim_file

    out = args.output or responses.default_output(args.responses, args.lang)
    claim_file(out, inputs=[args.responses, *([args.data] if args.data else [])], what="report file")
    report = responses.score_responses(
        args.responses, args.lang, data_dir=args.data_dir, data_path=args.data, any_language=args.any_language
    )
    responses.write_report(report, out)
    for lang, res in report["results"].items():
        print(f"{res['task']}  n={res['n']}")
        for metric in (*METRICS, *(m for m in ("lpr", "wpr") if m in res)):
            print(f"  {metric:<24} {res[metric]:.4f}")
    print(f"wrote {out}")
    return 0
