"""Transfer matrices: one task and metric over many runs, in four views, with their uncertainty.

Views (values in the metric's own units unless said):
- ``absolute``: the scores;
- ``delta``: score minus the English-only baseline run's score for the same language;
- ``rel-en``: percent of the same run's English score (the paper's "Perf. to EN");
- ``transfer``: rows are the source languages, cells the gain over the baseline per target
  language (the classic transfer matrix). Single-source runs when there are any; otherwise
  every trained run, its row labelled by its source set.

Aggregates per row: English, seen average (English excluded), unseen average, seen - unseen
gap, all-language average. A language a run lacks is None (shown as "–"), never 0, and left out
of that run's averages with a note.

Runs of one configuration trained with different seeds (manifests equal but for `seed` and
`training_seed`) make one row: the mean over seeds, the spread across seeds, and intervals that
count both seed and item variance. Every cell and aggregate has an interval, and every delta
against the baseline a paired test, corrected for multiple comparisons (see uncertainty.py).

Statistics are computed per group of comparable runs: (base model, seen-language set). Spearman
rho between seen and unseen averages, and the plateau point, each with a bootstrap interval;
pooling groups is refused unless asked for (`pool=True`), and then labelled as pooled. They
always use absolute scores, whatever the view.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from clt_plugin import families, languages
from clt_plugin.analysis.bootstrap import Interval, Resampler, percentile_interval, plateau_boot, spearman_boot
from clt_plugin.analysis.items import ItemScores, read_samples
from clt_plugin.analysis.results import ENGLISH, Aggregates, RunResults, aggregate, mean, value_reader
from clt_plugin.analysis.stats import Correlation, Plateau, plateau, spearman
from clt_plugin.analysis.uncertainty import (
    AGGREGATES,
    GROUP_BUDGET,
    Cell,
    Distributions,
    StatOptions,
    Test,
    aggregate_boots,
    correct,
    prefetch_cells,
    row_statistics,
)
from clt_plugin.errors import CLTError
from clt_plugin.io import read_json

VIEWS = ("absolute", "delta", "rel-en", "transfer")
ORDERS = ("k", "lang")
FIDELITY_METRIC = families.FIDELITY_METRIC
SERIES = ("english", "seen", "unseen")
_REGISTRY_ORDER = {code: i for i, code in enumerate(languages.LANGUAGES)}
# Resampled means kept at once (floats): bounds memory whatever the number of runs.
PREFETCH_BUDGET = 25_000_000
_SEED_SUFFIX = re.compile(r"[-_.](seed|s)[-_]?\d+$", re.IGNORECASE)


@dataclass(slots=True)
class Row:
    run: str
    label: str
    k: int | None  # examples per language (manifest per_language); None: unknown or unequal
    trained: tuple[str, ...]  # non-English languages with training rows
    seen: tuple[str, ...] | None  # None: no manifest, seen set unknown
    is_baseline: bool
    cells: dict[str, float | None]  # language -> value in the view's units
    agg: Aggregates
    fidelity: float | None = None
    fidelity_by_lang: dict[str, float | None] = field(default_factory=dict)
    absolute: dict[str, float | None] = field(default_factory=dict)
    absolute_agg: Aggregates | None = None
    flagged: bool = False  # differs from the other runs in version, hash, few-shot (--allow-mixed)
    runs: tuple[str, ...] = ()  # the runs behind the row: one, or one per seed
    seeds: tuple[str, ...] = ()  # "training/mixture" seed of each run, when the row pools seeds
    spread: dict[str, float | None] = field(default_factory=dict)  # sd across seeds, absolute units
    base_model: str | None = None
    ci: dict[str, Interval | None] = field(default_factory=dict)  # language -> interval, view units
    agg_ci: dict[str, Interval | None] = field(default_factory=dict)
    tests: dict[str, Test] = field(default_factory=dict)  # language or "avg:<agg>" -> delta vs baseline
    methods: tuple[str, ...] = ()


@dataclass
class GroupStats:
    """Statistics of one group of comparable runs (or of a pooled set, labelled so)."""

    label: str
    base_model: str | None
    seen: tuple[str, ...]
    runs: tuple[str, ...]
    spearman: Correlation
    rho_ci: Interval | None = None
    plateaus: dict[str, Plateau] = field(default_factory=dict)
    plateau_ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    # series (aggregate or language) -> [(k, value, low, high)], baseline at k = 0
    curves: dict[str, list[tuple[int, float, float | None, float | None]]] = field(default_factory=dict)
    pooled: bool = False
    resamples: int = 0


@dataclass
class Matrix:
    task: str
    metric: str
    view: str
    languages: list[str]
    rows: list[Row]
    baseline: str | None
    fidelity_metric: str | None
    notes: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)  # comparability differences, with --allow-mixed
    plateau_threshold: float = 0.95
    groups: list[GroupStats] = field(default_factory=list)
    pooled: GroupStats | None = None
    options: StatOptions = field(default_factory=StatOptions)
    uncertainty_note: str = ""
    n_tests: int = 0

    @property
    def spearman(self) -> Correlation | None:
        """The one group's rho (or the pooled one when asked for); None when there are several groups."""
        if self.pooled is not None:
            return self.pooled.spearman
        return self.groups[0].spearman if len(self.groups) == 1 else None

    @property
    def plateaus(self) -> dict[str, dict[str, Plateau]]:
        return {g.label: g.plateaus for g in self.groups if g.plateaus}

    @property
    def curves(self) -> dict[str, dict[str, list[tuple[int, float]]]]:
        return {
            g.label: {s: [(k, v) for k, v, _, _ in pts] for s, pts in g.curves.items() if s in SERIES}
            for g in self.groups
        }


