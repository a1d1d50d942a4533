"""Pure selection logic over (key, table, row) arrays: orderings, parallel pools, disjoint ownership.

No I/O here, so the invariants (exact counts, nesting, parallel, disjoint) are property-tested
directly on these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np

from clt_plugin.mixture.keys import mix64

PRUNE_SLACK = 65_536  # rows an Ordering may hold beyond 2 x limit before it trims back to limit


@dataclass
class Candidates:
    """Rows in sampling order: the first k of them are the k-row sample."""

    keys: np.ndarray  # uint64
    tabs: np.ndarray  # int32: which table of the source
    rows: np.ndarray  # int64: row number in that table

    def __len__(self) -> int:
        return len(self.keys)

    def take(self, mask_or_idx) -> "Candidates":
        return Candidates(self.keys[mask_or_idx], self.tabs[mask_or_idx], self.rows[mask_or_idx])

    @staticmethod
    def empty() -> "Candidates":
        return Candidates(np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int64))


class Ordering:
    """Collects (key, table, row) chunk by chunk; keeps only the `limit` smallest when a limit is given,
    so memory stays O(limit + chunk) however large the source."""

    def __init__(self, limit: int | None = None):
        self.limit = limit
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._size = 0
        self.seen = 0  # rows offered, kept or not (the source's size for this language)

    def add(self, keys: np.ndarray, tab: int, rows: np.ndarray) -> None:
        self.seen += len(keys)
        if self.limit == 0 or len(keys) == 0:
            return
        self._parts.append((keys, np.full(len(keys), tab, np.int32), rows))
        self._size += len(keys)
        if self.limit is not None and self._size > 2 * self.limit + PRUNE_SLACK:
            c = self._merged()
            self._parts, self._size = [(c.keys, c.tabs, c.rows)], len(c)

    def _merged(self) -> Candidates:
        if not self._parts:
            return Candidates.empty()
        keys = np.concatenate([p[0] for p in self._parts])
        tabs = np.concatenate([p[1] for p in self._parts])
        rows = np.concatenate([p[2] for p in self._parts])
        order = np.lexsort((rows, tabs, keys))  # key first; ties (hash collisions) by position
        if self.limit is not None:
            order = order[: self.limit]
        return Candidates(keys[order], tabs[order], rows[order])

    def result(self) -> Candidates:
        return self._merged()


def first_duplicate(ids: Iterable[str]) -> str | None:
    """The first id seen twice, in one linear pass (None when all are distinct)."""
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            return i
        seen.add(i)
    return None


def has_duplicates(keys: np.ndarray) -> bool:
    return len(np.unique(keys)) != len(keys)


def parallel_pool(orders: dict[str, Candidates]) -> dict[str, Candidates]:
    """Restrict every language to the ids that all of them have (same key = same id)."""
    if not orders:
        return {}
    common = None
    for c in orders.values():
        common = np.unique(c.keys) if common is None else np.intersect1d(common, c.keys, assume_unique=False)
    return {lang: c.take(np.isin(c.keys, common)) for lang, c in orders.items()}


def disjoint_pool(orders: dict[str, Candidates], exclude: np.ndarray) -> dict[str, Candidates]:
    """Give each id to exactly one language (a seeded pick among the languages that have it),
    after removing `exclude` (the ids English already took). Ownership never depends on k,
    so samples stay nested."""
    langs = list(orders)
    if not langs:
        return {}
    all_keys = np.concatenate([orders[l].keys for l in langs])
    all_lang = np.concatenate([np.full(len(orders[l]), i, np.int32) for i, l in enumerate(langs)])
    order = np.lexsort((all_lang, all_keys))
    k_sorted, l_sorted = all_keys[order], all_lang[order]
    uniq, start, count = np.unique(k_sorted, return_index=True, return_counts=True)
    pick = (mix64(uniq) % count.astype(np.uint64)).astype(np.int64)
    owner = l_sorted[start + pick]
    out = {}
    for i, lang in enumerate(langs):
        c = orders[lang]
        pos = np.searchsorted(uniq, c.keys)
        mine = owner[pos] == i
        if len(exclude):
            mine &= ~np.isin(c.keys, exclude)
        out[lang] = c.take(mine)
    return out
