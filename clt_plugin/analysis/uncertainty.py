"""Uncertainty for a transfer matrix: an interval for every cell and aggregate, a paired test
for every delta against the baseline, corrected for multiple comparisons.

Where a cell's distribution comes from, best first:
- ``items``: the run's per-item scores (lm-eval ``--log_samples``); percentile bootstrap over
  items, all runs resampled jointly per language, so deltas are paired. The delta test is a
  sign-flip permutation test on the per-item differences (exact under the null that each item's
  two scores are exchangeable), valid when the two runs answered the same items (same doc ids and
  document hashes).
- ``seeds``: a configuration trained with several seeds, each with per-item scores; a two-level
  bootstrap (seeds drawn with replacement, then items), so intervals count seed-to-seed and item
  variance; its delta test is the bootstrap p-value of the difference.
- ``stderr``: no per-item scores: lm-eval's reported standard error under a normal approximation
  (unpaired, so conservative for deltas); rows made only of such cells are computed in closed
  form, without resampling.
Every interval and test says which one it used.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import NamedTuple, Protocol, Sequence

import numpy as np

from clt_plugin.analysis.bootstrap import (
    CORRECTION_NAMES,
    CORRECTIONS,
    DEFAULT_LEVEL,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    DTYPE,
    Interval,
    Resampler,
    adjust,
    bootstrap_p,
    hierarchical,
    normal_p,
    percentile_interval,
    permutation_p,
)
from clt_plugin.analysis.items import ItemScores


class View(Protocol):
    """What row statistics need of a view (clt_plugin.analysis.views.View has it). A protocol, so
    that this layer does not import the views, which sit above it."""

    linear: bool
    against_baseline: bool

    def resampled(self, boots, base_boots): ...


AGGREGATES = ("english", "seen", "unseen", "gap", "all")
METHOD_ITEMS = "bootstrap over items"
METHOD_SEEDS = "bootstrap over seeds and items"
METHOD_STDERR = "normal approximation from lm-eval stderr"
TEST_PERMUTATION = "paired sign-flip permutation"
TEST_BOOTSTRAP = "paired bootstrap"
TEST_NORMAL = "z-test from stderr (unpaired)"
# Group statistics (rho, plateau) resample every run of a group at once: runs x resamples is capped.
GROUP_BUDGET = 4_000_000


@dataclass(frozen=True)
class StatOptions:
    resamples: int = DEFAULT_RESAMPLES
    seed: int = DEFAULT_SEED
    level: float = DEFAULT_LEVEL
    correction: str = "holm"
    alpha: float = 0.05

    def check(self) -> None:
        from clt_plugin.errors import CLTError

        if self.resamples < 100:
            raise CLTError(f"--resamples: expected at least 100, got {self.resamples}")
        if not 0.5 <= self.level < 1:
            raise CLTError(f"--level: expected a confidence level in [0.5, 1), got {self.level}")
        if not 0 < self.alpha < 1:
            raise CLTError(f"--alpha: expected a number in (0, 1), got {self.alpha}")
        if self.correction not in CORRECTIONS:
            raise CLTError(f"--correction: expected one of {', '.join(CORRECTIONS)}, got {self.correction!r}")

    def describe(self) -> str:
        return (
            f"{self.level:.0%} intervals, {self.resamples} resamples, seed {self.seed}; deltas tested against "
            f"the baseline, {CORRECTION_NAMES[self.correction]}-corrected, significant at {self.alpha:g}"
        )


@dataclass
class Cell:
    """One row's score on one language: its point value and how to resample it."""

    value: float
    stderr: float | None = None
    items: list[ItemScores] = field(default_factory=list)  # one per seed; empty: stderr only
    stream: str = ""  # resampling stream: the language, or language + item set when it differs

    @property
    def kind(self) -> str:
        if not self.items:
            return "stderr"
        return "seeds" if len(self.items) > 1 else "items"

    @property
    def method(self) -> str:
        return {"items": METHOD_ITEMS, "seeds": METHOD_SEEDS, "stderr": METHOD_STDERR}[self.kind]


class Test(NamedTuple):
    """A delta against the baseline: estimate, interval, p-value (raw and corrected), verdict."""

    estimate: float
    low: float
    high: float
    p_value: float
    method: str
    p_adjusted: float | None = None
    significant: bool = False


# --------------------------------------------------------------------------- distributions


