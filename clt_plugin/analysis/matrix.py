"""Transfer matrices: one task and metric over many runs, in four views.

Views (values in the metric's own units unless said):
- ``absolute``: the scores;
- ``delta``: score minus the English-only baseline run's score for the same language;
- ``rel-en``: percent of the same run's English score (the paper's "Perf. to EN");
- ``transfer``: single-source runs only, rows are the source language, cells the gain over the
  baseline per target language (the classic transfer matrix).

Aggregates per row: English, seen average (English excluded), unseen average, seen - unseen gap,
all-language average. A language a run lacks is None (shown as "–"), never 0, and left out of
that run's averages with a note. The statistics (Spearman between seen and unseen averages, and
plateau points) always use absolute scores, whatever the view.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from clt_plugin import families, languages
from clt_plugin.analysis.results import (
    ENGLISH,
    Aggregates,
    RunResults,
    aggregate,
    gc_paused,
    mean,
    value_reader,
)
from clt_plugin.analysis.stats import Correlation, Plateau, plateau, spearman
from clt_plugin.errors import CLTError

VIEWS = ("absolute", "delta", "rel-en", "transfer")
ORDERS = ("k", "lang")
FIDELITY_METRIC = families.FIDELITY_METRIC
SERIES = ("english", "seen", "unseen")
_series_values = operator.attrgetter(*SERIES)
_REGISTRY_ORDER = {code: i for i, code in enumerate(languages.LANGUAGES)}


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
    spearman: Correlation | None = None
    plateau_threshold: float = 0.95
    # group label (the seen languages) -> series -> Plateau
    plateaus: dict[str, dict[str, Plateau]] = field(default_factory=dict)
    # group label -> series -> [(k, absolute value)], baseline at k = 0
    curves: dict[str, dict[str, list[tuple[int, float]]]] = field(default_factory=dict)


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
    # Fast pass: the usual answer is "no difference", found without building per-run lists.
    first: dict[str, tuple] = {}
    first_hash: dict[str, str] = {}
    differs = False
    for run in runs:
        for t in run.tasks.values():
            if t.family != family:
                continue
            key = (t.version, t.n_shot)
            if first.setdefault(t.task, key) != key:
                differs = True
                break
            if t.task_hash is not None and first_hash.setdefault(t.task, t.task_hash) != t.task_hash:
                differs = True
                break
        if differs:
            break
    versions = {r.lm_eval_version for r in runs}
    if not differs and len(versions) <= 1:
        return [], set()
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
                    f"{_short(v)} ({', '.join(names)})" for v, names in sorted(values.items(), key=lambda kv: str(kv[0]))
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
    raise CLTError(
        f"several English-only runs ({', '.join(r.name for r in found)}); pick one with --baseline NAME"
    )


# --------------------------------------------------------------------------- building


def _order_key(order: str):
    trained_keys: dict[tuple[str, ...], tuple] = {}  # rows share a handful of training sets

    def key(row: Row):
        trained = trained_keys.get(row.trained)
        if trained is None:
            trained = trained_keys[row.trained] = tuple(lang_sort_key(l) for l in row.trained)
        k = (row.k is None, row.k if row.k is not None else 0)
        if order == "lang":
            return (not row.is_baseline, trained, k, row.run)
        return (not row.is_baseline, k, trained, row.run)

    return key


def _transform(view: str, values: Mapping[str, float | None], base: Mapping[str, float | None] | None):
    if view == "absolute":
        return values  # shared, never mutated
    if view in ("delta", "transfer"):
        assert base is not None
        return {
            l: (v - base[l]) if v is not None and base.get(l) is not None else None for l, v in values.items()
        }
    if view == "rel-en":
        en = values.get(ENGLISH)
        if en is None or en == 0:
            return {l: None for l in values}
        # v / en first: the English column is then exactly 100.
        return {l: 100.0 * (v / en) if v is not None else None for l, v in values.items()}
    raise CLTError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")


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
) -> Matrix:
    """One task's matrix over `runs`; raises CLTError on anything that would make it misleading."""
    with gc_paused():
        return _build_matrix(runs, task, metric, view=view, baseline=baseline, allow_mixed=allow_mixed,
                             order=order, plateau_threshold=plateau_threshold, fidelity_metric=fidelity_metric)


