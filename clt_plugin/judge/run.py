"""`clt judge` as a library call: read samples, ask the judge (cache first), gate, write results."""

from __future__ import annotations

import concurrent.futures as cf
import json
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from clt_plugin import __version__
from clt_plugin.errors import CLTError
from clt_plugin.families import JUDGE_COVERAGE_METRIC, JUDGE_METRIC, JUDGE_RAW_METRIC
from clt_plugin.io import atomic_open, atomic_write_json, kind_of, read_json
from clt_plugin.judge import section
from clt_plugin.judge.aggregate import TaskStats, gate, task_stats
from clt_plugin.judge.cache import JudgeCache, cache_key, cap_answer
from clt_plugin.judge.client import JudgeRequestError
from clt_plugin.judge.parse import PARSER_VERSION, parse_rating
from clt_plugin.judge.prompt import DEFAULT, PromptTemplate
from clt_plugin.judge.samples import Sample, SamplesFile, find_source_results, read_all
from clt_plugin.outputs import claim_file

METRIC = JUDGE_METRIC
RAW_METRIC = JUDGE_RAW_METRIC
COVERAGE_METRIC = JUDGE_COVERAGE_METRIC
# A judged score stands for its task only when most samples carry a rating: below this share of
# the samples it is written as null (with its coverage beside it) and `clt judge` exits 1.
DEFAULT_MIN_COVERAGE = 0.8
# Sections of the source results file that describe tasks; only the judged tasks' entries are kept.
_PER_TASK = ("configs", "versions", "n-shot", "task_hashes")
_DROPPED = ("results", "groups", "group_subtasks", "higher_is_better", "n-samples", "samples")
# How long a prompt another process is asking for may be waited on, when the judge names none.
DEFAULT_LEASE = 3600.0
# How often prompts claimed by other processes are looked up again while waiting for them.
POLL_SECONDS = 0.25


class Judge(Protocol):
    backend: str
    concurrency: int

    @property
    def identity(self) -> str: ...
    def describe(self) -> dict: ...
    def complete(self, messages: list[dict[str, str]]) -> str: ...
    def stop(self) -> None: ...
    # Optional: lease_seconds, the longest one request may take (see DEFAULT_LEASE).
    def close(self) -> None: ...


class JudgeFailed(CLTError):
    """Some requests failed for good; what did succeed is cached, nothing else was written."""


@dataclass
class RunReport:
    stats: list[TaskStats]
    requests: int  # judge calls made (and paid) by this run
    cache_hits: int  # answers found in the cache, including those other runs made meanwhile
    results_path: Path
    judgments_paths: list[Path]
    unparseable_reasons: Counter = field(default_factory=Counter)
    min_coverage: float = DEFAULT_MIN_COVERAGE
    refused: dict[str, str] = field(default_factory=dict)  # task -> why its score was not reported

    def reported(self, s: TaskStats, which: str) -> float | None:
        """The mean written to the results file: None when its coverage is below the minimum."""
        return reported_mean(s, which, self.min_coverage)


def reported_mean(s: TaskStats, which: str, min_coverage: float) -> float | None:
    mean, coverage = (s.mean_gated, s.coverage) if which == "gated" else (s.mean_raw, s.coverage_raw)
    return mean if coverage >= min_coverage and coverage > 0 else None


def refusal(s: TaskStats, min_coverage: float) -> str | None:
    """Why the task's judge_rating is not reported, or None when it is."""
    if s.rated_raw == 0 and s.n:
        return f"no judge output could be parsed ({s.unparseable} of {s.n} unparseable); judge_rating written as null"
    if s.coverage < min_coverage or s.coverage == 0:
        return (
            f"judge_rating rests on {s.rated_gated} of {s.n} samples (coverage {s.coverage:.2f} < "
            f"--min-coverage {min_coverage:g}); written as null"
        )
    return None


def _fidelity_passes() -> Callable[[str, str], bool]:
    from clt_plugin.metrics.fidelity import passes

    return passes


@dataclass
class _Asked:
    answers: dict[str, str] = field(default_factory=dict)  # key -> answer, from the judge or another run
    paid: int = 0  # answers this run paid for
    failures: list[str] = field(default_factory=list)


