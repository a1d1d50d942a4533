"""The mixture manifest (`clt-manifest/1`): what a trained model saw, as one pydantic model.

`clt mix` (clt_plugin.mixture.build) writes it beside `train.jsonl`; the axolotl plugin copies
it beside the model as `clt_manifest.json`; `clt matrix`/`clt report` read it to know which
languages a run was trained on and how many examples each had; `clt submit` embeds it in the
submission with its hash. docs/manifest-schema.md describes every field.

Compatibility: readers keep fields they do not know (a newer clt may add some) and never add
fields that were absent, so `to_dict()` of a read manifest is the object that was read and its
hash is the file's. New fields are optional, so every `clt-manifest/1` file ever written stays
readable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Mapping

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from clt_plugin import languages
from clt_plugin.errors import CLTError, format_validation_error
from clt_plugin.fields import Count, Lang
from clt_plugin.io import atomic_write_text, canonical_json, read_json, sha256_bytes

SCHEMA = "clt-manifest/1"
READABLE_SCHEMAS = (SCHEMA,)


# Validators with the project's message style ("expected X, got Y"); strict, so a JSON 1 is
# never taken for true or "100" for a count.


def _schema(value: Any) -> str:
    if value not in READABLE_SCHEMAS:
        raise ValueError(f"expected {SCHEMA!r}, got {value!r}")
    return value


def _optional_int(value: Any) -> int | None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"expected an integer or null, got {value!r}")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


OptionalInt = Annotated[int | None, BeforeValidator(_optional_int)]
Bool = Annotated[bool, BeforeValidator(_bool)]


class _Open(BaseModel):
    # extra="allow": a field a newer clt added is kept (and hashed), not dropped.
    model_config = ConfigDict(extra="allow", frozen=True)


class ManifestLanguages(_Open):
    english: str = languages.ENGLISH
    seen: list[Lang]  # the spec's non-English languages, in spec order


class LanguageCheck(_Open):
    mode: str | None = None  # off | report | drop
    flagged: dict[str, dict[str, Count]] = Field(default_factory=dict)  # task -> lang -> rows in another language
    dropped: dict[str, dict[str, Count]] = Field(default_factory=dict)  # of those, rows replaced (mode drop)


class ValidationSet(_Open):
    """Rows held out of training (spec `validation:`), written beside train.jsonl."""

    file: str
    counts: dict[str, dict[str, Count]]  # task -> language -> held-out rows
    total_rows: Count
    sha256: str
    ids_sha256: str | None = None  # of the sorted (task, language, source id) keys


class Decontamination(_Open):
    """What the spec's `decontaminate:` removed before sampling (clt_plugin.mixture.decontam)."""

    rule: dict[str, Any]
    families: list[str]  # the evaluation sets checked against
    evaluation_sets: dict[str, dict[str, dict[str, Any]]]  # set -> language -> {status, source, items, ...}
    examined: dict[str, dict[str, Count]]  # task -> language -> rows checked
    # task -> language -> set -> {"ngram": rows, "lineage": rows}; null: that check did not run
    removed: dict[str, dict[str, dict[str, dict[str, OptionalInt]]]]
    removed_rows: dict[str, dict[str, Count]]  # task -> language -> distinct rows removed
    matches_file: str
    matches_sha256: str


class Batch(_Open):
    """How the run that trained on the mixture batched it (added by the axolotl plugin)."""

    global_batch_size: Count
    micro_batch_size: Count
    gradient_accumulation_steps: Count
    data_parallel: Count
    world_size: Count
    requested_global_batch_size: OptionalInt = None  # `clt_global_batch_size`, when the config set it


