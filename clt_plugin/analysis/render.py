"""Matrices as text: tabulate's github and latex tables, CSV, and versioned JSON.

The JSON layout (schema ``clt-matrix/1``) is documented in docs/matrix-schema.md; a change that
removes or renames a field bumps the schema number. Missing values are "–" in tables, an empty
cell in CSV and null in JSON; never 0.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Sequence

from tabulate import tabulate

from clt_plugin import __version__
from clt_plugin.analysis.matrix import ENGLISH, Matrix, Row, lang_sort_key
from clt_plugin.analysis.results import Aggregates, RunResults, gc_paused
from clt_plugin.analysis.stats import Plateau

SCHEMA = "clt-matrix/1"
FORMATS = ("github", "latex", "csv", "json")
MISSING = "–"
AGG_FIELDS = ("english", "seen", "unseen", "gap", "all")
AGG_HEADERS = {"english": "EN", "seen": "Seen avg", "unseen": "Unseen avg", "gap": "Gap", "all": "All avg"}


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


def default_digits(matrix: Matrix, percent: bool) -> int:
    return 1 if (percent or matrix.view == "rel-en") else 4


def _columns(matrix: Matrix) -> list[str]:
    return [l for l in matrix.languages if l != ENGLISH]


def table_rows(matrix: Matrix, digits: int | None = None, percent: bool = False) -> tuple[list[str], list[list[str]]]:
    """Headers and formatted cells of one matrix (the same for every text format)."""
    digits = default_digits(matrix, percent) if digits is None else digits
    scale = _scale(matrix, percent)
    first = "Source" if matrix.view == "transfer" else "Run"
    headers = [first, "k", "trained", AGG_HEADERS["english"], *_columns(matrix)]
    headers += [AGG_HEADERS[f] for f in AGG_FIELDS if f != "english"]
    if matrix.fidelity_metric:
        headers.append("Fidelity")
    body = []
    for row in matrix.rows:
        label = row.label + (" (baseline)" if row.is_baseline else "") + (" †" if row.flagged else "")
        cells = [label, "–" if row.k is None else str(row.k), " ".join(row.trained) or "–"]
        cells.append(_fmt(row.cells.get(ENGLISH), matrix, digits, scale))
        cells += [_fmt(row.cells.get(l), matrix, digits, scale) for l in _columns(matrix)]
        cells += [_fmt(getattr(row.agg, f), matrix, digits, scale) for f in AGG_FIELDS if f != "english"]
        if matrix.fidelity_metric:
            # Fidelity is a fraction whatever the view; --percent shows it as one too.
            fid_scale = 100.0 if percent else 1.0
            cells.append(MISSING if row.fidelity is None else f"{row.fidelity * fid_scale:.{digits}f}")
        body.append(cells)
    return headers, body


def title(matrix: Matrix) -> str:
    unit = {"delta": f"gain over {matrix.baseline}", "transfer": f"gain over {matrix.baseline}",
            "rel-en": "% of the run's English score", "absolute": "score"}[matrix.view]
    return f"clt_{matrix.task} · {matrix.metric} · {matrix.view} ({unit})"


def statistics_lines(matrix: Matrix) -> list[str]:
    out = []
    if matrix.spearman is not None:
        c = matrix.spearman
        if c.rho is None:
            out.append(f"Spearman ρ (seen avg vs unseen avg across runs): n/a, {c.note}")
        else:
            out.append(f"Spearman ρ (seen avg vs unseen avg across runs): {c.rho:.4f}, p = {c.p_value:.4g}, n = {c.n}")
    for group, by_series in matrix.plateaus.items():
        parts = []
        for series, p in by_series.items():
            parts.append(f"{series} {p.k}" if p.k is not None else f"{series} none ({p.note})")
        pct = f"{matrix.plateau_threshold * 100:g}%"
        out.append(f"Plateau (smallest k reaching {pct} of the largest gain), seen = {group}: " + ", ".join(parts))
    return out


def note_lines(matrix: Matrix) -> list[str]:
    lines = []
    if matrix.mixed:
        lines.append("WARNING: runs are not comparable (shown because of --allow-mixed; † marks the runs that "
                     "differ from the majority):")
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
        headers, body = table_rows(m, digits, percent)
        align = ["left", "right", "left"] + ["right"] * (len(headers) - 3)
        table = tabulate(body, headers=headers, tablefmt=fmt, disable_numparse=True, colalign=align)
        extra = statistics_lines(m) + note_lines(m)
        if fmt == "github":
            chunk = f"### {title(m)}\n\n{table}\n"
            if extra:
                chunk += "\n" + "\n".join(f"- {line}" for line in extra) + "\n"
        else:
            chunk = f"% {title(m)}\n{table}\n" + "".join(f"% {line}\n" for line in extra)
        chunks.append(chunk)
    return "\n".join(chunks)


def render_csv(matrices: Sequence[Matrix], percent: bool = False) -> str:
    """One CSV for all tasks: a row per (task, run), full precision, empty cell when missing."""
    langs: list[str] = []
    for m in matrices:
        langs += [l for l in m.languages if l not in langs]

    langs.sort(key=lang_sort_key)
    has_fid = any(m.fidelity_metric for m in matrices)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["task", "metric", "view", "run", "label", "baseline", "k", "trained", *langs,
                *(f"avg_{f}" for f in AGG_FIELDS), *(["fidelity"] if has_fid else [])])
    for m in matrices:
        scale = _scale(m, percent)
        num = lambda v: "" if v is None else repr(round(v * scale, 10))  # noqa: E731
        for row in m.rows:
            w.writerow([
                m.task, m.metric, m.view, row.run, row.label, str(row.is_baseline).lower(),
                "" if row.k is None else row.k, " ".join(row.trained),
                *(num(row.cells.get(l)) for l in langs),
                *(num(getattr(row.agg, f)) for f in AGG_FIELDS),
                *(["" if row.fidelity is None else repr(round(row.fidelity, 10))] if has_fid else []),
            ])
    return buf.getvalue()


# --------------------------------------------------------------------------- JSON


# Aggregates lists these fields first, in this order: a row's aggregates zip with the names.
assert Aggregates._fields[: len(AGG_FIELDS)] == AGG_FIELDS


def _agg_json(a: Aggregates | None) -> dict[str, Any] | None:
    return None if a is None else dict(zip(AGG_FIELDS, a))


def _plateau_json(p: Plateau) -> dict[str, Any]:
    return {"k": p.k, "max_gain": p.max_gain, "gain_at_k": p.gain_at_k, "note": p.note}


# The document is encoded as soon as it is built and never kept: it holds the rows' and runs'
# own tuples and dicts (json writes a tuple as a list) rather than copies of them.


def _row_json(row: Row, matrix: Matrix) -> dict[str, Any]:
    absolute = matrix.view == "absolute"
    return {
        "run": row.run,
        "label": row.label,
        "baseline": row.is_baseline,
        "flagged": row.flagged,
        "k": row.k,
        "trained": row.trained,
        "seen": row.seen,
        "values": row.cells,  # every language is a key already (None when missing)
        "aggregates": _agg_json(row.agg),
        "missing": row.agg.missing,
        # The absolute view's values are the absolute scores already: null, not a second copy.
        "absolute": None if absolute else row.absolute,
        "absolute_aggregates": None if absolute else _agg_json(row.absolute_agg),
        "fidelity": row.fidelity,
        "fidelity_by_language": row.fidelity_by_lang if matrix.fidelity_metric else None,
    }


def matrix_json(matrix: Matrix) -> dict[str, Any]:
    c = matrix.spearman
    return {
        "task": matrix.task,
        "metric": matrix.metric,
        "view": matrix.view,
        "baseline": matrix.baseline,
        "languages": list(matrix.languages),
        "fidelity_metric": matrix.fidelity_metric,
        "rows": [_row_json(r, matrix) for r in matrix.rows],
        "statistics": {
            "spearman_seen_unseen": None if c is None else {"rho": c.rho, "p_value": c.p_value, "n": c.n, "note": c.note},
            "plateau_threshold": matrix.plateau_threshold,
            "plateaus": {g: {s: _plateau_json(p) for s, p in by.items()} for g, by in matrix.plateaus.items()},
            "curves": matrix.curves,  # (k, value) tuples: json arrays
        },
        "mixed": list(matrix.mixed),
        "notes": list(matrix.notes),
    }


def run_json(run: RunResults) -> dict[str, Any]:
    return {
        "name": run.name,
        "source": str(run.source),
        "files": [str(f) for f in run.files],
        "manifest": None if run.manifest is None or run.manifest.path is None else str(run.manifest.path),
        "english_only": None if run.manifest is None else run.manifest.english_only,
        "lm_eval_version": run.lm_eval_version,
        "model_args": run.model_args,
    }


def document(matrices: Sequence[Matrix], runs: Sequence[RunResults]) -> dict[str, Any]:
    """The clt-matrix/1 object, to encode: it shares the rows' and runs' tuples and dicts."""
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "matrices": [matrix_json(m) for m in matrices],
        "runs": [run_json(r) for r in runs],
    }


def json_text(doc: dict[str, Any]) -> str:
    """Sorted keys, no NaN, one line: compact so that json's C encoder does the work (thousands
    of runs render in milliseconds; an indented dump goes through the slow Python encoder).
    Pipe through `python -m json.tool` or `jq .` to read it."""
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False, check_circular=False,
                      separators=(",", ":")) + "\n"


def render(matrices: Sequence[Matrix], runs: Sequence[RunResults], fmt: str, *,
           digits: int | None = None, percent: bool = False) -> str:
    if fmt == "json":
        with gc_paused():
            return json_text(document(matrices, runs))
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    return render_text(matrices, fmt, digits, percent)
