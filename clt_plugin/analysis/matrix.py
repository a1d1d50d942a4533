"""Transfer matrices: one task and metric over many runs, in four views, with their uncertainty.

Views (values in the metric's own units unless said; clt_plugin.analysis.views defines them):
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

The stages, one module each: cells.py reads the scores, entries.py decides which runs are
compared (comparability, baselines, seeds), views.py turns scores into a view's values,
matrix_stats.py adds the intervals and tests, groups.py the group statistics; this module
assembles them.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from clt_plugin import families
from clt_plugin.analysis.bootstrap import Resampler
from clt_plugin.analysis.cells import (
    NO_SAMPLES,
    EntryCells,
    FamilyScores,
    ItemCache,
    align_streams,
    entry_cells,
    read_family,
)
from clt_plugin.analysis.checkpoints import Split, split_checkpoints
from clt_plugin.analysis.entries import (
    Entry,
    base_entries,
    base_model,
    check_comparable,
    comparability,
    find_baseline,
    seed_entries,
    seed_label,
)
from clt_plugin.analysis.gcpause import gc_paused
from clt_plugin.analysis.groups import add_group_statistics
from clt_plugin.analysis.matrix_stats import add_uncertainty
from clt_plugin.analysis.model import SERIES, GroupStats, Matrix, Row, lang_sort_key
from clt_plugin.analysis.results import ENGLISH, RunResults, aggregate, mean
from clt_plugin.analysis.uncertainty import StatOptions, correct
from clt_plugin.analysis.views import ORDERS, VIEWS, View, get_view
from clt_plugin.errors import CLTError
from clt_plugin.names import family_part, group_name

__all__ = [
    "ENGLISH",
    "FIDELITY_METRIC",
    "ORDERS",
    "SERIES",
    "VIEWS",
    "GroupStats",
    "Matrix",
    "Row",
    "base_model",
    "build_matrices",
    "build_matrix",
    "check_comparable",
    "compare_runs",
    "find_baseline",
    "lang_sort_key",
    "metric_for",
    "normalize_task",
    "tasks_to_build",
]

FIDELITY_METRIC = families.FIDELITY_METRIC
_ItemCache = ItemCache  # the name build_matrix's `_items` argument was documented with


def normalize_task(task: str) -> str:
    """`mgsm` or `clt_mgsm` -> `mgsm` (the family)."""
    return family_part(task)


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


def _check_options(view: str, order: str, plateau_threshold: float, stats: StatOptions | None) -> StatOptions:
    get_view(view)
    if order not in ORDERS:
        raise CLTError(f"unknown order {order!r} (known: {', '.join(ORDERS)})")
    if not 0 < plateau_threshold <= 1:
        raise CLTError(f"plateau threshold must be in (0, 1], got {plateau_threshold}")
    opts = stats or StatOptions()
    opts.check()
    return opts


@gc_paused()
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
    _items: ItemCache | None = None,
) -> Matrix:
    """One task's matrix over `runs`; raises CLTError on anything that would make it misleading.

    `stats` sets the intervals and tests; `resampler` lets several matrices share their draws.
    """
    opts = _check_options(view, order, plateau_threshold, stats)
    shown = get_view(view)
    if resampler is None or resampler.resamples != opts.resamples or resampler.seed != opts.seed:
        resampler = Resampler(opts.resamples, opts.seed)
    family = normalize_task(task)
    notes: list[str] = []
    fs = read_family(runs, family, metric_for(family, metric), fidelity_metric, notes)
    problems, flagged = comparability(fs.runs, family)
    if problems and not allow_mixed:
        raise CLTError(
            f"runs are not comparable on task {family}:\n  "
            + "\n  ".join(problems)
            + "\n(re-evaluate them alike, or pass --allow-mixed to show them flagged)"
        )
    fs.require_metric()

    split = split_checkpoints(fs.runs, notes)
    bases = {r.name: base_model(r) for r in fs.runs}
    entries = seed_entries(split.finals, bases, notes)
    base_of = base_entries(entries, split.finals, baseline, required=shown.against_baseline)
    base_names = {e.name for e in base_of.values() if e is not None}
    hidden = _training_entries(entries, split, bases)
    cells = _entry_cells(entries + hidden, fs, _items or ItemCache(), base_names, notes)
    rows = [_row(e, fs, shown, cells, base_of.get(e.name), base_names, flagged, notes) for e in entries]
    matrix = Matrix(
        task=family,
        metric=fs.metric,
        view=view,
        languages=fs.languages,
        rows=shown.rows(rows, notes, order),
        baseline=", ".join(sorted(base_names)) or None,
        fidelity_metric=fidelity_metric if fs.has_fidelity else None,
        notes=notes,
        mixed=problems,
        plateau_threshold=plateau_threshold,
        options=opts,
        checkpoints=[_row(e, fs, get_view("absolute"), cells, None, set(), flagged, []) for e in hidden],
    )
    for row in rows + matrix.checkpoints:
        if len(row.runs) == 1:
            point = split.points[row.runs[0]]
            row.step, row.training_run, row.checkpoint = point.step, point.training_run, point.checkpoint
    cells_of = {name: c.cells for name, c in cells.items()}
    add_uncertainty(matrix, cells_of, {n: b.name for n, b in base_of.items() if b is not None}, resampler)
    if shown.group_statistics:
        add_group_statistics(matrix, cells_of, resampler, pool)
    resampler.forget()
    return matrix


def _training_entries(entries: list[Entry], split: Split, bases: dict[str, str | None]) -> list[Entry]:
    """Evaluations that are not rows but count in rho over training: every checkpoint, and each
    seed run of a pooled row whose training was evaluated at checkpoints too."""
    trained_at = {split.points[r.name].training_run for r in split.checkpoints}
    names = {e.name for e in entries}
    seeds = [
        r
        for e in entries
        if len(e.runs) > 1
        for r in e.runs
        if split.points[r.name].training_run in trained_at and r.name not in names
    ]
    return [Entry(r.name, [r], bases[r.name]) for r in seeds + split.checkpoints]


def _entry_cells(entries: list[Entry], fs: FamilyScores, items: ItemCache, base_names: set[str], notes: list[str]):
    """Each entry's cells (the mean over seeds for a pooled entry), and notes on every cell whose
    interval cannot rest on all its items."""
    of = {e.name: entry_cells(e, fs, items) for e in entries}
    align_streams({name: c.cells for name, c in of.items()}, sorted(base_names))
    lacking: dict[str, list[str]] = {}  # reason -> entries (or "entry (languages)")
    few: list[str] = []
    for name, c in of.items():
        by_reason: dict[str, list[str]] = {}
        for lang, reason in c.lacking.items():
            by_reason.setdefault(reason, []).append(lang)
        for reason, langs in by_reason.items():
            lacking.setdefault(reason, []).append(name if reason == NO_SAMPLES else f"{name} ({', '.join(langs)})")
        few += [f"{name} {l} {n}/{total}" for l, (n, total) in c.counts.items() if 2 * n < total]
    for reason, where in lacking.items():
        notes.append(
            f"{reason} for {_some(where)}: their intervals use lm-eval's "
            "stderr (normal approximation) and their delta tests are unpaired"
        )
    if few:
        notes.append(
            f"fewer than half of the items have a {fs.metric} value in {_some(few)} (scored/items): "
            "those values and intervals rest on the scored items only"
        )
    return of


def _some(names: list[str]) -> str:
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _row(
    e: Entry,
    fs: FamilyScores,
    view: View,
    cells_of: dict[str, EntryCells],
    own_base: Entry | None,
    base_names: set[str],
    flagged: set[str],
    notes: list[str],
) -> Row:
    """One entry's row in the view's units, with the notes its values call for."""
    own = cells_of[e.name]
    values = own.values
    missing = [l for l in fs.languages if values[l] is None]
    if missing:
        notes.append(
            f"run {e.name}: no {fs.metric} score for {', '.join(missing)} (shown as –, left out of its averages)"
        )
    m = e.manifest
    seen = m.seen if m is not None else None
    if m is None:
        notes.append(
            f"run {e.name}: no manifest found (give --run NAME=DIR:MANIFEST); seen and unseen averages unknown"
        )
    cells = view.values(values, cells_of[own_base.name].values if own_base is not None else None)
    problem = view.problem(values)
    if problem:
        notes.append(f"run {e.name}: {problem}")
    fid: dict[str, float | None] = {}
    has_fidelity = fs.has_fidelity
    if has_fidelity:
        fid = {l: mean([fs.fidelity[r.name].get(l) for r in e.runs]) for l in fs.languages}
    absolute_agg = aggregate(values, seen)
    return Row(
        run=e.name,
        label=e.name,
        k=m.examples_per_language() if m is not None else None,
        trained=m.trained_languages() if m is not None else (),
        seen=seen,
        is_baseline=e.name in base_names,
        cells=cells,
        agg=absolute_agg if cells == values else aggregate(cells, seen),
        fidelity=mean(fid.values()) if has_fidelity else None,
        fidelity_by_lang=fid,
        absolute=values,
        absolute_agg=absolute_agg,
        flagged=any(r.name in flagged for r in e.runs),
        runs=tuple(r.name for r in e.runs),
        seeds=tuple(seed_label(r) for r in e.runs) if len(e.runs) > 1 else (),
        spread=own.spread,
        base_model=e.base,
        n_scored={l: n for l, (n, _) in own.counts.items()},
        n_items={l: total for l, (_, total) in own.counts.items()},
    )


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
        raise CLTError(f"--compare {a} {b}: no run {b!r} with {group_name(m.task)} results (runs: {', '.join(names)})")
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
    kwargs.setdefault("_items", ItemCache())
    return tasks
