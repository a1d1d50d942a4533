"""A configured source for one task: its tables (one per language, or one with a language
column), the column each logical field reads, and records turned into normalized examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np

from clt_plugin import languages as registry
from clt_plugin.errors import CLTError
from clt_plugin.sources.chat import to_messages
from clt_plugin.sources.config import DATASETS, SourceConfig
from clt_plugin.sources.tables import HubTable, Table, hub_file, open_local

# Language-column values seen in the wild that the registry does not spell the same way.
_LANG_ALIASES = {
    "ara": "ar",
    "cmn": "zh",
    "zho": "zh",
    "zh-cn": "zh",
    "zh_cn": "zh",
    "fas": "fa",
    "per": "fa",
    "nep": "ne",
    "swa": "sw",
    "msa": None,
    "pt-br": "pt",
    "pt_br": "pt",
    "es-419": "es",
    # Language names as WildChat's detector (lingua) writes them, where the registry's differ.
    "chinese": "zh",
}
# Registry names ("Japanese", "Spanish"): WildChat labels a conversation's language by name.
_NAMES = {lang.name.lower(): code for code, lang in registry.LANGUAGES.items()}
# Datasets whose id is a hash of the row's content: a repeated id is a repeated row, kept once.
_CONTENT_IDS = frozenset({"wildchat"})


def language_of(value: object) -> str | None:
    """A language-column value (registry code, ISO 639-3, common variants) -> registry code."""
    if value is None:
        return None
    s = str(value).strip()
    if s in registry.LANGUAGES:
        return s
    low = s.lower()
    if low in registry.LANGUAGES:
        return low
    if low in _LANG_ALIASES:
        return _LANG_ALIASES[low]
    if low in _NAMES:
        return _NAMES[low]
    return registry.from_aya(low)


@dataclass
class Example:
    """One normalized training example."""

    id: str
    task: str
    lang: str
    messages: list[dict[str, str]]
    meta: dict = field(default_factory=dict)  # {"source": table label, "row": row number}

    def to_row(self) -> dict:
        return {"messages": self.messages, "clt": {"task": self.task, "lang": self.lang, "source_id": self.id}}


def _fill(template: str, lang: str) -> str:
    info = registry.get(lang)
    out = template
    for key, value in (("lang", info.code), ("xlsum", info.xlsum), ("mgsm", info.mgsm), ("aya", info.aya)):
        token = "{" + key + "}"
        if token in out:
            if value is None:
                raise CLTError(f"language {lang!r} has no {key} name, so {template!r} cannot be filled for it")
            out = out.replace(token, value)
    return out


def _first_of_each(rows: np.ndarray, ids: list[str], values: dict, seen: set[int]):
    """Drop the rows whose id was already met (`seen` carries over between chunks)."""
    keep = []
    for j, sid in enumerate(ids):
        h = hash(sid)
        if h not in seen:
            seen.add(h)
            keep.append(j)
    if len(keep) == len(ids):
        return rows, ids, values
    return rows[keep], [ids[j] for j in keep], {f: [v[j] for j in keep] for f, v in values.items()}


class Source:
    def __init__(
        self,
        cfg: SourceConfig,
        task: str,
        languages: Sequence[str],
        base_dir: Path | str | None = None,
        where: str = "source",
    ):
        self.cfg, self.task, self.where = cfg, task, where
        self.languages = list(languages)
        base = Path(base_dir) if base_dir is not None else Path.cwd()
        self.bindings: list[tuple[Table, str | None]] = []  # (table, its language or None: a language column)
        if cfg.per_language:
            for lang in self.languages:
                self.bindings.append((self._table(base, lang), lang))
        else:
            self.bindings.append((self._table(base, None), None))
        self._cols: dict[int, dict[str, str]] = {}

    def _table(self, base: Path, lang: str | None) -> Table:
        cfg = self.cfg
        fill = (lambda s: _fill(s, lang)) if lang else (lambda s: s)
        try:
            if cfg.path:
                rel = fill(cfg.path)
                path = Path(rel) if Path(rel).is_absolute() else base / rel
                return open_local(path, cfg.format, label=rel)
            if cfg.file:
                name = fill(cfg.file)
                local = hub_file(cfg.hub, name, cfg.revision)
                return open_local(
                    local,
                    cfg.format,
                    label=f"{cfg.hub}/{name}",
                    fingerprint=f"hf:{cfg.hub}@{cfg.revision or 'main'}/{name}",
                )
            return HubTable(
                cfg.hub,
                fill(cfg.config) if cfg.config else None,
                cfg.split,
                cfg.revision,
                data_dir=fill(cfg.data_dir) if cfg.data_dir else None,
            )
        except CLTError as e:
            raise CLTError(f"{self.where}: {e}") from None

    def fingerprints(self) -> dict[str, str]:
        return {table.label: table.fingerprint() for table, _ in self.bindings}

    def columns(self, i: int) -> dict[str, str]:
        """Logical field -> column of table i; a missing column fails listing the columns found."""
        if i in self._cols:
            return self._cols[i]
        table, lang = self.bindings[i]
        found = table.columns()
        cols: dict[str, str] = {}

        def missing(name: str, col: str) -> CLTError:
            shown = ", ".join(map(str, found)) or "(none)"
            how = f" (fields.{name})" if col != name else ""
            return CLTError(
                f"{table.label}: missing field {col!r}{how} for dataset {self.cfg.dataset!r}; columns found: {shown}"
            )

        for name in DATASETS[self.cfg.dataset]:
            col = self.cfg.field(name)
            explicit = name in self.cfg.fields
            if col is None or (name == "language" and lang is not None):
                continue
            if name == "id":
                if col in found:
                    cols["id"] = col
                elif explicit:
                    raise missing(name, col)
                continue  # no id column: the row number is the id
            if name in ("messages", "conversations"):
                if col in found:
                    cols[name] = col
                continue
            if col not in found:
                raise missing(name, col)
            cols[name] = col
        if lang is None and "language" not in cols:
            raise CLTError(
                f"{table.label}: dataset {self.cfg.dataset!r} has one table per language; put {{lang}} in "
                f"the path (or set fields.language to the column that holds each row's language)"
            )
        if self.cfg.dataset == "chat" and not ({"messages", "conversations"} & set(cols)):
            raise missing("messages", self.cfg.field("messages") or "messages")
        self._cols[i] = cols
        return cols

    def scan(self) -> Iterator[tuple[int, str, np.ndarray, list[str]]]:
        """Yield (table index, language, row numbers, ids) for every row of a wanted language."""
        wanted = set(self.languages)
        seen: set[int] | None = set() if self.cfg.dataset in _CONTENT_IDS else None
        for i, (table, lang) in enumerate(self.bindings):
            if not table.columns():  # an empty file offers no rows: a shortage, not a missing field
                continue
            cols = self.columns(i)
            fields = [c for c in (cols.get("id"), cols.get("language")) if c]
            codes: dict[object, str | None] = {}
            for rows, values in table.scan(fields):
                ids = [str(v) for v in values[cols["id"]]] if "id" in cols else [str(r) for r in rows.tolist()]
                if seen is not None:
                    rows, ids, values = _first_of_each(rows, ids, values, seen)
                if lang is not None:
                    yield i, lang, rows, ids
                    continue
                raw = values[cols["language"]]
                langs = []
                for v in raw:
                    key = v if isinstance(v, (str, int)) else str(v)
                    if key not in codes:
                        codes[key] = language_of(v)
                    langs.append(codes[key])
                arr = np.asarray(langs, dtype=object)
                for code in sorted(wanted & set(codes.values()) - {None}):
                    mask = arr == code
                    if mask.any():
                        idx = np.flatnonzero(mask)
                        yield i, code, rows[idx], [ids[j] for j in idx.tolist()]

    def fetch(self, i: int, rows: np.ndarray, langs: Sequence[str]) -> Iterator[Example]:
        """Examples for the sorted `rows` of table i (`langs[j]` is the language of rows[j])."""
        table, _ = self.bindings[i]
        cols = self.columns(i)
        fields = sorted(set(cols.values()))
        lang_of = dict(zip(rows.tolist(), langs))
        for row, rec, where in table.fetch(rows, fields):
            lang = lang_of[row]
            sid = str(rec[cols["id"]]) if "id" in cols else str(row)
            msgs = to_messages(self.cfg.dataset, rec, cols, lang, where)
            yield Example(sid, self.task, lang, msgs, {"source": table.label, "row": row})
