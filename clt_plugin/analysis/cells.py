"""A matrix's raw material: each run's scores on one task family, and each entry's cells (value,
stderr, per-item scores) that the uncertainty stage resamples."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from clt_plugin.analysis.entries import Entry
from clt_plugin.analysis.items import ItemScores, read_samples
from clt_plugin.analysis.model import lang_sort_key
from clt_plugin.analysis.results import RunResults, value_reader
from clt_plugin.analysis.uncertainty import Cell
from clt_plugin.errors import CLTError


@dataclass
class FamilyScores:
    """The runs with results for one family, and their scores keyed by run name, then language."""

    family: str
    metric: str
    runs: list[RunResults] = field(default_factory=list)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    stderrs: dict[str, dict[str, float | None]] = field(default_factory=dict)
    fidelity: dict[str, dict[str, float]] = field(default_factory=dict)
    tasks: dict[str, dict[str, str]] = field(default_factory=dict)  # run -> language -> task name
    languages: list[str] = field(default_factory=list)  # registry order

    def require_metric(self) -> None:
        if not any(self.scores.values()):
            found = sorted(
                {m for r in self.runs for t in r.tasks.values() if t.family == self.family for m in t.metric_names()}
            )
            raise CLTError(f"task {self.family}: no run has metric {self.metric!r} (metrics found: {', '.join(found)})")


def read_family(
    runs: Sequence[RunResults], family: str, metric: str, fidelity_metric: str | None, notes: list[str]
) -> FamilyScores:
    """Every run's `metric` (and fidelity) per language of `family`; runs without it are noted."""
    out = FamilyScores(family, metric)
    read_metric = value_reader(metric)
    read_fid = value_reader(fidelity_metric) if fidelity_metric and fidelity_metric != metric else None
    all_langs: set[str] = set()
    for r in runs:
        vals: dict[str, float] = {}
        ses: dict[str, float | None] = {}
        fids: dict[str, float] = {}
        names: dict[str, str] = {}
        for t in r.tasks.values():
            if t.family != family:
                continue
            all_langs.add(t.lang)
            names[t.lang] = t.task
            v = read_metric(t)
            if v is not None:
                vals[t.lang] = v
                s = t.score(metric)
                ses[t.lang] = s.stderr if s is not None else None
            if read_fid is not None:
                fv = read_fid(t)
                if fv is not None:
                    fids[t.lang] = fv
        if names:
            out.runs.append(r)
            out.scores[r.name], out.stderrs[r.name], out.fidelity[r.name], out.tasks[r.name] = vals, ses, fids, names
        else:
            notes.append(f"run {r.name}: no clt_{family}_* results; left out")
    if not out.runs:
        known = sorted({f for r in runs for f in r.families()})
        raise CLTError(
            f"no run has results for task clt_{family}_*"
            + (f" (tasks found: {', '.join(known)})" if known else " (no clt_* tasks found)")
        )
    out.languages = sorted(all_langs, key=lang_sort_key)
    return out


class ItemCache:
    """Per-item scores read once per (run, task, metric)."""

    def __init__(self):
        self.cache: dict[tuple[str, str, str], ItemScores | None] = {}

    def get(self, run: RunResults, task: str, metric: str) -> ItemScores | None:
        key = (run.name, task, metric)
        if key not in self.cache:
            paths = run.samples.get(task)
            self.cache[key] = read_samples(paths, metric) if paths else None
        return self.cache[key]


def entry_cells(e: Entry, fs: FamilyScores, items: ItemCache, no_items: list[str]):
    """(cells, absolute values, spread across seeds) of one entry, per language; an entry with a
    cell lacking per-item scores is added to `no_items`."""
    cells: dict[str, Cell] = {}
    values: dict[str, float | None] = {}
    spread: dict[str, float | None] = {}
    lacking = False
    for l in fs.languages:
        per_seed = [fs.scores[r.name].get(l) for r in e.runs]
        if any(v is None for v in per_seed):
            values[l], spread[l] = None, None
            continue
        v = math.fsum(per_seed) / len(per_seed)
        values[l] = v
        spread[l] = float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else None
        its = _item_scores(e, l, fs, items)
        if its:
            cells[l] = Cell(v, None, its, l)
        else:
            lacking = True
            cells[l] = Cell(v, _stderr(e, l, fs, spread[l]), [], l)
    if lacking:
        no_items.append(e.name)
    return cells, values, spread


def _item_scores(e: Entry, lang: str, fs: FamilyScores, items: ItemCache) -> list[ItemScores]:
    """Each run's per-item scores on `lang`, or [] when any run lacks usable ones."""
    its = []
    for r in e.runs:
        task = fs.tasks[r.name].get(lang)
        it = items.get(r, task, fs.metric) if task else None
        score = fs.scores[r.name][lang]
        # An item mean that is not the reported score: the metric does not average over items.
        if it is None or abs(it.mean() - score) > 1e-6 * max(1.0, abs(score)):
            return []
        its.append(it)
    return its


def _stderr(e: Entry, lang: str, fs: FamilyScores, spread: float | None) -> float | None:
    ses = [fs.stderrs[r.name].get(lang) for r in e.runs]
    if any(s is None for s in ses):
        return None
    if len(ses) > 1:
        # Between-seed spread over sqrt(seeds), never below what the stderrs alone give.
        return max(spread / math.sqrt(len(ses)), math.sqrt(math.fsum(s * s for s in ses)) / len(ses))
    return ses[0]


def align_streams(cells_of: dict[str, dict[str, Cell]], bases: list[str]) -> None:
    """Runs over the same items share a language's resampling stream (that pairs them); a run
    over other items gets a stream of its own (resampled independently)."""
    ref: dict[str, ItemScores] = {}
    order = bases + [n for n in cells_of if n not in bases]
    for name in order:
        for l, c in cells_of[name].items():
            if not c.items:
                continue
            first = c.items[0]
            if l not in ref:
                ref[l] = first
            if not all(it.same_items(ref[l]) for it in c.items):
                c.stream = f"{l}#{name}"
