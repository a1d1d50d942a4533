"""Matrices as text: tabulate's github and latex tables, CSV, and versioned JSON.

The JSON layout (schema ``clt-matrix/2``) is documented in docs/matrix-schema.md; a change that
removes or renames a field bumps the schema number. Missing values are "–" in tables, an empty
cell in CSV and null in JSON; never 0.

Tables show each value with the half-width of its interval (``0.412 ±0.031``), mark a value
that is significant after the stated correction with ``*``, and add ``(8/40)`` when a cell was
scored from fewer than half of its items. Every string that comes from the inputs (run names,
task, metric and model names, notes) goes through the clt_plugin.textsafe function of the format.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from typing import Any, Sequence

from tabulate import tabulate

from clt_plugin import __version__, textsafe
from clt_plugin.analysis.bootstrap import Interval
from clt_plugin.analysis.matrix import ENGLISH, GroupStats, Matrix, Row, lang_sort_key
from clt_plugin.analysis.model import Rho
from clt_plugin.analysis.results import Aggregates, RunResults
from clt_plugin.analysis.stats import Plateau
from clt_plugin.analysis.uncertainty import Test
from clt_plugin.analysis.views import get_view
from clt_plugin.families import metric_range
from clt_plugin.names import group_name

SCHEMA = "clt-matrix/2"
FORMATS = ("github", "latex", "csv", "json")
MISSING = "–"
SIGNIFICANT = "*"
AGG_FIELDS = ("english", "seen", "unseen", "gap", "all")
AGG_HEADERS = {"english": "EN", "seen": "Seen avg", "unseen": "Unseen avg", "gap": "Gap", "all": "All avg"}

# --------------------------------------------------------------------------- numbers


def shows_percent(matrix: Matrix, percent: bool) -> bool:
    """Whether values are shown ×100 as percentages: asked for, and the metric is a fraction
    (a 1-5 judge rating stays on its scale; rel-en is a percentage already)."""
    return percent and not get_view(matrix.view).in_percent and metric_range(matrix.metric) == (0.0, 1.0)


def unit_scale(matrix: Matrix, percent: bool) -> float:
    """The factor from the matrix's values to what tables and figures show."""
    return 100.0 if shows_percent(matrix, percent) else 1.0


def _fmt(value: float | None, matrix: Matrix, digits: int, scale: float) -> str:
    if value is None:
        return MISSING
    v = value * scale
    signed = get_view(matrix.view).against_baseline
    # A tiny negative rounds to "-0.0"; a table reader takes that for a loss: print it as 0.
    text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
    if float(text) == 0.0:
        text = f"{0.0:+.{digits}f}" if signed else f"{0.0:.{digits}f}"
    return text


def _pm(ci: Interval | None, digits: int, scale: float) -> str:
    if ci is None:
        return ""
    return f" ±{abs(ci.half_width * scale):.{digits}f}"


def default_digits(matrix: Matrix, percent: bool) -> int:
    return 1 if (shows_percent(matrix, percent) or get_view(matrix.view).in_percent) else 3


def _columns(matrix: Matrix) -> list[str]:
    return [l for l in matrix.languages if l != ENGLISH]


def _marked(matrix: Matrix) -> bool:
    # An absolute cell carries its delta's test too: the mark says it differs from the baseline.
    return get_view(matrix.view).linear


def significant(matrix: Matrix, row: Row, key: str) -> bool:
    """Whether the cell `key` (a language or "avg:<aggregate>") of `row` is marked significant."""
    test = row.tests.get(key)
    return _marked(matrix) and test is not None and bool(test.significant)


def item_counts(row: Row, lang: str) -> tuple[int | None, int | None]:
    """(n_scored, n_items) of a cell: items with a per-item score and items in the samples file;
    (None, None) when the cell has no per-item scores."""
    return row.n_scored.get(lang), row.n_items.get(lang)


def minority_note(row: Row, lang: str) -> str:
    """ "8/40" when the cell was scored from fewer than half of its items, else ""."""
    n, total = item_counts(row, lang)
    if n is None or total is None or n * 2 >= total:
        return ""
    return f"{n}/{total}"


