"""Per-item scores from lm-eval's ``samples_<task>_<date>.jsonl`` (``--log_samples``).

Each line is one document: ``doc_id``, ``filter``, ``doc_hash``, ``prompt_hash``, and the value of
every per-item metric under its own name (``"acc": 1.0``; a boolean for IFEval's prompt-level
metrics). One file holds a line per (document, filter). A null value is an item the metric did
not score (LPR of a reply with no judged line): it counts among the items, not among the scored
ones. A value that is not finite, or outside the metric's range (clt_plugin.families), is an
error naming the file and line. A metric whose per-item values are not numbers (lists, tuples:
corpus-level metrics such as BLEU) has no per-item score here, and neither has one whose item
mean differs from the score lm-eval reported (its aggregation is not a mean): the analysis then
falls back to lm-eval's stderr and says why.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from clt_plugin.analysis.results import oversized, range_problem
from clt_plugin.errors import CLTError
from clt_plugin.families import metric_range
from clt_plugin.io import read_text, value_error_at

DEFAULT_FILTER = "none"


@dataclass(frozen=True)
class ItemScores:
    """One run's scores on one task, item by item, sorted by doc_id."""

    doc_ids: np.ndarray  # int64
    values: np.ndarray  # float64
    hashes: tuple[str, ...]  # doc_hash per item ("" when absent)
    listed: int | None = None  # documents in the samples files, scored or not (None: as many as scored)

    @property
    def n(self) -> int:
        return int(self.values.size)

    @property
    def n_items(self) -> int:
        return self.n if self.listed is None else self.listed

    def mean(self) -> float:
        return math.fsum(self.values.tolist()) / self.n

    def same_items(self, other: "ItemScores") -> bool:
        """The same documents (ids and, where both have them, content hashes): a paired comparison is valid."""
        if self.n != other.n or not np.array_equal(self.doc_ids, other.doc_ids):
            return False
        return all(a == b or not a or not b for a, b in zip(self.hashes, other.hashes))


@dataclass(frozen=True)
class ItemsRead:
    """What the samples files hold for one metric: the scores, or why there are none."""

    scores: ItemScores | None
    listed: int  # documents listed with the metric, scored or not
    reason: str | None = None  # why `scores` is None


class _NotANumber(Exception):
    """A per-item value that is neither a number nor null: the metric is corpus-level."""


def _item_value(value, name: str, where: str) -> float | None:
    """The item's score; None for null (not scored). Refuses what no score of `name` can be."""
    if value is None:
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, (int, float)):
        raise _NotANumber
    huge = oversized(value) if isinstance(value, int) else None
    if huge:
        raise CLTError(f"{where}: {name}: {huge}")
    problem = range_problem(name, float(value), *metric_range(name))
    if problem:
        raise CLTError(f"{where}: out of range: {problem}")
    return float(value)


class _Collected:
    """Per-document values of one metric and filter, gathered over the lines of samples files."""

    def __init__(self, name: str, flt: str):
        self.name, self.flt = name, flt
        self.by_doc: dict[int, tuple[float | None, str]] = {}
        self.corpus_level = False

    def add_lines(self, lines: Sequence[str], path: Path | str) -> None:
        for lineno, line in enumerate(lines, 1):
            if line.strip():
                self._add(line, f"{path}: line {lineno}")

    def _add(self, line: str, where: str) -> None:
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as e:  # ValueError: also an integer too long for Python
            raise CLTError(f"{where}: not JSON ({value_error_at(line, e, lines=False)})") from None
        if not isinstance(rec, dict):
            raise CLTError(f"{where}: expected an object, got {type(rec).__name__}")
        if rec.get("filter", DEFAULT_FILTER) != self.flt or self.name not in rec:
            return
        doc_id = rec.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, int):
            raise CLTError(f"{where}: doc_id: expected an integer, got {doc_id!r}")
        try:
            value = _item_value(rec[self.name], self.name, where)
        except _NotANumber:
            self.corpus_level = True
            return
        h = rec.get("doc_hash")
        h = h if isinstance(h, str) else ""
        old = self.by_doc.get(doc_id)
        if old is not None and old[0] != value:
            raise CLTError(f"{where}: doc_id {doc_id} listed twice with different {self.name} values")
        self.by_doc[doc_id] = (value, h)

    def result(self, metric: str) -> ItemsRead:
        listed = len(self.by_doc)
        if self.corpus_level:
            return ItemsRead(None, listed, f"per-item {metric} values are not numbers (a corpus-level metric)")
        if not listed:
            return ItemsRead(None, 0, f"the samples files have no per-item {metric}")
        ids = sorted(i for i, (v, _) in self.by_doc.items() if v is not None)
        if not ids:
            return ItemsRead(None, listed, f"no item has a {metric} value (all {listed} null)")
        scores = ItemScores(
            np.asarray(ids, dtype=np.int64),
            np.asarray([self.by_doc[i][0] for i in ids], dtype=np.float64),
            tuple(self.by_doc[i][1] for i in ids),
            listed if listed != len(ids) else None,
        )
        return ItemsRead(scores, listed)


def parse_samples(lines: Sequence[str], metric: str, path: Path | str = "<samples>") -> ItemScores | None:
    """Per-item values of `metric` ("name" or "name,filter") from the lines of samples files.

    None when the metric is absent, not a number per item, or null for every item. A malformed
    line, a value no score can be, and a document listed twice with different values are errors
    naming the file and line.
    """
    collected = _collector(metric)
    collected.add_lines(lines, path)
    return collected.result(metric).scores


def read_items(paths: Sequence[Path], metric: str) -> ItemsRead:
    """The per-item scores of `metric` in these samples files (one task of one run), or the reason
    there are none."""
    collected = _collector(metric)
    for p in paths:
        collected.add_lines(read_text(p, "samples file").splitlines(), p)
    return collected.result(metric)


def read_samples(paths: Sequence[Path], metric: str) -> ItemScores | None:
    return read_items(paths, metric).scores


def _collector(metric: str) -> _Collected:
    name, _, flt = metric.partition(",")
    return _Collected(name, flt or DEFAULT_FILTER)
