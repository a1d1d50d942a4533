"""IFEval scoring: throughput and agreement against lm-eval's IFEval checkers, in one run.

    .venv/bin/python benchmarks/bench_ifeval.py [--data ../shared/data/m-ifeval] [--per-prompt 6]

The English M-IFEval prompts (541) are each answered by --per-prompt varied responses (the same
pool as tests/test_ifeval_reference.py). Compared: lm-eval's `ifeval` scoring (google-research's
checkers, what a user would pick for English) and `clt_plugin.ifeval.scoring.process` (which
also scores lpr). Prints responses per second (process CPU time, best of --repeat),
the ratio, and the four accuracies of each with their largest difference.

Target: the largest accuracy difference <= 0.01. Exit 1 when missed; 0 with SKIP when no data.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(REPO.parent / "shared" / "data" / "m-ifeval"))
    ap.add_argument("--per-prompt", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    path = Path(args.data) / "en_input_data.jsonl"
    if not path.is_file():
        print(f"SKIP: {path} not found")
        return 0

    import nltk
    from test_ifeval_reference import POOL, _write_punkt_tab, targeted  # the test's response pool

    root = Path(tempfile.mkdtemp(prefix="nltk_data."))
    _write_punkt_tab(root, "english", "english")
    nltk.data.path.insert(0, str(root))
    import langdetect

    langdetect.DetectorFactory.seed = 0
    logging.disable(logging.ERROR)  # the reference logs every undecidable language ID
    from lm_eval.tasks.ifeval import utils as reference

    from clt_plugin.ifeval import scoring

    rng = random.Random(0)
    pairs = []
    for line in path.read_text("utf-8").splitlines():
        row = json.loads(line)
        doc = {**row, "kwargs": [{k: v for k, v in kw.items() if v is not None} for kw in row["kwargs"]], "lang": "en"}
        ref_doc = {**doc, "instruction_id_list": [i.removeprefix("en:") for i in doc["instruction_id_list"]]}
        for response in (rng.sample(POOL, min(args.per_prompt, len(POOL))) + targeted(doc))[: args.per_prompt]:
            pairs.append((doc, ref_doc, response))

    def run_ours():
        return [scoring.process(d, r, "en") for d, _, r in pairs]

    def run_ref():
        random.seed(0)
        return [reference.process_results(rd, [r]) for _, rd, r in pairs]

    timings = {"lm-eval ifeval": [], "clt_plugin.ifeval": []}
    results = {}
    for _ in range(args.repeat):
        for name, fn in (("lm-eval ifeval", run_ref), ("clt_plugin.ifeval", run_ours)):
            t = time.process_time()
            results[name] = fn()
            timings[name].append(time.process_time() - t)
    n = len(pairs)
    rows = []
    aggs = {name: scoring.aggregate(res) for name, res in results.items()}
    for name in timings:
        best = min(timings[name])
        rows.append([name, n, f"{best:.2f}", f"{n / best:.0f}"] + [f"{aggs[name][m]:.4f}" for m in scoring.METRICS])
    print(tabulate(rows, headers=["scorer", "responses", "cpu s", "resp/s", *scoring.METRICS]))
    ratio = min(timings["lm-eval ifeval"]) / min(timings["clt_plugin.ifeval"])
    diff = max(abs(aggs["lm-eval ifeval"][m] - aggs["clt_plugin.ifeval"][m]) for m in scoring.METRICS)
    print(f"\nspeed ratio (ours / lm-eval, responses per CPU second): {ratio:.2f}x")
    print(f"largest accuracy difference: {diff:.4f} (target <= 0.01)")
    return 0 if diff <= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