def _cell(
    row: Row, key: str, value: float | None, ci: Interval | None, matrix: Matrix, digits: int, scale: float
) -> str:
    text = _fmt(value, matrix, digits, scale)
    if value is None:
        return text
    text += _pm(ci, digits, scale)
    if significant(matrix, row, key):
        text += SIGNIFICANT
    few = minority_note(row, key)
    return f"{text} ({few})" if few else text


def table_rows(
    matrix: Matrix, digits: int | None = None, percent: bool = False, escape=textsafe.terminal_text
) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted cells of one matrix (the same for every text format); `escape`
    makes each string from the inputs safe for the format (a clt_plugin.textsafe function)."""
    digits = default_digits(matrix, percent) if digits is None else digits
    scale = unit_scale(matrix, percent)
    first = get_view(matrix.view).row_heading
    headers = [first, "k", "trained", AGG_HEADERS["english"], *(escape(l) for l in _columns(matrix))]
    headers += [AGG_HEADERS[f] for f in AGG_FIELDS if f != "english"]
    if any(r.seeds for r in matrix.rows):
        headers.append("seeds")
    if matrix.fidelity_metric:
        headers.append("Fidelity")
    body = []
    for row in matrix.rows:
        label = escape(row.label) + (" (baseline)" if row.is_baseline else "") + (" †" if row.flagged else "")
        cells = [label, "–" if row.k is None else str(row.k), " ".join(escape(t) for t in row.trained) or "–"]
        cells.append(_cell(row, ENGLISH, row.cells.get(ENGLISH), row.ci.get(ENGLISH), matrix, digits, scale))
        cells += [_cell(row, l, row.cells.get(l), row.ci.get(l), matrix, digits, scale) for l in _columns(matrix)]
        cells += [
            _cell(row, f"avg:{f}", getattr(row.agg, f), row.agg_ci.get(f), matrix, digits, scale)
            for f in AGG_FIELDS
            if f != "english"
        ]
        if "seeds" in headers:
            cells.append(str(len(row.seeds)) if row.seeds else "1")
        if matrix.fidelity_metric:
            # Fidelity is a fraction whatever the view; --percent shows it as one too.
            fid_scale = 100.0 if percent else 1.0
            cells.append(MISSING if row.fidelity is None else f"{row.fidelity * fid_scale:.{digits}f}")
        body.append(cells)
    return headers, body


def title(matrix: Matrix) -> str:
    unit = get_view(matrix.view).title_unit(matrix.baseline)
    return f"{group_name(matrix.task)} · {matrix.metric} · {matrix.view} ({unit})"


# --------------------------------------------------------------------------- statistics as text

RHO_GRID_LABEL = "over grid points"
RHO_CHECKPOINTS_LABEL = "over grid points × checkpoints (the paper's 'during training')"


def rho_text(c: Rho, digits: int = 4) -> str:
    """One rho statistic (contract 2: rho, p, low, high, n_points, note) as text."""
    if c.rho is None:
        return f"n/a ({c.note or 'too few points'}, n = {c.n_points})"
    ci = "" if c.low is None or c.high is None else f", {c.low:+.2f} to {c.high:+.2f}"
    return f"{c.rho:.{digits}f}, p = {c.p:.4g}, n = {c.n_points}{ci}"


def rho_lines(g: GroupStats) -> list[str]:
    """The group's Spearman rho between seen and unseen averages over grid points, and over grid
    points × checkpoints when checkpoints were evaluated, each labelled."""
    return [
        f"Spearman ρ (seen avg vs unseen avg) {label}, {g.label}: {rho_text(c)}"
        for label, c in ((RHO_GRID_LABEL, g.rho_grid), (RHO_CHECKPOINTS_LABEL, g.rho_checkpoints))
        if c is not None
    ]


def _plateau_text(s: str, p: Plateau, ci) -> str:
    if p.k is None:
        return f"{s} none ({p.note})"
    return f"{s} {p.k}" + (f" [{ci[0]:g}, {ci[1]:g}]" if ci else "")


def statistics_lines(matrix: Matrix) -> list[str]:
    out = []
    if matrix.uncertainty_note:
        out.append(
            f"± is the half-width of {matrix.uncertainty_note}"
            + (
                f"; * marks {'a delta' if get_view(matrix.view).against_baseline else 'a score'} significantly different from the baseline"
                if _marked(matrix)
                else ""
            )
        )
    if any(minority_note(r, l) for r in matrix.rows for l in matrix.languages):
        out.append("(n/N) after a value: scored from only n of the language's N items (the rest had no score)")
    for g in matrix.groups + ([matrix.pooled] if matrix.pooled is not None else []):
        out += rho_lines(g)
        if g.plateaus:
            pct = f"{matrix.plateau_threshold * 100:g}%"
            parts = [_plateau_text(s, p, g.plateau_ci.get(s)) for s, p in g.plateaus.items()]
            out.append(f"Plateau (smallest k reaching {pct} of the largest gain), {g.label}: " + ", ".join(parts))
    return out


def note_lines(matrix: Matrix) -> list[str]:
    lines = []
    if matrix.mixed:
        lines.append(
            "WARNING: runs are not comparable (shown because of --allow-mixed; † marks the runs that "
            "differ from the majority):"
        )
        lines += [f"  mixed: {m}" for m in matrix.mixed]
    lines += matrix.notes
    return lines


def terminal_lines(matrices: Sequence[Matrix]) -> list[str]:
    """What a CSV's tables would carry below them, one safe terminal line each (for stderr)."""
    return [
        textsafe.terminal_text(f"clt matrix: {m.task}: {line}")
        for m in matrices
        for line in statistics_lines(m) + note_lines(m)
    ]


