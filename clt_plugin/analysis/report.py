"""`clt report`: PNG plots and one self-contained HTML page over many runs.

The output directory holds ``index.html`` (tables, statistics, notes and every plot embedded
as base64 PNG: no external file, script or font), the same plots as ``<task>_heatmap.png`` and
``<task>_curves.png``, and ``matrix.json`` (schema clt-matrix/1, absolute view). It is written
whole or not at all. Every piece of text from the inputs (run names, notes, task and metric
names) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

from clt_plugin import __version__
from clt_plugin.analysis.matrix import Matrix, build_matrix, find_baseline, normalize_task
from clt_plugin.analysis.plots import curves_png, heatmap_png
from clt_plugin.analysis.render import note_lines, render, statistics_lines, table_rows, title
from clt_plugin.analysis.results import RunResults
from clt_plugin.errors import CLTError
from clt_plugin.outputs import claim_dir, output_dir

@dataclass
class TaskReport:
    task: str
    views: list[Matrix]  # absolute first, then delta / rel-en / transfer where they apply
    heatmap: bytes
    curves: bytes | None


def _safe_name(task: str) -> str:
    return re.sub(r"[^\w.-]", "_", task)


def task_report(runs: Sequence[RunResults], task: str, metric, *, percent: bool = False, **kwargs) -> TaskReport:
    absolute = build_matrix(runs, task, metric, view="absolute", **kwargs)
    views = [absolute]
    has_baseline = absolute.baseline is not None
    if has_baseline:
        views.append(build_matrix(runs, task, metric, view="delta", **kwargs))
    views.append(build_matrix(runs, task, metric, view="rel-en", **kwargs))
    if has_baseline and any(len(r.trained) == 1 for r in absolute.rows):
        views.append(build_matrix(runs, task, metric, view="transfer", **kwargs))
    shown = views[1] if has_baseline else absolute
    return TaskReport(absolute.task, views, heatmap_png(shown, percent=percent), curves_png(absolute, percent=percent))


COMMAND = "clt report"  # signs the report folder (clt_plugin.outputs owns the output policy)


def build_report(
    runs: Sequence[RunResults],
    out_dir: str | os.PathLike,
    tasks: Sequence[str] | None = None,
    metric: str | Mapping[str, str] | None = None,
    *,
    percent: bool = False,
    **kwargs,
) -> Path:
    """Compute everything first, then write the directory in one atomic step."""
    out_dir = Path(out_dir)
    claim_dir(out_dir, COMMAND)  # refused before any work when it is not ours to replace
    if not tasks:
        tasks = sorted({f for r in runs for f in r.families()})
        if not tasks:
            raise CLTError("no clt_* task results in the runs: " + ", ".join(r.name for r in runs))
    reports = [task_report(runs, normalize_task(t), metric, percent=percent, **kwargs) for t in tasks]
    page = render_html(reports, runs, percent=percent)
    json_text = render([r.views[0] for r in reports], runs, "json")
    with output_dir(out_dir, COMMAND) as tmp:
        (tmp / "index.html").write_text(page, encoding="utf-8")
        (tmp / "matrix.json").write_text(json_text, encoding="utf-8")
        for r in reports:
            (tmp / f"{_safe_name(r.task)}_heatmap.png").write_bytes(r.heatmap)
            if r.curves is not None:
                (tmp / f"{_safe_name(r.task)}_curves.png").write_bytes(r.curves)
    return out_dir


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.05em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th:nth-child(3),td:nth-child(3){text-align:left}
thead th{background:#f3f3f3}tr.baseline td{background:#fafae6}
td.missing{color:#999;text-align:center}
ul.notes{font-size:.85em;color:#444}li.warn{color:#a00;font-weight:600}
img{max-width:100%;height:auto;border:1px solid #eee;margin:.5em 0}
.muted{color:#777;font-size:.85em}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table_html(matrix: Matrix, percent: bool) -> str:
    headers, body = table_rows(matrix, None, percent)
    out = ["<table>", "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead>", "<tbody>"]
    for row, cells in zip(matrix.rows, body):
        cls = ' class="baseline"' if row.is_baseline else ""
        tds = "".join(f'<td class="missing">{_e(c)}</td>' if c == "–" and i > 2 else f"<td>{_e(c)}</td>"
                      for i, c in enumerate(cells))
        out.append(f"<tr{cls}>{tds}</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def render_html(reports: Sequence[TaskReport], runs: Sequence[RunResults], *, percent: bool = False) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Cross-lingual transfer report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Cross-lingual transfer report</h1>",
        f'<p class="muted">clt-plugin {_e(__version__)} · {len(runs)} runs · tasks: '
        + _e(", ".join(r.task for r in reports)) + "</p>",
    ]
    baseline = find_baseline(runs)
    parts.append("<h2>Runs</h2><table><thead><tr><th>Run</th><th>k</th><th>trained</th><th>baseline</th>"
                 "<th>results</th><th>manifest</th></tr></thead><tbody>")
    for run in runs:
        m = run.manifest
        k = "–" if m is None or m.examples_per_language() is None else m.examples_per_language()
        trained = " ".join(m.trained_languages()) if m is not None else "–"
        is_base = "yes" if baseline is not None and baseline.name == run.name else ""
        manifest = "–" if m is None or m.path is None else m.path
        parts.append(f"<tr><td>{_e(run.name)}</td><td>{_e(k)}</td><td>{_e(trained or '–')}</td><td>{is_base}</td>"
                     f"<td>{_e(run.source)}</td><td>{_e(manifest)}</td></tr>")
    parts.append("</tbody></table>")
    for rep in reports:
        parts.append(f"<h2>clt_{_e(rep.task)} · {_e(rep.views[0].metric)}</h2>")
        shown = rep.views[1] if len(rep.views) > 1 and rep.views[1].view == "delta" else rep.views[0]
        parts.append(_img(rep.heatmap, f"heatmap: {title(shown)}"))
        if rep.curves is not None:
            parts.append(_img(rep.curves, f"curves of clt_{rep.task}"))
        stats = statistics_lines(rep.views[0])
        if stats:
            parts.append("<ul>" + "".join(f"<li>{_e(s)}</li>" for s in stats) + "</ul>")
        for m in rep.views:
            parts.append(f"<h3>{_e(title(m))}</h3>")
            parts.append(_table_html(m, percent))
        notes = note_lines(rep.views[0])
        if notes:
            parts.append('<ul class="notes">' + "".join(
                f'<li class="warn">{_e(n)}</li>' if n.startswith(("WARNING", "  mixed")) else f"<li>{_e(n)}</li>"
                for n in notes) + "</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
