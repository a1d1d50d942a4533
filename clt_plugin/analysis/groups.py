"""Statistics per group of comparable runs (base model, seen-language set): Spearman's rho between
the seen and unseen averages, the curves over examples per language, and their plateau points,
each with a bootstrap interval. Pooling groups is refused unless asked for, and then labelled.
They always use absolute scores, whatever the view."""

from __future__ import annotations

import math
import os

import numpy as np

from clt_plugin.analysis.bootstrap import Interval, Resampler, percentile_interval, plateau_boot, spearman_boot
from clt_plugin.analysis.checkpoints import step_key
from clt_plugin.analysis.matrix_stats import PREFETCH_BUDGET, CellsOf, prefetch_rows
from clt_plugin.analysis.model import SERIES, GroupStats, Matrix, Rho, Row, lang_sort_key
from clt_plugin.analysis.results import aggregate
from clt_plugin.analysis.stats import plateau, spearman
from clt_plugin.analysis.uncertainty import GROUP_BUDGET, Distributions, aggregate_boots

Boots = dict[str, dict[str, np.ndarray | None]]  # run -> series -> resamples


def group_key(row: Row) -> tuple[str | None, tuple[str, ...]]:
    return (row.base_model, tuple(sorted(row.seen or (), key=lang_sort_key)))


def group_label(base: str | None, seen: tuple[str, ...]) -> str:
    seen_text = f"seen {','.join(seen)}"
    if base is None:
        return seen_text
    return f"{os.path.basename(base.rstrip('/' + chr(92))) or base} · {seen_text}"


def add_group_statistics(matrix: Matrix, cells_of: CellsOf, resampler: Resampler, pool: bool) -> None:
    base_rows = [r for r in matrix.rows if r.is_baseline]
    groups: dict[tuple, list[Row]] = {}
    for row in matrix.rows:
        if row.is_baseline or row.seen is None or not row.seen:
            continue
        groups.setdefault(group_key(row), []).append(row)
    for (base, seen), members in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        anchor = _anchor(base_rows, base)
        stats = _GroupRun(matrix, cells_of, resampler, (base, seen), members, anchor, pooled=False)
        matrix.groups.append(stats.compute(group_label(base, seen)))
    if len(groups) > 1:
        shown = "; ".join(g.label for g in matrix.groups)
        if pool:
            members = [r for rows in groups.values() for r in rows]
            stats = _GroupRun(matrix, cells_of, resampler, (None, ()), members, None, pooled=True)
            matrix.pooled = stats.compute(f"POOLED across {len(groups)} groups ({shown})")
        else:
            matrix.notes.append(
                f"statistics per group ({len(groups)} groups: {shown}); pooled ones are refused "
                "(pass --pool to add them, labelled as pooled)"
            )
    if groups and not base_rows:
        matrix.notes.append("no English-only baseline run: plateau points need one")


def _anchor(base_rows: list[Row], base: str | None) -> Row | None:
    """The baseline of the group's base model anchors k = 0 (the only baseline, when models are unknown)."""
    own = [r for r in base_rows if r.base_model == base]
    if len(own) == 1:
        return own[0]
    if len(base_rows) == 1 and (base_rows[0].base_model is None or base is None):
        return base_rows[0]
    return None