class Distributions:
    """Bootstrap distributions of cells and of their aggregates, computed on demand."""

    def __init__(self, resampler: Resampler, row_key: str = ""):
        self.r = resampler
        self.row_key = row_key

    def cell(self, cell: Cell, key: str, size: int | None = None) -> np.ndarray:
        """(size,) resampled values of `cell` (the first `size` resamples; all by default)."""
        b = self.r.resamples if size is None else size
        if cell.kind == "stderr":
            return cell.value + (cell.stderr or 0.0) * self.r.normal(f"{key}|{cell.stream}")[:b]
        per_seed = np.stack([self._boot(it, cell.stream, b) for it in cell.items])
        if len(cell.items) == 1:
            return per_seed[0]
        # Seeds are drawn per row, the same for every language: a seed is one trained model, and its
        # effect on one language goes with its effect on the others (the aggregates keep that).
        return hierarchical(per_seed, self.r.seed_picks(self.row_key, len(cell.items))[:b])

    def _boot(self, it: ItemScores, stream: str, b: int) -> np.ndarray:
        kept = self.r.cached("boot", (id(it), stream))
        if kept is not None:
            return kept[:b]
        return (
            self.r.boot_means(stream, it.values)
            if b == self.r.resamples
            else (it.values.astype(DTYPE) @ self.r.counts(stream, it.n)[:b].T).astype(np.float64) / it.n
        )


def prefetch_cells(resampler: Resampler, cells: Sequence[Cell]) -> None:
    """Make the bootstrap means of every item vector of `cells` in as few products as possible."""
    resampler.prefetch("boot", [((id(it), c.stream), c.stream, it.values) for c in cells for it in c.items])


def mean_of(arrays: Sequence[np.ndarray]) -> np.ndarray | None:
    if not arrays:
        return None
    total = arrays[0].copy()
    for a in arrays[1:]:
        total += a
    return total / len(arrays)


def aggregate_boots(
    boots: dict[str, np.ndarray], seen: Sequence[str] | None, english: str = "en"
) -> dict[str, np.ndarray | None]:
    """The aggregates of a row, resample by resample (the same definitions as results.aggregate)."""
    out: dict[str, np.ndarray | None] = {"english": boots.get(english)}
    out["all"] = mean_of(list(boots.values()))
    if seen is None:
        out.update(seen=None, unseen=None, gap=None)
        return out
    seen_l = [l for l in dict.fromkeys(seen) if l != english]
    out["seen"] = mean_of([boots[l] for l in seen_l if l in boots])
    out["unseen"] = mean_of([v for l, v in boots.items() if l != english and l not in seen_l])
    if out["seen"] is None or out["unseen"] is None:
        out["gap"] = None
    else:
        # A ratio view (rel-en) has infinite resamples where English scored 0; their gap is NaN and
        # _intervals leaves such resamples out, so the warning would only be noise.
        with np.errstate(invalid="ignore"):
            out["gap"] = out["seen"] - out["unseen"]
    return out


# --------------------------------------------------------------------------- closed form (stderr only)


@functools.lru_cache(maxsize=8)  # one level per table, asked for by every stderr-only cell
def _z(level: float) -> float:
    return NormalDist().inv_cdf(0.5 + level / 2)


def normal_interval(value: float | None, se: float | None, level: float) -> Interval | None:
    if value is None or se is None or not math.isfinite(se):
        return None
    h = _z(level) * se
    return Interval(value, value - h, value + h, METHOD_STDERR)


def aggregate_se(
    ses: dict[str, float | None], seen: Sequence[str] | None, english: str = "en"
) -> dict[str, float | None]:
    """Standard errors of the aggregates of independent cells (None when any part has none)."""

    def mean_se(langs: list[str]) -> float | None:
        if not langs or any(ses.get(l) is None for l in langs):
            return None
        return math.sqrt(math.fsum(ses[l] ** 2 for l in langs)) / len(langs)

    out = {"english": ses.get(english), "all": mean_se(list(ses))}
    if seen is None:
        out.update(seen=None, unseen=None, gap=None)
        return out
    seen_l = [l for l in dict.fromkeys(seen) if l != english and l in ses]
    unseen_l = [l for l in ses if l != english and l not in seen_l]
    out["seen"], out["unseen"] = mean_se(seen_l), mean_se(unseen_l)
    out["gap"] = None if out["seen"] is None or out["unseen"] is None else math.hypot(out["seen"], out["unseen"])
    return out


