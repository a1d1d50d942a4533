"""`clt report`: figures and one HTML page over many runs.

The output folder holds ``index.html`` (rendered from templates/report.html by jinja2 with
autoescaping: every string from the inputs is escaped), ``matrix.json`` (schema clt-matrix/2,
absolute view), and each figure as SVG and PNG (200 dpi): per task, a heatmap per group of
comparable runs (base model, seen set) split into pages of at most plots.PAGE_ROWS runs, and
the curves of each group. The page links the PNGs beside it; tables show at most TABLE_ROWS runs
per view (the JSON and `clt matrix` have them all), so a report over thousands of runs stays
small and quick to open.

It is written through clt_plugin.outputs: a folder only this command wrote is replaced, any
other is refused; nothing is half-written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from clt_plugin import __version__
from clt_plugin.analysis.matrix import Matrix, build_matrix, find_baseline, normalize_task, tasks_to_build
from clt_plugin.analysis.plots import curves_figure, heatmap_figure, heatmap_pages, heatmap_size, render_figure
from clt_plugin.analysis.render import MISSING, SIGNIFICANT, note_lines, render, statistics_lines, table_rows, title
from clt_plugin.analysis.results import RunResults
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.outputs import claim_dir, output_dir
from clt_plugin.progress import Progress

COMMAND = "clt report"  # signs the report folder (clt_plugin.outputs owns the output policy)
TABLE_ROWS = 200
_TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class TaskReport:
    task: str
    metric: str
    absolute: Matrix
    views: list[dict] = field(default_factory=list)  # rendered tables, one per view
    figures: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes
    heatmaps: list[dict] = field(default_factory=list)
    curves: list[dict] = field(default_factory=list)
    stats: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)


def _safe_name(task: str) -> str:
    return re.sub(r"[^\w.-]", "_", task)


def _table(matrix: Matrix, percent: bool) -> dict:
    headers, body = table_rows(matrix, None, percent)
    rows = []
    for row, cells in list(zip(matrix.rows, body))[:TABLE_ROWS]:
        out = []
        for i, c in enumerate(cells):
            cls = "missing" if c == MISSING and i > 2 else ("sig" if c.endswith(SIGNIFICANT) and i > 2 else "")
            out.append({"text": c, "cls": cls})
        rows.append({"baseline": row.is_baseline, "cells": out})
    more = ""
    if len(matrix.rows) > TABLE_ROWS:
        more = (
            f"{len(matrix.rows) - TABLE_ROWS} more runs not shown here: see matrix.json or "
            f"`clt matrix --view {matrix.view}`"
        )
    return {"title": title(matrix), "headers": headers, "rows": rows, "more": more}


def _figure_entry(name: str, alt: str, width_px: int) -> dict:
    # Shown at half the pixel width: 200 dpi files at about 100 dpi on screen.
    return {"png": f"{name}.png", "svg": f"{name}.svg", "alt": alt, "width": width_px // 2}


def task_report(runs: Sequence[RunResults], task: str, metric, *, percent: bool = False, **kwargs) -> TaskReport:
    absolute = build_matrix(runs, task, metric, view="absolute", **kwargs)
    rep = TaskReport(absolute.task, absolute.metric, absolute)
    rep.views.append(_table(absolute, percent))
    shown = absolute
    if absolute.baseline is not None:
        shown = build_matrix(runs, task, metric, view="delta", **kwargs)
        rep.views.append(_table(shown, percent))
    rel = build_matrix(runs, task, metric, view="rel-en", **kwargs)
    rep.views.append(_table(rel, percent))
    del rel
    if absolute.baseline is not None and any(r.trained for r in absolute.rows if not r.is_baseline):
        rep.views.append(_table(build_matrix(runs, task, metric, view="transfer", **kwargs), percent))
    stem = _safe_name(rep.task)
    for gi, page in enumerate(heatmap_pages(shown)):
        name = f"{stem}_heatmap_{gi + 1:03d}"
        fig = heatmap_figure(shown, page, percent=percent)
        rep.figures[f"{name}.png"] = render_figure(fig, "png")
        rep.figures[f"{name}.svg"] = render_figure(fig, "svg")
        rep.heatmaps.append(
            _figure_entry(name, f"heatmap: {title(shown)}, {page.group}, page {page.page}", heatmap_size(page)[0])
        )
    for gi, group in enumerate(absolute.groups):
        fig = curves_figure(absolute, group, percent=percent)
        if fig is None:
            continue
        name = f"{stem}_curves_{gi + 1:03d}"
        rep.figures[f"{name}.png"] = render_figure(fig, "png")
        rep.figures[f"{name}.svg"] = render_figure(fig, "svg")
        rep.curves.append(_figure_entry(name, f"curves of clt_{rep.task}, {group.label}", 2000))
    rep.stats = statistics_lines(shown)
    rep.notes = [{"text": n, "warn": n.startswith(("WARNING", "  mixed"))} for n in note_lines(absolute)]
    return rep


def rho_table(reports: Sequence[TaskReport]) -> dict | None:
    """The paper's Table 2: rows are (base model, seen set) groups, columns tasks, cells rho [interval]."""
    groups: dict[str, dict[str, str]] = {}
    for rep in reports:
        for g in rep.absolute.groups:
            c = g.spearman
            if c.rho is None:
                text = "n/a"
            else:
                text = f"{c.rho:.2f}" + (f" [{g.rho_ci.low:.2f}, {g.rho_ci.high:.2f}]" if g.rho_ci else "")
            groups.setdefault(g.label, {})[rep.task] = text
    if not groups:
        return None
    tasks = [r.task for r in reports]
    return {
        "headers": ["model · seen set", *tasks],
        "rows": [[label, *(cells.get(t, "–") for t in tasks)] for label, cells in groups.items()],
    }