def _ask_all(
    judge: Judge, cache: JudgeCache, todo: dict[str, list[dict[str, str]]], template: PromptTemplate, progress
) -> _Asked:
    """Ask the judge for every key in `todo`, each once across every process sharing the cache.

    A key is claimed in the cache before its request is sent; a key another live process has
    claimed is left to it and looked up again until its answer is there (or its claim lapses, and
    this run asks). Each answer is cached the moment it arrives.
    """
    asked = _Asked()
    redact = getattr(judge, "redact", lambda s: s)
    lease = getattr(judge, "lease_seconds", DEFAULT_LEASE)
    pending, waiting = deque(todo), []
    running: dict[cf.Future, str] = {}
    stopped = False
    next_look = time.monotonic() + POLL_SECONDS

    def done(key: str, output: str, paid: bool) -> None:
        asked.answers[key] = output
        asked.paid += paid
        if progress:
            progress(len(asked.answers) + len(asked.failures), len(todo))

    pool = cf.ThreadPoolExecutor(max_workers=judge.concurrency, thread_name_prefix="clt-judge")
    try:
        while running or (not stopped and (pending or waiting)):
            while not stopped and pending and len(running) < judge.concurrency:
                key = pending.popleft()
                claim = cache.claim(key, lease)
                if claim.state == "answered":  # another run answered it meanwhile
                    done(key, claim.output, paid=False)
                elif claim.state == "busy":
                    waiting.append(key)
                else:
                    running[pool.submit(judge.complete, todo[key])] = key
            if waiting and (not running and not pending or time.monotonic() >= next_look):
                if not running and not pending:
                    time.sleep(max(0.0, next_look - time.monotonic()))
                pending.extend(waiting)
                waiting.clear()
                next_look = time.monotonic() + POLL_SECONDS
                continue
            if not running:
                continue
            finished, _ = cf.wait(running, timeout=POLL_SECONDS, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                key = running.pop(fut)
                try:
                    output = redact(fut.result())
                except JudgeRequestError as e:
                    cache.release(key)
                    if not e.stopped:  # the error that stopped the run is the one worth reporting
                        asked.failures.append(str(e))
                    if e.fatal:  # retrying cannot help (bad key, unknown model, too slow): stop asking
                        judge.stop()
                        stopped = True
                    continue
                cache.put(key, judge.identity, template.version, output)
                done(key, cap_answer(output), paid=True)
    except BaseException:
        # Ctrl-C: what is cached stays cached; workers give up at their next attempt; the cache
        # frees this run's claims when it closes.
        judge.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return asked


def check_source_shape(doc: dict, path: Path) -> None:
    """The parts of an lm-eval results file that `clt judge` copies must have lm-eval's shapes:
    checked before any judge request is paid for."""
    for key in ("config", *_PER_TASK, "n-samples"):
        if doc.get(key) is not None and not isinstance(doc[key], dict):
            raise CLTError(f"{path}: field {key!r} must be an object (got {kind_of(doc[key])})")
    for task, entry in (doc.get("n-samples") or {}).items():
        if not isinstance(entry, dict):
            raise CLTError(
                f"{path}: field 'n-samples.{task}' must be an object with 'original' and 'effective' "
                f"(got {kind_of(entry)})"
            )
        original = entry.get("original")
        if original is not None and (not isinstance(original, int) or isinstance(original, bool)):
            raise CLTError(f"{path}: field 'n-samples.{task}.original' must be an integer (got {original!r})")


def _source_results(files: list[SamplesFile]) -> tuple[dict, Path | None]:
    found: dict[Path, dict] = {}
    for sf in files:
        path = find_source_results(sf)
        if path is not None and path not in found:
            found[path] = read_json(path, "lm-eval results file", expect=dict)
            check_source_shape(found[path], path)
    if not found:
        return {}, None
    paths = sorted(found)
    args = {p: json.dumps(found[p].get("config", {}).get("model_args"), sort_keys=True) for p in paths}
    if len(set(args.values())) > 1:
        shown = "; ".join(f"{p.name}: {args[p]}" for p in paths)
        raise CLTError(f"the samples come from runs of different models ({shown}); judge one run at a time")
    return found[paths[0]], paths[0]


def _results_doc(
    files,
    stats: list[TaskStats],
    judge: Judge,
    source: dict,
    source_path: Path | None,
    min_coverage: float,
    refused: dict[str, str],
    template: PromptTemplate,
) -> dict:
    tasks = [s.task for s in stats]
    doc = {k: v for k, v in source.items() if k not in _DROPPED and k not in _PER_TASK}
    for part in _PER_TASK:
        if isinstance(source.get(part), dict):
            doc[part] = {t: source[part][t] for t in tasks if t in source[part]}
    doc["results"] = {}
    for s in stats:
        gated, raw = reported_mean(s, "gated", min_coverage), reported_mean(s, "raw", min_coverage)
        doc["results"][s.task] = {
            "alias": s.task,
            # A score below the coverage minimum is null: every loader reads it as missing.
            f"{METRIC},none": gated,
            f"{METRIC}_stderr,none": s.stderr_gated if gated is not None else None,
            f"{RAW_METRIC},none": raw,
            f"{RAW_METRIC}_stderr,none": s.stderr_raw if raw is not None else None,
            f"{COVERAGE_METRIC},none": s.coverage,
        }
    doc["group_subtasks"] = {t: [] for t in tasks}
    doc["higher_is_better"] = {t: {METRIC: True, RAW_METRIC: True, COVERAGE_METRIC: True} for t in tasks}
    source_n = source.get("n-samples", {}) if isinstance(source.get("n-samples"), dict) else {}
    doc["n-samples"] = {
        s.task: {"original": source_n.get(s.task, {}).get("original", s.n), "effective": s.n} for s in stats
    }
    doc[section.SECTION] = section.section(
        tool_version=__version__,
        judge=judge.describe(),
        template_version=template.version,
        template_file=template.source,
        parser_version=PARSER_VERSION,
        source_results=source_path.name if source_path else None,
        min_coverage=min_coverage,
        refused=refused,
        sources={sf.task: {"file": sf.path.name, "sha256": sf.sha256} for sf in files},
        counts={
            s.task: {
                "n": s.n,
                "rated_raw": s.rated_raw,
                "unparseable": s.unparseable,
                "fidelity_failed": s.fidelity_failed,
                "rated_gated": s.rated_gated,
                "coverage": s.coverage,
                "coverage_raw": s.coverage_raw,
                # Kept for inspection when the score itself is refused (null above).
                "mean_gated": s.mean_gated,
                "mean_raw": s.mean_raw,
            }
            for s in stats
        },
    )
    return doc


def _judgment_row(sample: Sample, key: str, output: str, fidelity_pass: bool) -> dict:
    parsed = parse_rating(output)
    return {
        "task": sample.task,
        "lang": sample.lang,
        "doc_id": sample.doc_id,
        "id": sample.source_id,
        "instruction": sample.instruction,
        "response": sample.response,
        "judge_output": output,
        "rating_raw": parsed.rating,
        "parse_error": parsed.error,
        "fidelity_pass": fidelity_pass,
        "rating": gate(parsed.rating, fidelity_pass),
        "cache_key": key,
    }


def judge_run(
    sample_paths: list[str | Path],
    out_dir: str | Path,
    judge: Judge,
    *,
    cache_path: str | Path,
    fidelity: Callable[[str, str], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    min_coverage: float = DEFAULT_MIN_COVERAGE,
    template: PromptTemplate = DEFAULT,
) -> RunReport:
    """Judge every clt_dolly sample of one lm-eval run and write judgments + an lm-eval results file.

    Raises JudgeFailed when some requests failed after their retries: the answered ones stay in
    the cache, no output file is written, and running again asks only for the missing ones.
    """
    files = read_all(list(sample_paths))
    source, source_path = _source_results(files)
    fidelity = fidelity or _fidelity_passes()
    out_dir = Path(out_dir)
    # Every output is claimed before any paid request: a folder in the way, a parent that is a
    # file or an input named as output fails now, not after the judge has been paid.
    date_id = max(sf.date_id for sf in files)
    judgments_paths = [out_dir / f"judgments_{sf.task}_{date_id}.jsonl" for sf in files]
    results_path = out_dir / f"results_judge_{date_id}.json"
    for path in (*judgments_paths, results_path):
        claim_file(path, inputs=[sf.path for sf in files], what="judge output")

    # Gating first: it is cheap, and a language the fidelity check cannot handle fails before
    # any paid request is made.
    planned: list[tuple[Sample, str, bool]] = []
    todo: dict[str, list[dict[str, str]]] = {}
    for sf in files:
        for sample in sf.samples:
            messages = template.messages(sample.instruction, sample.response, sample.lang)
            key = cache_key(judge.identity, template.version, messages)
            planned.append((sample, key, bool(fidelity(sample.response, sample.lang))))
            todo.setdefault(key, messages)

    with JudgeCache(cache_path) as cache:
        outputs = cache.get_many(list(todo))
        missing = {k: m for k, m in todo.items() if k not in outputs}
        asked = _ask_all(judge, cache, missing, template, progress)
    outputs.update(asked.answers)
    hits = len(todo) - len(missing) + len(asked.answers) - asked.paid
    if len(asked.answers) < len(missing):
        failures = asked.failures or ["run stopped"]
        raise JudgeFailed(
            f"{len(missing) - len(asked.answers)} of {len(missing)} judge requests failed (first: {failures[0]}); "
            f"the {len(asked.answers)} answered are cached in {cache_path}, run again to retry the rest; "
            "no results written"
        )

    rows_by_task: dict[str, list[dict]] = {}
    reasons: Counter = Counter()
    for sample, key, fidelity_pass in planned:
        row = _judgment_row(sample, key, outputs[key], fidelity_pass)
        rows_by_task.setdefault(sample.task, []).append(row)
        if row["parse_error"]:
            reasons[row["parse_error"]] += 1
    stats = [
        task_stats(
            sf.task,
            sf.lang,
            [r["rating_raw"] for r in rows_by_task[sf.task]],
            [r["fidelity_pass"] for r in rows_by_task[sf.task]],
        )
        for sf in files
    ]

    for sf, path in zip(files, judgments_paths):
        with atomic_open(path) as f:
            for row in rows_by_task[sf.task]:
                f.write(json.dumps(row, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n")
    # Written last: a results file on disk means every judgments file beside it is complete.
    refused = {s.task: why for s in stats if (why := refusal(s, min_coverage)) is not None}
    atomic_write_json(
        results_path, _results_doc(files, stats, judge, source, source_path, min_coverage, refused, template)
    )
    return RunReport(stats, asked.paid, hits, results_path, judgments_paths, reasons, min_coverage, refused)