# --------------------------------------------------------------------------- one row


@dataclass
class RowStats:
    cells: dict[str, Interval | None]  # language -> interval, in the view's units
    aggregates: dict[str, Interval | None]
    tests: dict[str, Test]  # language or "avg:<aggregate>" -> delta against the baseline
    methods: set[str]


def row_statistics(
    cells: dict[str, Cell],
    view: View,
    point_cells: dict[str, float | None],
    point_aggs: dict[str, float | None],
    seen: Sequence[str] | None,
    base: dict[str, Cell] | None,
    dist: Distributions,
    base_dist: Distributions | None,
    opts: StatOptions,
) -> RowStats:
    """Intervals of one row in the view's units, and its paired tests against the baseline.

    `view` (clt_plugin.analysis.views.View) maps resampled absolute values to its units.
    """
    methods = {c.method for c in cells.values()}
    all_stderr = all(c.kind == "stderr" for c in cells.values()) and (
        base is None or all(c.kind == "stderr" for c in base.values())
    )
    if all_stderr and view.linear:
        return _closed_form_row(cells, view, point_cells, point_aggs, seen, base, opts.level, methods)
    boots = {l: dist.cell(c, dist.row_key + "|" + l) for l, c in cells.items()}
    base_boots = None
    if base is not None and base_dist is not None:
        base_boots = {l: base_dist.cell(c, base_dist.row_key + "|" + l) for l, c in base.items()}
    if view.against_baseline and base_boots is None:
        # The baseline's own row: its difference from itself is 0 by definition, with no interval.
        return RowStats({l: None for l in cells}, {a: None for a in AGGREGATES}, {}, methods)
    shown = view.resampled(boots, base_boots)
    method = (
        METHOD_STDERR if methods == {METHOD_STDERR} else (METHOD_SEEDS if METHOD_SEEDS in methods else METHOD_ITEMS)
    )
    agg_boot = aggregate_boots(shown, seen)
    jobs = [(l, point_cells.get(l), shown.get(l), cells[l].method) for l in cells]
    jobs += [(a, point_aggs.get(a), agg_boot.get(a), method) for a in AGGREGATES]
    found = _intervals([(v, b, m) for _, v, b, m in jobs], opts.level)
    out_cells = {key: iv for (key, *_), iv in zip(jobs[: len(cells)], found)}
    out_aggs = {key: iv for (key, *_), iv in zip(jobs[len(cells) :], found[len(cells) :])}
    tests = {}
    if base_boots is not None:
        tests = _paired_tests(cells, base, boots, base_boots, seen, dist.r, opts.level)
    return RowStats(out_cells, out_aggs, tests, methods)


def _closed_form_row(cells, view: View, point_cells, point_aggs, seen, base, level: float, methods) -> RowStats:
    """A row whose cells (and its baseline's) have stderrs only, in a view linear in the scores:
    normal intervals and z-tests, no resampling."""
    ses = {l: c.stderr for l, c in cells.items()}
    dses = {
        l: (
            math.hypot(c.stderr, base[l].stderr)
            if base is not None and l in base and c.stderr is not None and base[l].stderr is not None
            else None
        )
        for l, c in cells.items()
    }
    shown = dses if view.against_baseline else ses
    out_cells = {l: normal_interval(point_cells.get(l), shown.get(l), level) for l in cells}
    agg_se = aggregate_se(shown, seen)
    out_aggs = {a: normal_interval(point_aggs.get(a), agg_se.get(a), level) for a in AGGREGATES}
    tests: dict[str, Test] = {}
    if base is not None:
        common = {l: c.value - base[l].value for l, c in cells.items() if l in base}
        d_agg = _point_aggregates(common, seen)
        d_se = aggregate_se({l: dses[l] for l in common}, seen)
        for key, est, se in [(l, common[l], dses[l]) for l in common] + [
            (f"avg:{a}", d_agg[a], d_se[a]) for a in AGGREGATES
        ]:
            if est is None or se is None:
                continue
            iv = normal_interval(est, se, level)
            p = 1.0 if se == 0 and est == 0 else float(normal_p(est / se)) if se > 0 else 0.0
            tests[key] = Test(est, iv.low, iv.high, p, TEST_NORMAL)
    return RowStats(out_cells, out_aggs, tests, methods)


