"""Benchmark: the paper's largest single-task mixture (10k English + 4 x 5k) from local Parquet.

clt's `build_mixture` against what a user would reach for today, `datasets.interleave_datasets`
with probabilities, in one run. Each measurement runs in its own subprocess so peak memory
(ru_maxrss) belongs to that tool alone. Sources are generated once into a cache folder.

    .venv/bin/python benchmarks/bench_mixture.py            # 100k and 1M rows per language
    .venv/bin/python benchmarks/bench_mixture.py --rows 100000

Targets: clt at most half the wall time and half the peak memory of interleave, exact counts,
and clt's peak memory flat from 100k to 1M rows per language.

Measured (2-core shared CPU box, cold caches, 1M rows/language): clt 9.5 s / 185 MiB, interleave
187 s / 2,625 MiB (ratios 0.05 and 0.07); clt 183 -> 185 MiB from 100k to 1M rows; clt's counts
exact, interleave's off by up to 158 rows of 10,000/5,000.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGLISH, PER_LANGUAGE = 10_000, 5_000
LANGS = ("es", "fr", "ja", "zh")
ALL = ("en", *LANGS)
SEED = 1234
WORDS = {
    "en": "how many apples does the farmer sell at the market each week if",
    "es": "cuántas manzanas vende el granjero en el mercado cada semana si",
    "fr": "combien de pommes le fermier vend-il au marché chaque semaine si",
    "ja": "農家は毎週市場でりんごをいくつ売りますか もし",
    "zh": "如果农民每周在市场上卖出多少个苹果",
}


def data_dir(rows: int) -> Path:
    root = Path(os.environ.get("CLT_BENCH_DIR") or Path(tempfile.gettempdir()) / "clt-bench-mixture")
    return root / f"rows{rows}"


def generate(rows: int) -> Path:
    """One Parquet file per language (id "<lang>-<n>", question, answer), 64k-row row groups, written once."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = data_dir(rows)
    out.mkdir(parents=True, exist_ok=True)
    for lang in ALL:
        path = out / f"math_{lang}.parquet"
        if path.exists():
            continue
        rng = np.random.default_rng(ALL.index(lang))
        tmp = path.with_suffix(".tmp")
        with pq.ParquetWriter(
            tmp, pa.schema([("id", pa.string()), ("question", pa.string()), ("answer", pa.string())])
        ) as w:
            step = 100_000
            for start in range(0, rows, step):
                n = min(step, rows - start)
                a = rng.integers(1, 1000, n)
                b = rng.integers(1, 1000, n)
                ids = [f"{lang}-{i:08d}" for i in range(start, start + n)]
                q = [f"{WORDS[lang]} {x} + {y} ({i})" for i, x, y in zip(range(start, start + n), a, b)]
                ans = [f"{x} + {y} = {x + y}. #### {x + y}" for x, y in zip(a, b)]
                w.write_table(pa.table({"id": ids, "question": q, "answer": ans}), row_group_size=65_536)
        tmp.rename(path)
    return out


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def clt_spec(src: Path) -> dict:
    """The paper's largest single-task mixture over the generated sources (bench_decontam adds to it)."""
    return {
        "seed": SEED,
        "tasks": {
            "math": {
                "source": {
                    "path": str(src / "math_{lang}.parquet"),
                    "fields": {"prompt": "question", "response": "answer"},
                },
                "english": ENGLISH,
                "per_language": PER_LANGUAGE,
                "languages": list(LANGS),
            }
        },
    }


def worker_clt(src: Path, out: Path) -> dict:
    from clt_plugin.mixture import build_mixture

    spec = clt_spec(src)
    t = time.perf_counter()
    manifest = build_mixture(spec, out / "clt", use_cache=False)
    wall = time.perf_counter() - t
    return {"wall_s": wall, "peak_mb": _peak_mb(), "counts": manifest["counts"]["math"]}


def worker_interleave(src: Path, out: Path) -> dict:
    import datasets

    datasets.disable_progress_bars()
    t = time.perf_counter()
    asked = {"en": ENGLISH, **{l: PER_LANGUAGE for l in LANGS}}
    total = sum(asked.values())
    parts = []
    for lang in ALL:
        ds = datasets.load_dataset(
            "parquet", data_files=str(src / f"math_{lang}.parquet"), split="train", cache_dir=str(out / "hf-cache")
        )
        parts.append(ds)
    mixed = datasets.interleave_datasets(
        parts, probabilities=[asked[l] / total for l in ALL], seed=SEED, stopping_strategy="first_exhausted"
    )
    mixed = mixed.select(range(total))
    mixed.to_json(str(out / "interleave.jsonl"), force_ascii=False)
    wall = time.perf_counter() - t
    langs = [i.split("-", 1)[0] for i in mixed["id"]]  # ids are "<lang>-<n>"
    return {"wall_s": wall, "peak_mb": _peak_mb(), "counts": {l: langs.count(l) for l in ALL}}


def measure(tool: str, rows: int) -> dict:
    generate(rows)  # the worker reads the files this writes (once, then cached on disk)
    with tempfile.TemporaryDirectory(prefix="clt-bench-") as out:
        cmd = [sys.executable, __file__, "--worker", tool, "--rows", str(rows), "--out", out]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise SystemExit(f"{tool} worker failed:\n{res.stderr}")
        return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, action="append", help="rows per language (default: 100000 and 1000000)")
    ap.add_argument("--worker", choices=("clt", "interleave"))
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.worker:
        fn = worker_clt if args.worker == "clt" else worker_interleave
        print(json.dumps(fn(data_dir(args.rows[0]), Path(args.out))))
        return 0
    sizes = args.rows or [100_000, 1_000_000]
    asked = {"en": ENGLISH, **{l: PER_LANGUAGE for l in LANGS}}
    print(f"mixture: {ENGLISH} English + {len(LANGS)} x {PER_LANGUAGE}; sources: Parquet, one file per language")
    results = {}
    for rows in sizes:
        t = time.perf_counter()
        generate(rows)
        print(f"[{rows:,} rows/language] sources ready in {time.perf_counter() - t:.1f}s under {data_dir(rows)}")
        for tool in ("clt", "interleave"):
            r = results[(tool, rows)] = measure(tool, rows)
            off = {l: r["counts"].get(l, 0) - n for l, n in asked.items()}
            print(
                f"  {tool:<10} wall {r['wall_s']:7.2f} s   peak RSS {r['peak_mb']:7.0f} MiB   "
                f"count error vs asked: {off} (max |err| {max(abs(v) for v in off.values())})"
            )
        c, i = results[("clt", rows)], results[("interleave", rows)]
        print(
            f"  ratio clt/interleave: time {c['wall_s'] / i['wall_s']:.2f}, peak memory {c['peak_mb'] / i['peak_mb']:.2f}"
        )
    if len(sizes) > 1:
        lo, hi = results[("clt", sizes[0])], results[("clt", sizes[-1])]
        print(
            f"clt peak memory {sizes[0]:,} -> {sizes[-1]:,} rows: {lo['peak_mb']:.0f} -> {hi['peak_mb']:.0f} MiB "
            f"({hi['peak_mb'] / lo['peak_mb']:.2f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
