"""`clt matrix` over thousands of runs, against reading the same files with `json.load`.

Writes N runs (one lm-eval results file each, 8 clt_mgsm_* tasks with lm-eval-sized configs and
an lm-eval-sized environment report, plus a manifest beside each model), then times, in this one
process, `clt matrix EVALS --task mgsm --metric acc --format json` minus the process start:
commands.matrix.output on the parsed command line (load_runs + build_matrix with its intervals,
tests and per-group statistics + the JSON), for N/4, N/2 and N runs, best of a few interleaved
rounds. Beside it, in the same rounds: a bare `json.load` of every results file, which is what
any tool that reads these files pays at least.

Pass: the full command at N runs within --ratio times the bare `json.load` of the same files (CPU
time of both, the median over rounds of the two measured back to back, so the budget carries from
one machine to the next), and no growth of its time per run with N (per-run time at N / the
smallest per-run time of any size <= --linearity). Exit status 1 otherwise. `--profile` adds where the command spends its time (cProfile, cumulative, clt code).

Run: .venv/bin/python benchmarks/bench_matrix.py [--n 5000] [--rounds 3] [--ratio 4] [--linearity 1.5] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.results import load_runs
from clt_plugin.cli import build_parser
from clt_plugin.commands import matrix as matrix_command

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from synthetic_results import manifest_dict, results_dict  # noqa: E402  (a test fixture, in tests/)

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
    "doc_to_text": '{% if answer is not none %}{{question+"\\nStep-by-Step Answer:"}}{% else %}'
    '{{"Question: "+question+"\\nStep-by-Step Answer:"}}{% endif %}',
    "doc_to_target": "{% if answer is not none %}{{answer[21:]}}{% else %}{{answer_number|string}}{% endif %}",
    "unsafe_code": False,
    "description": "Solve the math problem step by step, then give the final number.",
    "target_delimiter": " ",
    "fewshot_delimiter": "\n\n",
    "fewshot_config": {
        "sampler": "first_n",
        "split": "train",
        "process_docs": None,
        "fewshot_indices": None,
        "samples": None,
        "doc_to_text": "{{question}}",
        "doc_to_target": "{{answer}}",
        "gen_prefix": None,
        "fewshot_delimiter": "\n\n",
        "target_delimiter": " ",
    },
    "generation_kwargs": {
        "do_sample": False,
        "until": ["Question:", "</s>", "<|im_end|>", "\n\n"],
        "max_gen_toks": 512,
    },
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
        scores = {
            f"clt_mgsm_{l}": {"acc": round(0.2 + k / 20000 + (i % 97) / 1000 + j / 100, 6), "lpr": 0.95}
            for j, l in enumerate(LANGS)
        }
        data = results_dict(
            scores,
            model_args=f"pretrained={model},dtype=bfloat16",
            n_shot=8,
            task_hashes={t: f"{j:064x}" for j, t in enumerate(scores)},
        )
        for cfg in data["configs"].values():
            cfg.update(_EXTRA_CONFIG)
        data["pretty_env_info"] = env
        data.update(
            tokenizer_pad_token=["<|pad|>", "0"],
            tokenizer_eos_token=["<|end|>", "2"],
            tokenizer_bos_token=["<|begin|>", "1"],
            eot_token_id=2,
            max_length=4096,
        )
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


def interleaved(fns: dict, rounds: int) -> tuple[dict[str, float], dict[str, float], list[float]]:
    """Best wall and CPU time of each function over `rounds`, the functions taking turns within
    each round, so that a busy machine slows all of them alike; and the ratio full / bare of each
    round's CPU times (the two measured back to back)."""
    wall = {name: float("inf") for name in fns}
    cpu = dict(wall)
    ratios = []
    for _ in range(rounds):
        this = {}
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name] = min(wall[name], time.perf_counter() - w0)
            this[name] = time.process_time() - c0
            cpu[name] = min(cpu[name], this[name])
        ratios.append(this["full"] / this["bare"])
    return wall, cpu, ratios


STAGES = ("load", "load+matrix", "full")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=5000, help="largest number of runs (default 5000)")
    ap.add_argument("--rounds", type=int, default=3, help="timing rounds per size (best is kept)")
    ap.add_argument(
        "--ratio", type=float, default=4.0, help="allowed CPU time of the full command / bare json.load (default 4)"
    )
    ap.add_argument("--linearity", type=float, default=1.5, help="allowed spread of the per-run time across sizes")
    ap.add_argument("--profile", action="store_true", help="also print where the full command spends its time")
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
            fns = {
                "bare": lambda: bare(files),
                "load": lambda: clt_load(evals),
                "load+matrix": lambda: clt_matrix(evals),
                "full": lambda: clt(command),
            }
            for fn in fns.values():
                fn()  # warm the page cache and imports
            wall, cpu, ratios = interleaved(fns, args.rounds)
            results.append((n, size, wall, cpu, statistics.median(ratios)))
            if args.profile and n == sizes[-1]:
                profile(lambda: clt(command))
            shutil.rmtree(root)
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
        f"best of {args.rounds} interleaved rounds"
    )
    print(
        "bare = json.load of each results file; load = load_runs (results + manifests); "
        "load+matrix = + build_matrix (intervals, tests, group statistics); full = + JSON output"
    )
    for clock, idx in (("wall-clock", 2), ("CPU", 3)):
        print(f"\n{clock} seconds (and times bare):")
        print(f"{'runs':>6} {'MB':>6} {'bare':>7} " + " ".join(f"{s:>18}" for s in STAGES) + f" {'us/run full':>12}")
        for row in results:
            n, size, t = row[0], row[1], row[idx]
            print(
                f"{n:6d} {size / 1e6:6.1f} {t['bare']:7.3f} "
                + " ".join(f"{t[s]:10.3f} ({t[s] / t['bare']:4.2f}x)" for s in STAGES)
                + f" {1e6 * t['full'] / n:12.1f}"
            )
    n, _, wall, cpu, ratio = results[-1]
    # CPU time: single-threaded work whose CPU time moves less than wall time when other jobs share
    # the machine. The ratio is the median over rounds of full / bare measured back to back: a
    # slow spell of a shared machine slows both sides of one round alike.
    # Growth only: the per-run time at N against the smallest per-run time of any size. (Smaller N
    # may cost more per run: group statistics resample fewer times when there are more runs.)
    per_run = [r[3]["full"] / r[0] for r in results]
    spread = per_run[-1] / min(per_run)
    ok = ratio <= args.ratio and spread <= args.linearity
    print(
        f"\nfull command at {n} runs: {cpu['full']:.2f} s CPU (best round); {ratio:.2f}x the bare json.load of the "
        f"same files (median over rounds; best bare {cpu['bare']:.2f} s; limit {args.ratio}x); per-run time varies "
        f"{spread:.2f}x the smallest across N "
        f"(limit {args.linearity}; 1.00 = perfectly linear)"
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def profile(fn) -> None:
    """Where one full command spends its CPU: clt's functions by cumulative time."""
    import cProfile
    import pstats

    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    print("\nprofile of the full command at the largest N (cProfile adds its own overhead):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(r"clt_plugin", 30)


if __name__ == "__main__":
    sys.exit(main())