def _intervals(jobs: Sequence[tuple[float | None, np.ndarray | None, str]], level: float) -> list[Interval | None]:
    """Percentile intervals of many (value, resamples, method) at once: one quantile call for all
    (a resample that is not finite, e.g. a ratio over a zero, is left out of its own interval)."""
    usable = [i for i, (v, b, _) in enumerate(jobs) if v is not None and b is not None and math.isfinite(v)]
    out: list[Interval | None] = [None] * len(jobs)
    if not usable:
        return out
    stack = np.stack([jobs[i][1] for i in usable])
    finite = np.isfinite(stack)
    if finite.all():
        lo, hi = percentile_interval(stack, level)
    else:
        with np.errstate(invalid="ignore"):
            lo, hi = np.nanquantile(np.where(finite, stack, np.nan), [(1 - level) / 2, (1 + level) / 2], axis=-1)
    for j, i in enumerate(usable):
        if math.isfinite(lo[j]) and math.isfinite(hi[j]):
            v, _, method = jobs[i]
            out[i] = Interval(v, float(lo[j]), float(hi[j]), method)
    return out


def _point_aggregates(values: dict[str, float], seen: Sequence[str] | None) -> dict[str, float | None]:
    from clt_plugin.analysis.results import aggregate

    return dict(zip(AGGREGATES, aggregate(values, seen)))


def _paired_tests(cells, base, boots, base_boots, seen, resampler: Resampler, level: float) -> dict[str, Test]:
    common = [l for l in cells if l in base]
    diffs = {l: boots[l] - base_boots[l] for l in common}
    est = {l: cells[l].value - base[l].value for l in common}
    # Sign flips need one item vector per side over the same items; anything else is bootstrapped.
    flippable = {
        l: cells[l].kind == "items" and base[l].kind == "items" and cells[l].items[0].same_items(base[l].items[0])
        for l in common
    }
    nulls = {}
    for l in common:
        if flippable[l]:
            kept = resampler.cached("flip", (id(cells[l].items[0]), id(base[l].items[0])))
            nulls[l] = (
                kept
                if kept is not None
                else resampler.flip_means(cells[l].stream, cells[l].items[0].values - base[l].items[0].values)
            )
    jobs: list[tuple[str, float, np.ndarray, np.ndarray | None, bool]] = []
    for l in common:
        stderr_only = cells[l].kind == "stderr" or base[l].kind == "stderr"
        jobs.append((l, est[l], diffs[l], nulls.get(l), stderr_only))
    d_agg = _point_aggregates(est, seen)
    b_agg = aggregate_boots(diffs, seen)
    n_agg = aggregate_boots(nulls, seen) if nulls and all(flippable.values()) else {}
    any_stderr = any(cells[l].kind == "stderr" or base[l].kind == "stderr" for l in common)
    for a in AGGREGATES:
        if d_agg.get(a) is not None and b_agg.get(a) is not None:
            jobs.append((f"avg:{a}", d_agg[a], b_agg[a], n_agg.get(a), any_stderr))
    if not jobs:
        return {}
    # One quantile call and one pass per kind of p-value for the whole row.
    boots = np.stack([b for _, _, b, _, _ in jobs])
    lo, hi = percentile_interval(boots, level)
    boot_ps = bootstrap_p(boots)
    sds = boots.std(axis=1)
    tests: dict[str, Test] = {}
    for i, (key, estimate, _, null, stderr_only) in enumerate(jobs):
        if null is not None:
            p, method = float(permutation_p(estimate, null)), TEST_PERMUTATION
        elif stderr_only:
            sd = float(sds[i])
            p = float(normal_p(estimate / sd)) if sd > 0 else (1.0 if estimate == 0 else 0.0)
            method = TEST_NORMAL
        else:
            p, method = float(boot_ps[i]), TEST_BOOTSTRAP
        tests[key] = Test(estimate, float(lo[i]), float(hi[i]), p, method)
    return tests


def correct(tests: Sequence[Test], method: str, alpha: float) -> list[Test]:
    """The same tests with adjusted p-values and verdicts (one family: all the tests given)."""
    adjusted = adjust([t.p_value for t in tests], method)
    return [Test(t.estimate, t.low, t.high, t.p_value, t.method, pa, pa < alpha) for t, pa in zip(tests, adjusted)]
