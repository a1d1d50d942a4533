"""Build a submission from lm-eval results (and `clt judge` results) of one model.

Results are read with the analysis loader (clt_plugin.analysis.results), so `clt submit`,
`clt matrix` and `clt report` agree on what a results file says. This module adds what a
leaderboard needs on top: one model only, every expected language present, task versions equal
to the installed tasks, no NaN or out-of-range value, and the manifest embedded with its hash.
Each refusal names the file, task and value at fault; nothing is written on error.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError

from clt_plugin import __version__, languages
from clt_plugin.analysis.results import RunResults, find_results_files, load_results, merge_tasks
from clt_plugin.analysis.results import TaskResult as AnalysisTask
from clt_plugin.errors import CLTError, format_validation_error
from clt_plugin.families import score_metric
from clt_plugin.io import atomic_write_text, read_json
from clt_plugin.leaderboard.installed import InstalledTask, installed_tasks, normalize_version
from clt_plugin.leaderboard.schema import (
    SCHEMA_VERSION,
    FamilyResult,
    Submission,
    TaskResult,
    family_result,
    format_timestamp,
    parse_submission,
)
from clt_plugin.names import task_name


@dataclass
class SubmitOptions:
    model_id: str | None = None
    revision: str | None = None
    base_model: str | None = None
    judge_model: str | None = None
    manifest: str | os.PathLike | None = None
    # Used only when there is no manifest: the model's trained non-English languages.
    seen: list[str] | None = None
    # Languages every family must cover (where a task is installed); None: the paper's eight
    # plus the manifest's seen languages.
    languages: list[str] | None = None
    created_at: str | None = None


@dataclass
class Built:
    submission: Submission
    files: list[Path]  # the results files it was built from
    ignored_tasks: list[str] = field(default_factory=list)  # not clt_* per-language tasks


# --------------------------------------------------------------------------- time


def resolve_created_at(value: str | None, environ: dict[str, str] | None = None) -> str:
    """--created-at, else SOURCE_DATE_EPOCH (reproducible builds), else now; always UTC."""
    environ = os.environ if environ is None else environ
    if value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise CLTError(f"--created-at {value!r}: expected an ISO 8601 time like 2026-01-31T12:00:00Z") from None
        if moment.tzinfo is None:
            raise CLTError(f"--created-at {value!r}: give a time zone (e.g. a trailing Z for UTC)")
        return format_timestamp(moment)
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return format_timestamp(datetime.fromtimestamp(int(epoch), tz=timezone.utc))
        except (ValueError, OverflowError, OSError):
            raise CLTError(f"SOURCE_DATE_EPOCH={epoch!r}: expected seconds since 1970 as an integer") from None
    return format_timestamp(datetime.now(timezone.utc))


# --------------------------------------------------------------------------- loading


def _load(paths: Iterable[str | os.PathLike], manifest: str | os.PathLike | None) -> list[RunResults]:
    runs = [load_results(run_dir, manifest=manifest) for p in paths for run_dir in find_results_files(p)]
    if not runs:
        raise CLTError("no results given")
    return runs


def _one_model(runs: list[RunResults]) -> None:
    by_model: dict[tuple[str, str], list[Path]] = {}
    for run in runs:
        identity = (run.model_dir() or run.model_name or "", run.model_args.get("revision", ""))
        by_model.setdefault(identity, []).extend(run.files)
    if len(by_model) > 1:
        shown = "; ".join(
            f"{model or '<unnamed>'}{'@' + rev if rev else ''} ({', '.join(map(str, files))})"
            for (model, rev), files in sorted(by_model.items())
        )
        raise CLTError(f"the results come from {len(by_model)} different models: {shown}; a submission is one model")


def _files(task: AnalysisTask) -> str:
    return ", ".join(map(str, task.files))


def _check_numbers(tasks: dict[str, AnalysisTask]) -> None:
    """lm-eval writes NaN for a metric it could not compute; the loader reads that as no score,
    a submission refuses it."""
    problems = [
        f"{_files(t)}: results.{name}.{key} is {value!r}"
        for name, t in sorted(tasks.items())
        for key, value in sorted(t.raw.items())
        if isinstance(value, float) and not math.isfinite(value) and not key.partition(",")[0].endswith("_stderr")
    ]
    if problems:
        raise CLTError("values that are not numbers:\n" + "\n".join(problems))


def _one_value(found: dict[str, list[Path]], what: str) -> str | None:
    if len(found) > 1:
        shown = "; ".join(f"{v} ({', '.join(map(str, ps))})" for v, ps in sorted(found.items()))
        raise CLTError(f"the results {what}: {shown}")
    return next(iter(found), None)


def _collect(runs: list[RunResults], attr: str) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    for run in runs:
        value = getattr(run, attr)
        if isinstance(value, dict):  # judge model -> its files
            for v, files in value.items():
                found.setdefault(v, []).extend(files)
        elif value:
            found.setdefault(value, []).extend(run.files)
    return found


def _task_entry(task: AnalysisTask) -> dict[str, Any]:
    metrics = {}
    for name, by_filter in sorted(task.metrics.items()):
        for flt, score in sorted(by_filter.items()):
            # As the analysis reads them: a bare name is filter "none", or the only filter.
            metrics[name if len(by_filter) == 1 or flt == "none" else f"{name},{flt}"] = score.value
    shots = task.n_shot if isinstance(task.n_shot, int) and not isinstance(task.n_shot, bool) else None
    return {
        "family": task.family,
        "language": task.lang,
        "version": task.version,
        "task_hash": task.task_hash,
        "num_fewshot": shots,
        "n_samples": task.n_samples if isinstance(task.n_samples, int) else None,
        "metrics": metrics,
    }


# --------------------------------------------------------------------------- checks


def _check_versions(tasks: dict[str, AnalysisTask], installed: dict[str, InstalledTask]) -> None:
    # One line per results file and kind of mismatch: a stale run usually has many tasks at once.
    groups: dict[tuple[str, str], list[str]] = {}
    for name, t in sorted(tasks.items()):
        have = installed.get(name)
        if have is None:
            why = "not installed clt tasks"
        elif t.version is None:
            why = "without a version in the results"
        elif normalize_version(t.version) != normalize_version(have.version):
            why = f"version {t.version!r} in the results but version {have.version!r} installed ({have.path.parent})"
        else:
            continue
        groups.setdefault((_files(t), why), []).append(name)
    if groups:
        lines = [f"{files}: {', '.join(names)}: {why}" for (files, why), names in sorted(groups.items())]
        raise CLTError(
            "task versions do not match the installed tasks (re-run lm_eval with `clt tasks-path`):\n"
            + "\n".join(lines)
        )


def expected_languages(seen: list[str], wanted: list[str] | None) -> list[str]:
    base = list(wanted) if wanted is not None else [*languages.PAPER_LANGUAGES, *seen]
    return list(dict.fromkeys(base))


def _check_languages(tasks: dict[str, AnalysisTask], installed: dict[str, InstalledTask], expected: list[str]) -> None:
    problems = []
    for fam in sorted({t.family for t in tasks.values()}):
        have = {t.lang for t in tasks.values() if t.family == fam}
        available = {t.language for t in installed.values() if t.family == fam}
        missing = [l for l in expected if l in available and l not in have]
        if missing:
            names = ", ".join(task_name(fam, l) for l in missing)
            problems.append(f"{fam}: languages missing from the results: {', '.join(missing)} (evaluate {names})")
    if problems:
        raise CLTError(
            "languages missing:\n" + "\n".join(problems) + "\n(--languages sets which languages are required)"
        )


# --------------------------------------------------------------------------- model facts


def _looks_local(value: str) -> bool:
    return os.path.isabs(value) or value.startswith((".", "~")) or Path(value).exists()


def _model_info(run: RunResults, opts: SubmitOptions) -> dict[str, Any]:
    model_dir = run.model_dir()
    model_id = opts.model_id
    if not model_id:
        candidate = model_dir or run.model_name
        if not candidate:
            raise CLTError("the results do not name the model (no pretrained= in config.model_args); pass --model-id")
        if _looks_local(candidate):
            raise CLTError(
                f"the results name a local model directory ({candidate}); pass --model-id ORG/NAME to name it on the board"
            )
        model_id = candidate
    base = opts.base_model
    if not base and run.model_args.get("peft") and run.model_args.get("pretrained"):
        base = run.model_args["pretrained"]
    if not base and model_dir and Path(model_dir, "config.json").is_file():
        # A fine-tuned model's config names the checkpoint it started from; a local path there
        # would only name someone's disk, so it is left out.
        name = read_json(Path(model_dir, "config.json"), "model config", expect=dict).get("_name_or_path")
        if isinstance(name, str) and name and not _looks_local(name) and name != model_id:
            base = name
    return {
        "id": model_id,
        "revision": opts.revision or run.model_args.get("revision") or None,
        "base_model": base or None,
    }


def _mixture(runs: list[RunResults], opts: SubmitOptions) -> tuple[dict | None, list[str]]:
    # The runs' manifests, as the analysis loader read them (one reader: clt_plugin.manifest).
    found = {str(r.manifest.path): r.manifest for r in runs if r.manifest is not None and r.manifest.path is not None}
    paths = sorted(found)
    if len(paths) > 1:
        raise CLTError(f"the results point to different mixture manifests: {', '.join(paths)}; pass --manifest")
    if paths:
        if opts.seen is not None:
            raise CLTError("--seen is for models without a manifest; this one has " + paths[0])
        manifest = found[paths[0]]
        return {"manifest": manifest, "sha256": manifest.sha256()}, list(manifest.seen)
    if opts.seen is None:
        dirs = sorted({r.model_dir() or "?" for r in runs})
        raise CLTError(
            f"no mixture manifest found (looked for clt_manifest.json in {', '.join(dirs)}); pass --manifest PATH, "
            "or --seen LANGS for a model trained without `clt mix` (--seen '' when it saw no other language)"
        )
    return None, [languages.validate(l) for l in opts.seen]


# --------------------------------------------------------------------------- building


def _families(tasks: dict[str, TaskResult], seen_languages: list[str]) -> dict[str, FamilyResult]:
    out = {}
    for fam in sorted({t.family for t in tasks.values()}):
        metric = score_metric(fam, {m for t in tasks.values() if t.family == fam for m in t.metrics})
        result = family_result(tasks, fam, metric, seen_languages) if metric else None
        if result is not None:
            out[fam] = result
    return out


def _check_scores_present(
    tasks: dict[str, TaskResult], families: dict[str, FamilyResult], files: dict[str, str]
) -> None:
    problems = []
    for name, t in sorted(tasks.items()):
        fam = families.get(t.family)
        if fam is None:
            # Dolly-style tasks score only fidelity in lm-eval; their score comes from `clt judge`.
            problems.append(
                f"{files[name]}: task {name} has no score metric, only {', '.join(sorted(t.metrics))}"
                " (a judged task needs its `clt judge` results too)"
            )
        elif fam.metric not in t.metrics:
            problems.append(f"{files[name]}: task {name} has no {fam.metric} value")
    if problems:
        raise CLTError("scores missing:\n" + "\n".join(problems))


def build_submission(
    results: Iterable[str | os.PathLike],
    options: SubmitOptions | None = None,
    *,
    tasks_dir: str | os.PathLike | None = None,
) -> Built:
    """Read (each file once), check and assemble; raises CLTError naming every problem of the first failing check."""
    opts = options or SubmitOptions()
    runs = _load(results, opts.manifest)
    _one_model(runs)
    merged = merge_tasks(runs)
    if not merged:
        raise CLTError(f"no clt_* task results in {', '.join(str(f) for r in runs for f in r.files)}")
    _check_numbers(merged)
    installed = installed_tasks(tasks_dir)
    _check_versions(merged, installed)
    mixture, seen = _mixture(runs, opts)
    wanted = None if opts.languages is None else [languages.validate(lang) for lang in opts.languages]
    _check_languages(merged, installed, expected_languages(seen, wanted))
    lm_eval_version = _one_value(_collect(runs, "lm_eval_version"), "come from different lm-eval versions")
    if not lm_eval_version:
        raise CLTError("the results do not say which lm-eval version made them (no lm_eval_version)")
    judge = opts.judge_model or _one_value(_collect(runs, "judge_models"), "use different judge models")

    files = {name: _files(t) for name, t in merged.items()}
    tasks, problems = {}, []
    for name, t in sorted(merged.items()):
        try:  # the schema checks each metric's range; the message names the files
            tasks[name] = TaskResult.model_validate(_task_entry(t))
        except ValidationError as e:
            problems.append(format_validation_error(e, root=f"results.{name}", source=files[name]))
    if problems:
        raise CLTError("values out of range:\n" + "\n".join(problems))
    families = _families(tasks, seen)
    _check_scores_present(tasks, families, files)
    doc = {
        "schema": SCHEMA_VERSION,
        "created_at": resolve_created_at(opts.created_at),
        "tool_version": __version__,
        "model": _model_info(runs[0], opts),
        "lm_eval_version": lm_eval_version,
        "judge_model": judge,
        "seen_languages": sorted(seen),
        "mixture": mixture,
        "tasks": tasks,
        "families": families,
    }
    submission = parse_submission(doc, source="submission")
    return Built(
        submission, sorted({f for r in runs for f in r.files}), sorted({t for r in runs for t in r.other_tasks})
    )


def write_submission(submission: Submission, out: str | os.PathLike) -> Path:
    out = Path(out)
    atomic_write_text(out, submission.to_json())
    return out