def _build_matrix(runs, task, metric, *, view, baseline, allow_mixed, order, plateau_threshold,
                  fidelity_metric) -> Matrix:
    if view not in VIEWS:
        raise CLTError(f"unknown view {view!r} (known: {', '.join(VIEWS)})")
    if order not in ORDERS:
        raise CLTError(f"unknown order {order!r} (known: {', '.join(ORDERS)})")
    if not 0 < plateau_threshold <= 1:
        raise CLTError(f"plateau threshold must be in (0, 1], got {plateau_threshold}")
    family = normalize_task(task)
    metric_name = metric_for(family, metric)
    notes: list[str] = []

    # One pass over every run's tasks: which runs have the task, their scores and fidelity, and
    # whether anything that makes runs comparable differs (the detailed check runs only then).
    read_metric = value_reader(metric_name)
    read_fid = value_reader(fidelity_metric) if fidelity_metric and fidelity_metric != metric_name else None
    with_task: list[RunResults] = []
    scores: dict[str, dict[str, float]] = {}
    fidelity: dict[str, dict[str, float]] = {}
    all_langs: set[str] = set()
    signature: dict[str, tuple] = {}
    differs = False
    for r in runs:
        vals: dict[str, float] = {}
        fids: dict[str, float] = {}
        found = False
        for t in r.tasks.values():
            if t.family != family:
                continue
            found = True
            lang = t.lang
            all_langs.add(lang)
            key = (t.version, t.n_shot, t.task_hash)
            if signature.setdefault(t.task, key) != key:
                differs = True
            v = read_metric(t)
            if v is not None:
                vals[lang] = v
            if read_fid is not None:
                v = read_fid(t)
                if v is not None:
                    fids[lang] = v
        if found:
            with_task.append(r)
            scores[r.name] = vals
            fidelity[r.name] = fids
        else:
            notes.append(f"run {r.name}: no clt_{family}_* results; left out")
    if not with_task:
        known = sorted({f for r in runs for f in r.families()})
        raise CLTError(
            f"no run has results for task clt_{family}_*"
            + (f" (tasks found: {', '.join(known)})" if known else " (no clt_* tasks found)")
        )

    differs = differs or len({r.lm_eval_version for r in with_task}) > 1
    problems, flagged = _comparability(with_task, family) if differs else ([], set())
    if problems and not allow_mixed:
        raise CLTError(
            f"runs are not comparable on task {family}:\n  " + "\n  ".join(problems)
            + "\n(re-evaluate them alike, or pass --allow-mixed to show them flagged)"
        )

    base_run = find_baseline(with_task, baseline, required=view in ("delta", "transfer"))

    if not any(scores.values()):
        found = sorted({m for r in with_task for t in r.tasks.values() if t.family == family for m in t.metric_names()})
        raise CLTError(f"task {family}: no run has metric {metric_name!r} (metrics found: {', '.join(found)})")
    langs = sorted(all_langs, key=lang_sort_key)
    has_fidelity = any(fidelity.values())

    base_abs = None
    if base_run is not None:
        base_abs = {l: scores[base_run.name].get(l) for l in langs}

    rows: list[Row] = []
    plans: dict = {}
    for r in with_task:
        got = scores[r.name]
        # Every row's dicts hold every language (None where missing); a complete one is reused.
        complete = len(got) == len(langs)
        values = got if complete else {l: got.get(l) for l in langs}
        if not complete:
            missing = [l for l in langs if values[l] is None]
            notes.append(f"run {r.name}: no {metric_name} score for {', '.join(missing)} (shown as –, left out of its averages)")
        m = r.manifest
        seen = m.seen if m is not None else None
        if m is None:
            notes.append(f"run {r.name}: no manifest found (give --run NAME=DIR:MANIFEST); seen and unseen averages unknown")
        cells = _transform(view, values, base_abs)
        if view == "rel-en" and (values.get(ENGLISH) in (None, 0)):
            notes.append(f"run {r.name}: no nonzero English score, so no rel-en values")
        fid_got = fidelity[r.name]
        if not has_fidelity:
            fid = {}
        else:
            fid = fid_got if len(fid_got) == len(langs) else {l: fid_got.get(l) for l in langs}
        absolute_agg = _aggregate_row(values, seen, langs, plans, complete)
        rows.append(
            Row(
                run=r.name,
                label=r.name,
                k=m.examples_per_language() if m is not None else None,
                trained=m.trained_languages() if m is not None else (),
                seen=seen,
                is_baseline=base_run is not None and r.name == base_run.name,
                cells=cells,
                agg=absolute_agg if view == "absolute" else _aggregate_row(cells, seen, langs, plans, False),
                fidelity=mean(fid.values()) if has_fidelity else None,
                fidelity_by_lang=fid,
                absolute=values,
                absolute_agg=absolute_agg,
                flagged=r.name in flagged,
            )
        )

    if view == "transfer":
        rows = _transfer_rows(rows, notes)
    rows.sort(key=_order_key(order) if view != "transfer" else lambda row: (lang_sort_key(row.label), row.k or 0, row.run))

    matrix = Matrix(
        task=family,
        metric=metric_name,
        view=view,
        languages=langs,
        rows=rows,
        baseline=base_run.name if base_run is not None else None,
        fidelity_metric=fidelity_metric if has_fidelity else None,
        notes=notes,
        mixed=problems,
        plateau_threshold=plateau_threshold,
    )
    _add_statistics(matrix, base_run, base_abs, runs_all=rows if view != "transfer" else None)
    return matrix