class _GroupRun:
    """One group's statistics in the making: its rows, their resampled series, the results."""

    def __init__(self, matrix: Matrix, cells_of: CellsOf, resampler: Resampler, key, members, anchor, pooled: bool):
        self.matrix, self.cells_of, self.resampler = matrix, cells_of, resampler
        self.base, self.seen = key
        self.members, self.anchor, self.pooled = members, anchor, pooled
        self.row_names = {r.run for r in matrix.rows}
        # Single-run rows by run name (a pooled row's seed runs among them), and checkpoint
        # evaluations by training run, both in the order they were built: final models first.
        self.single = {r.runs[0]: r for r in matrix.rows + matrix.checkpoints if len(r.runs) == 1}
        self.checkpoints_of: dict[str, list[Row]] = {}
        for r in matrix.checkpoints:
            if r.checkpoint:
                self.checkpoints_of.setdefault(r.training_run, []).append(r)

    def compute(self, label: str) -> GroupStats:
        # The baseline counts among a group's runs for rho when its manifest names the same seen set.
        anchor, members = self.anchor, self.members
        own_anchor = anchor is not None and not self.pooled and group_key(anchor) == (self.base, self.seen)
        rho_rows = members + ([anchor] if own_anchor else [])
        training = self._training(rho_rows)
        hidden = [r for points in training.values() for r in points if r.run not in self.row_names]
        n_rows = len(members) + (1 if anchor is not None else 0) + len(hidden)
        opts = self.matrix.options
        self.size = max(100, min(opts.resamples, GROUP_BUDGET // max(1, n_rows * len(self.matrix.languages))))
        pairs = [r for r in rho_rows if r.absolute_agg.seen is not None and r.absolute_agg.unseen is not None]
        corr = spearman([r.absolute_agg.seen for r in pairs], [r.absolute_agg.unseen for r in pairs])
        g = GroupStats(
            label, self.base, self.seen, tuple(r.run for r in members), corr, pooled=self.pooled, resamples=self.size
        )
        self._prefetch(label, members + pairs + ([anchor] if anchor is not None else []) + hidden)
        self.row_boots = self._boots_of_rows(list({id(r): r for r in members + pairs}.values()), lambda r: r.seen)
        if corr.rho is not None and len(pairs) >= 3:
            g.rho_ci = self._rho_interval(corr.rho, pairs)
        by_k: dict[object, list[Row]] = {}
        for r in rho_rows:
            by_k.setdefault(r.run if r.k is None else r.k, []).append(r)
        g.rho_grid = self._rho(list(by_k.values()))
        if any(len(points) > 1 for points in training.values()):
            g.rho_checkpoints = self._rho([[r] for points in training.values() for r in points])
            g.checkpoint_curves = {
                name: [(r.step, r.absolute_agg.seen, r.absolute_agg.unseen) for r in points]
                for name, points in training.items()
            }
        if not self.pooled:
            self._curves(g)
        return g

    def _training(self, rows: list[Row]) -> dict[str, list[Row]]:
        """Each training run behind `rows` -> its evaluations in training order (final model, and
        checkpoints), one per step: a final model saved at a checkpoint's step is that checkpoint."""
        out: dict[str, list[Row]] = {}
        for row in rows:
            finals = [row] if len(row.runs) == 1 else [self.single[n] for n in row.runs if n in self.single]
            for final in finals or [row]:
                points = [final] + self.checkpoints_of.get(final.training_run, []) if final.training_run else [final]
                by_step = {}
                for p in points:  # the final model first: it wins a step it shares with a checkpoint
                    by_step.setdefault(p.step, p)
                out[final.run] = sorted(by_step.values(), key=lambda p: step_key(p.step))
        return out

    def _rho(self, points: list[list[Row]]) -> Rho:
        """Spearman's rho over points (each the mean of its rows' seen and unseen averages), its
        p-value, and a percentile bootstrap interval over items (and seeds)."""
        usable = [
            p for p in points if all(r.absolute_agg.seen is not None and r.absolute_agg.unseen is not None for r in p)
        ]
        seen = [math.fsum(r.absolute_agg.seen for r in p) / len(p) for p in usable]
        unseen = [math.fsum(r.absolute_agg.unseen for r in p) / len(p) for p in usable]
        corr = spearman(seen, unseen)
        if corr.rho is None:
            return Rho(None, None, None, None, corr.n, corr.note)
        boots = [[self._boots(r) for r in p] for p in usable]
        if any(b[s] is None for p in boots for b in p for s in ("seen", "unseen")):
            return Rho(corr.rho, corr.p_value, None, None, corr.n, "no interval: a point has no resamples")
        s = np.stack([np.mean(np.stack([b["seen"] for b in p]), axis=0) for p in boots])
        u = np.stack([np.mean(np.stack([b["unseen"] for b in p]), axis=0) for p in boots])
        ci = self._interval(corr.rho, s, u)
        return Rho(corr.rho, corr.p_value, ci.low if ci else None, ci.high if ci else None, corr.n)

    def _boots(self, row: Row) -> dict[str, np.ndarray | None]:
        if row.run not in self.row_boots:
            self.row_boots[row.run] = self.boots_of(row, row.seen)
        return self.row_boots[row.run]

    def _prefetch(self, label: str, rows: list[Row]) -> None:
        everyone = list({id(r): r for r in rows}.values())
        if len(everyone) * len(self.matrix.languages) * self.matrix.options.resamples <= PREFETCH_BUDGET:
            prefetch_rows(self.resampler, everyone, self.cells_of, {}, keep=True)
        self.resampler.prefetch_normals(
            label,
            [
                f"{r.run}|{l}|{c.stream}"
                for r in everyone
                for l, c in self.cells_of[r.run].items()
                if c.kind == "stderr"
            ],
            self.size,
        )

    def boots_of(self, row: Row, use_seen) -> dict[str, np.ndarray | None]:
        return self._boots_of_rows([row], lambda r: use_seen)[row.run]

    def _boots_of_rows(self, rows: list[Row], seen_of) -> Boots:
        """Each row's resampled languages and aggregates (with the seen set `seen_of(row)`). Rows
        with the same languages and seen set are computed together, element by element the same
        arithmetic as one row at a time: a sweep's thousands of rows cost a few array operations."""
        by_sig: dict[tuple, list[Row]] = {}
        for r in rows:
            seen = seen_of(r)
            by_sig.setdefault((tuple(self.cells_of[r.run]), None if seen is None else tuple(seen)), []).append(r)
        out: Boots = {}
        for (langs, seen), same in by_sig.items():
            lang_boots = {l: self._lang_boots(same, l) for l in langs}
            aggs = aggregate_boots(lang_boots, seen)
            for i, r in enumerate(same):
                out[r.run] = {
                    **{a: None if b is None else b[i] for a, b in aggs.items()},
                    **{f"lang:{l}": b[i] for l, b in lang_boots.items()},
                }
        return out

    def _lang_boots(self, rows: list[Row], lang: str) -> np.ndarray:
        """(rows, size) resampled values of the rows' cells in `lang`."""
        cells = [self.cells_of[r.run][lang] for r in rows]
        if all(c.kind == "stderr" for c in cells):  # value + stderr x its stream's normal draws
            normals = np.stack(
                [self.resampler.normal(f"{r.run}|{lang}|{c.stream}")[: self.size] for r, c in zip(rows, cells)]
            )
            values = np.array([c.value for c in cells])
            ses = np.array([c.stderr or 0.0 for c in cells])
            return values[:, None] + ses[:, None] * normals
        return np.stack(
            [Distributions(self.resampler, r.run).cell(c, r.run + "|" + lang, self.size) for r, c in zip(rows, cells)]
        )

    def _rho_interval(self, rho: float, pairs: list[Row]) -> Interval | None:
        s = np.stack([self.row_boots[r.run]["seen"] for r in pairs])
        u = np.stack([self.row_boots[r.run]["unseen"] for r in pairs])
        return self._interval(rho, s, u)

    def _interval(self, rho: float, s: np.ndarray, u: np.ndarray) -> Interval | None:
        """The percentile interval of rho over resamples of (points, resamples) seen and unseen."""
        boot = spearman_boot(s, u)
        finite = boot[np.isfinite(boot)]
        if not finite.size:
            return None
        lo, hi = percentile_interval(finite, self.matrix.options.level)
        return Interval(rho, float(lo), float(hi), f"bootstrap over items, {self.size} resamples")

    def _curves(self, g: GroupStats) -> None:
        """Curves and plateaus: by k, runs of one k averaged, the baseline at k = 0."""
        anchor_boots = self.boots_of(self.anchor, self.seen) if self.anchor is not None else None
        by_k: dict[int, list[Row]] = {}
        for r in self.members:
            if r.k is not None:
                by_k.setdefault(r.k, []).append(r)
        for s in list(SERIES) + [f"lang:{l}" for l in self.matrix.languages]:
            base_point = None
            pts: list[tuple[int, float, float | None, float | None]] = []
            if self.anchor is not None:
                v = _series_value(self.anchor, s, self.seen)
                if v is not None:
                    base_point = (v, anchor_boots.get(s))
                    pts.append((0, v, *self._bounds(base_point[1])))
            usable_ks, curve = self._points(s, by_k, pts)
            if len(pts) > (1 if base_point else 0):
                g.curves[s] = pts
            if s in SERIES and base_point is not None and len(pts) > 1:
                g.plateaus[s] = plateau([(k, v) for k, v, _, _ in pts], base_point[0], self.matrix.plateau_threshold)
                if base_point[1] is not None and len(curve) == len(pts) - 1 and curve:
                    g.plateau_ci[s] = self._plateau_interval(usable_ks, curve, base_point[1])

    def _points(self, s: str, by_k: dict[int, list[Row]], pts: list) -> tuple[list[int], list[np.ndarray]]:
        """Append the series' point at each k to `pts`; (the ks, their resamples) where all runs have them."""
        usable_ks, curve = [], []
        for k in sorted(by_k):
            vals = [_series_value(r, s, r.seen) for r in by_k[k]]
            bs = [self.row_boots[r.run].get(s) for r in by_k[k]]
            if any(v is None for v in vals):
                continue
            b = None if any(x is None for x in bs) else np.mean(np.stack(bs), axis=0)
            pts.append((k, math.fsum(vals) / len(vals), *self._bounds(b)))
            if b is not None:
                curve.append(b)
                usable_ks.append(k)
        return usable_ks, curve

    def _bounds(self, b: np.ndarray | None) -> tuple[float | None, float | None]:
        if b is None:
            return None, None
        lo, hi = percentile_interval(b, self.matrix.options.level)
        return float(lo), float(hi)

    def _plateau_interval(self, ks: list[int], curve: list[np.ndarray], base: np.ndarray):
        pk = plateau_boot(ks, np.stack(curve), base, self.matrix.plateau_threshold)
        finite = pk[np.isfinite(pk)]
        if finite.size < pk.size / 2:
            return None
        level = self.matrix.options.level
        return tuple(float(x) for x in np.quantile(finite, [(1 - level) / 2, (1 + level) / 2], method="lower"))


def _series_value(row: Row, s: str, seen) -> float | None:
    if s.startswith("lang:"):
        return row.absolute.get(s[5:])
    if seen == row.seen and row.absolute_agg is not None:
        return getattr(row.absolute_agg, s)
    return getattr(aggregate(row.absolute, seen), s)
