"""Write lm-eval `--log_samples` files (``samples_<task>_<date>.jsonl``) with chosen per-item scores,
and whole runs (results + samples + manifest) of known per-item scores for the analysis tests."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Mapping, Sequence

from synthetic_results import write_manifest, write_results

DATE = "2026-01-01T00-00-00.000000"


def doc_hash(task: str, doc_id: int) -> str:
    return hashlib.sha256(f"{task}:{doc_id}".encode()).hexdigest()


def write_samples(
    run_dir: str | Path,
    task: str,
    values: Sequence[float],
    *,
    metric: str = "acc",
    doc_ids: Sequence[int] | None = None,
    hashes: Sequence[str] | None = None,
    date: str = DATE,
    extra_filter: bool = True,
) -> Path:
    """One line per item, in lm-eval's layout (the fields the analysis reads, plus a few it does not);
    `extra_filter` adds a second filter's lines with other values, which must be ignored."""
    doc_ids = list(range(len(values))) if doc_ids is None else list(doc_ids)
    hashes = [doc_hash(task, i) for i in doc_ids] if hashes is None else list(hashes)
    lines = []
    for i, v, h in zip(doc_ids, values, hashes):
        rec = {
            "doc_id": i,
            "doc": {"q": f"item {i}"},
            "target": "1",
            "arguments": {},
            "resps": [["1"]],
            "filtered_resps": ["1"],
            "filter": "none",
            "metrics": [metric],
            "doc_hash": h,
            "prompt_hash": h[::-1],
            "target_hash": "0" * 64,
            metric: v,
        }
        lines.append(json.dumps(rec))
        if extra_filter:
            lines.append(json.dumps({**rec, "filter": "strict", metric: 1.0 - v}))
    path = Path(run_dir) / f"samples_{task}_{date}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_item_run(
    root: Path,
    name: str,
    counts: Mapping[str, Mapping[str, int]],
    items: Mapping[str, Sequence[float]],
    *,
    family: str = "mgsm",
    metric: str = "acc",
    seen: list[str] | None = None,
    seed: int | None = None,
    training_seed: int | None = None,
    base_model: str | None = None,
    samples: bool = True,
    date: str = DATE,
) -> Path:
    """A model folder with its manifest (and config.json naming `base_model`), and an lm-eval results
    folder whose scores are the means of `items` per language, with the samples behind them (another
    `date` adds another family's results file to the same run)."""
    model = root / "models" / name
    path = write_manifest(model / "clt_manifest.json", counts, seen=seen)
    if seed is not None or training_seed is not None:
        doc = json.loads(path.read_text())
        doc["seed"] = seed if seed is not None else doc.get("seed")
        if training_seed is not None:
            doc["training_seed"] = training_seed
        path.write_text(json.dumps(doc))
    if base_model is not None:
        (model / "config.json").write_text(json.dumps({"_name_or_path": base_model}))
    run_dir = root / "evals" / name
    scores = {f"clt_{family}_{lang}": {metric: sum(v) / len(v)} for lang, v in items.items()}
    write_results(run_dir, scores, model_args=f"pretrained={model},dtype=float32", stderr=0.05, date=date)
    if samples:
        for lang, v in items.items():
            write_samples(run_dir, f"clt_{family}_{lang}", v, metric=metric, date=date)
    return run_dir
