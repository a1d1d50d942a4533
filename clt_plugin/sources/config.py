"""The `source:` block of a mixture task: where rows come from and how their fields are named.

Two independent choices: the *dataset* schema (how a record becomes a chat) and the *storage*
(a hub id, the default for users, or local files in JSONL/JSON/Parquet/CSV/TSV).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, model_validator

from clt_plugin.hub import PARQUET_EXPORT
from clt_plugin.sources.tables import FORMATS, infer_format

# Logical fields of each dataset schema and the column each reads by default. `id` may be
# None: the row number in its file is then the id (translated corpora stored one file per
# language, row-aligned, still line up for `alignment: parallel`).
DATASETS: dict[str, dict[str, Optional[str]]] = {
    # prompt/response pairs in any table
    "generic": {"id": "id", "prompt": "prompt", "response": "response", "system": None, "language": "language"},
    # csebuetnlp/xlsum: id, url, title, summary, text (one config per language)
    "xlsum": {"id": "id", "title": "title", "text": "text", "summary": "summary", "language": "language"},
    # laihuiyuan/mCoT-MATH: one JSON array of {question, answer, lang}
    "mcot_math": {"id": "id", "prompt": "question", "response": "answer", "language": "lang"},
    # chat files: `messages` [{role, content}] or ShareGPT `conversations` [{from, value}]
    "chat": {"id": "id", "messages": "messages", "conversations": "conversations", "language": "language"},
    # CohereForAI/aya_dataset: inputs, targets, language_code (ISO 639-3)
    "aya": {"id": "id", "prompt": "inputs", "response": "targets", "language": "language_code"},
    # MBZUAI/Bactrian-X: instruction, input (optional context, often empty), output, id; one
    # config per language (ISO 639-1), each a translation of the same 67k instructions
    "bactrian": {"id": "id", "instruction": "instruction", "input": "input", "response": "output", "language": None},
    # allenai/WildChat-1M: real user conversations with GPT-3.5/GPT-4, one table for all languages;
    # `conversation` [{role, content, ...}], `language` the conversation's language by name
    # ("English", "Chinese"), `conversation_hash` a hash of its content (identical conversations
    # share it: the reader keeps the first, so no conversation is drawn twice)
    "wildchat": {"id": "conversation_hash", "conversation": "conversation", "language": "language"},
}

# Where each dataset lives on the hub when the spec gives no `path`.
# csebuetnlp/xlsum's and MBZUAI/Bactrian-X's main branches hold a loading script, which
# datasets>=4 refuses to run; the hub's Parquet export (refs/convert/parquet) has one folder per
# language config instead ({config}/{split}/0000.parquet): PARQUET_EXPORT, as for the lm-eval tasks.
HUB_DEFAULTS: dict[str, dict[str, Optional[str]]] = {
    "xlsum": {"hub": "csebuetnlp/xlsum", "data_dir": "{xlsum}", "revision": PARQUET_EXPORT},
    "bactrian": {"hub": "MBZUAI/Bactrian-X", "data_dir": "{lang}", "revision": PARQUET_EXPORT},
    "mcot_math": {"hub": "laihuiyuan/mCoT-MATH", "file": "mcot_math.json"},
    "aya": {"hub": "CohereForAI/aya_dataset"},
    "wildchat": {"hub": "allenai/WildChat-1M"},
}

PLACEHOLDERS = ("{lang}", "{xlsum}", "{mgsm}", "{aya}")


class SourceConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: Literal["generic", "xlsum", "mcot_math", "chat", "aya", "bactrian", "wildchat"] = "generic"
    format: Optional[Literal["jsonl", "json", "parquet", "csv", "tsv"]] = None
    path: Optional[str] = None  # may contain {lang}: one file per language
    hub: Optional[str] = None  # a hub dataset id; every dataset but generic and chat has a default
    config: Optional[str] = None  # hub config name; may contain {lang} / {xlsum}
    data_dir: Optional[str] = None  # folder inside the hub repo; may contain {lang} / {xlsum}
    file: Optional[str] = None  # read one file of the hub repo (streamed) instead of load_dataset
    split: str = "train"
    revision: Optional[str] = None  # pin it: the cache and the manifest key on hub id + revision
    fields: dict[str, Optional[str]] = {}

    @model_validator(mode="after")
    def _complete(self):
        known = DATASETS[self.dataset]
        for key in self.fields:
            if key not in known:
                raise ValueError(
                    f"fields: unknown field {key!r} for dataset {self.dataset!r} (known: {', '.join(known)})"
                )
        if self.path and self.hub:
            raise ValueError("give either `path` (local files) or `hub` (a hub dataset id), not both")
        if self.path:
            if self.format is None:
                self.format = infer_format(self.path)
                if self.format is None:
                    raise ValueError(
                        f"path: cannot tell the format of {self.path!r}; set format to one of {', '.join(FORMATS)}"
                    )
        else:
            if self.format is not None and not self.file:
                raise ValueError("format applies to local files (`path`) and hub files (`file`) only")
            if self.hub is None:
                default = HUB_DEFAULTS.get(self.dataset)
                if default is None:
                    raise ValueError(f"dataset {self.dataset!r} needs a `path` (local files) or a `hub` id")
                for key, value in default.items():
                    if getattr(self, key) is None:
                        setattr(self, key, value)
            if self.file and self.format is None:
                self.format = infer_format(self.file) or "jsonl"
        return self

    def field(self, name: str) -> Optional[str]:
        """The column that logical field `name` reads (None: not used / row number for id)."""
        if name in self.fields:
            return self.fields[name]
        return DATASETS[self.dataset][name]

    @property
    def per_language(self) -> bool:
        where = " ".join(filter(None, (self.path, self.config, self.data_dir, self.file)))
        return any(p in where for p in PLACEHOLDERS)
