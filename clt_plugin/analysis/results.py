"""Load lm-eval results into runs, and tie each run to the mixture manifest it was trained on.

What lm-eval 0.4.11 writes (``lm_eval --output_path OUT``, see ``loggers/evaluation_tracker.py``):
``OUT/<model_name_sanitized>/results_<ISO date, ':' replaced by '-'>.json`` and, with
``--log_samples``, ``samples_<task>_<same date>.jsonl`` beside it (an ``--output_path`` ending in
``.json`` gives ``<stem>_<date>.json`` instead). A results file holds:

- ``results``: ``{task: {"alias": ..., "<metric>,<filter>": value, "<metric>_stderr,<filter>": value}}``
  (groups appear here too; ``group_subtasks`` names them);
- ``configs``: ``{task: {..., "metadata": {"version", "clt_family", "clt_language", ...}}}``;
- ``versions``, ``n-shot``, ``n-samples``, ``higher_is_better``: keyed by task;
- ``task_hashes``: ``{task: sha256}`` (empty unless samples were logged);
- ``config``: ``{"model": ..., "model_args": "k=v,k=v" or {k: v}, "limit": ..., ...}``;
- ``lm_eval_version``, ``model_name``, ``model_name_sanitized``, ``date``.

`clt judge` writes the same layout, so one run may have several results files; their metrics
merge, and a metric that two files give different values is an error.

The public API, for `clt matrix`, `clt report` and `clt submit`:
``load_results``, ``load_runs``, ``find_results_files``, ``find_manifest``,
``clt_plugin.names.split_task_name``, ``parse_model_args`` and ``aggregate``. A run's manifest is
a ``clt_plugin.manifest.Manifest`` (the one manifest reader), its ``path`` the file it came from.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Sequence

from clt_plugin import languages
from clt_plugin.analysis.gcpause import gc_paused
from clt_plugin.errors import CLTError
from clt_plugin.families import metric_range
from clt_plugin.io import parse_json, read_json, read_text
from clt_plugin.judge.section import judge_model
from clt_plugin.manifest import Manifest, load_manifest, parse_manifest
from clt_plugin.names import MANIFEST_NAME, checkpoint_step, split_task_name

ENGLISH = languages.ENGLISH
DEFAULT_FILTER = "none"
# model_args keys that name a model directory, most specific first: a LoRA adapter directory
# (where the axolotl plugin writes the manifest) wins over its base model.
_MODEL_DIR_KEYS = ("peft", "pretrained")


# --------------------------------------------------------------------------- data types


class Score(NamedTuple):
    # A tuple, not a dataclass: a sweep's results hold tens of thousands of these.
    value: float
    stderr: float | None = None


@dataclass(slots=True)  # a sweep holds tens of thousands: attributes stored in the object itself
class TaskResult:
    """One clt per-language task of one run: its scores and what defines comparability."""

    task: str
    family: str
    lang: str
    version: Any = None
    n_shot: Any = None
    task_hash: str | None = None
    n_samples: int | None = None
    files: tuple[Path, ...] = ()
    # lm-eval's results[task] object, read on demand: a matrix needs one or two of its metrics.
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    _metrics: dict[str, dict[str, Score]] | None = field(default=None, repr=False, compare=False)

    @property
    def metrics(self) -> dict[str, dict[str, Score]]:
        """metric -> filter -> Score, every numeric metric of the task."""
        if self._metrics is None:
            self._metrics = _parse_task_metrics(self.raw)
        return self._metrics

    def metric_names(self) -> list[str]:
        return sorted(f"{m},{f}" for m, fs in self.metrics.items() for f in fs)

    def value(self, metric: str) -> float | None:
        """`score(metric).value`, without building a Score in the common case."""
        return value_reader(metric)(self)

    def score(self, metric: str) -> Score | None:
        """`metric` is "name" or "name,filter". A bare name takes filter "none", or the only one."""
        if self._metrics is None and "," not in metric:
            # The common case without parsing every metric: "<name>,none" is there and a number.
            value = self.raw.get(metric + ",none")
            if type(value) is float or type(value) is int:
                if value == value and value not in _INFINITIES:
                    return _score(value, self.raw.get(metric + "_stderr,none"))
        name, _, flt = metric.partition(",")
        by_filter = self.metrics.get(name)
        if not by_filter:
            return None
        if flt:
            return by_filter.get(flt)
        if DEFAULT_FILTER in by_filter:
            return by_filter[DEFAULT_FILTER]
        if len(by_filter) == 1:
            return next(iter(by_filter.values()))
        options = ", ".join(f"{name},{f}" for f in sorted(by_filter))
        raise CLTError(f"task {self.task}: metric {name!r} has several filters; pick one of: {options}")


@dataclass(slots=True)
class RunResults:
    name: str
    source: Path
    files: tuple[Path, ...]
    tasks: dict[str, TaskResult]
    model_args: dict[str, str]
    model_name: str | None = None
    lm_eval_version: str | None = None
    limit: Any = None
    manifest: Manifest | None = None
    samples: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    # Tasks in the files that are not clt per-language tasks (groups, other benchmarks).
    other_tasks: tuple[str, ...] = ()
    judge_models: dict[str, tuple[Path, ...]] = field(default_factory=dict)  # judge -> its results files
    _idx: dict[tuple[str, str], TaskResult] | None = field(default=None, init=False, repr=False, compare=False)

    def families(self) -> list[str]:
        return sorted({t.family for t in self.tasks.values()})

    def task(self, family: str, lang: str) -> TaskResult | None:
        return self._index().get((family, lang))

    def languages(self, family: str) -> list[str]:
        return [lang for (fam, lang) in self._index() if fam == family]

    def scores(self, family: str, metric: str) -> dict[str, Score]:
        """{lang: Score} for one family and metric; languages without the metric are left out."""
        out = {}
        for (fam, lang), t in self._index().items():
            if fam == family:
                s = t.score(metric)
                if s is not None:
                    out[lang] = s
        return out

    def score(self, family: str, lang: str, metric: str) -> Score | None:
        t = self.task(family, lang)
        return None if t is None else t.score(metric)

    def model_dir(self) -> str | None:
        for key in _MODEL_DIR_KEYS:
            if self.model_args.get(key):
                return self.model_args[key]
        return None

    def _index(self) -> dict[tuple[str, str], TaskResult]:
        idx = self._idx
        if idx is None or len(idx) != len(self.tasks):
            idx = self._idx = {(t.family, t.lang): t for t in self.tasks.values()}
        return idx


class Aggregates(NamedTuple):
    english: float | None
    seen: float | None  # mean over seen languages, English excluded (as the paper plots it)
    unseen: float | None
    gap: float | None  # seen - unseen
    all: float | None  # mean over every language with a score, English included
    missing: tuple[str, ...] = ()  # expected languages with no score (left out of the means)


def value_reader(metric: str) -> Callable[[TaskResult], float | None]:
    """`lambda task: task.value(metric)`, for reading one metric from thousands of tasks.

    The common case, a finite number under "<metric>,none" in lm-eval's object for the task, is
    read without building the key again or a Score per task; anything else goes through score().
    """
    key = metric + ",none"

    def read(task: TaskResult) -> float | None:
        if task._metrics is None:
            v = task.raw.get(key)
            if type(v) is float:
                if math.isfinite(v):  # NaN and the infinities are no score
                    return v
            elif type(v) is int:
                return float(v)
        s = task.score(metric)
        return None if s is None else s.value

    return read


# --------------------------------------------------------------------------- pure helpers


def parse_model_args(model_args: Any) -> dict[str, str]:
    """lm-eval's model_args as a dict: "pretrained=/x,dtype=float32" or a dict, or nothing."""
    if model_args is None or model_args == "":
        return {}
    if isinstance(model_args, str):
        out = {}
        for part in model_args.split(","):
            key, sep, value = part.partition("=")
            if sep and key.strip():
                out[key.strip()] = value.strip()
        return out
    if isinstance(model_args, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in model_args.items()}
    raise ValueError(f"expected a string or an object, got {type(model_args).__name__}")


