"""Write results files and manifests in the exact layouts lm-eval 0.4.11 and `clt mix` write.

A test fixture (tests and benchmarks import it from tests/): many runs with known scores without training or
evaluating anything. The layout mirrors a real `lm_eval --log_samples` results file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from clt_plugin.io import atomic_write_json, atomic_write_text
from clt_plugin.manifest import SCHEMA, Manifest, ManifestLanguages, count_summary


def results_dict(
    scores: Mapping[str, Mapping[str, float]],
    *,
    model_args: str | Mapping[str, Any] = "pretrained=/models/x,dtype=float32",
    version: Any = 1,
    n_shot: int = 0,
    task_hashes: Mapping[str, str] | None = None,
    with_metadata: bool = True,
    stderr: float | None = 0.01,
    lm_eval_version: str = "0.4.11",
    model_name: str | None = None,
    filter_name: str = "none",
) -> dict[str, Any]:
    """`scores`: {task: {metric: value}} -> an lm-eval results object.

    Task names are `clt_{family}_{lang}`; `with_metadata` adds the clt metadata to the configs.
    """
    results: dict[str, Any] = {}
    configs: dict[str, Any] = {}
    for task, metrics in scores.items():
        entry: dict[str, Any] = {"alias": task}
        for metric, value in metrics.items():
            entry[f"{metric},{filter_name}"] = value
            entry[f"{metric}_stderr,{filter_name}"] = "N/A" if stderr is None else stderr
        results[task] = entry
        family, _, lang = task[4:].rpartition("_")
        metadata: dict[str, Any] = {"version": version}
        if with_metadata:
            metadata.update(clt_family=family, clt_language=lang)
        configs[task] = {
            "task": task,
            "dataset_path": "json",
            "output_type": "generate_until",
            "num_fewshot": n_shot,
            "metric_list": [{"metric": m, "aggregation": "mean", "higher_is_better": True} for m in metrics],
            "metadata": metadata,
        }
    if isinstance(model_args, str):
        pretrained = dict(p.split("=", 1) for p in model_args.split(",") if "=" in p).get("pretrained")
    else:
        pretrained = model_args.get("pretrained")
    name = model_name or pretrained or "model"
    tasks = sorted(scores)
    return {
        "results": results,
        "group_subtasks": {t: [] for t in reversed(tasks)},
        "configs": dict(sorted(configs.items())),
        "versions": {t: version for t in tasks},
        "n-shot": {t: n_shot for t in tasks},
        "higher_is_better": {t: {m: True for m in scores[t]} for t in tasks},
        "n-samples": {t: {"original": 250, "effective": 250} for t in tasks},
        "config": {
            "model": "hf",
            "model_args": model_args,
            "batch_size": 1,
            "batch_sizes": [],
            "device": "cpu",
            "limit": None,
            "bootstrap_iters": 100000,
            "gen_kwargs": {},
            "random_seed": 0,
            "numpy_seed": 1234,
            "torch_seed": 1234,
            "fewshot_seed": 1234,
        },
        "git_hash": None,
        "date": 1795779133.9,
        "transformers_version": "5.16.1",
        "lm_eval_version": lm_eval_version,
        "task_hashes": dict(task_hashes or {}),
        "model_source": "hf",
        "model_name": name,
        "model_name_sanitized": name.replace("/", "__"),
        "total_evaluation_time_seconds": "1.0",
    }


def write_results(
    out_dir: str | os.PathLike,
    scores: Mapping[str, Mapping[str, float]],
    date: str = "2026-01-01T00-00-00.000000",
    **kwargs: Any,
) -> Path:
    """Write `results_<date>.json` into `out_dir` (created); returns its path."""
    path = Path(out_dir) / f"results_{date}.json"
    data = results_dict(scores, **kwargs)
    # lm-eval writes indent=2, ensure_ascii=False, keys in insertion order.
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False))
    return path


def manifest_dict(counts: Mapping[str, Mapping[str, int]], seen: list[str] | None = None) -> dict[str, Any]:
    """A clt_plugin.manifest.Manifest (as its JSON object) for these counts, derived like `clt mix` does."""
    non_en = sorted({l for per in counts.values() for l in per if l != "en"})
    per_language, english_only = count_summary(counts)
    return Manifest(
        schema=SCHEMA,
        tool_version="0.1.0",
        seed=0,
        spec={},
        counts={t: dict(per) for t, per in counts.items()},
        total_rows=sum(n for per in counts.values() for n in per.values()),
        languages=ManifestLanguages(english="en", seen=list(seen if seen is not None else non_en)),
        per_language=per_language,
        english_only=english_only,
        sources={},
        language_check={},
        train_file="train.jsonl",
        train_sha256="0" * 64,
        spec_sha256="0" * 64,
    ).to_dict()


def write_manifest(
    path: str | os.PathLike, counts: Mapping[str, Mapping[str, int]], seen: list[str] | None = None
) -> Path:
    path = Path(path)
    atomic_write_json(path, manifest_dict(counts, seen))
    return path
