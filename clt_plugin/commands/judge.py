"""`clt judge`: LLM-as-judge ratings for clt_dolly samples logged by lm_eval --log_samples."""

from __future__ import annotations

import argparse
import math
import os
import sys

from clt_plugin.errors import CLTError

DEFAULT_KEY_ENV = "OPENAI_API_KEY"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "samples", nargs="+", metavar="SAMPLES", help="samples_clt_dolly_*.jsonl files, or directories holding them"
    )
    parser.add_argument("-o", "--output", required=True, metavar="DIR", help="where to write judgments and results")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--endpoint",
        metavar="URL",
        help="OpenAI-compatible API base, e.g. https://api.openai.com/v1 or http://localhost:8000/v1",
    )
    who.add_argument("--judge-model", metavar="PATH", help="a local transformers model directory to use as the judge")
    parser.add_argument("--model", metavar="NAME", help="judge model name at the endpoint (required with --endpoint)")
    parser.add_argument(
        "--api-key-env",
        metavar="VAR",
        help=f"environment variable holding the API key (default: {DEFAULT_KEY_ENV}, if set)",
    )
    parser.add_argument(
        "--concurrency", type=int, metavar="N", default=8, help="requests in flight at once (default 8)"
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        default=120.0,
        help="seconds allowed per request (default 120); a time-out is retried only while the server "
        "answers others in time, since a retried time-out is paid again",
    )
    parser.add_argument(
        "--max-retries", type=int, metavar="N", default=6, help="retries per request on 429/5xx/timeouts (default 6)"
    )
    parser.add_argument(
        "--backoff", type=float, metavar="SECONDS", default=1.0, help="first retry delay in seconds, doubled each time"
    )
    parser.add_argument(
        "--max-backoff", type=float, metavar="SECONDS", default=60.0, help="longest wait between retries, seconds"
    )
    parser.add_argument(
        "--max-tokens", type=int, metavar="N", default=512, help="longest judge answer, in tokens (default 512)"
    )
    parser.add_argument(
        "--min-coverage",
        type=float,
        metavar="F",
        default=None,
        help="smallest share of a task's samples that must carry a rating (parsed, or gated to 1 "
        "for a reply in the wrong language) for its score to be reported; below it the "
        "score is written as null and the command exits 1 (default 0.8)",
    )
    parser.add_argument(
        "--cache",
        metavar="FILE",
        help="SQLite cache of judgments (default: judge.sqlite in $CLT_CACHE_DIR, else ~/.cache/clt)",
    )
    parser.add_argument(
        "--prompt-template",
        metavar="FILE",
        help="the judge prompt to use instead of clt's own (e.g. the paper's Fig. 9 text): plain text, or "
        "YAML/JSON with 'user' and optional 'system'; must use {language}, {instruction}, {response} "
        "and ask for the rating as [[k]] (see docs/judge.md)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def _api_key(var: str | None) -> str | None:
    if var:
        key = os.environ.get(var)
        if not key:
            raise CLTError(f"--api-key-env: environment variable {var} is not set")
        return key
    return os.environ.get(DEFAULT_KEY_ENV) or None


def _check_numbers(args) -> None:
    for name, value in (("--timeout", args.timeout), ("--backoff", args.backoff), ("--max-backoff", args.max_backoff)):
        if not math.isfinite(value):
            raise CLTError(f"{name}: must be a finite number of seconds (got {value})")
    if args.min_coverage is not None and not 0.0 <= args.min_coverage <= 1.0:  # also refuses nan
        raise CLTError(f"--min-coverage: must be between 0 and 1 (got {args.min_coverage})")
    checks = [
        ("--concurrency", args.concurrency, args.concurrency >= 1, "at least 1"),
        ("--timeout", args.timeout, args.timeout > 0, "positive"),
        ("--max-tokens", args.max_tokens, args.max_tokens >= 1, "at least 1"),
        ("--max-retries", args.max_retries, args.max_retries >= 0, "0 or more"),
        ("--backoff", args.backoff, args.backoff >= 0, "0 or more"),
        ("--max-backoff", args.max_backoff, args.max_backoff >= 0, "0 or more"),
    ]
    for name, value, ok, rule in checks:
        if not ok:
            raise CLTError(f"{name}: must be {rule} (got {value})")


def _build_judge(args):
    _check_numbers(args)
    if args.judge_model:
        from clt_plugin.judge.local import LocalJudge

        if args.model or args.api_key_env:
            raise CLTError("--model and --api-key-env go with --endpoint, not with --judge-model")
        return LocalJudge(args.judge_model, max_tokens=args.max_tokens)
    from clt_plugin.judge.client import EndpointJudge

    if not args.model:
        raise CLTError("--model: required with --endpoint (the judge model's name at that endpoint)")
    from clt_plugin.judge.client import check_endpoint

    try:
        check_endpoint(args.endpoint)
    except ValueError as e:
        raise CLTError(f"--endpoint: {e} (got {args.endpoint!r})") from None
    return EndpointJudge(
        args.endpoint,
        args.model,
        api_key=_api_key(args.api_key_env),
        timeout=args.timeout,
        max_retries=args.max_retries,
        backoff=args.backoff,
        max_backoff=args.max_backoff,
        max_tokens=args.max_tokens,
        concurrency=args.concurrency,
    )


def _fmt(value) -> str:
    return "-" if value is None else (value if isinstance(value, str) else f"{value:.3f}")


def run(args) -> int:
    from clt_plugin.judge.cache import default_cache_path
    from clt_plugin.judge.prompt import DEFAULT, load_template
    from clt_plugin.judge.run import DEFAULT_MIN_COVERAGE, JudgeFailed, judge_run
    from clt_plugin.progress import Progress

    template = load_template(args.prompt_template) if args.prompt_template else DEFAULT
    judge = _build_judge(args)
    min_coverage = DEFAULT_MIN_COVERAGE if args.min_coverage is None else args.min_coverage
    try:
        with Progress("clt judge", unit="request", enabled=not args.quiet) as bar:
            report = judge_run(
                args.samples,
                args.output,
                judge,
                cache_path=args.cache or default_cache_path(),
                progress=bar.set,
                min_coverage=min_coverage,
                template=template,
            )
    except JudgeFailed as e:
        print(f"clt judge: error: {e}", file=sys.stderr)
        return 1
    finally:
        judge.close()

    from tabulate import tabulate

    rows = [
        [
            s.task,
            s.n,
            _fmt(report.reported(s, "gated")),
            _fmt(report.reported(s, "raw")),
            f"{s.rated_gated}/{s.n}",
            s.unparseable,
            s.fidelity_failed,
        ]
        for s in report.stats
    ]
    print(
        tabulate(
            rows,
            headers=["task", "n", "judge_rating", "judge_rating_raw", "coverage", "unparseable", "wrong language"],
            disable_numparse=True,
        )
    )
    total_unparseable = sum(s.unparseable for s in report.stats)
    print(f"judge requests: {report.requests}, cached: {report.cache_hits}, unparseable ratings: {total_unparseable}")
    for reason, count in sorted(report.unparseable_reasons.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  unparseable: {count} x {reason}")
    print(f"results: {report.results_path}")
    if report.refused:
        for task, why in report.refused.items():
            print(f"clt judge: error: {task}: {why}", file=sys.stderr)
        return 1
    return 0