def lang_sort_key(code: str) -> tuple[int, str]:
    return (_REGISTRY_ORDER.get(code, len(_REGISTRY_ORDER)), code)


def normalize_task(task: str) -> str:
    """`mgsm` or `clt_mgsm` -> `mgsm` (the family)."""
    return task[4:] if task.startswith("clt_") else task


def metric_for(family: str, metric: str | Mapping[str, str] | None) -> str:
    """The metric to read for a family: a plain name applies to all; a mapping is per family."""
    if isinstance(metric, str):
        return metric
    if metric and family in metric:
        return metric[family]
    default = families.primary_metric(family)  # the registry's metric when none is named
    if default is not None:
        return default
    raise CLTError(f"task {family}: no default metric; name one with --metric {family}=METRIC")


# --------------------------------------------------------------------------- consistency


def check_comparable(runs: Sequence[RunResults], family: str) -> list[str]:
    """Differences in task version, task hash or few-shot between runs, one line per difference."""
    return _comparability(runs, family)[0]


def _comparability(runs: Sequence[RunResults], family: str) -> tuple[list[str], set[str]]:
    """(one line per difference, the runs that differ from the majority in any of them)."""
    problems: list[str] = []
    flagged: set[str] = set()
    by_task: dict[str, dict[str, dict[object, list[str]]]] = {}
    for run in runs:
        for t in run.tasks.values():
            if t.family != family:
                continue
            fields = by_task.setdefault(t.task, {"version": {}, "task hash": {}, "n-shot": {}})
            fields["version"].setdefault(t.version, []).append(run.name)
            fields["n-shot"].setdefault(t.n_shot, []).append(run.name)
            # Hashes exist only when samples were logged; an absent one cannot disagree.
            if t.task_hash is not None:
                fields["task hash"].setdefault(t.task_hash, []).append(run.name)
    for task in sorted(by_task):
        for name, values in by_task[task].items():
            if len(values) > 1:
                shown = "; ".join(
                    f"{_short(v)} ({', '.join(names)})"
                    for v, names in sorted(values.items(), key=lambda kv: str(kv[0]))
                )
                problems.append(f"{task}: {name} differs: {shown}")
                flagged |= _minority(values)
    versions: dict[str | None, list[str]] = {}
    for run in runs:
        if any(t.family == family for t in run.tasks.values()):
            versions.setdefault(run.lm_eval_version, []).append(run.name)
    if len(versions) > 1:
        shown = "; ".join(f"{v} ({', '.join(n)})" for v, n in sorted(versions.items(), key=lambda kv: str(kv[0])))
        problems.append(f"lm_eval version differs: {shown}")
        flagged |= _minority(versions)
    return problems, flagged


def _minority(groups: Mapping[object, list[str]]) -> set[str]:
    """Runs outside the largest group (on a tie, the group met first stays unflagged)."""
    majority = max(groups.values(), key=len)
    return {name for names in groups.values() if names is not majority for name in names}


def _short(value: object) -> str:
    text = repr(value)
    return text[:14] + "…'" if isinstance(value, str) and len(value) > 16 else text


# --------------------------------------------------------------------------- baseline


def _describe(run: RunResults) -> str:
    m = run.manifest
    if m is None:
        return f"{run.name} (no manifest)"
    k = m.examples_per_language()
    return f"{run.name} (k={k if k is not None else 'mixed'}, english_only={str(m.english_only).lower()})"


def find_baseline(runs: Sequence[RunResults], name: str | None = None, *, required: bool = False) -> RunResults | None:
    """The English-only run: named, or the one whose manifest says english_only."""
    if name is not None:
        for run in runs:
            if run.name == name:
                return run
        raise CLTError(f"--baseline {name!r}: no such run (runs: {', '.join(r.name for r in runs)})")
    found = [r for r in runs if r.manifest is not None and r.manifest.english_only]
    if len(found) == 1:
        return found[0]
    if not required:
        return None
    if not found:
        raise CLTError(
            "no English-only baseline run (a manifest with english_only: true) among the runs: "
            + ", ".join(_describe(r) for r in runs)
            + "; add one, or name it with --baseline NAME"
        )
    raise CLTError(f"several English-only runs ({', '.join(r.name for r in found)}); pick one with --baseline NAME")