def mean(values: Iterable[float | None]) -> float | None:
    """Mean of the values that exist (None: no score); None when there are none.

    math.fsum is exactly rounded, so the mean does not depend on the order of the values.
    """
    vals = [v for v in values if v is not None]
    return math.fsum(vals) / len(vals) if vals else None


def aggregate(
    scores: Mapping[str, float | None],
    seen: Iterable[str] | None,
    unseen: Iterable[str] | None = None,
) -> Aggregates:
    """English, seen average (English excluded), unseen average, their gap, all-language average.

    `scores` maps language -> value (None or absent: no score). `seen` None means the seen set is
    unknown (no manifest): seen, unseen and gap are then None. `unseen` None means every scored
    language that is neither English nor seen. Missing languages are left out of every mean and
    listed in `missing`; they never count as 0.
    """
    # v == v is False only for NaN.
    have = {lang: v for lang, v in scores.items() if v is not None and v == v}
    english = have.get(ENGLISH)
    all_avg = mean(list(have.values()))
    if seen is None:
        missing = tuple(sorted(l for l in scores if l not in have))
        return Aggregates(english, None, None, None, all_avg, missing)
    seen_set = [l for l in dict.fromkeys(seen) if l != ENGLISH]
    if unseen is None:
        unseen_set = [l for l in scores if l != ENGLISH and l not in seen_set]
    else:
        unseen_set = [l for l in dict.fromkeys(unseen) if l != ENGLISH and l not in seen_set]
    seen_avg = mean([have[l] for l in seen_set if l in have])
    unseen_avg = mean([have[l] for l in unseen_set if l in have])
    gap = None if seen_avg is None or unseen_avg is None else seen_avg - unseen_avg
    if len(have) == len(scores) and all(l in have for l in seen_set) and unseen is None:
        missing: tuple[str, ...] = ()  # the common case: every language scored
    else:
        expected = ([ENGLISH] if ENGLISH in scores else []) + seen_set + unseen_set
        missing = tuple(l for l in dict.fromkeys(expected) if l not in have)
    return Aggregates(english, seen_avg, unseen_avg, gap, all_avg, missing)


