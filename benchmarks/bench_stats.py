"""Every interval and every paired test of a paper-sized study: clt's shared-draw, vectorized
resampling against a plain per-cell loop doing the same resampling, side by side in one run.

The study: 3 base models x 8 grid points (k = 0 is each model's English-only baseline) x 3 seeds
= 72 runs, each evaluated on 3 tasks x 8 languages x 250 items (lm-eval samples files, written
once before timing), 10,000 resamples.

  clt:   build_matrices(view="delta") on the loaded runs: for every (row, task) the interval of
         every language and of every aggregate (English, seen, unseen, gap, all) with seeds
         pooled by the two-level bootstrap, the paired test of each of them against the row's
         baseline, Holm over each table, and rho and plateau per (base model, seen set) with
         their intervals; timed with the samples files read (cold) and with them already read.
  loop:  what one writes without the shared draws: for each cell, draw its own (resamples x
         items) index matrix (and sign-flip matrix for a test), numpy fancy-indexing per cell,
         the same aggregates and percentiles; each (row, task, language) in turn.
  python: the same per-cell loop in pure Python (random.randrange per item), on a few cells,
         scaled to the study by cell count (a full run would take hours).

Pass (CPU time, which a shared machine does not distort): the pure-Python per-cell loop / clt
(samples already read) >= --target (50), and that clt study within --budget seconds (5). The
numpy per-cell loop's ratio is printed beside it: the stronger reference, what shared draws buy
over vectorizing each cell alone. Exit status 1 when a target is missed.

Run: .venv/bin/python benchmarks/bench_stats.py [--resamples 10000] [--items 250] [--target 50] [--budget 5]
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synthetic_samples import write_item_run  # noqa: E402

from clt_plugin.analysis.cells import ItemCache  # noqa: E402
from clt_plugin.analysis.matrix import build_matrices  # noqa: E402
from clt_plugin.analysis.results import load_runs  # noqa: E402
from clt_plugin.analysis.uncertainty import StatOptions  # noqa: E402

MODELS = ("org/model-a", "org/model-b", "org/model-c")
KS = (0, 100, 200, 400, 800, 1000, 2000, 5000)
SEEDS = (1, 2, 3)
LANGS = ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt")
SEEN = ["es", "fr", "ja", "zh"]
TASKS = ("mgsm", "xlsum", "synth_math")
METRIC = {"mgsm": "acc", "xlsum": "rougeL", "synth_math": "acc"}


def timed(fn):
    """(result, (wall seconds, CPU seconds))."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, (time.perf_counter() - w, time.process_time() - c)


def write_study(root: Path, n_items: int) -> None:
    rng = np.random.default_rng(0)
    for mi, model in enumerate(MODELS):
        for k in KS:
            for seed in SEEDS:
                counts = {t: {"en": 1000, **{l: k for l in SEEN}} for t in TASKS}
                for ti, task in enumerate(TASKS):
                    p = {l: 0.2 + 0.05 * mi + (0.1 if l in SEEN else 0.05) * math.log1p(k) / 9 for l in LANGS}
                    if METRIC[task] == "acc":
                        items = {l: (rng.random(n_items) < p[l]).astype(float).tolist() for l in LANGS}
                    else:
                        items = {l: np.round(np.clip(rng.normal(p[l], 0.15, n_items), 0, 1), 4).tolist() for l in LANGS}
                    write_item_run(
                        root,
                        f"{model[4:]}-k{k}-seed{seed}",
                        counts,
                        items,
                        family=task,
                        metric=METRIC[task],
                        seen=SEEN,
                        seed=seed,
                        training_seed=seed,
                        base_model=model,
                        date=f"2026-01-0{ti + 1}T00-00-00.000000",
                    )
    return None


def per_cell_loop(data, resamples: int, level: float) -> int:
    """data: {(model, task): {"base": {lang: (seeds, n)}, k: {lang: (seeds, n)}}}: every interval and
    test with per-cell draws (numpy inside a plain loop). Returns the number of intervals made."""
    rng = np.random.default_rng(0)
    made = 0
    q = [(1 - level) / 2, (1 + level) / 2]
    for (model, task), rows in data.items():
        base = rows["base"]
        for key, row in rows.items():
            lang_boot, diff_boot, diff_null = {}, {}, {}
            for lang, x in row.items():
                n_seeds, n = x.shape
                idx = rng.integers(0, n, size=(resamples, n))
                picks = rng.integers(0, n_seeds, size=(resamples, n_seeds))
                per_seed = np.stack([x[s][idx].mean(axis=1) for s in range(n_seeds)])
                boot = per_seed[picks, np.arange(resamples)[:, None]].mean(axis=1)
                base_seed = np.stack([base[lang][s][idx].mean(axis=1) for s in range(n_seeds)])
                base_boot = base_seed[picks, np.arange(resamples)[:, None]].mean(axis=1)
                lang_boot[lang], diff_boot[lang] = boot, boot - base_boot
                np.quantile(boot, q), np.quantile(diff_boot[lang], q)
                signs = rng.integers(0, 2, size=(resamples, n)) * 2 - 1
                d = x.mean(axis=0) - base[lang].mean(axis=0)
                diff_null[lang] = (signs * d).mean(axis=1)
                made += 2
            for boots in (lang_boot, diff_boot, diff_null):
                seen = np.mean([boots[l] for l in SEEN], axis=0)
                unseen = np.mean([boots[l] for l in LANGS if l not in SEEN and l != "en"], axis=0)
                everything = np.mean(list(boots.values()), axis=0)
                for agg in (seen, unseen, seen - unseen, everything):
                    np.quantile(agg, q)
                    made += 1
    return made


