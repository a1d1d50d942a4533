"""Leaderboard test inputs: task YAMLs, results and submissions with known scores.

The results files are written in lm-eval's exact layout (the analysis fixtures) and go through
the same `build_submission` path as real ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from synthetic_results import write_manifest, write_results

from clt_plugin import languages
from clt_plugin.leaderboard.submit import SubmitOptions, build_submission, write_submission

PAPER = tuple(languages.PAPER_LANGUAGES)
# Would retitle the page and set a global if it ran.
EVIL = '<script>document.title="pwned";window.__pwned=1</script>'


def mgsm(base: float) -> dict[str, dict[str, float]]:
    """acc = base + i/16 per language i (dyadic, so every average below is exact)."""
    return {f"clt_mgsm_{l}": {"acc": base + i / 16, "lpr": 1.0} for i, l in enumerate(PAPER)}


def xlsum(value: float) -> dict[str, dict[str, float]]:
    return {f"clt_xlsum_{l}": {"rougeL": value} for l in PAPER}


def write_task_dir(root: str | Path, families: Mapping[str, Sequence[str]], version: int = 1) -> Path:
    """Task YAMLs like the shipped ones: a shared base pulled in with `include:`, one file per language."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for family, langs in families.items():
        # The base carries a `!function` tag, as real task YAMLs do; it must never be imported here.
        (root / f"_clt_{family}_base.yaml").write_text(
            "output_type: generate_until\nprocess_results: !function utils.process_results\n"
            f"metadata:\n  version: {version}\n",
            encoding="utf-8",
        )
        for lang in langs:
            (root / f"clt_{family}_{lang}.yaml").write_text(
                f"include: _clt_{family}_base.yaml\ntask: clt_{family}_{lang}\n"
                f"metadata:\n  version: {version}\n  clt_family: {family}\n  clt_language: {lang}\n",
                encoding="utf-8",
            )
    return root


def write_model_results(
    root: str | Path,
    name: str,
    scores: Mapping[str, Mapping[str, float]],
    *,
    per_language: int = 1000,
    seen: Sequence[str] = languages.PAPER_SEEN,
    version: int = 1,
) -> tuple[Path, Path]:
    """A model folder with a clt_manifest.json and an lm-eval results folder for it.

    `scores`: {task: {metric: value}}. Returns (results folder, model folder).
    """
    root = Path(root)
    model_dir = root / "models" / name
    model_dir.mkdir(parents=True, exist_ok=True)
    counts = {"task": {"en": 10000, **{l: per_language for l in seen}}}
    write_manifest(model_dir / "clt_manifest.json", counts, seen=list(seen))
    results = root / "results" / name
    write_results(results, scores, model_args=f"pretrained={model_dir},dtype=float32", version=version)
    return results, model_dir


def write_example_submission(
    out: str | Path,
    work: str | Path,
    tasks_dir: str | Path,
    model_id: str,
    scores: Mapping[str, Mapping[str, float]],
    *,
    created_at: str = "2026-01-01T00:00:00Z",
    per_language: int = 1000,
    version: int = 1,
    **options,
) -> Path:
    safe = "".join(c if c.isalnum() else "_" for c in Path(out).stem)
    results, _ = write_model_results(work, safe, scores, per_language=per_language, version=version)
    built = build_submission(
        [results], SubmitOptions(model_id=model_id, created_at=created_at, **options), tasks_dir=tasks_dir
    )
    return write_submission(built.submission, out)