# --------------------------------------------------------------------------- text formats


def _table_chunk(m: Matrix, fmt: str, digits: int | None, percent: bool) -> str:
    escape = textsafe.md_cell if fmt == "github" else textsafe.latex_text
    headers, body = table_rows(m, digits, percent, escape)
    align = ["left", "right", "left"] + ["right"] * (len(headers) - 3)
    # latex_raw: the cells are escaped above (tabulate's own latex escaping would do it twice).
    tablefmt = "github" if fmt == "github" else "latex_raw"
    table = tabulate(body, headers=headers, tablefmt=tablefmt, disable_numparse=True, colalign=align)
    extra = statistics_lines(m) + note_lines(m)
    if fmt == "github":
        chunk = f"### {textsafe.md_cell(title(m))}\n\n{table}\n"
        if extra:
            chunk += "\n" + "\n".join(f"- {textsafe.md_cell(line)}" for line in extra) + "\n"
        return chunk
    return f"% {textsafe.latex_text(title(m))}\n{table}\n" + "".join(
        f"% {textsafe.latex_text(line)}\n" for line in extra
    )


def render_text(matrices: Sequence[Matrix], fmt: str, digits: int | None = None, percent: bool = False) -> str:
    if fmt == "csv":
        return render_csv(matrices, percent=percent)
    if fmt not in ("github", "latex"):
        raise ValueError(f"unknown table format {fmt!r}")
    return "\n".join(_table_chunk(m, fmt, digits, percent) for m in matrices)


def _csv_header(langs: list[str], has_fid: bool, counted: list[str]) -> list[str]:
    value_cols = [*langs, *(f"avg_{f}" for f in AGG_FIELDS)]
    return [
        "task",
        "metric",
        "view",
        "run",
        "label",
        "baseline",
        "k",
        "trained",
        *value_cols,
        *(["fidelity"] if has_fid else []),
        *(f"{c}_{end}" for c in value_cols for end in ("low", "high")),
        *(f"{c}_p_adjusted" for c in value_cols),
        *(f"{l}_{n}" for l in counted for n in ("n_scored", "n_items")),
    ]