def _aggregate_row(values: dict[str, float | None], seen: tuple[str, ...] | None, langs: list[str],
                   plans: dict, complete: bool) -> Aggregates:
    """`aggregate(values, seen)` for a row holding every language of the matrix (`complete`: and
    a value for each, known to the caller).

    Rows share a handful of seen sets, so the seen/unseen split is worked out once per set; a row
    with every language scored then needs only the sums. Anything else takes the general path.
    """
    plan = plans.get(seen)
    if plan is None:
        if seen is None:
            plan = plans[seen] = (None, None)
        else:
            seen_l = [l for l in dict.fromkeys(seen) if l != ENGLISH]
            in_matrix = set(langs)
            unseen_l = [l for l in langs if l != ENGLISH and l not in seen_l]
            plan = plans[seen] = (seen_l, unseen_l) if all(l in in_matrix for l in seen_l) else (None, None)
    seen_l, unseen_l = plan
    if seen_l is None or (not complete and None in values.values()):
        return aggregate(values, seen)
    fsum = math.fsum
    n = len(values)
    all_avg = fsum(values.values()) / n if n else None
    seen_avg = fsum([values[l] for l in seen_l]) / len(seen_l) if seen_l else None
    unseen_avg = fsum([values[l] for l in unseen_l]) / len(unseen_l) if unseen_l else None
    gap = None if seen_avg is None or unseen_avg is None else seen_avg - unseen_avg
    return Aggregates(values.get(ENGLISH), seen_avg, unseen_avg, gap, all_avg, ())


def _transfer_rows(rows: list[Row], notes: list[str]) -> list[Row]:
    out = []
    skipped = []
    for row in rows:
        if len(row.trained) == 1:
            row.label = row.trained[0]
            out.append(row)
        elif not row.is_baseline:
            skipped.append(row.run)
    if skipped:
        notes.append(f"transfer view: runs without exactly one training language left out: {', '.join(skipped)}")
    if not out:
        raise CLTError("transfer view: no single-source run (a manifest with exactly one non-English language)")
    sources: dict[str, int] = {}
    for row in out:
        sources[row.label] = sources.get(row.label, 0) + 1
    for row in out:
        if sources[row.label] > 1:
            row.label = f"{row.label} ({row.run})"
        # Seen for a single-source run is its source language.
        row.agg = aggregate(row.cells, row.trained)
    return out


def _add_statistics(matrix: Matrix, base_run: RunResults | None, base_abs, runs_all: list[Row] | None) -> None:
    if runs_all is None:
        matrix.spearman = None
        return
    pairs = [
        (row.absolute_agg.seen, row.absolute_agg.unseen)
        for row in runs_all
        if row.absolute_agg is not None and row.absolute_agg.seen is not None and row.absolute_agg.unseen is not None
    ]
    matrix.spearman = spearman([p[0] for p in pairs], [p[1] for p in pairs])

    # Curves: one per seen-language set, examples per language on x, baseline at k = 0.
    groups: dict[tuple[str, ...], list[Row]] = {}
    ordered: dict[tuple[str, ...], tuple[str, ...]] = {}  # rows share a handful of seen sets
    for row in runs_all:
        if row.is_baseline or row.k is None or row.seen is None or not row.seen:
            continue
        key = ordered.get(row.seen)
        if key is None:
            key = ordered[row.seen] = tuple(sorted(row.seen, key=lang_sort_key))
        groups.setdefault(key, []).append(row)
    for seen, members in sorted(groups.items()):
        label = ",".join(seen)
        series: dict[str, list[tuple[int, float]]] = {s: [] for s in SERIES}
        base_agg = aggregate(base_abs, seen) if base_abs is not None else None
        if base_agg is not None:
            for s in SERIES:
                v = getattr(base_agg, s)
                if v is not None:
                    series[s].append((0, v))
        for row in sorted(members, key=lambda r: (r.k, r.run)):
            for s, v in zip(SERIES, _series_values(row.absolute_agg)):
                if v is not None:
                    series[s].append((row.k, v))
        matrix.curves[label] = series
        if base_agg is None:
            continue
        matrix.plateaus[label] = {
            s: plateau(series[s], getattr(base_agg, s), matrix.plateau_threshold)
            for s in SERIES
            if getattr(base_agg, s) is not None and series[s]
        }
    if groups and base_run is None:
        matrix.notes.append("no English-only baseline run: plateau points need one")


def build_matrices(
    runs: Sequence[RunResults],
    tasks: Sequence[str] | None = None,
    metric: str | Mapping[str, str] | None = None,
    **kwargs,
) -> list[Matrix]:
    """One matrix per task (multi-task runs broken down per task); all tasks found when none named."""
    if not tasks:
        tasks = sorted({f for r in runs for f in r.families()})
        if not tasks:
            raise CLTError("no clt_* task results in the runs: " + ", ".join(r.name for r in runs))
    return [build_matrix(runs, t, metric, **kwargs) for t in tasks]
