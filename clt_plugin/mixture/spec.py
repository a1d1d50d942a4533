"""The mixture spec: pydantic models, YAML loading, and the normalized form that outputs record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)

from clt_plugin import languages as registry
from clt_plugin.errors import CLTError, format_validation_error
from clt_plugin.fields import Count, count, language
from clt_plugin.io import value_error_at
from clt_plugin.mixture.decontam_spec import DecontamSpec
from clt_plugin.mixture.decontam_spec import coerce as coerce_decontam
from clt_plugin.sources.config import SourceConfig

ROOT = "clt_mixture"
# The largest seed a run can use: `clt sweep` makes the mixture's seed axolotl's training seed,
# and transformers.set_seed passes it to numpy, whose legacy seeding takes 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1
_TASK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def _language(code: str) -> str:
    if code == registry.ENGLISH:
        raise ValueError("'en' is not a language to add: English rows are set by `english`")
    return language(code)


LangCode = Annotated[str, AfterValidator(_language)]


class TaskSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SourceConfig
    english: Count = 0
    per_language: Any = 0  # int, or {lang: int}
    languages: list[LangCode] = []
    # Rows per language (English and each added one) held out for validation: drawn first in each
    # language's key order, so they are the same at every grid point and never among the
    # training rows, which follow them (nested, exactly english + per_language).
    validation: Count = 0

    @field_validator("per_language", mode="before")
    @classmethod
    def _per_language(cls, v: Any) -> Any:
        if isinstance(v, dict):
            out = {}
            for lang, n in v.items():
                try:
                    code = _language(lang)
                    out[code] = count(n)
                except ValueError as e:
                    raise ValueError(f"{lang}: {e}") from None
            return out
        try:
            return count(v)
        except ValueError:
            raise ValueError(f"must be a non-negative integer or a mapping {{language: count}} (got {v!r})") from None

    @model_validator(mode="after")
    def _consistent(self) -> "TaskSpec":
        seen = set()
        for i, lang in enumerate(self.languages):
            if lang in seen:
                raise ValueError(f"languages[{i}]: {lang!r} is listed twice")
            seen.add(lang)
        if isinstance(self.per_language, int) and self.per_language and not self.languages:
            raise ValueError(
                f"per_language: {self.per_language} rows per language, but `languages` is empty; name the "
                "languages to add (or set per_language: 0 for English only)"
            )
        if isinstance(self.per_language, dict):
            if not self.languages:
                self.languages = list(self.per_language)
            extra = [l for l in self.per_language if l not in seen and self.languages != list(self.per_language)]
            if extra:
                raise ValueError(f"per_language: {extra[0]!r} is not in languages {self.languages}")
        return self

    def count(self, lang: str) -> int:
        if isinstance(self.per_language, dict):
            return self.per_language.get(lang, 0)
        return self.per_language

    def counts(self) -> dict[str, int]:
        return {lang: self.count(lang) for lang in self.languages}


class MixtureSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: Annotated[int, Strict(), Field(ge=0, le=MAX_SEED)] = 0
    alignment: Literal["independent", "parallel", "disjoint"] = "independent"
    mode: Literal["augment", "replace"] = "augment"
    on_shortage: Literal["error", "cap"] = "error"
    language_check: Literal["off", "report", "drop"] = "off"
    # Rows overlapping an evaluation item leave the pool before sampling (clt_plugin.mixture.decontam).
    decontaminate: Optional[DecontamSpec] = None
    tasks: dict[str, TaskSpec] = Field(min_length=1)

    _base_dir: Optional[Path] = PrivateAttr(default=None)
    _root: str = PrivateAttr(default=ROOT)

    @field_validator("decontaminate", mode="before")
    @classmethod
    def _decontaminate(cls, v: Any) -> Any:
        return coerce_decontam(v)

    @field_validator("tasks")
    @classmethod
    def _task_names(cls, v: dict) -> dict:
        for name in v:
            if not _TASK_NAME.match(name):
                raise ValueError(
                    f"task name {name!r} must start with a letter and use only letters, digits, '_' and '-'"
                )
        return v

    @model_validator(mode="after")
    def _replace_fits(self) -> "MixtureSpec":
        if self.mode == "replace":
            for name, task in self.tasks.items():
                added = sum(task.counts().values())
                if added > task.english:
                    raise ValueError(
                        f"tasks.{name}: mode replace keeps the total at english={task.english}, "
                        f"but the other languages ask for {added} rows"
                    )
        return self

    @property
    def base_dir(self) -> Optional[Path]:
        return self._base_dir

    def seen_languages(self) -> list[str]:
        out: list[str] = []
        for task in self.tasks.values():
            out += [l for l in task.languages if l not in out]
        return out

    def english_count(self, task: str) -> int:
        t = self.tasks[task]
        return t.english - sum(t.counts().values()) if self.mode == "replace" else t.english

    def rows_to_draw(self, task: str) -> dict[str, int]:
        """Rows taken per language of a task, in key order: validation rows first, then training rows."""
        t = self.tasks[task]
        return {
            registry.ENGLISH: self.english_count(task) + t.validation,
            **{lang: n + t.validation for lang, n in t.counts().items()},
        }

    def normalized(self) -> dict:
        """Every default filled in, counts spelled per language: two specs that mean the same build
        the same mixture and hash the same."""
        return {
            "seed": self.seed,
            "alignment": self.alignment,
            "mode": self.mode,
            "on_shortage": self.on_shortage,
            "language_check": self.language_check,
            "tasks": {
                name: {
                    "source": task.source.model_dump(mode="json"),
                    "english": task.english,
                    "languages": list(task.languages),
                    "per_language": task.counts(),
                    # Only when set: specs without validation keep the hashes they always had.
                    **({"validation": task.validation} if task.validation else {}),
                }
                for name, task in sorted(self.tasks.items())
            },
            # Only when set: specs without it keep the hashes they always had.
            **({"decontaminate": self.decontaminate.normalized()} if self.decontaminate else {}),
        }

    def with_changes(self, **task_changes: Any) -> "MixtureSpec":
        """A copy with `per_language` / `languages` replaced in every task (grid points)."""
        data = self.model_dump(mode="python")
        for task in data["tasks"].values():
            task.update(task_changes)
        out = MixtureSpec.model_validate(data)
        out._base_dir, out._root = self._base_dir, self._root
        return out


def load_spec(
    path_or_dict: Any, source: str | None = None, *, root: str = ROOT, base_dir: str | Path | None = None
) -> MixtureSpec:
    """Validate a spec from a YAML path or a dict; errors read `root.tasks.math.languages[2]: ...`.

    Relative source paths resolve against `base_dir`, else the spec file's folder, else the
    working directory at build time.
    """
    if isinstance(path_or_dict, MixtureSpec):
        if base_dir is not None:
            path_or_dict._base_dir = Path(base_dir)
        return path_or_dict
    if isinstance(path_or_dict, (str, Path)):
        path = Path(path_or_dict)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CLTError(f"{path}: mixture spec not found") from None
        except (OSError, UnicodeDecodeError) as e:
            raise CLTError(f"{path}: cannot read mixture spec ({getattr(e, 'strerror', None) or e})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise CLTError(f"{path}: malformed YAML{where}: {getattr(e, 'problem', None) or e}") from None
        except RecursionError:
            raise CLTError(f"{path}: mixture spec is nested too deeply to read") from None
        except ValueError as e:  # an integer longer than Python converts
            raise CLTError(f"{path}: malformed YAML ({value_error_at(text, e)})") from None
        source = source or str(path)
        if base_dir is None:
            base_dir = path.resolve().parent
    else:
        data = path_or_dict
    if not isinstance(data, dict):
        raise CLTError(
            f"{source + ': ' if source else ''}{root}: expected a mapping with seed, tasks, ... (got {type(data).__name__})"
        )
    try:
        spec = MixtureSpec.model_validate(data)
    except ValidationError as e:
        raise CLTError(format_validation_error(e, root=root, source=source)) from None
    spec._base_dir = Path(base_dir) if base_dir is not None else None
    spec._root = root
    return spec
