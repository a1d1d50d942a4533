"""A matrix's raw material: each run's scores on one task family, and each entry's cells (value,
stderr, per-item scores) that the uncertainty stage resamples."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from clt_plugin.analysis.entries import Entry
from clt_plugin.analysis.items import ItemScores, ItemsRead, read_items
from clt_plugin.analysis.model import lang_sort_key
from clt_plugin.analysis.results import RunResults, value_reader
from clt_plugin.analysis.uncertainty import Cell
from clt_plugin.errors import CLTError
from clt_plugin.names import task_name


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

    @functools.cached_property  # asked for by every row
    def has_fidelity(self) -> bool:
        return any(self.fidelity.values())

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
            notes.append(f"run {r.name}: no {task_name(family, '*')} results; left out")
    if not out.runs:
        known = sorted({f for r in runs for f in r.families()})
        raise CLTError(
            f"no run has results for task {task_name(family, '*')}"
            + (f" (tasks found: {', '.join(known)})" if known else " (no clt_* tasks found)")
        )
    out.languages = sorted(all_langs, key=lang_sort_key)
    return out


# Why a cell has no per-item scores when no samples file was written: the note the matrix prints
# for those entries together (the other reasons are noted per cell).
NO_SAMPLES = "no per-item scores (lm-eval --log_samples)"
_NOTHING = ItemsRead(None, 0, NO_SAMPLES)


class ItemCache:
    """Per-item scores read once per (run, task, metric)."""

    def __init__(self):
        self.cache: dict[tuple[str, str, str], ItemsRead] = {}

    def get(self, run: RunResults, task: str, metric: str) -> ItemScores | None:
        return self.read(run, task, metric).scores

    def read(self, run: RunResults, task: str, metric: str) -> ItemsRead:
        paths = run.samples.get(task)
        if not paths:
            return _NOTHING
        key = (run.name, task, metric)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = read_items(paths, metric)
        return found


@dataclass
class EntryCells:
    """One entry's cells per language, with their absolute values and what the samples said."""

    cells: dict[str, Cell] = field(default_factory=dict)
    values: dict[str, float | None] = field(default_factory=dict)
    spread: dict[str, float | None] = field(default_factory=dict)  # sd across seeds
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # language -> (scored, listed)
    lacking: dict[str, str] = field(default_factory=dict)  # language -> why it has no per-item scores


def entry_cells(e: Entry, fs: FamilyScores, items: ItemCache) -> EntryCells:
    """The cells of one entry (the mean over seeds for a pooled one), per language."""
    out = EntryCells()
    if len(e.runs) == 1 and not e.runs[0].samples:
        return _stderr_cells(e.runs[0], fs, out)
    for l in fs.languages:
        per_seed = [fs.scores[r.name].get(l) for r in e.runs]
        if any(v is None for v in per_seed):
            out.values[l], out.spread[l] = None, None
            continue
        v = math.fsum(per_seed) / len(per_seed)
        out.values[l] = v
        out.spread[l] = float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else None
        reads = [_read(r, l, fs, items) for r in e.runs]
        if all(read.listed for read in reads):
            out.counts[l] = (sum(read.scores.n if read.scores else 0 for read in reads), sum(r.listed for r in reads))
        reason = next((why for why in (_why_not(read, r, l, fs) for read, r in zip(reads, e.runs)) if why), None)
        if reason is None:
            out.cells[l] = Cell(v, None, [read.scores for read in reads], l)
        else:
            out.lacking[l] = reason
            out.cells[l] = Cell(v, _stderr(e, l, fs, out.spread[l]), [], l)
    return out


def _stderr_cells(run: RunResults, fs: FamilyScores, out: EntryCells) -> EntryCells:
    """The cells of one run without samples files: each score with its stderr (the common case
    of a large sweep, kept lean)."""
    scores, stderrs = fs.scores[run.name], fs.stderrs[run.name]
    for l in fs.languages:
        v = scores.get(l)
        out.values[l] = v
        out.spread[l] = None
        if v is not None:
            out.lacking[l] = NO_SAMPLES
            out.cells[l] = Cell(v, stderrs.get(l), [], l)
    return out


def _read(run: RunResults, lang: str, fs: FamilyScores, items: ItemCache) -> ItemsRead:
    task = fs.tasks[run.name].get(lang)
    return items.read(run, task, fs.metric) if task else _NOTHING


def _why_not(read: ItemsRead, run: RunResults, lang: str, fs: FamilyScores) -> str | None:
    """Why this run's per-item scores cannot stand for its reported score (None: they can)."""
    if read.scores is None:
        return read.reason
    score, mean = fs.scores[run.name][lang], read.scores.mean()
    if abs(mean - score) > 1e-6 * max(1.0, abs(score)):
        return f"the per-item {fs.metric} values do not average to the reported score (not a mean over items)"
    return None


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