def _csv_row(m: Matrix, row: Row, langs: list[str], has_fid: bool, counted: list[str], percent: bool) -> list:
    scale = unit_scale(m, percent)
    num = lambda v: "" if v is None else repr(round(v * scale, 10))  # noqa: E731
    cis = [row.ci.get(l) for l in langs] + [row.agg_ci.get(f) for f in AGG_FIELDS]
    tests = [row.tests.get(l) for l in langs] + [row.tests.get(f"avg:{f}") for f in AGG_FIELDS]
    count = lambda v: "" if v is None else str(v)  # noqa: E731
    return [
        textsafe.csv_cell(m.task),
        textsafe.csv_cell(m.metric),
        m.view,
        textsafe.csv_cell(row.run),
        textsafe.csv_cell(row.label),
        str(row.is_baseline).lower(),
        "" if row.k is None else row.k,
        textsafe.csv_cell(" ".join(row.trained)),
        *(num(row.cells.get(l)) for l in langs),
        *(num(getattr(row.agg, f)) for f in AGG_FIELDS),
        *(["" if row.fidelity is None else repr(round(row.fidelity, 10))] if has_fid else []),
        *(x for ci in cis for x in ((num(ci.low), num(ci.high)) if ci is not None else ("", ""))),
        *("" if t is None or t.p_adjusted is None else repr(round(t.p_adjusted, 10)) for t in tests),
        *(count(x) for l in counted for x in item_counts(row, l)),
    ]


def render_csv(matrices: Sequence[Matrix], percent: bool = False) -> str:
    """One CSV for all tasks: a row per (task, run), full precision, empty cell when missing;
    each value's interval in `<column>_low` and `<column>_high` columns, then its adjusted
    p-value, and, when per-item scores exist, `<language>_n_scored` and `<language>_n_items`."""
    langs: list[str] = []
    for m in matrices:
        langs += [l for l in m.languages if l not in langs]
    langs.sort(key=lang_sort_key)
    has_fid = any(m.fidelity_metric for m in matrices)
    counted = [l for l in langs if any(item_counts(r, l)[1] is not None for m in matrices for r in m.rows)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_csv_header(langs, has_fid, counted))
    for m in matrices:
        for row in m.rows:
            w.writerow(_csv_row(m, row, langs, has_fid, counted, percent))
    return buf.getvalue()


# --------------------------------------------------------------------------- JSON


# Aggregates lists these fields first, in this order: a row's aggregates zip with the names.
assert Aggregates._fields[: len(AGG_FIELDS)] == AGG_FIELDS


def _agg_json(a: Aggregates | None) -> dict[str, Any] | None:
    return None if a is None else dict(zip(AGG_FIELDS, a))


def _ci_json(ci: Interval | None) -> list[float] | None:
    return None if ci is None else [ci.low, ci.high]


def _test_json(t: Test) -> dict[str, Any]:
    return {
        "estimate": t.estimate,
        "low": t.low,
        "high": t.high,
        "p_value": t.p_value,
        "p_adjusted": t.p_adjusted,
        "significant": t.significant,
        "method": t.method,
    }


def _plateau_json(p: Plateau, ci) -> dict[str, Any]:
    return {
        "k": p.k,
        "max_gain": p.max_gain,
        "gain_at_k": p.gain_at_k,
        "note": p.note,
        "interval": None if ci is None else list(ci),
    }


def _row_json(row: Row, matrix: Matrix) -> dict[str, Any]:
    absolute = matrix.view == "absolute"
    return {
        "run": row.run,
        "runs": list(row.runs),
        "seeds": list(row.seeds),
        "label": row.label,
        "baseline": row.is_baseline,
        "base_model": row.base_model,
        "flagged": row.flagged,
        "k": row.k,
        "trained": row.trained,
        "seen": row.seen,
        "values": row.cells,  # every language is a key already (None when missing)
        "intervals": {l: _ci_json(row.ci.get(l)) for l in row.cells},
        "aggregates": _agg_json(row.agg),
        "aggregate_intervals": {f: _ci_json(row.agg_ci.get(f)) for f in AGG_FIELDS},
        "tests": {k: _test_json(t) for k, t in row.tests.items()},
        "interval_methods": list(row.methods),
        "spread": row.spread if row.seeds else None,
        "missing": row.agg.missing,
        # The absolute view's values are the absolute scores already: null, not a second copy.
        "absolute": None if absolute else row.absolute,
        "absolute_aggregates": None if absolute else _agg_json(row.absolute_agg),
        "fidelity": row.fidelity,
        "fidelity_by_language": row.fidelity_by_lang if matrix.fidelity_metric else None,
        # Contract 1: how many of each language's items were scored (null: no per-item scores).
        "n_scored": {l: item_counts(row, l)[0] for l in row.cells},
        "n_items": {l: item_counts(row, l)[1] for l in row.cells},
        "step": row.step,
        "checkpoint": row.checkpoint,
    }


