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

from clt_plugin import __version__, textsafe
from clt_plugin.analysis.matrix import Matrix, build_matrix, find_baseline, normalize_task, tasks_to_build
from clt_plugin.analysis.model import Rho
from clt_plugin.analysis.plots import (
    curves_figure,
    curves_size,
    heatmap_figure,
    heatmap_pages,
    heatmap_size,
    render_figure,
)
from clt_plugin.analysis.render import (
    MISSING,
    RHO_CHECKPOINTS_LABEL,
    RHO_GRID_LABEL,
    SIGNIFICANT,
    note_lines,
    render,
    statistics_lines,
    table_rows,
    title,
)
from clt_plugin.analysis.results import RunResults
from clt_plugin.analysis.uncertainty import StatOptions
from clt_plugin.names import group_name
from clt_plugin.outputs import claim_dir, output_dir
from clt_plugin.progress import Progress

UNITS = ("percent", "fraction")  # how 0-1 scores are shown; percent is the default (the paper's tables)
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
            # Columns 0-2 are the run, k and trained languages; the values start at 3.
            cls = [] if i < 3 else [n for n, on in (("missing", c == MISSING), ("sig", SIGNIFICANT in c)) if on]
            out.append({"text": c, "cls": " ".join(cls)})
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
        width = curves_size(absolute, group)[0]
        rep.curves.append(_figure_entry(name, f"curves of {group_name(rep.task)}, {group.label}", width))
    rep.stats = statistics_lines(shown)
    rep.notes = [{"text": n, "warn": n.startswith(("WARNING", "  mixed"))} for n in note_lines(absolute)]
    return rep


def _rho_cell(c: Rho | None) -> str:
    """rho [low, high], p, n of one group's statistic, as Table 2 prints it."""
    if c is None:
        return MISSING
    if c.rho is None:
        return f"n/a (n = {c.n_points})"
    ci = "" if c.low is None or c.high is None else f" [{c.low:.2f}, {c.high:.2f}]"
    return f"{c.rho:.2f}{ci}, p = {c.p:.2g}, n = {c.n_points}"


def rho_table(reports: Sequence[TaskReport]) -> dict | None:
    """The paper's Table 2: rows are (base model, seen set) groups; per task, rho between the seen
    and unseen averages over grid points × checkpoints when any checkpoint was evaluated (what
    the paper calls "during training"), with rho over grid points beside it, both labelled."""
    groups = [(rep.task, g) for rep in reports for g in rep.absolute.groups]
    if not groups:
        return None
    tasks = list(dict.fromkeys(t for t, _ in groups))
    checkpoints = any(g.rho_checkpoints is not None for _, g in groups)
    kinds = (("rho_checkpoints", RHO_CHECKPOINTS_LABEL),) if checkpoints else ()
    kinds += (("rho_grid", RHO_GRID_LABEL),)
    cells: dict[str, dict[tuple[str, str], str]] = {}
    for task, g in groups:
        for attr, _ in kinds:
            cells.setdefault(g.label, {})[(task, attr)] = _rho_cell(getattr(g, attr))
    columns = [(t, attr) for t in tasks for attr, _ in kinds]
    return {
        "tasks": tasks,
        "subheaders": [label for _, label in kinds],
        "rows": [[label, *(by.get(c, MISSING) for c in columns)] for label, by in cells.items()],
        "caption": _rho_caption(checkpoints),
    }


def _rho_caption(checkpoints: bool) -> str:
    if checkpoints:
        return (
            f"Table 2 is ρ {RHO_CHECKPOINTS_LABEL}: every evaluated checkpoint of every run of a group is a "
            f"point. Beside it, ρ {RHO_GRID_LABEL}: one point per k, the final models. Intervals: bootstrap."
        )
    return (
        f"ρ {RHO_GRID_LABEL}: one point per k, the final models, with its bootstrap interval. No checkpoint "
        "was evaluated, so ρ over training (the paper's 'during training', its Table 2) is not shown: "
        "evaluate the checkpoints too (clt sweep --eval-checkpoints)."
    )


def build_report(
    runs: Sequence[RunResults],
    out_dir: str | os.PathLike,
    tasks: Sequence[str] | None = None,
    metric: str | Mapping[str, str] | None = None,
    *,
    percent: bool = True,
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


def _relative(paths: Sequence[Path | None]) -> tuple[str, list[str]]:
    """The folder the paths share and each path relative to it ("–" for None): a long absolute
    prefix printed once above a table instead of in every row."""
    real = [None if p is None else os.path.abspath(p) for p in paths]
    present = [os.path.dirname(p) for p in real if p is not None]
    if not present:
        return "", [MISSING for _ in paths]
    root = os.path.commonpath(present)
    return root, [MISSING if p is None else os.path.relpath(p, root) for p in real]


def _seeds(m) -> str:
    if m is None:
        return MISSING
    training, mixture = getattr(m, "training_seed", None), getattr(m, "seed", None)
    return f"{MISSING if training is None else training}/{MISSING if mixture is None else mixture}"


def run_table(runs: Sequence[RunResults]) -> dict:
    """The runs table: one row per run, its results and manifest paths relative to their roots."""
    baseline = find_baseline(runs)
    source_root, sources = _relative([run.source for run in runs])
    manifests = [None if run.manifest is None else run.manifest.path for run in runs]
    manifest_root, manifest_paths = _relative(manifests)
    rows = []
    for run, source, manifest in zip(runs, sources, manifest_paths):
        m = run.manifest
        k = None if m is None else m.examples_per_language()
        rows.append(
            {
                "name": run.name,
                "k": MISSING if k is None else k,
                "trained": (" ".join(m.trained_languages()) or MISSING) if m is not None else MISSING,
                "baseline": "yes" if baseline is not None and baseline.name == run.name else "",
                "seed": _seeds(m),
                "source": source,
                "manifest": manifest,
            }
        )
    return {"rows": rows, "source_root": source_root, "manifest_root": manifest_root}


def render_html(reports: Sequence[TaskReport], runs: Sequence[RunResults], stats: StatOptions) -> str:
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
    from jinja2 import FileSystemLoader

    # Autoescaping, and every value shown through textsafe.visible first (no bidi reordering).
    env = textsafe.html_environment(FileSystemLoader(str(_TEMPLATES)))
    return env.get_template("report.html").render(
        version=__version__,
        runs=runs,
        tasks=[r.task for r in reports],
        uncertainty=stats.describe(),
        rho_table=rho_table(reports),
        run_table=run_table(runs),
        tasks_out=tasks_out,
    )