# --------------------------------------------------------------------------- base models and seeds

_BASE_CACHE: dict[str, str | None] = {}


def base_model(run: RunResults) -> str | None:
    """The checkpoint a run's model was trained from: the base of a LoRA adapter (`pretrained=`
    beside `peft=`), else the `_name_or_path` its config.json records; None when unknown."""
    args = run.model_args
    if args.get("peft") and args.get("pretrained"):
        return args["pretrained"]
    model_dir = run.model_dir()
    if not model_dir:
        return None
    if model_dir not in _BASE_CACHE:
        found = None
        path = os.path.join(model_dir, "config.json")
        if os.path.isfile(path):
            try:
                cfg = read_json(path, "model config")
            except CLTError:
                cfg = None
            name = cfg.get("_name_or_path") if isinstance(cfg, dict) else None
            if isinstance(name, str) and name and os.path.normpath(name) != os.path.normpath(model_dir):
                found = name
        _BASE_CACHE[model_dir] = found
    return _BASE_CACHE[model_dir]


def _seed_of(run: RunResults) -> tuple[object, object] | None:
    m = run.manifest
    if m is None:
        return None
    return (getattr(m, "training_seed", None), getattr(m, "seed", None))


def _config_key(run: RunResults, base: str | None) -> tuple | None:
    """What must be equal for two runs to be seeds of one configuration."""
    m = run.manifest
    if m is None:
        return None
    counts = tuple(sorted((t, tuple(sorted(per.items()))) for t, per in m.counts.items()))
    return (base, tuple(m.seen), m.per_language, m.english_only, counts)


@dataclass
class _Entry:
    """One row's runs: a single run, or the seeds of one configuration."""

    name: str
    runs: list[RunResults]
    base: str | None

    @property
    def manifest(self):
        return self.runs[0].manifest


def _seed_entries(runs: Sequence[RunResults], bases: dict[str, str | None], notes: list[str]) -> list[_Entry]:
    groups: dict[tuple, list[RunResults]] = {}
    order: list[tuple] = []
    for r in runs:
        key = _config_key(r, bases[r.name])
        key = ("run", r.name) if key is None else key
        if key not in groups:
            order.append(key)
        groups.setdefault(key, []).append(r)
    entries = []
    for key in order:
        members = groups[key]
        seeds = [_seed_of(r) for r in members]
        if len(members) > 1 and len(set(seeds)) == len(members):
            members = sorted(members, key=lambda r: (str(_seed_of(r)), r.name))
            stems = {_SEED_SUFFIX.sub("", r.name) for r in members}
            name = stems.pop() if len(stems) == 1 else "+".join(r.name for r in members)
            entries.append(_Entry(name, members, bases[members[0].name]))
            notes.append(f"{name}: {len(members)} seeds pooled ({', '.join(r.name for r in members)})")
        else:
            entries.extend(_Entry(r.name, [r], bases[r.name]) for r in members)
    return entries


def _seed_label(run: RunResults) -> str:
    training, mixture = _seed_of(run) or (None, None)
    return f"{'–' if training is None else training}/{'–' if mixture is None else mixture}"


# --------------------------------------------------------------------------- building


def _order_key(order: str):
    def key(row: Row):
        trained = tuple(lang_sort_key(l) for l in row.trained)
        k = (row.k is None, row.k if row.k is not None else 0)
        if order == "lang":
            return (not row.is_baseline, trained, k, row.run)
        return (not row.is_baseline, k, trained, row.run)

    return key


def _transform(view: str, values: Mapping[str, float | None], base: Mapping[str, float | None] | None):
    if view == "absolute":
        return dict(values)
    if view in ("delta", "transfer"):
        assert base is not None
        return {l: (v - base[l]) if v is not None and base.get(l) is not None else None for l, v in values.items()}
    if view == "rel-en":
        en = values.get(ENGLISH)
        if en is None or en == 0:
            return {l: None for l in values}
        # v / en first: the English column is then exactly 100.
        return {l: 100.0 * (v / en) if v is not None else None for l, v in values.items()}
    raise CLTError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")


def _view_value(view: str, en_boot):
    def f(lang, x):
        if view == "rel-en":
            with np.errstate(divide="ignore", invalid="ignore"):
                return 100.0 * (x / en_boot) if en_boot is not None else x * np.nan
        return x

    return f


class _ItemCache:
    """Per-item scores read once per (run, task, metric)."""

    def __init__(self):
        self.cache: dict[tuple[str, str, str], ItemScores | None] = {}

    def get(self, run: RunResults, task: str, metric: str) -> ItemScores | None:
        key = (run.name, task, metric)
        if key not in self.cache:
            paths = run.samples.get(task)
            self.cache[key] = read_samples(paths, metric) if paths else None
        return self.cache[key]


