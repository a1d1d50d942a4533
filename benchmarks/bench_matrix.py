"""`clt matrix` over many runs against a bare loop that only json.loads the same results files.

Writes N runs (one lm-eval results file each, 8 clt_mgsm_* tasks with lm-eval-sized configs,
plus a manifest beside each model), then times, in this one process:
  bare:  for each results file: json.load(open(f))
  clt:   load_runs + build_matrix (absolute, with statistics) + render to JSON
for N in (250, 500, 1000), the three taking turns, best of 7 rounds each. Pass: clt / bare
<= 1.5 at N = 1000, and per-run time roughly constant across N (linear growth). The clt
pipeline is also timed with the standard json parser only (orjson disabled), for the record.

Run: .venv/bin/python benchmarks/bench_matrix.py [--n 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.render import render
from clt_plugin.analysis import results as results_mod
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.synthetic import manifest_dict, results_dict

LANGS = ["en", "es", "fr", "ja", "zh", "ar", "ko", "pt"]
SEEN = ["es", "fr", "ja", "zh"]
KS = [0, 100, 200, 400, 800, 1000, 2000, 5000]

# What a real MGSM 8-shot config carries besides the fields results_dict writes, roughly sized.
_EXTRA_CONFIG = {
    "tag": ["clt", "clt_mgsm"],
    "dataset_kwargs": {"data_files": {"test": "/data/mgsm/mgsm_xx.tsv", "train": "/data/mgsm/train_xx.jsonl"}},
    "training_split": "train",
    "test_split": "test",
    "fewshot_split": "train",
    "doc_to_text": "{% if answer is not none %}{{question+\"\\nStep-by-Step Answer:\"}}{% else %}"
                   "{{\"Question: \"+question+\"\\nStep-by-Step Answer:\"}}{% endif %}",
    "doc_to_target": "{% if answer is not none %}{{answer[21:]}}{% else %}{{answer_number|string}}{% endif %}",
    "unsafe_code": False,
    "description": "Solve the math problem step by step, then give the final number.",
    "target_delimiter": " ",
    "fewshot_delimiter": "\n\n",
    "fewshot_config": {"sampler": "first_n", "split": "train", "process_docs": None, "fewshot_indices": None,
                       "samples": None, "doc_to_text": "{{question}}", "doc_to_target": "{{answer}}",
                       "gen_prefix": None, "fewshot_delimiter": "\n\n", "target_delimiter": " "},
    "generation_kwargs": {"do_sample": False, "until": ["Question:", "</s>", "<|im_end|>", "\n\n"],
                          "max_gen_toks": 512},
    "repeats": 1,
    "filter_list": [{"name": "none", "filter": [{"function": "clt_extract_number"}, {"function": "take_first"}]}],
    "should_decontaminate": False,
}
_ENV = "PyTorch version: 2.13.0+cu126\nIs debug build: False\n" + "GPU models and configuration: x\n" * 60


def write_runs(root: Path, n: int) -> list[Path]:
    files = []
    for i in range(n):
        k = KS[i % len(KS)]
        model = root / "models" / f"run{i:04d}"
        model.mkdir(parents=True)
        counts = {"math": {"en": 10000, **{l: k for l in SEEN}}}
        (model / "clt_manifest.json").write_text(json.dumps(manifest_dict(counts, SEEN), indent=2))
        scores = {f"clt_mgsm_{l}": {"acc": round(0.2 + k / 20000 + (i % 97) / 1000 + j / 100, 6),
                                    "lang_fidelity": 0.95} for j, l in enumerate(LANGS)}
        data = results_dict(scores, model_args=f"pretrained={model},dtype=bfloat16", n_shot=8,
                            task_hashes={t: f"{j:064x}" for j, t in enumerate(scores)})
        for cfg in data["configs"].values():
            cfg.update(_EXTRA_CONFIG)
        data["pretty_env_info"] = _ENV
        out = root / "evals" / f"run{i:04d}"
        out.mkdir(parents=True)
        path = out / "results_2026-01-01T00-00-00.000000.json"
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
        files.append(path)
    return files


def bare(files: list[Path]) -> int:
    n = 0
    for f in files:
        with open(f, encoding="utf-8") as fh:
            n += len(json.load(fh))
    return n


def clt(evals: Path) -> int:
    runs = load_runs([evals])
    m = build_matrix(runs, "mgsm", "acc")
    return len(render([m], runs, "json"))


def interleaved(fns: dict, rounds: int) -> tuple[dict[str, float], dict[str, float]]:
    """Best wall and CPU time of each function over `rounds`, the functions taking turns within
    each round, so that a busy machine slows all of them alike."""
    wall = {name: float("inf") for name in fns}
    cpu = dict(wall)
    for _ in range(rounds):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - w0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    return wall, cpu


def clt_stdlib(evals: Path) -> int:
    """The same pipeline with the standard json parser only (orjson, when installed, disabled)."""
    saved, results_mod._orjson_loads = results_mod._orjson_loads, None
    try:
        return clt(evals)
    finally:
        results_mod._orjson_loads = saved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="largest number of runs (default 1000)")
    ap.add_argument("--rounds", type=int, default=7, help="timing rounds per size (best is kept)")
    ap.add_argument("--limit", type=float, default=1.5, help="allowed clt/bare ratio at the largest N")
    args = ap.parse_args()
    sizes = sorted({max(1, args.n // 4), max(1, args.n // 2), args.n})
    rows = []
    with tempfile.TemporaryDirectory(prefix="clt-bench-") as tmp:
        for n in sizes:
            root = Path(tmp) / f"n{n}"
            files = write_runs(root, n)
            size = sum(f.stat().st_size for f in files)
            evals = root / "evals"
            wall, cpu = interleaved({"bare": lambda: bare(files), "clt": lambda: clt(evals),
                                     "clt_stdlib": lambda: clt_stdlib(evals)}, args.rounds)
            rows.append((n, size, wall["bare"], wall["clt"], wall["clt_stdlib"], cpu["bare"], cpu["clt"]))
    fast = "orjson " + results_mod._orjson_loads.__module__ if results_mod._orjson_loads else "none (stdlib json)"
    print(f"python {sys.version.split()[0]}; JSON accelerator: {fast}; best of {args.rounds} interleaved rounds")
    print("wall-clock seconds (ratio = clt / bare); CPU seconds alongside")
    print(f"{'runs':>6} {'MB':>6} {'bare':>7} {'clt':>7} {'ratio':>6} {'bare us/run':>12} {'clt us/run':>11}"
          f" {'clt-stdlib':>11} {'ratio':>6} {'cpu bare':>9} {'cpu clt':>8} {'ratio':>6}")
    for n, size, tb, tc, ts, cb, cc in rows:
        print(f"{n:6d} {size / 1e6:6.1f} {tb:7.3f} {tc:7.3f} {tc / tb:6.2f} {1e6 * tb / n:12.1f} {1e6 * tc / n:11.1f}"
              f" {ts:11.3f} {ts / tb:6.2f} {cb:9.3f} {cc:8.3f} {cc / cb:6.2f}")
    n, _, tb, tc, _, _, _ = rows[-1]
    per_file = [tc / n for n, _, _, tc, *_ in rows]
    spread = max(per_file) / min(per_file)
    ok = tc / tb <= args.limit
    print(f"clt/bare at {n} runs: {tc / tb:.2f} (limit {args.limit}); clt time per run varies {spread:.2f}x across N"
          " (1.00 = perfectly linear)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