class Manifest(_Open):
    schema_: Annotated[str, BeforeValidator(_schema)] = Field(alias="schema")
    tool_version: str | None = None
    seed: OptionalInt = None  # the mixture's sampling seed
    spec: dict[str, Any] | None = None  # the normalized mixture spec
    counts: dict[str, dict[str, Count]]  # task -> language -> training rows
    total_rows: Count | None = None
    languages: ManifestLanguages
    per_language: OptionalInt = None  # k when every non-English language of every task has k rows
    english_only: Bool  # no non-English row at all: the baseline run
    sources: dict[str, Any] | None = None  # task -> source fingerprints
    language_check: LanguageCheck | None = None
    train_file: str | None = None
    train_sha256: str | None = None
    spec_sha256: str | None = None
    # Rows held out for validation (spec `validation:`), the same at every grid point and never
    # trained on.
    validation: ValidationSet | None = None
    # Rows removed because they overlap an evaluation item (spec `decontaminate:`).
    decontamination: Decontamination | None = None
    # Added by the axolotl plugin to the copy beside the model: the batch it trained with, and
    # its seed (runs that differ only in it are repeats of one mixture).
    batch: Batch | None = None
    training_seed: OptionalInt = None

    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)
    _path: Path | None = PrivateAttr(default=None)  # the file it was read from, when it was

    @property
    def path(self) -> Path | None:
        return self._path

    def located(self, path: str | os.PathLike) -> Manifest:
        """This manifest as read from `path` (another file with the same text)."""
        copy = self.model_copy()
        copy._path = Path(path)
        return copy

    def __eq__(self, other: object) -> bool:
        # Where a manifest was read from is not part of it: a copy equals its original.
        if not isinstance(other, Manifest):
            return NotImplemented
        return self.__dict__ == other.__dict__ and self.__pydantic_extra__ == other.__pydantic_extra__

    __hash__ = None  # type: ignore[assignment]  # equal manifests may hold unhashable extra fields

    # ----------------------------------------------------------------- derived facts

    @property
    def seen(self) -> tuple[str, ...]:
        return tuple(self.languages.seen)

    def trained_languages(self) -> tuple[str, ...]:
        """Non-English languages with at least one training row, in `seen` order."""
        english = self.languages.english
        have = {lang for per in self.counts.values() for lang, n in per.items() if n > 0 and lang != english}
        ordered = [lang for lang in self.seen if lang in have]
        return tuple(ordered + sorted(have - set(ordered)))

    def examples_per_language(self) -> int | None:
        if self.per_language is not None:
            return self.per_language
        return 0 if self.english_only else None

    # ----------------------------------------------------------------- (de)serialising

    def to_dict(self) -> dict[str, Any]:
        """The JSON object: exactly the fields that were given or read, nothing added."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)

    def to_json(self) -> str:
        return canonical_json(self.to_dict())

    def sha256(self) -> str:
        """The hash of the manifest as clt writes it, so it equals the written file's sha256."""
        return sha256_bytes(self.to_json().encode("utf-8"))


def count_summary(counts: Mapping[str, Mapping[str, int]], english: str = languages.ENGLISH) -> tuple[int | None, bool]:
    """(per_language, english_only) as a manifest records them for these counts: k when every
    non-English count is k (0 when there are none), else None."""
    non_en = [n for per in counts.values() for lang, n in per.items() if lang != english]
    values = set(non_en)
    per_language = values.pop() if len(values) == 1 else (0 if not values else None)
    return per_language, all(n == 0 for n in non_en)


def parse_manifest(data: Any, source: str | os.PathLike | None = None) -> Manifest:
    """Validate a decoded manifest; a problem is a CLTError naming the file and field."""
    if not isinstance(data, dict):
        raise CLTError(f"{source or '<manifest>'}: <root>: expected an object, got {type(data).__name__}")
    try:
        manifest = Manifest.model_validate(data)
    except ValidationError as e:
        raise CLTError(format_validation_error(e, source=str(source or "<manifest>"))) from None
    manifest._path = Path(source) if source is not None else None
    return manifest


def load_manifest(path: str | os.PathLike) -> Manifest:
    return parse_manifest(read_json(Path(path), "manifest"), path)


def write_manifest(path: str | os.PathLike, manifest: Manifest | Mapping[str, Any]) -> Path:
    """Write a manifest (validated first, so no file ever holds one the readers would refuse)."""
    model = manifest if isinstance(manifest, Manifest) else parse_manifest(dict(manifest), path)
    path = Path(path)
    atomic_write_text(path, model.to_json())
    return path
