"""Matrices as text: tabulate's github and latex tables, CSV, and versioned JSON.

The JSON layout (schema ``clt-matrix/2``) is documented in docs/matrix-schema.md; a change that
removes or renames a field bumps the schema number. Missing values are "–" in tables, an empty
cell in CSV and null in JSON; never 0.

Tables show each value with the half-width of its interval (``0.412 ±0.031``) and mark a delta
that is significant after the stated correction with ``*``. Every string that comes from the
inputs (run names, task, metric and model names, notes) is escaped for the format: Markdown and
HTML markup and ``|`` in github tables, LaTeX specials in latex, and formula-like cells (a
leading ``=``, ``+``, ``-``, ``@``) in CSV.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, Sequence

from tabulate import tabulate

from clt_plugin import __version__
from clt_plugin.analysis.bootstrap import Interval
from clt_plugin.analysis.matrix import ENGLISH, GroupStats, Matrix, Row, lang_sort_key
from clt_plugin.analysis.results import Aggregates, RunResults
from clt_plugin.analysis.stats import Plateau
from clt_plugin.analysis.uncertainty import Test

SCHEMA = "clt-matrix/2"
FORMATS = ("github", "latex", "csv", "json")
MISSING = "–"
SIGNIFICANT = "*"
AGG_FIELDS = ("english", "seen", "unseen", "gap", "all")
AGG_HEADERS = {"english": "EN", "seen": "Seen avg", "unseen": "Unseen avg", "gap": "Gap", "all": "All avg"}

# --------------------------------------------------------------------------- escaping

# Markdown specials; "_" only where it could open or close emphasis (not inside a word like clt_mgsm).
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def plain(text: object) -> str:
    """One line of text: control characters and bidirectional overrides become spaces."""
    return _CONTROL.sub(" ", str(text))


def md(text: object) -> str:
    """A string from the inputs, safe inside a Markdown table cell or list item: no markup, no `|`."""
    s = plain(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", s)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: object) -> str:
    """A string from the inputs, safe in a spreadsheet: a formula-like cell gets a leading quote."""
    s = str(text)
    return "'" + s if s.startswith(_FORMULA_START) else s


def _latex_comment(text: object) -> str:
    return plain(text)


# --------------------------------------------------------------------------- numbers


def _scale(matrix: Matrix, percent: bool) -> float:
    # rel-en is already a percentage; the others are in the metric's units unless asked.
    return 100.0 if percent and matrix.view != "rel-en" else 1.0


def _fmt(value: float | None, matrix: Matrix, digits: int, scale: float) -> str:
    if value is None:
        return MISSING
    v = value * scale
    signed = matrix.view in ("delta", "transfer")
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
    return 1 if (percent or matrix.view == "rel-en") else 3


def _columns(matrix: Matrix) -> list[str]:
    return [l for l in matrix.languages if l != ENGLISH]


def _marked(matrix: Matrix) -> bool:
    # An absolute cell carries its delta's test too: the mark says it differs from the baseline.
    return matrix.view in ("absolute", "delta", "transfer")


def _cell(
    row: Row, key: str, value: float | None, ci: Interval | None, matrix: Matrix, digits: int, scale: float
) -> str:
    text = _fmt(value, matrix, digits, scale)
    if value is None:
        return text
    text += _pm(ci, digits, scale)
    test = row.tests.get(key)
    if _marked(matrix) and test is not None and test.significant:
        text += SIGNIFICANT
    return text


def table_rows(
    matrix: Matrix, digits: int | None = None, percent: bool = False, escape=plain
) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted cells of one matrix (the same for every text format); `escape`
    makes each string from the inputs safe for the format."""
    digits = default_digits(matrix, percent) if digits is None else digits
    scale = _scale(matrix, percent)
    first = "Source" if matrix.view == "transfer" else "Run"
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
    unit = {
        "delta": f"gain over {matrix.baseline}",
        "transfer": f"gain over {matrix.baseline}",
        "rel-en": "% of the run's English score",
        "absolute": "score",
    }[matrix.view]
    return f"clt_{matrix.task} · {matrix.metric} · {matrix.view} ({unit})"