def build_matrix(
    runs: Sequence[RunResults],
    task: str,
    metric: str | Mapping[str, str] | None = None,
    *,
    view: str = "absolute",
    baseline: str | None = None,
    allow_mixed: bool = False,
    order: str = "k",
    plateau_threshold: float = 0.95,
    fidelity_metric: str | None = FIDELITY_METRIC,
    stats: StatOptions | None = None,
    pool: bool = False,
    resampler: Resampler | None = None,
    _items: _ItemCache | None = None,
) -> Matrix:
    """One task's matrix over `runs`; raises CLTError on anything that would make it misleading.

    `stats` sets the intervals and tests; `resampler` lets several matrices share their draws.
    """
    if view not in VIEWS:
        raise CLTError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if order not in ORDERS:
        raise CLTError(f"unknown order {order!r} (known: {', '.join(ORDERS)})")
    if not 0 < plateau_threshold <= 1:
        raise CLTError(f"plateau threshold must be in (0, 1], got {plateau_threshold}")
    opts = stats or StatOptions()
    opts.check()
    if resampler is None or resampler.resamples != opts.resamples or resampler.seed != opts.seed:
        resampler = Resampler(opts.resamples, opts.seed)
    items = _items or _ItemCache()
    family = normalize_task(task)
    metric_name = metric_for(family, metric)
    notes: list[str] = []

    read_metric = value_reader(metric_name)
    read_fid = value_reader(fidelity_metric) if fidelity_metric and fidelity_metric != metric_name else None
    with_task: list[RunResults] = []
    scores: dict[str, dict[str, float]] = {}
    stderrs: dict[str, dict[str, float | None]] = {}
    fidelity: dict[str, dict[str, float]] = {}
    tasks_of: dict[str, dict[str, str]] = {}
    all_langs: set[str] = set()
    for r in runs:
        vals: dict[str, float] = {}
        ses: dict[str, float | None] = {}
        fids: dict[str, float] = {}
        names: dict[str, str] = {}
        found = False
        for t in r.tasks.values():
            if t.family != family:
                continue
            found = True
            all_langs.add(t.lang)
            names[t.lang] = t.task
            v = read_metric(t)
            if v is not None:
                vals[t.lang] = v
                s = t.score(metric_name)
                ses[t.lang] = s.stderr if s is not None else None
            if read_fid is not None:
                fv = read_fid(t)
                if fv is not None:
                    fids[t.lang] = fv
        if found:
            with_task.append(r)
            scores[r.name], stderrs[r.name], fidelity[r.name], tasks_of[r.name] = vals, ses, fids, names
        else:
            notes.append(f"run {r.name}: no clt_{family}_* results; left out")
    if not with_task:
        known = sorted({f for r in runs for f in r.families()})
        raise CLTError(
            f"no run has results for task clt_{family}_*"
            + (f" (tasks found: {', '.join(known)})" if known else " (no clt_* tasks found)")
        )

    problems, flagged = _comparability(with_task, family)
    if problems and not allow_mixed:
        raise CLTError(
            f"runs are not comparable on task {family}:\n  "
            + "\n  ".join(problems)
            + "\n(re-evaluate them alike, or pass --allow-mixed to show them flagged)"
        )
    if not any(scores.values()):
        found = sorted({m for r in with_task for t in r.tasks.values() if t.family == family for m in t.metric_names()})
        raise CLTError(f"task {family}: no run has metric {metric_name!r} (metrics found: {', '.join(found)})")
    langs = sorted(all_langs, key=lang_sort_key)
    has_fidelity = any(fidelity.values())

    bases = {r.name: base_model(r) for r in with_task}
    entries = _seed_entries(with_task, bases, notes)
    base_of = _find_base_entries(entries, with_task, baseline, required=view in ("delta", "transfer"))
    base_names = {e.name for e in base_of.values() if e is not None}

    # Absolute values and resampling cells per entry (the mean over seeds for a pooled entry).
    cells_of: dict[str, dict[str, Cell]] = {}
    values_of: dict[str, dict[str, float | None]] = {}
    spread_of: dict[str, dict[str, float | None]] = {}
    no_items: list[str] = []
    for e in entries:
        cells, values, spread = _entry_cells(e, langs, scores, stderrs, tasks_of, metric_name, items, no_items)
        cells_of[e.name], values_of[e.name], spread_of[e.name] = cells, values, spread
    _align_streams(cells_of, sorted(base_names))
    if no_items:
        shown = ", ".join(no_items[:6]) + (f" and {len(no_items) - 6} more" if len(no_items) > 6 else "")
        notes.append(
            f"no per-item scores (lm-eval --log_samples) for {shown}: their intervals use lm-eval's "
            "stderr (normal approximation) and their delta tests are unpaired"
        )

    rows: list[Row] = []
    for e in entries:
        values = values_of[e.name]
        missing = [l for l in langs if values[l] is None]
        if missing:
            notes.append(
                f"run {e.name}: no {metric_name} score for {', '.join(missing)} (shown as –, left out of its averages)"
            )
        m = e.manifest
        seen = m.seen if m is not None else None
        if m is None:
            notes.append(
                f"run {e.name}: no manifest found (give --run NAME=DIR:MANIFEST); seen and unseen averages unknown"
            )
        own_base = base_of.get(e.name)
        cells = _transform(view, values, values_of[own_base.name] if own_base is not None else None)
        if view == "rel-en" and values.get(ENGLISH) in (None, 0):
            notes.append(f"run {e.name}: no nonzero English score, so no rel-en values")
        fid: dict[str, float | None] = {}
        if has_fidelity:
            fid = {l: mean([fidelity[r.name].get(l) for r in e.runs]) for l in langs}
        absolute_agg = aggregate(values, seen)
        rows.append(
            Row(
                run=e.name,
                label=e.name,
                k=m.examples_per_language() if m is not None else None,
                trained=m.trained_languages() if m is not None else (),
                seen=seen,
                is_baseline=e.name in base_names,
                cells=cells,
                agg=absolute_agg if view == "absolute" else aggregate(cells, seen),
                fidelity=mean(fid.values()) if has_fidelity else None,
                fidelity_by_lang=fid,
                absolute=values,
                absolute_agg=absolute_agg,
                flagged=any(r.name in flagged for r in e.runs),
                runs=tuple(r.name for r in e.runs),
                seeds=tuple(_seed_label(r) for r in e.runs) if len(e.runs) > 1 else (),
                spread=spread_of[e.name],
                base_model=e.base,
            )
        )

    if view == "transfer":
        rows = _transfer_rows(rows, notes)
    rows.sort(
        key=_order_key(order) if view != "transfer" else lambda row: (lang_sort_key(row.label), row.k or 0, row.run)
    )

    matrix = Matrix(
        task=family,
        metric=metric_name,
        view=view,
        languages=langs,
        rows=rows,
        baseline=", ".join(sorted(base_names)) or None,
        fidelity_metric=fidelity_metric if has_fidelity else None,
        notes=notes,
        mixed=problems,
        plateau_threshold=plateau_threshold,
        options=opts,
    )
    _add_uncertainty(matrix, cells_of, {n: b.name for n, b in base_of.items() if b is not None}, resampler)
    if view != "transfer":
        _add_group_statistics(matrix, cells_of, resampler, pool)
    resampler.forget()
    return matrix


