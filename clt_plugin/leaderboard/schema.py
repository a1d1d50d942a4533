"""The leaderboard submission: a versioned, self-checking record of one model's clt_* results.

A submission is plain JSON (docs/submission-schema.md). Its per-family numbers are computed by
one function, `family_result`, from the per-task metrics it carries: `clt submit` calls it to
build them and the validators call it again to check them, so a hand-edited score or aggregate
is refused and a board can show the stored numbers without recomputing anything.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_serializer, model_validator

from clt_plugin import languages
from clt_plugin.analysis.results import aggregate, mean
from clt_plugin.errors import CLTError, format_validation_error
from clt_plugin.families import FIDELITY_METRIC, metric_range
from clt_plugin.io import canonical_json
from clt_plugin.manifest import Manifest
from clt_plugin.names import split_task_name, task_name

SCHEMA_VERSION = "clt-submission/1"
_TIMESTAMP_FMT = "%Y-%m-%dT%H:%M:%SZ"
_TOL = 1e-9  # re-derived averages differ from stored ones by float noise at most


def _matches(pattern: str, message: str):
    regex = re.compile(pattern)

    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(message.format(value=value))
        return value

    return AfterValidator(check)


def _check_language(value: str) -> str:
    try:
        return languages.validate(value)
    except languages.UnknownLanguageError:
        raise ValueError(f"unknown language {value!r} (not in clt_plugin.languages)") from None


def _check_finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"value {value!r} is not a finite number")
    return value


def _check_text(value: str) -> str:
    # Control characters have no business in a name and would garble tables and CSV rows.
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{value!r} contains control characters")
    return value


def _check_timestamp(value: str) -> str:
    try:
        datetime.strptime(value, _TIMESTAMP_FMT)
    except ValueError:
        raise ValueError(f"{value!r} is not a UTC timestamp like 2026-01-31T12:00:00Z") from None
    return value


Family = Annotated[
    str,
    _matches(
        r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$",
        "task family {value!r} must be lower-case letters, digits and single underscores",
    ),
]
Metric = Annotated[
    str,
    _matches(
        r"^[A-Za-z][A-Za-z0-9_.\-]*(?:,[A-Za-z0-9_.\-]+)?$",
        "metric name {value!r} is not NAME or NAME,FILTER of [A-Za-z0-9_.-]",
    ),
]
Sha256 = Annotated[str, _matches(r"^[0-9a-f]{64}$", "{value!r} is not a lower-case hex SHA-256")]
Lang = Annotated[str, AfterValidator(_check_language)]
Finite = Annotated[float, AfterValidator(_check_finite)]
Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_check_text)]
Timestamp = Annotated[str, AfterValidator(_check_timestamp)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ModelInfo(_Strict):
    id: Text
    revision: Text | None = None
    base_model: Text | None = None


class Mixture(_Strict):
    """The mixture manifest the model was trained on, embedded whole (never a path to it)."""

    manifest: Manifest
    sha256: Sha256

    @field_serializer("manifest")
    def _as_written(self, manifest: Manifest) -> dict[str, Any]:
        return manifest.to_dict()  # exactly the fields it was read with, so its hash still holds

    @model_validator(mode="after")
    def _hash_matches(self) -> Mixture:
        actual = self.manifest.sha256()
        if actual != self.sha256:
            raise ValueError(f"sha256 {self.sha256} does not match the embedded manifest ({actual})")
        return self


class TaskResult(_Strict):
    family: Family
    language: Lang
    version: int | float | str
    task_hash: Text | None = None
    num_fewshot: int | None = Field(default=None, ge=0)
    n_samples: int | None = Field(default=None, ge=0)
    metrics: dict[Metric, Finite] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_range(self) -> TaskResult:
        bad = [
            f"{name}={value!r} (allowed {lo:g}..{hi:g})"
            for name, value in self.metrics.items()
            for lo, hi in [metric_range(name)]
            if not lo <= value <= hi
        ]
        if bad:
            raise ValueError("out of range: " + ", ".join(bad))
        return self


class Aggregates(_Strict):
    """Averages of a family's metric. `seen` excludes English, as the paper plots it."""

    english: Finite | None = None
    seen: Finite | None = None
    unseen: Finite | None = None
    gap: Finite | None = None  # seen - unseen
    all: Finite | None = None  # every evaluated language, English included


class FamilyResult(_Strict):
    metric: Metric
    scores: dict[Lang, Finite] = Field(min_length=1)
    fidelity: dict[Lang, Finite] = Field(default_factory=dict)
    seen: list[Lang] = Field(default_factory=list)
    unseen: list[Lang] = Field(default_factory=list)
    aggregates: Aggregates
    fidelity_mean: Finite | None = None