def _rho_text(g: GroupStats) -> str:
    c = g.spearman
    if c.rho is None:
        return f"n/a, {c.note}"
    ci = f", {g.rho_ci.low:+.2f} to {g.rho_ci.high:+.2f} ({g.rho_ci.method})" if g.rho_ci is not None else ""
    return f"{c.rho:.4f}, p = {c.p_value:.4g}, n = {c.n}{ci}"


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
                f"; * marks {'a score' if matrix.view == 'absolute' else 'a delta'} significantly different from the baseline"
                if _marked(matrix)
                else ""
            )
        )
    for g in matrix.groups + ([matrix.pooled] if matrix.pooled is not None else []):
        out.append(f"Spearman ρ (seen avg vs unseen avg across runs), {g.label}: {_rho_text(g)}")
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


def render_text(matrices: Sequence[Matrix], fmt: str, digits: int | None = None, percent: bool = False) -> str:
    if fmt == "csv":
        return render_csv(matrices, percent=percent)
    if fmt not in ("github", "latex"):
        raise ValueError(f"unknown table format {fmt!r}")
    chunks = []
    for m in matrices:
        escape = md if fmt == "github" else plain  # tabulate's latex format escapes LaTeX specials itself
        headers, body = table_rows(m, digits, percent, escape)
        align = ["left", "right", "left"] + ["right"] * (len(headers) - 3)
        table = tabulate(body, headers=headers, tablefmt=fmt, disable_numparse=True, colalign=align)
        extra = statistics_lines(m) + note_lines(m)
        if fmt == "github":
            chunk = f"### {md(title(m))}\n\n{table}\n"
            if extra:
                chunk += "\n" + "\n".join(f"- {md(line)}" for line in extra) + "\n"
        else:
            chunk = f"% {_latex_comment(title(m))}\n{table}\n" + "".join(
                f"% {_latex_comment(line)}\n" for line in extra
            )
        chunks.append(chunk)
    return "\n".join(chunks)


def render_csv(matrices: Sequence[Matrix], percent: bool = False) -> str:
    """One CSV for all tasks: a row per (task, run), full precision, empty cell when missing;
    each value's interval in `<column>_low` and `<column>_high` columns at the end."""
    langs: list[str] = []
    for m in matrices:
        langs += [l for l in m.languages if l not in langs]

    langs.sort(key=lang_sort_key)
    has_fid = any(m.fidelity_metric for m in matrices)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    value_cols = [*langs, *(f"avg_{f}" for f in AGG_FIELDS)]
    w.writerow(
        [
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
        ]
    )
    for m in matrices:
        scale = _scale(m, percent)
        num = lambda v: "" if v is None else repr(round(v * scale, 10))  # noqa: E731
        for row in m.rows:
            cis = [row.ci.get(l) for l in langs] + [row.agg_ci.get(f) for f in AGG_FIELDS]
            tests = [row.tests.get(l) for l in langs] + [row.tests.get(f"avg:{f}") for f in AGG_FIELDS]
            w.writerow(
                [
                    csv_text(m.task),
                    csv_text(m.metric),
                    m.view,
                    csv_text(row.run),
                    csv_text(row.label),
                    str(row.is_baseline).lower(),
                    "" if row.k is None else row.k,
                    " ".join(row.trained),
                    *(num(row.cells.get(l)) for l in langs),
                    *(num(getattr(row.agg, f)) for f in AGG_FIELDS),
                    *(["" if row.fidelity is None else repr(round(row.fidelity, 10))] if has_fid else []),
                    *(x for ci in cis for x in ((num(ci.low), num(ci.high)) if ci is not None else ("", ""))),
                    *("" if t is None or t.p_adjusted is None else repr(round(t.p_adjusted, 10)) for t in tests),
                ]
            )
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
        "plateaus": {s: _plateau_json(p, g.plateau_ci.get(s)) for s, p in g.plateaus.items()},
        "curves": {s: [list(p) for p in pts] for s, pts in g.curves.items()},
        "resamples": g.resamples,
    }


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
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False, separators=(",", ":")) + "\n"


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