def _find_base_entries(
    entries: list[_Entry], runs: Sequence[RunResults], name: str | None, *, required: bool
) -> dict[str, _Entry | None]:
    """Each entry's English-only baseline: the one named, or the English-only run of its own base
    model (a grid of several base models has one baseline each), or the only one there is."""
    if name is not None:
        named = next((e for e in entries if e.name == name or name in (r.name for r in e.runs)), None)
        if named is None:
            find_baseline(runs, name)  # raises the usual "no such run"
        return {e.name: named for e in entries}
    english_only = [e for e in entries if e.manifest is not None and e.manifest.english_only]
    by_base: dict[str | None, list[_Entry]] = {}
    for e in english_only:
        by_base.setdefault(e.base, []).append(e)
    out: dict[str, _Entry | None] = {}
    for e in entries:
        own = by_base.get(e.base, [])
        if len(own) == 1:
            out[e.name] = own[0]
        elif not own and len(english_only) == 1:
            out[e.name] = english_only[0]
        else:
            out[e.name] = None
    if required and (not english_only or any(len(v) > 1 for v in by_base.values()) or None in out.values()):
        if len(english_only) > 1 and all(len(v) == 1 for v in by_base.values()):
            lacking = sorted(n for n, b in out.items() if b is None)
            raise CLTError(
                f"no English-only baseline run of the same base model for {', '.join(lacking)} "
                f"(baselines: {', '.join(e.name for e in english_only)}); name one with --baseline NAME"
            )
        find_baseline(runs, None, required=True)  # raises the usual message
    return out


def _entry_cells(e: _Entry, langs, scores, stderrs, tasks_of, metric, items: _ItemCache, no_items: list[str]):
    cells: dict[str, Cell] = {}
    values: dict[str, float | None] = {}
    spread: dict[str, float | None] = {}
    lacking = False
    for l in langs:
        per_seed = [scores[r.name].get(l) for r in e.runs]
        if any(v is None for v in per_seed):
            values[l], spread[l] = None, None
            continue
        v = math.fsum(per_seed) / len(per_seed)
        values[l] = v
        spread[l] = float(np.std(per_seed, ddof=1)) if len(per_seed) > 1 else None
        its = []
        for r in e.runs:
            task = tasks_of[r.name].get(l)
            it = items.get(r, task, metric) if task else None
            # An item mean that is not the reported score: the metric does not average over items.
            if it is None or abs(it.mean() - scores[r.name][l]) > 1e-6 * max(1.0, abs(scores[r.name][l])):
                its = []
                break
            its.append(it)
        if its:
            cells[l] = Cell(v, None, its, l)
        else:
            lacking = True
            ses = [stderrs[r.name].get(l) for r in e.runs]
            if any(s is None for s in ses):
                se = None
            elif len(ses) > 1:
                # Between-seed spread over sqrt(seeds), never below what the stderrs alone give.
                se = max(spread[l] / math.sqrt(len(ses)), math.sqrt(math.fsum(s * s for s in ses)) / len(ses))
            else:
                se = ses[0]
            cells[l] = Cell(v, se, [], l)
    if lacking:
        no_items.append(e.name)
    return cells, values, spread