# --------------------------------------------------------------------------- manifests


def _manifest_candidates(args: Mapping[str, str]) -> Iterable[str]:
    """Where the manifest of the evaluated model can be, most specific first: in the model folder
    that model_args name, and for a Trainer checkpoint (`.../checkpoint-N`) in the training
    output folder above it (the plugin writes it into both)."""
    for key in _MODEL_DIR_KEYS:
        value = args.get(key)
        if value:
            yield os.path.join(value, MANIFEST_NAME)
            if checkpoint_step(value) is not None:
                yield os.path.join(os.path.dirname(os.path.normpath(value)), MANIFEST_NAME)


class _Manifests:
    """Manifests read while loading runs: each file once, and each distinct text parsed once (a
    sweep's grid point is evaluated at many checkpoints, each with a copy of one manifest)."""

    def __init__(self):
        self.by_path: dict[str, Manifest | None] = {}
        self.by_text: dict[str, Manifest] = {}

    def get(self, path: str) -> Manifest | None:
        if path not in self.by_path:
            self.by_path[path] = self._read(path)
        return self.by_path[path]

    def _read(self, path: str) -> Manifest | None:
        try:  # read first, look second: one system call fewer per run where the manifest is there
            text = read_text(path, "manifest")
        except CLTError:
            if not os.path.isfile(path):
                return None
            raise
        same = self.by_text.get(text)
        if same is None:
            same = self.by_text[text] = parse_manifest(parse_json(text, path, "manifest"), path)
            return same
        return same.located(path)


def _manifest_from_model_args(args: Mapping[str, str], cache: _Manifests | None = None) -> Manifest | None:
    """The manifest of the model that model_args name (`cache`: the manifests read so far)."""
    cache = cache or _Manifests()
    return next((m for m in map(cache.get, _manifest_candidates(args)) if m is not None), None)


def find_manifest(model_args: Mapping[str, str] | RunResults) -> Path | None:
    """The manifest beside the evaluated model: `peft=DIR` or `pretrained=DIR` -> DIR/clt_manifest.json
    (or the training folder's, for a checkpoint without one)."""
    args = model_args.model_args if isinstance(model_args, RunResults) else model_args
    return next((Path(c) for c in _manifest_candidates(args) if os.path.isfile(c)), None)