def python_cell(x: list[float], resamples: int, rnd: random.Random) -> tuple[float, float]:
    n = len(x)
    means = sorted(math.fsum(x[rnd.randrange(n)] for _ in range(n)) / n for _ in range(resamples))
    return means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resamples", type=int, default=10_000)
    ap.add_argument("--items", type=int, default=250)
    ap.add_argument("--target", type=float, default=50.0, help="pure-Python per-cell loop / clt, CPU time")
    ap.add_argument("--budget", type=float, default=5.0, help="CPU seconds for clt's study, samples already read")
    ap.add_argument("--python-cells", type=int, default=3, help="cells timed in pure Python (then scaled)")
    args = ap.parse_args()
    opts = StatOptions(resamples=args.resamples)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        write_study(root, args.items)
        print(
            f"wrote {len(MODELS) * len(KS) * len(SEEDS)} runs x {len(TASKS)} tasks x {len(LANGS)} languages x "
            f"{args.items} items in {time.perf_counter() - t:.1f} s"
        )
        runs = load_runs([root / "evals"])

        (cold, clt_cold) = timed(lambda: build_matrices(runs, list(TASKS), METRIC, view="delta", stats=opts))
        cache = ItemCache()
        build_matrices(runs, list(TASKS), METRIC, view="delta", stats=StatOptions(resamples=100), _items=cache)
        (warm, clt_warm) = timed(
            lambda: build_matrices(runs, list(TASKS), METRIC, view="delta", stats=opts, _items=cache)
        )
        n_int = sum(1 + len(r.ci) + len(r.agg_ci) for m in warm for r in m.rows)
        n_tests = sum(m.n_tests for m in warm)
        n_groups = sum(len(m.groups) for m in warm)
        assert all(r.methods == ("bootstrap over seeds and items",) for m in cold for r in m.rows)

        # The same cells as arrays for the loops: (seeds, items) per (model, task, k, language).
        data: dict = {}
        for m in warm:
            for row in m.rows:
                model = row.base_model
                key = "base" if row.is_baseline else row.k
                per_lang = {}
                for lang in LANGS:
                    per_lang[lang] = np.stack(
                        [
                            cache.get(
                                next(r for r in runs if r.name == name), f"clt_{m.task}_{lang}", METRIC[m.task]
                            ).values
                            for name in row.runs
                        ]
                    )
                data.setdefault((model, m.task), {})[key] = per_lang
        (made, loop) = timed(lambda: per_cell_loop(data, args.resamples, opts.level))

        cells = sum(len(rows) * len(LANGS) * len(SEEDS) for rows in data.values())
        rnd = random.Random(0)
        sample = next(iter(next(iter(data.values())).values()))["es"][0].tolist()
        (_, py) = timed(lambda: [python_cell(sample, args.resamples, rnd) for _ in range(args.python_cells)])
        py_per_cell = py[1] / args.python_cells
        python_total = py_per_cell * cells

    print(
        f"study: {len(runs)} runs, {len(warm)} tasks, {sum(len(m.rows) for m in warm)} rows (seeds pooled), "
        f"{n_int} intervals, {n_tests} paired tests, {n_groups} groups with rho/plateau intervals, "
        f"{args.resamples} resamples"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; seconds as wall / CPU (CPU: all threads)")
    print(f"clt (samples read, cold)    {clt_cold[0]:8.2f} / {clt_cold[1]:8.2f}")
    print(f"clt (samples already read)  {clt_warm[0]:8.2f} / {clt_warm[1]:8.2f}")
    print(
        f"per-cell numpy loop         {loop[0]:8.2f} / {loop[1]:8.2f}   ({made} intervals and nulls)   "
        f"{loop[1] / clt_warm[1]:6.1f}x clt (CPU)"
    )
    print(
        f"per-cell pure Python        {'':8} / {python_total:8.0f}   (scaled from {args.python_cells} cells, "
        f"{py_per_cell:.2f} s each, x {cells} cells)   {python_total / clt_warm[1]:6.0f}x clt (CPU)"
    )
    ratio = python_total / clt_warm[1]
    ok = ratio >= args.target and clt_warm[1] <= args.budget
    print(
        ("PASS" if ok else "FAIL") + f": pure-Python per-cell loop / clt = {ratio:.0f} (target >= {args.target:g}); "
        f"numpy per-cell loop / clt = {loop[1] / clt_warm[1]:.1f}; clt study {clt_warm[1]:.2f} s CPU "
        f"(budget {args.budget:g} s), {clt_cold[1]:.2f} s with reading the samples files"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