class Submission(_Strict):
    schema_: Literal["clt-submission/1"] = Field(alias="schema")
    created_at: Timestamp
    tool_version: Text
    model: ModelInfo
    lm_eval_version: Text
    judge_model: Text | None = None
    seen_languages: list[Lang]
    mixture: Mixture | None = None
    tasks: dict[str, TaskResult] = Field(min_length=1)
    families: dict[Family, FamilyResult] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Submission:
        problems = list(_consistency_problems(self))
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def to_json(self) -> str:
        return canonical_json(self.model_dump(mode="json", by_alias=True))


# --------------------------------------------------------------------------- derived values


def split_seen(evaluated: list[str] | set[str], seen_languages: list[str]) -> tuple[list[str], list[str]]:
    """Evaluated non-English languages, split into seen (trained on) and unseen (eval only)."""
    others = sorted(lang for lang in evaluated if lang != languages.ENGLISH)
    return [lang for lang in others if lang in seen_languages], [lang for lang in others if lang not in seen_languages]


def aggregates(scores: dict[str, float], seen: list[str], unseen: list[str]) -> Aggregates:
    """The analysis' aggregates (one definition for `clt matrix` and the board)."""
    agg = aggregate(scores, seen, unseen)
    return Aggregates(english=agg.english, seen=agg.seen, unseen=agg.unseen, gap=agg.gap, all=agg.all)


def family_result(
    tasks: dict[str, TaskResult], family: str, metric: str, seen_languages: list[str]
) -> FamilyResult | None:
    """A family's numbers from its tasks' metrics: the one place they are computed (None: no
    task of the family has `metric`)."""
    of_family = [t for t in tasks.values() if t.family == family]
    scores = {t.language: t.metrics[metric] for t in of_family if metric in t.metrics}
    if not scores:
        return None
    fidelity = {t.language: t.metrics[FIDELITY_METRIC] for t in of_family if FIDELITY_METRIC in t.metrics}
    seen, unseen = split_seen(scores, seen_languages)
    return FamilyResult(
        metric=metric,
        scores=dict(sorted(scores.items())),
        fidelity=dict(sorted(fidelity.items())),
        seen=seen,
        unseen=unseen,
        aggregates=aggregates(scores, seen, unseen),
        fidelity_mean=mean([fidelity[lang] for lang in sorted(fidelity)]),
    )


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))
    return a == b


def _consistency_problems(sub: Submission):
    for name, task in sub.tasks.items():
        if split_task_name(name) != (task.family, task.language):
            yield f"tasks.{name}: name does not match family {task.family!r} and language {task.language!r}"
    if sub.mixture is not None and sorted(sub.mixture.manifest.seen) != sorted(sub.seen_languages):
        yield f"seen_languages {sub.seen_languages} differ from the manifest's languages.seen {list(sub.mixture.manifest.seen)}"
    task_families = {t.family for t in sub.tasks.values()}
    if task_families != set(sub.families):
        yield f"families {sorted(sub.families)} differ from the tasks' families {sorted(task_families)}"
    for family, stored in sub.families.items():
        where = f"families.{family}"
        for lang, value in stored.scores.items():
            task = sub.tasks.get(task_name(family, lang))
            if task is None:
                yield f"{where}.scores.{lang}: no task {task_name(family, lang)} in tasks"
            elif task.metrics.get(stored.metric) != value:
                yield f"{where}.scores.{lang}: {value!r} is not the task's {stored.metric} ({task.metrics.get(stored.metric)!r})"
        expected = family_result(sub.tasks, family, stored.metric, sub.seen_languages)
        if expected is None:
            continue
        if set(stored.scores) != set(expected.scores):
            yield f"{where}.scores: languages {sorted(stored.scores)} differ from the tasks' {sorted(expected.scores)}"
            continue
        if (stored.seen, stored.unseen) != (expected.seen, expected.unseen):
            yield f"{where}: seen/unseen should be {expected.seen}/{expected.unseen} for seen_languages {sub.seen_languages}"
            continue
        if stored.fidelity != expected.fidelity:
            yield f"{where}.fidelity: does not match the tasks' {FIDELITY_METRIC}"
        for field in Aggregates.model_fields:
            have, want = getattr(stored.aggregates, field), getattr(expected.aggregates, field)
            if not _close(have, want):
                yield f"{where}.aggregates.{field}: {have!r} should be {want!r}"
        if not _close(stored.fidelity_mean, expected.fidelity_mean):
            yield f"{where}.fidelity_mean: does not match the mean of fidelity"


# --------------------------------------------------------------------------- loading


def parse_submission(data: Any, source: str | None = None) -> Submission:
    """Validate a decoded submission; every problem is named with its path, as a CLTError."""
    if isinstance(data, dict) and data.get("schema") not in (None, SCHEMA_VERSION):
        raise CLTError(
            f"{source or 'submission'}: schema {data.get('schema')!r} is not supported (this clt reads {SCHEMA_VERSION})"
        )
    try:
        return Submission.model_validate(data)
    except ValidationError as e:
        raise CLTError(format_validation_error(e, root="submission", source=source)) from None


def format_timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime(_TIMESTAMP_FMT)