# --------------------------------------------------------------------------- results files


@dataclass
class _RunFiles:
    run_dir: Path  # the folder (or the one results file given)
    results: list[Path]
    samples: list[Path]


def _scan(folder: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Names of the results*.json and samples_*.jsonl directly in `folder`, sorted; one directory read."""
    results, samples = [], []
    with os.scandir(folder) as it:
        for entry in it:
            name = entry.name
            if name.startswith("results") and name.endswith(".json"):
                if entry.is_file():
                    results.append(name)
            elif name.startswith("samples_") and name.endswith(".jsonl"):
                samples.append(name)
    results.sort()
    samples.sort()
    return results, samples


def _run_files(folder: Path, results: list[str], samples: list[str]) -> _RunFiles:
    # A child path joined onto a parsed Path costs half a parse of the full string.
    return _RunFiles(folder, [folder / n for n in results], [folder / n for n in samples])


def _discover(path: str | os.PathLike) -> list[_RunFiles]:
    path = Path(path)
    if path.is_file():
        return [_RunFiles(path, [path], [])]
    if not path.is_dir():
        raise CLTError(f"{path}: no such results file or directory")
    try:
        results, samples = _scan(path)
        if results:
            return [_run_files(path, results, samples)]
        runs = []
        with os.scandir(path) as it:
            subdirs = sorted((e.name, e.path) for e in it if e.is_dir())
        for name, sub in subdirs:
            results, samples = _scan(sub)
            if results:
                runs.append(_run_files(path / name, results, samples))
    except OSError as e:
        raise CLTError(f"{e.filename or path}: cannot read directory ({e.strerror})") from e
    if not runs:
        raise CLTError(f"{path}: no lm-eval results files (results_*.json) here or one level below")
    return runs


def find_results_files(path: str | os.PathLike) -> dict[Path, list[Path]]:
    """Group results files by run directory.

    A file is one run. A directory with ``results*.json`` directly in it is one run; otherwise
    each immediate subdirectory holding some is one run (lm-eval's ``--output_path`` layout,
    one subdirectory per model).
    """
    return {r.run_dir: r.results for r in _discover(path)}


def _field_error(path: Path, where: str, msg: str) -> CLTError:
    return CLTError(f"{path}: {where}: {msg}")


_INFINITIES = (float("inf"), float("-inf"))


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# The allowed range of each key of lm-eval's per-task object ("acc,none", "acc_stderr,none"),
# looked up once per key: a sweep's files repeat the same few keys thousands of times. The
# finite bounds let one chained comparison pass an ordinary value; only the rest is looked at.
_KEY_RANGES: dict[str, tuple[float, float]] = {}
_MAX = sys.float_info.max


def _allowed(name: str) -> tuple[float, float]:
    """A metric's range; a standard error's is [0, inf)."""
    return (0.0, math.inf) if name.endswith("_stderr") else metric_range(name)


def _key_range(key: str) -> tuple[float, float]:
    lo, hi = _allowed(key.partition(",")[0])
    found = _KEY_RANGES[key] = (max(lo, -_MAX), min(hi, _MAX))
    return found


def oversized(value: int) -> str | None:
    """What is wrong with an integer that float() cannot hold (JSON has no limit); else None."""
    if -_MAX <= value <= _MAX:
        return None
    return f"a {len(str(abs(value)))}-digit integer, too large for a score"


def range_problem(name: str, value: float, lo: float, hi: float) -> str | None:
    """`name=value (allowed lo..hi)` when a value is outside its range, infinite or NaN; else None."""
    if lo <= value <= hi and value not in _INFINITIES:
        return None
    allowed = f"{lo:g}..{hi:g}" if math.isfinite(lo) or math.isfinite(hi) else "finite numbers"
    return f"{name}={value!r} (allowed {allowed})"


def check_values(path: Path, task: str, entry: dict[str, Any]) -> list[str]:
    """Every number of a task's results object against its metric's range (clt_plugin.families):
    one line per value out of range. NaN is lm-eval's "could not compute" and passes (no score);
    an integer beyond float range is an error of its own, raised at once."""
    bad = []
    for key, value in entry.items():
        kind = type(value)
        if kind is float or kind is int:
            bounds = _KEY_RANGES.get(key) or _key_range(key)
            if not bounds[0] <= value <= bounds[1] and value == value:
                bad.append(_out_of_range(path, task, key, value))
    return [f"{path}: results.{task}: out of range: {', '.join(bad)}"] if bad else []


def _out_of_range(path: Path, task: str, key: str, value: float | int) -> str:
    huge = oversized(value) if type(value) is int else None
    if huge:
        raise _field_error(path, f"results.{task}.{key}", huge)
    name, _, flt = key.partition(",")
    return range_problem(name if flt in ("", DEFAULT_FILTER) else key, value, *_allowed(name))


def _score(value: float, stderr: Any) -> Score:
    return Score(float(value), float(stderr) if type(stderr) is float or type(stderr) is int else None)


def _parse_task_metrics(entry: dict[str, Any]) -> dict[str, dict[str, Score]]:
    metrics: dict[str, dict[str, Score]] = {}
    for key, raw in entry.items():
        # Only numbers are scores: this skips "alias" and the "N/A" lm-eval writes for stderrs.
        kind = type(raw)
        if kind is not float and kind is not int:
            continue
        name, _, flt = key.partition(",")
        if name.endswith("_stderr"):
            continue
        # lm-eval writes NaN for metrics it could not compute; those are no score, not 0.
        if raw != raw or raw in _INFINITIES:
            continue
        stderr = entry.get(f"{name}_stderr,{flt}" if flt else f"{name}_stderr")
        by_filter = metrics.get(name)
        if by_filter is None:
            by_filter = metrics[name] = {}
        by_filter[flt or DEFAULT_FILTER] = _score(raw, stderr)
    return metrics


def _dict_field(path: Path, data: dict, key: str) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _field_error(path, key, f"expected an object, got {type(value).__name__}")
    return value


@dataclass
class _FileResults:
    path: Path
    tasks: dict[str, TaskResult]
    other: list[str]
    model_args: dict[str, str]
    model_name: str | None
    model_name_sanitized: str | None
    lm_eval_version: str | None
    limit: Any
    judge_model: str | None = None  # `clt judge` results name their judge


def parse_results(data: Any, path: Path) -> _FileResults:
    """One parsed results file; every error names the file and the field."""
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise CLTError(f"{path}: not an lm-eval results file (no 'results' object)")
    configs = _dict_field(path, data, "configs")
    versions = _dict_field(path, data, "versions")
    n_shot = _dict_field(path, data, "n-shot")
    hashes = _dict_field(path, data, "task_hashes")
    n_samples = _dict_field(path, data, "n-samples")
    groups = {g for g, subs in _dict_field(path, data, "group_subtasks").items() if subs}
    config = _dict_field(path, data, "config")
    try:
        model_args = parse_model_args(config.get("model_args"))
    except ValueError as e:
        raise _field_error(path, "config.model_args", str(e)) from None

    tasks: dict[str, TaskResult] = {}
    other: list[str] = []
    out_of_range: list[str] = []
    files = (path,)
    known = languages.LANGUAGES
    for task, entry in data["results"].items():
        if task in groups:
            other.append(task)
            continue
        cfg = configs.get(task)
        meta = cfg.get("metadata") if type(cfg) is dict else None
        family = lang = None
        if type(meta) is dict:
            family, lang = meta.get("clt_family"), meta.get("clt_language")
        if family and lang:
            family, lang = str(family), str(lang)
            if lang not in known:
                raise _field_error(
                    path, f"configs.{task}.metadata.clt_language", str(languages.UnknownLanguageError(lang))
                )
        else:
            family = lang = None
            parsed = split_task_name(task)
            if parsed:
                family, lang = parsed
        if family is None:
            other.append(task)
            continue
        if type(entry) is not dict:
            raise _field_error(path, f"results.{task}", f"expected an object, got {type(entry).__name__}")
        out_of_range += check_values(path, task, entry)
        samples = n_samples.get(task)
        # Positional: this runs once per task per file, thousands of times in a sweep.
        tasks[task] = TaskResult(
            task,
            family,
            lang,
            versions.get(task),
            n_shot.get(task),
            hashes.get(task),
            samples.get("effective") if type(samples) is dict else None,
            files,
            entry,
        )
    if out_of_range:
        raise CLTError("values out of range:\n" + "\n".join(out_of_range))
    version = data.get("lm_eval_version")
    return _FileResults(
        path=path,
        tasks=tasks,
        other=other,
        model_args=model_args,
        model_name=_str_or_none(data.get("model_name")),
        model_name_sanitized=_str_or_none(data.get("model_name_sanitized")),
        lm_eval_version=version if isinstance(version, str) else None,
        limit=config.get("limit"),
        judge_model=judge_model(data),
    )


def _merge_task(into: TaskResult, new: TaskResult) -> None:
    """Merge one file's view of a task into the run's; two different values for a field is an error."""
    where = f"task {new.task}"
    files = f"{', '.join(map(str, into.files))} and {new.files[0]}"
    for attr in ("version", "n_shot", "task_hash", "n_samples"):
        a, b = getattr(into, attr), getattr(new, attr)
        if b is None:
            continue
        if a is None:
            setattr(into, attr, b)
        elif a != b:
            raise CLTError(f"{where}: {attr} differs between {files} ({a!r} vs {b!r}); keep one results file per run")
    merged = into.metrics  # parsed in full from here on: the raw objects no longer suffice
    for name, by_filter in new.metrics.items():
        mine = merged.setdefault(name, {})
        for flt, score in by_filter.items():
            old = mine.get(flt)
            if old is not None and old.value != score.value:
                raise CLTError(
                    f"{where}: metric {name},{flt} is {old.value!r} in {', '.join(map(str, into.files))} "
                    f"but {score.value!r} in {new.files[0]}; keep one results file per run"
                )
            mine[flt] = score
    # Every file's raw entries stay readable (a NaN one file wrote is not hidden by the other's value).
    into.raw = {**new.raw, **into.raw}
    into.files = into.files + new.files


def _default_name(folder: Path, parsed: Sequence[_FileResults]) -> str:
    """The run folder's name, unless lm-eval named it after the model: then the model dir's name."""
    name = folder.name
    for p in parsed:
        if p.model_name_sanitized and p.model_name_sanitized == name and p.model_name:
            model = os.path.normpath(p.model_name.rstrip("/\\"))
            # Every training run has a checkpoint-50: name a checkpoint with its run (k0100/checkpoint-50).
            if checkpoint_step(model) is not None:
                return "/".join(model.split(os.sep)[-2:])
            return os.path.basename(model) or name
    return name


def _samples_by_task(samples: Sequence[Path], tasks: Iterable[str]) -> dict[str, tuple[Path, ...]]:
    wanted = set(tasks)
    out: dict[str, list[Path]] = {}
    for p in samples:
        # samples_<task>_<date>.jsonl; task names contain '_', the date does not.
        task = p.name[len("samples_") : -len(".jsonl")].rpartition("_")[0]
        if task in wanted:
            out.setdefault(task, []).append(p)
    return {k: tuple(v) for k, v in out.items()}


def merge_tasks(runs: Sequence[RunResults]) -> dict[str, TaskResult]:
    """The clt tasks of several runs of one model, merged as one run's files are: a value two runs
    both report must agree. The runs' own TaskResults are left as they were."""
    tasks: dict[str, TaskResult] = {}
    for run in runs:
        for name, tr in run.tasks.items():
            if name in tasks:
                _merge_task(tasks[name], tr)
            else:
                # A copy: merging into it must not change the run it came from.
                tasks[name] = replace(tr, raw=dict(tr.raw), _metrics={m: dict(f) for m, f in tr.metrics.items()})
    return tasks


def _merge_files(parsed: Sequence[_FileResults]) -> tuple[dict[str, TaskResult], dict[str, str]]:
    """The tasks and model_args of a run with several results files (e.g. lm-eval's and `clt judge`'s)."""
    tasks: dict[str, TaskResult] = {}
    model_args: dict[str, str] = {}
    model_from: Path | None = None
    for p in parsed:
        for task, tr in p.tasks.items():
            if task in tasks:
                _merge_task(tasks[task], tr)
            else:
                tasks[task] = tr
        for key in _MODEL_DIR_KEYS:
            a, b = model_args.get(key), p.model_args.get(key)
            if a and b and a != b:
                raise CLTError(
                    f"{p.path}: config.model_args.{key} is {b!r} but {model_from} has {a!r}: "
                    "these results files are from different models; give them as separate runs"
                )
        if not model_args and p.model_args:
            model_args, model_from = dict(p.model_args), p.path
    return tasks, model_args


def _load_files(
    run_dir: Path,
    files: Sequence[Path],
    name: str | None,
    manifest: Any,
    samples: Sequence[Path] = (),
    manifests: _Manifests | None = None,
) -> RunResults:
    parsed = [parse_results(read_json(f, "lm-eval results file"), f) for f in files]
    first = parsed[0]
    if len(parsed) == 1:  # the usual run: nothing to merge, and the parsed objects are its own
        tasks, model_args = first.tasks, first.model_args
    else:
        tasks, model_args = _merge_files(parsed)
    run = RunResults(
        name=name or _default_name(run_dir.parent if len(files) == 1 and files[0] == run_dir else run_dir, parsed),
        source=run_dir,
        files=tuple(files),
        tasks=tasks,
        model_args=model_args,
        model_name=next((p.model_name for p in parsed if p.model_name), None),
        lm_eval_version=next((p.lm_eval_version for p in parsed if p.lm_eval_version), None),
        limit=first.limit,
        samples=_samples_by_task(samples, tasks) if samples else {},
        other_tasks=tuple(sorted({t for p in parsed for t in p.other})),
        judge_models={
            m: tuple(p.path for p in parsed if p.judge_model == m)
            for m in sorted({p.judge_model for p in parsed if p.judge_model})
        },
    )
    if isinstance(manifest, Manifest):
        run.manifest = manifest
    elif manifest is not None:
        run.manifest = load_manifest(manifest)
    else:
        run.manifest = _manifest_from_model_args(run.model_args, manifests)
    return run


def load_results(
    path: str | os.PathLike,
    *,
    name: str | None = None,
    manifest: str | os.PathLike | Manifest | None = None,
) -> RunResults:
    """One run from a results file or directory; its manifest found via model_args unless given."""
    groups = _discover(path)
    if len(groups) > 1:
        shown = ", ".join(str(g.run_dir) for g in groups)
        raise CLTError(f"{path}: holds {len(groups)} runs ({shown}); load them with load_runs or name one")
    (g,) = groups
    return _load_files(g.run_dir, g.results, name, manifest, g.samples)


@dataclass(frozen=True)
class RunSpec:
    """An explicitly named run: `--run NAME=RESULTS_DIR[:MANIFEST]`."""

    name: str
    path: Path
    manifest: Path | None = None

    @classmethod
    def parse(cls, text: str) -> "RunSpec":
        name, sep, rest = text.partition("=")
        if not sep or not name.strip() or not rest:
            raise CLTError(f"--run {text!r}: expected NAME=RESULTS_DIR[:MANIFEST]")
        manifest = None
        if ":" in rest:
            head, _, tail = rest.rpartition(":")
            # A drive letter or a path with ':' in it stays whole when the split does not fit.
            if head and tail and not Path(rest).exists():
                rest, manifest = head, Path(tail)
        return cls(name.strip(), Path(rest), manifest)


@gc_paused()
def load_runs(paths: Iterable[str | os.PathLike] = (), runs: Iterable[RunSpec] = ()) -> list[RunResults]:
    """Every run under `paths` plus the explicit `runs`; two runs with one name is an error."""
    out: list[RunResults] = []
    manifests = _Manifests()  # each manifest read once, however many runs share it
    for p in paths:
        for g in _discover(p):
            out.append(_load_files(g.run_dir, g.results, None, None, g.samples, manifests))
    for spec in runs:
        out.append(load_results(spec.path, name=spec.name, manifest=spec.manifest))
    seen: dict[str, RunResults] = {}
    for run in out:
        if run.name in seen:
            raise CLTError(
                f"two runs are named {run.name!r}: {seen[run.name].source} and {run.source}; "
                "name them with --run NAME=RESULTS_DIR"
            )
        seen[run.name] = run
    if not out:
        raise CLTError("no runs given")
    return out