def build_report(
    runs: Sequence[RunResults],
    out_dir: str | os.PathLike,
    tasks: Sequence[str] | None = None,
    metric: str | Mapping[str, str] | None = None,
    *,
    percent: bool = False,
    **kwargs,
) -> Path:
    """Compute everything first, then write the folder in one step."""
    out_dir = Path(out_dir)
    claim_dir(out_dir, COMMAND)  # refused before any work when it is not ours to replace
    tasks = tasks_to_build(runs, tasks, kwargs)  # the views of every task share draws and reads
    with Progress("clt report", total=len(tasks), unit="task") as bar:
        reports = []
        for t in tasks:
            reports.append(task_report(runs, normalize_task(t), metric, percent=percent, **kwargs))
            bar.update()
    page = render_html(reports, runs, kwargs.get("stats") or StatOptions())
    json_text = render([r.absolute for r in reports], runs, "json")
    with output_dir(out_dir, COMMAND) as tmp:
        (tmp / "index.html").write_text(page, encoding="utf-8")
        (tmp / "matrix.json").write_text(json_text, encoding="utf-8")
        for r in reports:
            for name, data in r.figures.items():
                (tmp / name).write_bytes(data)
    return out_dir


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(
        loader=FileSystemLoader(str(_TEMPLATES)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def render_html(reports: Sequence[TaskReport], runs: Sequence[RunResults], stats: StatOptions) -> str:
    baseline = find_baseline(runs)
    run_rows = []
    for run in runs:
        m = run.manifest
        k = "–" if m is None or m.examples_per_language() is None else m.examples_per_language()
        seeds = (
            "–"
            if m is None
            else (
                f"{getattr(m, 'training_seed', None) if getattr(m, 'training_seed', None) is not None else '–'}"
                f"/{m.seed if getattr(m, 'seed', None) is not None else '–'}"
            )
        )
        run_rows.append(
            {
                "name": run.name,
                "k": k,
                "trained": (" ".join(m.trained_languages()) or "–") if m is not None else "–",
                "baseline": "yes" if baseline is not None and baseline.name == run.name else "",
                "seed": seeds,
                "source": run.source,
                "manifest": "–" if m is None or m.path is None else m.path,
            }
        )
    tasks_out = [
        {
            "task": r.task,
            "metric": r.metric,
            "heatmaps": r.heatmaps,
            "curves": r.curves,
            "stats": r.stats,
            "views": r.views,
            "notes": r.notes,
        }
        for r in reports
    ]
    return (
        _environment()
        .get_template("report.html")
        .render(
            version=__version__,
            runs=runs,
            tasks=[r.task for r in reports],
            uncertainty=stats.describe(),
            rho_table=rho_table(reports),
            run_rows=run_rows,
            tasks_out=tasks_out,
        )
    )