def _align_streams(cells_of: dict[str, dict[str, Cell]], bases: list[str]) -> None:
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


def _transfer_rows(rows: list[Row], notes: list[str]) -> list[Row]:
    single = [r for r in rows if len(r.trained) == 1]
    if single:
        skipped = [r.run for r in rows if len(r.trained) != 1 and not r.is_baseline]
        if skipped:
            notes.append(f"transfer view: runs without exactly one training language left out: {', '.join(skipped)}")
        out = single
        for row in out:
            row.label = row.trained[0]
    else:
        out = [r for r in rows if r.trained and not r.is_baseline]
        if not out:
            raise CLTError(
                "transfer view: no trained run besides the baseline (a manifest with a non-English language)"
            )
        notes.append("transfer view: no single-source run; each row is a run's whole source set")
        for row in out:
            row.label = "+".join(row.trained)
    sources: dict[str, int] = {}
    for row in out:
        sources[row.label] = sources.get(row.label, 0) + 1
    for row in out:
        if sources[row.label] > 1:
            row.label = f"{row.label} ({row.run})"
        # Seen for a source row is its source set.
        row.agg = aggregate(row.cells, row.trained)
        row.seen = row.trained
    return out


# --------------------------------------------------------------------------- uncertainty


def _add_uncertainty(
    matrix: Matrix, cells_of: dict[str, dict[str, Cell]], base_of: dict[str, str], resampler: Resampler
) -> None:
    opts = matrix.options
    all_tests: list[tuple[Row, str, Test]] = []
    rows = [r for r in matrix.rows if cells_of[r.run]]
    per_row = max(1, max((sum(len(c.items) for c in cells_of[r.run].values()) for r in rows), default=1))
    chunk = max(1, PREFETCH_BUDGET // (resampler.resamples * per_row))
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        _prefetch(resampler, part, cells_of, base_of)
        for row in part:
            all_tests += _row_uncertainty(matrix, row, cells_of, base_of, resampler)
    # What fitted in one pass stays for the group statistics; the caller forgets it at the end.
    corrected = correct([t for _, _, t in all_tests], opts.correction, opts.alpha)
    for (row, key, _), t in zip(all_tests, corrected):
        row.tests[key] = t
    matrix.n_tests = len(all_tests)
    matrix.uncertainty_note = opts.describe() + f" ({len(all_tests)} tests in this table)"


def _prefetch(resampler: Resampler, rows: list[Row], cells_of, base_of: dict[str, str], keep: bool = False) -> None:
    """Resampled means of every item vector of these rows and their baselines, and the sign-flip
    nulls of their paired differences, each kind in one product per language (`keep`: add to
    what is kept rather than replace it)."""
    if not keep:
        resampler.forget()
    names = {r.run for r in rows} | {base_of[r.run] for r in rows if r.run in base_of}
    prefetch_cells(resampler, [c for n in names for c in cells_of[n].values()])
    flips = []
    for r in rows:
        base = base_of.get(r.run)
        if base is None or base == r.run:
            continue
        for l, c in cells_of[r.run].items():
            b = cells_of[base].get(l)
            if b is not None and c.kind == "items" and b.kind == "items" and c.items[0].same_items(b.items[0]):
                flips.append(((id(c.items[0]), id(b.items[0])), c.stream, c.items[0].values - b.items[0].values))
    resampler.prefetch("flip", flips)


def _row_uncertainty(
    matrix: Matrix, row: Row, cells_of, base_of: dict[str, str], resampler: Resampler
) -> list[tuple[Row, str, Test]]:
    """A row's intervals (set on it) and its tests against its baseline (returned, for the correction)."""
    cells = cells_of[row.run]
    dist = Distributions(resampler, row.run)
    en_boot = None
    if matrix.view == "rel-en" and ENGLISH in cells:
        en_boot = dist.cell(cells[ENGLISH], row.run + "|" + ENGLISH)
    base = base_of.get(row.run)
    st = row_statistics(
        cells,
        _view_value(matrix.view, en_boot),
        row.cells,
        dict(zip(AGGREGATES, row.agg)),
        row.seen,
        None if row.is_baseline or base is None else cells_of[base],
        dist,
        Distributions(resampler, base) if base else None,
        matrix.options,
        matrix.view,
    )
    row.ci, row.agg_ci, row.methods = st.cells, st.aggregates, tuple(sorted(st.methods))
    return [(row, key, t) for key, t in st.tests.items()]


# --------------------------------------------------------------------------- group statistics


def _group_key(row: Row) -> tuple[str | None, tuple[str, ...]]:
    return (row.base_model, tuple(sorted(row.seen or (), key=lang_sort_key)))


def _group_label(base: str | None, seen: tuple[str, ...]) -> str:
    seen_text = f"seen {','.join(seen)}"
    if base is None:
        return seen_text
    return f"{os.path.basename(base.rstrip('/' + chr(92))) or base} · {seen_text}"


def _add_group_statistics(
    matrix: Matrix, cells_of: dict[str, dict[str, Cell]], resampler: Resampler, pool: bool
) -> None:
    base_rows = [r for r in matrix.rows if r.is_baseline]
    groups: dict[tuple, list[Row]] = {}
    for row in matrix.rows:
        if row.is_baseline or row.seen is None or not row.seen:
            continue
        groups.setdefault(_group_key(row), []).append(row)
    for (base, seen), members in sorted(groups.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
        # The baseline of the group's base model anchors k = 0 (the only baseline, when models are unknown).
        own = [r for r in base_rows if r.base_model == base]
        anchor = (
            own[0]
            if len(own) == 1
            else (
                base_rows[0]
                if len(base_rows) == 1 and base_rows[0].base_model is None or len(base_rows) == 1 and base is None
                else None
            )
        )
        matrix.groups.append(
            _group_stats(
                _group_label(base, seen), base, seen, members, anchor, matrix, cells_of, resampler, pooled=False
            )
        )
    if len(groups) > 1:
        shown = "; ".join(g.label for g in matrix.groups)
        if pool:
            members = [r for rows in groups.values() for r in rows]
            matrix.pooled = _group_stats(
                f"POOLED across {len(groups)} groups ({shown})",
                None,
                (),
                members,
                None,
                matrix,
                cells_of,
                resampler,
                pooled=True,
            )
        else:
            matrix.notes.append(
                f"statistics per group ({len(groups)} groups: {shown}); pooled ones are refused "
                "(pass --pool to add them, labelled as pooled)"
            )
    if groups and not base_rows:
        matrix.notes.append("no English-only baseline run: plateau points need one")


def _group_stats(
    label,
    base,
    seen,
    members: list[Row],
    anchor: Row | None,
    matrix: Matrix,
    cells_of,
    resampler: Resampler,
    pooled: bool,
) -> GroupStats:
    opts = matrix.options
    # The baseline counts among a group's runs for rho when its manifest names the same seen set.
    rho_rows = members + ([anchor] if anchor is not None and not pooled and _group_key(anchor) == (base, seen) else [])
    pairs = [r for r in rho_rows if r.absolute_agg.seen is not None and r.absolute_agg.unseen is not None]
    corr = spearman([r.absolute_agg.seen for r in pairs], [r.absolute_agg.unseen for r in pairs])
    n_rows = len(members) + (1 if anchor is not None else 0)
    size = max(100, min(opts.resamples, GROUP_BUDGET // max(1, n_rows * len(matrix.languages))))
    g = GroupStats(label, base, seen, tuple(r.run for r in members), corr, pooled=pooled, resamples=size)

    def boots_of(row: Row, use_seen) -> dict[str, np.ndarray | None]:
        dist = Distributions(resampler, row.run)
        lang_boots = {l: dist.cell(c, row.run + "|" + l, size) for l, c in cells_of[row.run].items()}
        return {**aggregate_boots(lang_boots, use_seen), **{f"lang:{l}": b for l, b in lang_boots.items()}}

    everyone = list({id(r): r for r in members + pairs + ([anchor] if anchor is not None else [])}.values())
    if len(everyone) * len(matrix.languages) * opts.resamples <= PREFETCH_BUDGET:
        _prefetch(resampler, everyone, cells_of, {}, keep=True)
    resampler.prefetch_normals(
        label,
        [f"{r.run}|{l}|{c.stream}" for r in everyone for l, c in cells_of[r.run].items() if c.kind == "stderr"],
        size,
    )
    row_boots = {r.run: boots_of(r, r.seen) for r in {id(r): r for r in members + pairs}.values()}
    if corr.rho is not None and len(pairs) >= 3:
        s = np.stack([row_boots[r.run]["seen"] for r in pairs])
        u = np.stack([row_boots[r.run]["unseen"] for r in pairs])
        rho = spearman_boot(s, u)
        finite = rho[np.isfinite(rho)]
        if finite.size:
            lo, hi = percentile_interval(finite, opts.level)
            g.rho_ci = Interval(corr.rho, float(lo), float(hi), f"bootstrap over items, {size} resamples")
    if pooled:
        return g
    # Curves and plateaus: by k, runs of one k averaged, the baseline at k = 0.
    anchor_boots = boots_of(anchor, seen) if anchor is not None else None
    series = list(SERIES) + [f"lang:{l}" for l in matrix.languages]
    by_k: dict[int, list[Row]] = {}
    for r in members:
        if r.k is not None:
            by_k.setdefault(r.k, []).append(r)
    ks = sorted(by_k)
    for s in series:
        pts: list[tuple[int, float, float | None, float | None]] = []
        curve: list[np.ndarray] = []
        base_point = None
        if anchor is not None:
            v = _series_value(anchor, s, seen)
            b = anchor_boots.get(s)
            if v is not None:
                base_point = (v, b)
                lo, hi = percentile_interval(b, opts.level) if b is not None else (None, None)
                pts.append((0, v, _f(lo), _f(hi)))
        usable_ks = []
        for k in ks:
            vals = [_series_value(r, s, r.seen) for r in by_k[k]]
            bs = [row_boots[r.run].get(s) for r in by_k[k]]
            if any(v is None for v in vals):
                continue
            v = math.fsum(vals) / len(vals)
            b = None if any(x is None for x in bs) else np.mean(np.stack(bs), axis=0)
            lo, hi = percentile_interval(b, opts.level) if b is not None else (None, None)
            pts.append((k, v, _f(lo), _f(hi)))
            if b is not None:
                curve.append(b)
                usable_ks.append(k)
        if len(pts) > (1 if base_point else 0):
            g.curves[s] = pts
        if s in SERIES and base_point is not None and len(pts) > 1:
            p = plateau([(k, v) for k, v, _, _ in pts], base_point[0], matrix.plateau_threshold)
            g.plateaus[s] = p
            if base_point[1] is not None and len(curve) == len(pts) - 1 and curve:
                pk = plateau_boot(usable_ks, np.stack(curve), base_point[1], matrix.plateau_threshold)
                finite = pk[np.isfinite(pk)]
                g.plateau_ci[s] = (
                    None
                    if finite.size < pk.size / 2
                    else tuple(
                        float(x)
                        for x in np.quantile(finite, [(1 - opts.level) / 2, (1 + opts.level) / 2], method="lower")
                    )
                )
    return g


def _f(x) -> float | None:
    return None if x is None else float(x)


def _series_value(row: Row, s: str, seen) -> float | None:
    if s.startswith("lang:"):
        return row.absolute.get(s[5:])
    if seen == row.seen and row.absolute_agg is not None:
        return getattr(row.absolute_agg, s)
    return getattr(aggregate(row.absolute, seen), s)


def compare_runs(
    runs: Sequence[RunResults], task: str, a: str, b: str, metric: str | Mapping[str, str] | None = None, **kwargs
) -> Matrix:
    """Run (or pooled seeds) `b` against `a`, whichever they are: the delta view with `a` as the
    baseline, reduced to the two rows; the correction covers this comparison's tests only."""
    if a == b:
        raise CLTError(f"--compare: {a!r} against itself")
    m = build_matrix(runs, task, metric, view="delta", baseline=a, **kwargs)
    rows = [r for r in m.rows if r.is_baseline or b in (r.run, *r.runs)]
    if len(rows) != 2:
        names = sorted({r.run for r in m.rows} | {n for r in m.rows for n in r.runs})
        raise CLTError(f"--compare {a} {b}: no run {b!r} with clt_{m.task} results (runs: {', '.join(names)})")
    tests = list(rows[1].tests.items())
    rows[1].tests = dict(
        zip((k for k, _ in tests), correct([t for _, t in tests], m.options.correction, m.options.alpha))
    )
    m.rows, m.n_tests, m.groups, m.pooled = rows, len(tests), [], None
    m.uncertainty_note = m.options.describe() + f" ({len(tests)} tests in this comparison)"
    return m


def build_matrices(
    runs: Sequence[RunResults],
    tasks: Sequence[str] | None = None,
    metric: str | Mapping[str, str] | None = None,
    **kwargs,
) -> list[Matrix]:
    """One matrix per task (multi-task runs broken down per task); all tasks found when none named."""
    tasks = tasks_to_build(runs, tasks, kwargs)
    return [build_matrix(runs, t, metric, **kwargs) for t in tasks]


def tasks_to_build(runs: Sequence[RunResults], tasks: Sequence[str] | None, kwargs: dict) -> Sequence[str]:
    """The tasks named, or all found; and `kwargs` (build_matrix's) given one resampler and one
    item cache, so that every matrix built with them draws and reads each sample file once."""
    if not tasks:
        tasks = sorted({f for r in runs for f in r.families()})
        if not tasks:
            raise CLTError("no clt_* task results in the runs: " + ", ".join(r.name for r in runs))
    opts = kwargs.get("stats") or StatOptions()
    opts.check()  # a CLTError naming the option, as build_matrix gives, before Resampler's ValueError
    kwargs.setdefault("resampler", Resampler(opts.resamples, opts.seed))
    kwargs.setdefault("_items", _ItemCache())
    return tasks
