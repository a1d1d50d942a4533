"""`clt matrix` over many runs against a bare loop that only json.loads the same results files.

Writes N runs (one lm-eval results file each, 8 clt_mgsm_* tasks with lm-eval-sized configs,
plus a manifest beside each model), then times, in this one process:
  bare:  for each results file: json.load(open(f))
  clt:   `clt matrix EVALS --task mgsm --metric acc --format json` in-process: commands.matrix.output
         (load_runs + build_matrix (absolute, with statistics) + render to JSON) on the parsed
         command line, i.e. the command minus the process start and the write to stdout
for N in (250, 500, 1000), all taking turns, best of 7 rounds each; the clt pipeline is also
timed by stage (load only; load + matrix) and with the standard json parser only (orjson and
msgspec disabled). The bare loop is handed the list of results files; clt finds them (a folder
scan), and reads each run's manifest too: both are part of the tool's cost and stay measured.
Pass: full / bare <= 1.5 in CPU time at N = 1000 (wall time is printed too; on a shared machine
it is noise); linear growth shows as a per-run time that stays flat across N. The exit status is
1 when the target is missed (`make bench` runs every benchmark, then fails).

Run: .venv/bin/python benchmarks/bench_matrix.py [--n 1000] [--rounds 7] [--limit 1.5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from clt_plugin.analysis import results as results_mod
from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.results import load_runs
from clt_plugin.cli import build_parser
from clt_plugin.commands import matrix as matrix_command
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
def env_info() -> str:
    """What lm-eval stores as pretty_env_info: torch's collect_env report of this machine."""
    try:
        from torch.utils.collect_env import get_pretty_env_info

        return get_pretty_env_info()
    except Exception as e:  # noqa: BLE001 - torch absent or collect_env failing: a stand-in of like size
        return f"collect_env unavailable: {e}\n" + "CPU flags: fpu vme de pse tsc msr pae mce cx8\n" * 90


def write_runs(root: Path, n: int, env: str) -> list[Path]:
    files = []
    for i in range(n):
        k = KS[i % len(KS)]
        model = root / "models" / f"run{i:04d}"
        model.mkdir(parents=True)
        counts = {"math": {"en": 10000, **{l: k for l in SEEN}}}
        (model / "clt_manifest.json").write_text(json.dumps(manifest_dict(counts, SEEN), indent=2))
        scores = {f"clt_mgsm_{l}": {"acc": round(0.2 + k / 20000 + (i % 97) / 1000 + j / 100, 6),
                                    "lpr": 0.95} for j, l in enumerate(LANGS)}
        data = results_dict(scores, model_args=f"pretrained={model},dtype=bfloat16", n_shot=8,
                            task_hashes={t: f"{j:064x}" for j, t in enumerate(scores)})
        for cfg in data["configs"].values():
            cfg.update(_EXTRA_CONFIG)
        data["pretty_env_info"] = env
        data.update(tokenizer_pad_token=["<|pad|>", "0"], tokenizer_eos_token=["<|end|>", "2"],
                    tokenizer_bos_token=["<|begin|>", "1"], eot_token_id=2, max_length=4096)
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


def clt_load(evals: Path) -> int:
    return len(load_runs([evals]))


def clt_matrix(evals: Path) -> int:
    runs = load_runs([evals])
    return len(build_matrix(runs, "mgsm", "acc").rows)


def matrix_args(evals: Path) -> argparse.Namespace:
    """The parsed command line `clt matrix EVALS --task mgsm --metric acc --format json`."""
    argv = ["matrix", str(evals), "--task", "mgsm", "--metric", "acc", "--format", "json"]
    return build_parser(argv).parse_args(argv)


def clt(args: argparse.Namespace) -> int:
    """The command's own code, from its parsed arguments to the text it writes. Not timed, like the
    process start and imports: parsing the command line (~2 ms, the same for any number of runs)."""
    text, _ = matrix_command.output(args)
    return len(text)


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


# The optional JSON accelerators of the loader: orjson, and msgspec's views of the files.
_ACCELERATORS = ("_orjson_loads", "_RESULTS_VIEW", "_MANIFEST_VIEW")


def clt_stdlib(args: argparse.Namespace) -> int:
    """The same pipeline with the standard json parser only (orjson and msgspec, when installed, disabled)."""
    saved = {name: getattr(results_mod, name) for name in _ACCELERATORS}
    try:
        for name in _ACCELERATORS:
            setattr(results_mod, name, None)
        return clt(args)
    finally:
        for name, value in saved.items():
            setattr(results_mod, name, value)


STAGES = ("load", "load+matrix", "full", "full-stdlib")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="largest number of runs (default 1000)")
    ap.add_argument("--rounds", type=int, default=7, help="timing rounds per size (best is kept)")
    ap.add_argument("--limit", type=float, default=1.5, help="allowed full/bare ratio at the largest N")
    args = ap.parse_args()
    sizes = sorted({max(1, args.n // 4), max(1, args.n // 2), args.n})
    env = env_info()
    results = []
    with tempfile.TemporaryDirectory(prefix="clt-bench-") as tmp:
        for n in sizes:
            root = Path(tmp) / f"n{n}"
            files = write_runs(root, n, env)
            size = sum(f.stat().st_size for f in files)
            evals = root / "evals"
            command = matrix_args(evals)
            fns = {"bare": lambda: bare(files), "load": lambda: clt_load(evals),
                   "load+matrix": lambda: clt_matrix(evals), "full": lambda: clt(command),
                   "full-stdlib": lambda: clt_stdlib(command)}
            for fn in fns.values():
                fn()  # warm the page cache and imports
            wall, cpu = interleaved(fns, args.rounds)
            results.append((n, size, wall, cpu))
    fast = " + ".join(n for n, on in (("msgspec views", results_mod._RESULTS_VIEW), ("orjson", results_mod._orjson_loads))
                      if on) or "none (stdlib json)"
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          f"JSON accelerator: {fast}; best of {args.rounds} interleaved rounds")
    print("bare = json.load of each results file; load = load_runs (results + manifests); "
          "load+matrix = + build_matrix; full = + JSON output; full-stdlib = full without orjson and msgspec")
    for clock, idx in (("wall-clock", 2), ("CPU", 3)):
        print(f"\n{clock} seconds (x bare):")
        print(f"{'runs':>6} {'MB':>6} {'bare':>7} " + " ".join(f"{s:>18}" for s in STAGES) + f" {'us/run full':>12}")
        for row in results:
            n, size, t = row[0], row[1], row[idx]
            cells = " ".join(f"{t[s]:8.3f} ({t[s] / t['bare']:4.2f}x)".rjust(18) for s in STAGES)
            print(f"{n:6d} {size / 1e6:6.1f} {t['bare']:7.3f} {cells} {1e6 * t['full'] / n:12.1f}")
    n, _, wall, cpu = results[-1]
    # The verdict uses CPU time: both sides are single-threaded, so on an idle machine wall time
    # equals CPU time, and CPU time does not move when other jobs share the machine.
    per_run = [r[3]["full"] / r[0] for r in results]
    spread = max(per_run) / min(per_run)
    ratio = cpu["full"] / cpu["bare"]
    ok = ratio <= args.limit
    print(f"\nfull/bare at {n} runs: {ratio:.2f} CPU, {wall['full'] / wall['bare']:.2f} wall (limit {args.limit}, on CPU);"
          f" full CPU time per run varies {spread:.2f}x across N (1.00 = perfectly linear)")
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
