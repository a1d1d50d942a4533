"""Per-item scores from lm-eval's ``samples_<task>_<date>.jsonl`` (``--log_samples``).

Each line is one document: ``doc_id``, ``filter``, ``doc_hash``, ``prompt_hash``, and the value of
every per-item metric under its own name (``"acc": 1.0``; a boolean for IFEval's prompt-level
metrics). One file holds a line per (document, filter). A metric whose per-item values are not
numbers (lists, tuples: corpus-level metrics such as BLEU) has no per-item score here, and neither
has one whose item mean differs from the score lm-eval reported (its aggregation is not a mean):
the analysis then falls back to lm-eval's stderr and says so.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from clt_plugin.errors import CLTError
from clt_plugin.io import read_text, value_error_at

DEFAULT_FILTER = "none"


@dataclass(frozen=True)
class ItemScores:
    """One run's scores on one task, item by item, sorted by doc_id."""

    doc_ids: np.ndarray  # int64
    values: np.ndarray  # float64
    hashes: tuple[str, ...]  # doc_hash per item ("" when absent)

    @property
    def n(self) -> int:
        return int(self.values.size)

    def mean(self) -> float:
        return math.fsum(self.values.tolist()) / self.n

    def same_items(self, other: "ItemScores") -> bool:
        """The same documents (ids and, where both have them, content hashes): a paired comparison is valid."""
        if self.n != other.n or not np.array_equal(self.doc_ids, other.doc_ids):
            return False
        return all(a == b or not a or not b for a, b in zip(self.hashes, other.hashes))


def _item_value(value) -> float | None:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, (int, float)):
        v = float(value)
        return v if math.isfinite(v) else None
    return None


def parse_samples(lines: Sequence[str], metric: str, path: Path | str = "<samples>") -> ItemScores | None:
    """Per-item values of `metric` ("name" or "name,filter") from the lines of samples files.

    None when the metric is absent or not a number per item. A malformed line is an error naming
    the file and line; a document listed twice with different values is one too.
    """
    name, _, flt = metric.partition(",")
    flt = flt or DEFAULT_FILTER
    by_doc: dict[int, tuple[float, str]] = {}
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except (ValueError, RecursionError) as e:  # ValueError: also an integer too long for Python
            raise CLTError(f"{path}: line {lineno}: not JSON ({value_error_at(line, e, lines=False)})") from None
        if not isinstance(rec, dict):
            raise CLTError(f"{path}: line {lineno}: expected an object, got {type(rec).__name__}")
        if rec.get("filter", DEFAULT_FILTER) != flt or name not in rec:
            continue
        doc_id = rec.get("doc_id")
        if isinstance(doc_id, bool) or not isinstance(doc_id, int):
            raise CLTError(f"{path}: line {lineno}: doc_id: expected an integer, got {doc_id!r}")
        value = _item_value(rec[name])
        if value is None:
            return None  # not a per-item number: the reported stderr is all there is
        h = rec.get("doc_hash")
        h = h if isinstance(h, str) else ""
        old = by_doc.get(doc_id)
        if old is not None and old[0] != value:
            raise CLTError(f"{path}: line {lineno}: doc_id {doc_id} listed twice with different {name} values")
        by_doc[doc_id] = (value, h)
    if not by_doc:
        return None
    ids = sorted(by_doc)
    return ItemScores(
        np.asarray(ids, dtype=np.int64),
        np.asarray([by_doc[i][0] for i in ids], dtype=np.float64),
        tuple(by_doc[i][1] for i in ids),
    )


def read_samples(paths: Sequence[Path], metric: str) -> ItemScores | None:
    lines = [line for p in paths for line in read_text(p, "samples file").splitlines()]
    return parse_samples(lines, metric, paths[0] if len(paths) == 1 else ", ".join(map(str, paths)))
