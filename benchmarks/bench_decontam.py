"""Benchmark: what `decontaminate:` adds to `clt mix`, on 1M rows per language, against every
evaluation set, in one run.

The mixture is bench_mixture's (the paper's largest single-task one: 10k English + 4 x 5k, from
Parquet sources of 1M rows per language, generated once), built twice, each in its own
subprocess so that CPU time and peak memory belong to that build alone:

- `clt mix` as it is (no decontamination);
- the same spec with `decontaminate:` checking every evaluation set in every mixture language,
  with lineage on (row-number ids: each language's row i is a translation of English row i).

Evaluation sets: the real MGSM test sets and M-IFEval prompts beside the checkout
(../shared/data), and XL-Sum and Aya Dolly files in their real schemas at their real sizes
(XL-Sum test split: en 11,535, es 4,763, fr 1,086, ja 889, zh 4,670 articles, lengths like the
real ones; Dolly: 200 prompts per language and subset), random words so no row overlaps them.

Timed as CPU seconds (resource.getrusage: user + system) of the build, not wall time: other jobs
share the machine. Target: decontaminated / plain < 2.

    .venv/bin/python benchmarks/bench_decontam.py                # 1M rows per language
    .venv/bin/python benchmarks/bench_decontam.py --rows 100000

Measured (1M rows per language, two runs on a shared 2-core machine): clt mix 7.2-7.6 s CPU,
185 MiB; + decontaminate 10.2-10.5 s, 334 MiB (ratios 1.38-1.42 CPU, 1.8 memory: met); with
xlsum_n: 0 (every XL-Sum test article) 19.6-20.7 s, 1.0 GiB (2.7x CPU: over the target).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mixture import ALL, clt_spec, data_dir, generate  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
XLSUM_TEST = {"en": 11_535, "es": 4_763, "fr": 1_086, "ja": 889, "zh": 4_670}
ARTICLE = {"words": 430, "chars": 900}  # typical XL-Sum article lengths (words; characters for ja/zh)
SUMMARY = {"words": 23, "chars": 45}
CJK = {
    "ja": "あいうえおかきくけこさしすせそたちつてとなにぬねの日本語文章記事市議会計画",
    "zh": "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经",
}


def _words(rng: random.Random, n: int, lang: str) -> str:
    if lang in CJK:
        return "".join(rng.choice(CJK[lang]) for _ in range(n))
    return " ".join(f"{lang}{rng.randrange(50_000)}" for _ in range(n))


def evaluation_data(root: Path) -> Path:
    """A data_dir the clt tasks read: real MGSM and M-IFEval, XL-Sum and Dolly at their real sizes."""
    from clt_plugin import languages

    out = root / "evaldata"
    if (out / "done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    rng = random.Random(19)
    for lang in ALL:
        (out / "mgsm").mkdir(parents=True, exist_ok=True)
        shutil.copy(SHARED / "mgsm" / f"mgsm_{lang}.tsv", out / "mgsm")
        if (SHARED / "m-ifeval" / f"{lang}_input_data.jsonl").exists():
            (out / "m-ifeval").mkdir(exist_ok=True)
            shutil.copy(SHARED / "m-ifeval" / f"{lang}_input_data.jsonl", out / "m-ifeval")
        unit = "chars" if lang in CJK else "words"
        (out / "xlsum").mkdir(exist_ok=True)
        with open(out / "xlsum" / f"{languages.get(lang).xlsum}_test.jsonl", "w", encoding="utf-8") as f:
            for i in range(XLSUM_TEST[lang]):
                row = {
                    "id": f"{lang}-{i}",
                    "url": f"https://www.bbc.com/{lang}/{i}",
                    "title": _words(rng, 8, lang),
                    "summary": _words(rng, SUMMARY[unit], lang),
                    "text": _words(rng, ARTICLE[unit], lang),
                }
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "aya_evaluation_suite").mkdir(exist_ok=True)
    for subset, langs in (("dolly_machine_translated", ALL), ("dolly_human_edited", ("es", "fr"))):
        with open(out / "aya_evaluation_suite" / f"{subset}.jsonl", "w", encoding="utf-8") as f:
            for lang in langs:
                for i in range(200):
                    row = {
                        "id": i,
                        "inputs": _words(rng, 15, lang),
                        "targets": _words(rng, 60, lang),
                        "language": languages.get(lang).aya,
                        "script": languages.get(lang).script,
                        "source_id": i,
                    }
                    f.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "done").write_text("")
    return out


def spec(src: Path, evaldir: Path | None, every_article: bool = False) -> dict:
    out = clt_spec(src)
    out["tasks"]["math"]["source"]["fields"]["id"] = None  # row i of every language: one lineage
    if evaldir is not None:
        out["decontaminate"] = {"data_dir": str(evaldir), "lineage": True, "on_unchecked": "error"}
        if every_article:  # the whole XL-Sum test split, not the task's 250 articles per language
            out["decontaminate"]["metadata"] = {"xlsum_n": 0}
    return out


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def worker(src: Path, evaldir: Path | None, out: Path, every_article: bool) -> dict:
    from clt_plugin.mixture import build_mixture

    s = spec(src, evaldir, every_article)
    cpu, wall = _cpu(), time.perf_counter()
    m = build_mixture(s, out / "mix", use_cache=False)
    d = m.get("decontamination") or {}
    return {
        "cpu_s": _cpu() - cpu,
        "wall_s": time.perf_counter() - wall,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "counts": m["counts"]["math"],
        "examined": sum(d.get("examined", {}).get("math", {}).values()),
        "removed": sum(d.get("removed_rows", {}).get("math", {}).values()),
        "items": sum(s["items"] for per in d.get("evaluation_sets", {}).values() for s in per.values()),
    }


def measure(rows: int, decontaminate: bool, every_article: bool = False) -> dict:
    evaldir = evaluation_data(data_dir(rows).parent) if decontaminate else None
    with tempfile.TemporaryDirectory(prefix="clt-bench-decontam-") as out:
        cmd = [sys.executable, __file__, "--worker", "--rows", str(rows), "--out", out]
        cmd += (["--evaldir", str(evaldir)] if evaldir else []) + (["--every-article"] if every_article else [])
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise SystemExit(f"worker failed:\n{res.stderr}")
        return json.loads(res.stdout.strip().splitlines()[-1])


def _line(label: str, r: dict) -> str:
    return f"  {label:<46} CPU {r['cpu_s']:6.2f} s  wall {r['wall_s']:6.2f} s  peak {r['peak_mb']:5.0f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows per language (default 1,000,000)")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--evaldir")
    ap.add_argument("--out")
    ap.add_argument("--every-article", action="store_true")
    args = ap.parse_args()
    if args.worker:
        evaldir = Path(args.evaldir) if args.evaldir else None
        print(json.dumps(worker(data_dir(args.rows), evaldir, Path(args.out), args.every_article)))
        return 0
    generate(args.rows)
    evaluation_data(data_dir(args.rows).parent)
    plain = measure(args.rows, False)
    print(f"{args.rows:,} rows per language ({', '.join(ALL)}), mixture {plain['counts']}")
    print(_line("clt mix", plain))
    for label, every in (
        ("+ decontaminate (the items the tasks evaluate)", False),
        ("+ decontaminate, xlsum_n: 0", True),
    ):
        r = measure(args.rows, True, every)
        print(f"{_line(label, r)}  ({r['items']:,} items; {r['examined']:,} rows examined, {r['removed']} removed)")
        print(
            f"  {'':<46} ratio to clt mix: CPU {r['cpu_s'] / plain['cpu_s']:.2f} (target < 2), "
            f"peak memory {r['peak_mb'] / plain['peak_mb']:.2f}"
        )
        assert r["counts"] == plain["counts"]
    return 0


if __name__ == "__main__":
    sys.exit(main())