def _group_json(g: GroupStats) -> dict[str, Any]:
    c = g.spearman
    return {
        "label": g.label,
        "base_model": g.base_model,
        "seen": list(g.seen),
        "runs": list(g.runs),
        "pooled": g.pooled,
        "spearman_seen_unseen": {
            "rho": c.rho,
            "p_value": c.p_value,
            "n": c.n,
            "note": c.note,
            "interval": _ci_json(g.rho_ci),
        },
        "rho_grid": _rho_json(g.rho_grid),
        "rho_checkpoints": _rho_json(g.rho_checkpoints),
        "checkpoint_curves": {run: [list(p) for p in pts] for run, pts in g.checkpoint_curves.items()},
        "plateaus": {s: _plateau_json(p, g.plateau_ci.get(s)) for s, p in g.plateaus.items()},
        "curves": {s: [list(p) for p in pts] for s, pts in g.curves.items()},
        "resamples": g.resamples,
    }


def _rho_json(c: Rho | None) -> dict[str, Any] | None:
    return None if c is None else dataclasses.asdict(c)


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    c = matrix.spearman
    o = matrix.options
    return {
        "task": matrix.task,
        "metric": matrix.metric,
        "view": matrix.view,
        "baseline": matrix.baseline,
        "languages": list(matrix.languages),
        "fidelity_metric": matrix.fidelity_metric,
        "rows": [_row_json(r, matrix) for r in matrix.rows],
        "statistics": {
            "uncertainty": {
                "level": o.level,
                "resamples": o.resamples,
                "seed": o.seed,
                "correction": o.correction,
                "alpha": o.alpha,
                "tests": matrix.n_tests,
            },
            "spearman_seen_unseen": None
            if c is None
            else {"rho": c.rho, "p_value": c.p_value, "n": c.n, "note": c.note},
            "plateau_threshold": matrix.plateau_threshold,
            "plateaus": {g: {s: _plateau_json(p, None) for s, p in by.items()} for g, by in matrix.plateaus.items()},
            "curves": matrix.curves,  # (k, value) tuples: json arrays
            "groups": [_group_json(g) for g in matrix.groups],
            "pooled": None if matrix.pooled is None else _group_json(matrix.pooled),
        },
        "mixed": list(matrix.mixed),
        "notes": list(matrix.notes),
        # Evaluations that are not rows (checkpoints): absolute values, no intervals.
        "checkpoints": [_row_json(r, matrix) for r in matrix.checkpoints],
    }


def run_json(run: RunResults) -> dict[str, Any]:
    m = run.manifest
    return {
        "name": run.name,
        "source": str(run.source),
        "files": [str(f) for f in run.files],
        "manifest": None if m is None or m.path is None else str(m.path),
        "seen": None if m is None else list(m.seen),
        "english_only": None if m is None else m.english_only,
        "seed": None if m is None else getattr(m, "seed", None),
        "training_seed": None if m is None else getattr(m, "training_seed", None),
        "samples": sorted(run.samples),
        "lm_eval_version": run.lm_eval_version,
        "model_args": run.model_args,
    }


def document(matrices: Sequence[Matrix], runs: Sequence[RunResults]) -> dict[str, Any]:
    """The clt-matrix/2 object."""
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "matrices": [matrix_json(m) for m in matrices],
        "runs": [run_json(r) for r in runs],
    }


def json_text(doc: dict[str, Any]) -> str:
    """Sorted keys, no NaN, one line (pipe through `python -m json.tool` or `jq .` to read it)."""
    return textsafe.json_text(doc, sort_keys=True, allow_nan=False, separators=(",", ":")) + "\n"


def render(
    matrices: Sequence[Matrix],
    runs: Sequence[RunResults],
    fmt: str,
    *,
    digits: int | None = None,
    percent: bool = False,
) -> str:
    if fmt == "json":
        return json_text(document(matrices, runs))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return render_text(matrices, fmt, digits, percent)
