"""The leaderboard submission: a versioned, self-checking record of one model's clt_* results.

A submission is plain JSON (documented in docs/submission-schema.md). Everything a board shows
can be recomputed from the per-task metrics it carries, and the validators below do recompute
it: a hand-edited score or aggregate that disagrees with the task metrics is refused, so a
board never has to trust a number it cannot check.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)

from clt_plugin import languages
from clt_plugin.families import FIDELITY_METRIC, metric_range
from clt_plugin.analysis.results import aggregate, mean
from clt_plugin.errors import CLTError, format_validation_error
from clt_plugin.io import canonical_json
from clt_plugin.manifest import Manifest
from clt_plugin.names import split_task_name, task_name

SCHEMA_VERSION = "clt-submission/1"

_FAMILY_RE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_METRIC_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*(?:,[A-Za-z0-9_.\-]+)?$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_TIMESTAMP_FMT = "%Y-%m-%dT%H:%M:%SZ"
# Tolerance when re-deriving an average: the builder rounds nothing, so only float noise differs.
_TOL = 1e-9


def _check_family(value: str) -> str:
    if not _FAMILY_RE.match(value):
        raise ValueError(f"task family {value!r} must be lower-case letters, digits and single underscores")
    return value


def _check_language(value: str) -> str:
    try:
        return languages.validate(value)
    except languages.UnknownLanguageError:
        raise ValueError(f"unknown language {value!r} (not in clt_plugin.languages)") from None


def _check_metric(value: str) -> str:
    if not _METRIC_RE.match(value):
        raise ValueError(f"metric name {value!r} is not NAME or NAME,FILTER of [A-Za-z0-9_.-]")
    return value


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


def _check_sha256(value: str) -> str:
    if not _SHA256_RE.match(value):
        raise ValueError(f"{value!r} is not a lower-case hex SHA-256")
    return value


Family = Annotated[str, AfterValidator(_check_family)]
Lang = Annotated[str, AfterValidator(_check_language)]
Metric = Annotated[str, AfterValidator(_check_metric)]
Finite = Annotated[float, AfterValidator(_check_finite)]
Text = Annotated[str, Field(min_length=1, max_length=500), AfterValidator(_check_text)]
Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
Sha256 = Annotated[str, AfterValidator(_check_sha256)]
Version = int | float | str


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
    version: Version
    task_hash: Text | None = None
    num_fewshot: int | None = Field(default=None, ge=0)
    n_samples: int | None = Field(default=None, ge=0)
    metrics: dict[Metric, Finite] = Field(min_length=1)

    @model_validator(mode="after")
    def _in_range(self) -> TaskResult:
        bad = []
        for name, value in self.metrics.items():
            lo, hi = metric_range(name)
            if not lo <= value <= hi:
                bad.append(f"{name}={value!r} (allowed {lo:g}..{hi:g})")
        if bad:
            raise ValueError("out of range: " + ", ".join(bad))
        return self


class Aggregates(_Strict):
    """Averages of a family's primary metric. `seen` excludes English, as the paper plots it."""

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


def aggregates(scores: dict[str, float], seen: list[str], unseen: list[str]) -> Aggregates:
    """The analysis' aggregates (one definition for `clt matrix` and the board)."""
    agg = aggregate(scores, seen, unseen)
    return Aggregates(english=agg.english, seen=agg.seen, unseen=agg.unseen, gap=agg.gap, all=agg.all)


def split_seen(evaluated: list[str] | set[str], seen_languages: list[str]) -> tuple[list[str], list[str]]:
    """Evaluated non-English languages, split into seen (trained on) and unseen (eval only)."""
    seen_set = set(seen_languages)
    others = sorted(l for l in evaluated if l != languages.ENGLISH)
    return [l for l in others if l in seen_set], [l for l in others if l not in seen_set]


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b))


def _consistency_problems(sub: Submission):
    for name, task in sub.tasks.items():
        if split_task_name(name) != (task.family, task.language):
            yield f"tasks.{name}: name does not match family {task.family!r} and language {task.language!r}"
    if sub.mixture is not None:
        declared = sub.mixture.manifest.seen
        if sorted(declared) != sorted(sub.seen_languages):
            yield f"seen_languages {sub.seen_languages} differ from the manifest's languages.seen {declared}"
    for family, fam in sub.families.items():
        where = f"families.{family}"
        for lang, value in fam.scores.items():
            task = sub.tasks.get(task_name(family, lang))
            if task is None:
                yield f"{where}.scores.{lang}: no task {task_name(family, lang)} in tasks"
            elif task.metrics.get(fam.metric) != value:
                yield f"{where}.scores.{lang}: {value!r} is not the task's {fam.metric} ({task.metrics.get(fam.metric)!r})"
        for lang, value in fam.fidelity.items():
            task = sub.tasks.get(task_name(family, lang))
            if task is None or task.metrics.get(FIDELITY_METRIC) != value:
                yield f"{where}.fidelity.{lang}: {value!r} is not the task's {FIDELITY_METRIC}"
        listed = {t.language for t in sub.tasks.values() if t.family == family and fam.metric in t.metrics}
        if listed != set(fam.scores):
            yield f"{where}.scores: languages {sorted(fam.scores)} differ from the tasks' {sorted(listed)}"
        seen, unseen = split_seen(fam.scores, sub.seen_languages)
        if (fam.seen, fam.unseen) != (seen, unseen):
            yield f"{where}: seen/unseen should be {seen}/{unseen} for seen_languages {sub.seen_languages}"
            continue
        expected = aggregates(fam.scores, seen, unseen)
        for field in Aggregates.model_fields:
            if not _close(getattr(fam.aggregates, field), getattr(expected, field)):
                yield f"{where}.aggregates.{field}: {getattr(fam.aggregates, field)!r} should be {getattr(expected, field)!r}"
        if not _close(fam.fidelity_mean, mean([fam.fidelity[l] for l in sorted(fam.fidelity)])):
            yield f"{where}.fidelity_mean: does not match the mean of fidelity"
    task_families = {t.family for t in sub.tasks.values()}
    if task_families != set(sub.families):
        yield f"families {sorted(sub.families)} differ from the tasks' families {sorted(task_families)}"


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
