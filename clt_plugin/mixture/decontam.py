"""Decontamination: no evaluation item in any training mixture (spec `decontaminate:`).

Two rules remove a row from a task's pool before sampling:

- **n-gram** (clt_plugin.mixture.ngrams): the row, in its own language, matches an item of an
  evaluation set in that language (MGSM questions, XL-Sum test articles and summaries, Aya
  Dolly prompts and references, IFEval/M-IFEval prompts).
- **lineage**: in a source whose rows are translations of one English pool, sharing ids across
  languages (Bactrian-X), a row goes in every language when the English row with its id matches
  an English evaluation item. Translations of an evaluation item cannot be found with n-grams
  across languages; their English original can.

Removal is a property of the row, never of k, so the sampler skips removed rows and takes the
next ones in its key order: the first k rows of the cleaned pool, exactly, nested across k.
Only the rows the sampler reaches are checked (cost grows with k, not with the pool), and
`examined` in the manifest says how many that was.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from clt_plugin.errors import CLTError
from clt_plugin.languages import ENGLISH
from clt_plugin.mixture import evalsets
from clt_plugin.mixture.decontam_spec import DecontamSpec
from clt_plugin.mixture.keys import hash_ids, salt
from clt_plugin.mixture.ngrams import RULE, Hit, Index, build_index, match_many
from clt_plugin.mixture.select import Candidates
from clt_plugin.sources import Source, SourceConfig

log = logging.getLogger(__name__)

MATCHES_FILE = "contamination.jsonl"  # the matched pairs, beside train.jsonl
EXCERPT = 500  # characters of each side of a pair kept for a person to read
# Sources that are translations of one English pool with the same id in every language.
LINEAGE_DATASETS = frozenset({"bactrian"})
NGRAM, LINEAGE = "ngram", "lineage"


def lineage_applies(cfg: DecontamSpec, source: SourceConfig) -> bool:
    if cfg.lineage == "auto":
        return source.dataset in LINEAGE_DATASETS
    return bool(cfg.lineage)


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


class Decontaminator:
    """Evaluation sets and their n-gram indexes, read once per language and shared by every task
    and every point of a grid (the same `decontaminate:` settings)."""

    def __init__(self, cfg: DecontamSpec, base_dir: Path | None, where: str = "clt_mixture.decontaminate"):
        self.cfg = cfg
        self.names = cfg.evaluation_sets()
        self.data_dir: Path | None = None
        if cfg.data_dir:
            path = Path(cfg.data_dir).expanduser()
            path = path if path.is_absolute() or base_dir is None else base_dir / path
            if not path.is_dir():
                raise CLTError(f"{where}.data_dir: {cfg.data_dir!r} is not a directory")
            self.data_dir = path
        self._sets: dict[tuple[str, str], evalsets.EvalSet] = {}
        self._index: dict[str, Index] = {}
        self.lineages: dict[tuple, Lineage] = {}

    # ------------------------------------------------------------------ evaluation sets

    def sets(self, lang: str) -> list[evalsets.EvalSet]:
        out = []
        for name in self.names:
            key = (name, lang)
            if key not in self._sets:
                self._sets[key] = evalsets.load(name, lang, self.data_dir, self.cfg.metadata)
            out.append(self._sets[key])
        return out

    def index(self, lang: str) -> Index:
        if lang not in self._index:
            items = [i for s in self.sets(lang) if s.status == evalsets.CHECKED for i in s.items]
            self._index[lang] = build_index(lang, items)
        return self._index[lang]

    def check(self, lang: str, rows: Sequence[Sequence[str]]) -> list[tuple[Hit, ...]]:
        """The items each row (its messages' texts) matches, rows of one language at once."""
        return [tuple(hits) for hits in match_many(self.index(lang), rows)]

    def status(self, langs: Sequence[str]) -> dict[str, dict[str, dict]]:
        """{set: {language: {status, source, items, sha256 | reason}}} for the manifest."""
        out: dict[str, dict[str, dict]] = {}
        for lang in langs:
            for s in self.sets(lang):
                out.setdefault(s.name, {})[lang] = s.summary()
        return out

    def require(self, langs: Sequence[str]) -> None:
        """Say which sets could not be read; refuse to build with `on_unchecked: error`."""
        missing = [s for lang in langs for s in self.sets(lang) if s.status == evalsets.UNCHECKED]
        if not missing:
            return
        lines = [f"{s.name} ({s.lang}): {s.reason}" for s in missing]
        if self.cfg.on_unchecked == "error":
            raise CLTError(
                "decontaminate: evaluation sets could not be read, so the mixture cannot be checked against "
                "them (set decontaminate.data_dir, or on_unchecked: warn to build and record them as "
                "unchecked):\n  " + "\n  ".join(lines)
            )
        for line in lines:
            log.warning("decontamination: unchecked, the mixture is not known to be clean of %s", line)

    def fingerprint(self, langs: Sequence[str]) -> dict:
        """What the cache keys on: a changed evaluation set must rebuild the mixture."""
        return {f"{s.name}/{s.lang}": s.sha256 or s.status for lang in langs for s in self.sets(lang)}

    def lineage(self, source_cfg: SourceConfig, task: str, base_dir: Path | None, where: str, key: tuple) -> "Lineage":
        """The lineage of one source, shared by every build that reads it (its verdicts are kept)."""
        if key not in self.lineages:
            self.lineages[key] = Lineage(self, lambda: Source(source_cfg, task, [ENGLISH], base_dir, where=where))
        return self.lineages[key]


class Lineage:
    """The English originals of a translated source, found by id, each checked once.

    A build that samples English hands over its English candidates (every English row, keyed by
    the sampler's own hash of the id), so no second pass over the English table is needed; an
    English-free build opens and scans the English table itself."""

    _SALT = salt("clt-lineage")

    def __init__(self, decon: Decontaminator, open_english: Callable[[], Source]):
        self.decon, self._open = decon, open_english
        self._index: tuple[Source, np.ndarray, np.ndarray, np.ndarray, bytes] | None = None
        self.verdicts: dict[str, tuple[tuple[Hit, ...], tuple[str, ...]]] = {}  # id -> (hits, messages)

    def attach(self, source: Source, english: Candidates, key_salt: bytes) -> None:
        """Look English ids up among a build's own English candidates (sorted by `key_salt` keys)."""
        self._index = (source, english.keys, english.tabs, english.rows, key_salt)

    def _lookup(self) -> tuple[Source, np.ndarray, np.ndarray, np.ndarray, bytes]:
        if self._index is None:
            source = self._open()
            keys, tabs, rows = [], [], []
            for tab, _lang, r, ids in source.scan():
                keys.append(hash_ids(ids, self._SALT))
                tabs.append(np.full(len(r), tab, np.int32))
                rows.append(r)
            c = Candidates.empty() if not keys else Candidates(*map(np.concatenate, (keys, tabs, rows)))
            c = c.take(np.argsort(c.keys, kind="stable"))
            self._index = (source, c.keys, c.tabs, c.rows, self._SALT)
        return self._index

    def check(self, ids: Sequence[str]) -> dict[str, tuple[tuple[Hit, ...], tuple[str, ...]]]:
        """{id: (hits of its English original, that original's messages)} for `ids`."""
        todo = sorted({i for i in ids if i not in self.verdicts})
        if todo:
            source, keys, tabs, rows, key_salt = self._lookup()
            want = hash_ids(todo, key_salt)
            pos = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
            found = (keys[pos] == want) if len(keys) else np.zeros(len(todo), bool)
            for i in todo:
                self.verdicts[i] = ((), ())  # no English row with this id: nothing to inherit
            by_tab: dict[int, list[int]] = {}
            for p in pos[found].tolist():
                by_tab.setdefault(int(tabs[p]), []).append(int(rows[p]))
            for tab, rs in by_tab.items():
                picked = np.asarray(sorted(set(rs)), dtype=np.int64)
                originals = [
                    (ex.id, tuple(m["content"] for m in ex.messages))
                    for ex in source.fetch(tab, picked, [ENGLISH] * len(picked))
                ]
                for (sid, texts), hits in zip(originals, self.decon.check(ENGLISH, [t for _, t in originals])):
                    self.verdicts[sid] = (hits, texts)
        return {i: self.verdicts[i] for i in ids}


@dataclass
class TaskRecord:
    """What decontamination did to one task: rows examined and removed, and the matched pairs."""

    task: str
    lineage: bool
    examined: dict[str, int] = field(default_factory=dict)
    removed_ids: dict[str, set[str]] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (lang, set, rule) -> rows
    pairs: list[dict] = field(default_factory=list)

    def saw(self, lang: str) -> None:
        self.examined[lang] = self.examined.get(lang, 0) + 1

    def remove(self, lang: str, sid: str, rule: str, hits: Sequence[Hit], messages: Sequence[str]) -> None:
        self.removed_ids.setdefault(lang, set()).add(sid)
        for name in sorted({h.item.family for h in hits}):
            self.counts[(lang, name, rule)] = self.counts.get((lang, name, rule), 0) + 1
        for h in hits:
            self.pairs.append(
                {
                    "task": self.task,
                    "lang": lang,
                    "source_id": sid,
                    "rule": rule,
                    "family": h.item.family,
                    "eval_lang": ENGLISH if rule == LINEAGE else lang,
                    "item_id": h.item.item_id,
                    "field": h.item.field,
                    "coverage": round(h.coverage, 4),
                    "row_text": _excerpt(messages[h.message]),
                    "item_text": _excerpt(h.item.text),
                }
            )


def section(
    decon: Decontaminator, records: dict[str, TaskRecord], langs: dict[str, list[str]], matches_sha256: str
) -> dict:
    """The manifest's `decontamination` object. `langs`: task -> languages drawn from."""
    all_langs = sorted(
        {l for ls in langs.values() for l in ls} | ({ENGLISH} if any(r.lineage for r in records.values()) else set())
    )
    sets = decon.status(all_langs)
    checked = {(name, lang) for name, per in sets.items() for lang, s in per.items() if s["status"] == evalsets.CHECKED}
    removed: dict[str, dict[str, dict[str, dict]]] = {}
    for task, rec in records.items():
        for lang in langs[task]:
            per = removed.setdefault(task, {}).setdefault(lang, {})
            for name in decon.names:
                lineage_on = rec.lineage and lang != ENGLISH and (name, ENGLISH) in checked
                per[name] = {
                    NGRAM: rec.counts.get((lang, name, NGRAM), 0) if (name, lang) in checked else None,
                    LINEAGE: rec.counts.get((lang, name, LINEAGE), 0) if lineage_on else None,
                }
    return {
        "rule": {
            **RULE,
            LINEAGE: "a row of a translated source goes in every language when its English original "
            "(same id) matches an English evaluation item",
        },
        "families": list(decon.names),
        "data_dir": str(decon.data_dir) if decon.data_dir else decon.cfg.data_from(),
        "lineage": {task: rec.lineage for task, rec in sorted(records.items())},
        "evaluation_sets": sets,
        "examined": {task: {l: records[task].examined.get(l, 0) for l in langs[task]} for task in sorted(records)},
        "removed": removed,
        "removed_rows": {
            task: {l: len(records[task].removed_ids.get(l, ())) for l in langs[task]} for task in sorted(records)
        },
        "matches_file": MATCHES_FILE,
        "matches_sha256": matches_sha256,
    }


def pair_lines(records: dict[str, TaskRecord]) -> list[bytes]:
    """contamination.jsonl: one matched (row, item) pair per line, in a stable order."""
    pairs = [p for rec in records.values() for p in rec.pairs]
    pairs.sort(key=lambda p: (p["task"], p["lang"], p["source_id"], p["rule"], p["family"], p["item_id"], p["field"]))
    return [(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8") for p in pairs]
