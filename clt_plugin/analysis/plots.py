"""Figures of a matrix a paper can use: heatmaps with intervals and significance marks, and curves
of score against examples per language with confidence bands. SVG and PNG (200 dpi).

matplotlib's Agg canvas directly (no pyplot, no display, no global state). One heatmap per group
of comparable runs (base model, seen set), its columns ordered English | seen | unseen with a
divider between the blocks, split into pages of at most PAGE_ROWS rows: no image is ever taller
than a printed page, however many runs there are. Output bytes depend only on the inputs (no
dates, no version strings, a fixed SVG id salt).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from clt_plugin.analysis.matrix import ENGLISH, SERIES, GroupStats, Matrix, Row, lang_sort_key

DPI = 200
PAGE_ROWS = 30  # a heatmap page: at most this many runs, so at most ~10 inches tall
MAX_HEIGHT_IN = 10.5
_SERIES_STYLE = {
    "english": ("English", "#444444", "o"),
    "seen": ("Seen avg", "#1f77b4", "s"),
    "unseen": ("Unseen avg", "#d62728", "^"),
}
# Text stays text in the SVG (searchable, editable in a paper's figure), and ids do not change between runs.
_RC = {"svg.hashsalt": "clt-plugin", "svg.fonttype": "none", "font.size": 8}


@dataclass
class HeatmapPage:
    group: str  # the group's label
    rows: list[Row]
    columns: list[str]
    blocks: list[tuple[str, int]]  # (block name, number of columns): English | seen | unseen
    page: int
    pages: int


def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def render_figure(fig, fmt: str) -> bytes:
    """PNG or SVG bytes of a figure, without metadata that would change from run to run."""
    import matplotlib

    buf = io.BytesIO()
    meta = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=meta)
    return buf.getvalue()


def _scale(matrix: Matrix, percent: bool) -> float:
    return 100.0 if percent and matrix.view != "rel-en" else 1.0


def _unit(matrix: Matrix, percent: bool) -> str:
    pct = " (%)" if percent and matrix.view != "rel-en" else ""
    return {
        "absolute": f"{matrix.metric}{pct}",
        "delta": f"{matrix.metric} gain over {matrix.baseline}{pct}",
        "transfer": f"{matrix.metric} gain over {matrix.baseline}{pct}",
        "rel-en": f"{matrix.metric}, % of the run's English score",
    }[matrix.view]


# --------------------------------------------------------------------------- heatmaps


def _blocks(matrix: Matrix, seen: tuple[str, ...]) -> tuple[list[str], list[tuple[str, int]]]:
    langs = matrix.languages
    en = [l for l in langs if l == ENGLISH]
    s = [l for l in langs if l in seen and l != ENGLISH]
    u = [l for l in langs if l not in seen and l != ENGLISH]
    blocks = [(name, len(cols)) for name, cols in (("English", en), ("seen", s), ("unseen", u)) if cols]
    return en + s + u, blocks


def heatmap_pages(matrix: Matrix, page_rows: int = PAGE_ROWS) -> list[HeatmapPage]:
    """The heatmap pages of a matrix: per group of comparable runs, at most `page_rows` rows each."""
    base = [r for r in matrix.rows if r.is_baseline]
    groups: dict[tuple, list[Row]] = {}
    for row in matrix.rows:
        if row.is_baseline:
            continue
        seen = tuple(sorted(row.seen or (), key=lang_sort_key))
        groups.setdefault((row.base_model or "", seen), []).append(row)
    if not groups and base:
        groups[(base[0].base_model or "", ())] = []
    pages: list[HeatmapPage] = []
    for (model, seen), rows in groups.items():
        label = ((model.rstrip("/\\").rsplit("/", 1)[-1] + " · ") if model else "") + (
            f"seen {','.join(seen)}" if seen else "no seen set"
        )
        columns, blocks = _blocks(matrix, seen)
        per_page = max(1, page_rows - len(base))
        chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
        for i, chunk in enumerate(chunks):
            pages.append(HeatmapPage(label, base + chunk, columns, blocks, i + 1, len(chunks)))
    return pages


def _heatmap_inches(page: HeatmapPage) -> tuple[float, float]:
    return 2.8 + 0.62 * len(page.columns), min(MAX_HEIGHT_IN, 1.9 + 0.3 * len(page.rows))


def heatmap_size(page: HeatmapPage) -> tuple[int, int]:
    """(width, height) in pixels of the page's PNG."""
    w, h = _heatmap_inches(page)
    return round(w * DPI), round(h * DPI)


def heatmap_figure(matrix: Matrix, page: HeatmapPage, *, percent: bool = False):
    """Rows are runs, columns languages (English | seen | unseen); each cell shows its value and
    the half-width of its interval, `*` where the delta is significant; missing cells are grey "–"."""
    import numpy as np

    scale = _scale(matrix, percent)
    cols = page.columns
    data = np.array(
        [[np.nan if row.cells.get(l) is None else row.cells[l] * scale for l in cols] for row in page.rows], dtype=float
    ).reshape(len(page.rows), len(cols))
    fig = _figure(*_heatmap_inches(page))
    w, h = _heatmap_inches(page)
    left, right = 2.0 / w, 1.25 / w
    bottom, top = 0.75 / h, 0.75 / h
    ax = fig.add_axes((left, bottom, 1 - left - right, 1 - bottom - top))
    finite = data[np.isfinite(data)]
    signed = matrix.view in ("delta", "transfer")
    if finite.size:
        if signed:
            bound = float(np.max(np.abs(finite))) or 1.0
            vmin, vmax, cmap = -bound, bound, "RdBu"
        else:
            vmin, vmax, cmap = float(finite.min()), float(finite.max()), "viridis"
            if vmin == vmax:
                vmin, vmax = vmin - 0.5, vmax + 0.5
    else:
        vmin, vmax, cmap = 0.0, 1.0, "viridis"
    ax.set_facecolor("#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(data), cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(cols)), labels=cols)
    ax.set_yticks(range(len(page.rows)), labels=[_row_label(r) for r in page.rows])
    ax.tick_params(labelsize=7, length=0)
    ax.set_xlabel("evaluation language", fontsize=8)
    ax.set_ylabel("source" if matrix.view == "transfer" else "run (examples per language)", fontsize=8)
    digits = 1 if (percent or matrix.view == "rel-en") else 2
    for i, row in enumerate(page.rows):
        for j, lang in enumerate(cols):
            v = data[i, j]
            if math.isnan(v):
                ax.text(j, i, "–", ha="center", va="center", fontsize=7, color="#555555")
                continue
            frac = 0.5 if vmax == vmin else (v - vmin) / (vmax - vmin)
            dark = frac < 0.35 if not signed else abs(frac - 0.5) > 0.3
            text = f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"
            test = row.tests.get(lang)
            if signed and test is not None and test.significant:
                text += "*"
            ci = row.ci.get(lang)
            if ci is not None and not row.is_baseline:
                text += f"\n±{abs(ci.half_width * scale):.{digits}f}"
            ax.text(
                j, i, text, ha="center", va="center", fontsize=5.5, color="white" if dark else "black", linespacing=0.95
            )
    # Dividers and block names: English | seen | unseen.
    x = -0.5
    for name, n in page.blocks:
        ax.text(
            x + n / 2,
            -0.62,
            name,
            ha="center",
            va="bottom",
            fontsize=7,
            style="italic",
            transform=ax.transData,
            clip_on=False,
        )
        x += n
        if x < len(cols) - 0.5:
            ax.axvline(x, color="black", linewidth=1.6)
    cax = fig.add_axes((1 - right + 0.15 / w, bottom, 0.16 / w, 1 - bottom - top))
    cbar = fig.colorbar(im, cax=cax)
    cbar.set_label(_unit(matrix, percent), fontsize=7)
    cbar.ax.tick_params(labelsize=6)
    pages = f" · page {page.page}/{page.pages}" if page.pages > 1 else ""
    fig.suptitle(f"clt_{matrix.task} · {matrix.view} · {page.group}{pages}", fontsize=9, y=1 - 0.12 / h)
    if signed and matrix.options is not None:
        fig.text(
            0.01,
            0.012,
            f"± half-width of the {matrix.options.level:.0%} interval; * significant after "
            f"{matrix.options.correction} correction at {matrix.options.alpha:g}",
            fontsize=6,
            color="#444444",
        )
    return fig


def _row_label(row: Row) -> str:
    text = row.label + (" (base)" if row.is_baseline else "") + (f" ×{len(row.seeds)} seeds" if row.seeds else "")
    if row.k is not None and not row.is_baseline and str(row.k) not in row.label:
        text += f" (k={row.k})"
    return text if len(text) <= 34 else text[:33] + "…"


# --------------------------------------------------------------------------- curves


def curves_figure(matrix: Matrix, group: GroupStats, *, percent: bool = False):
    """Two panels for one group: the English, seen and unseen averages with their bands, and every
    language (solid: seen, dashed: unseen) with its band; score against examples per language.
    None when the group has no points to draw."""
    if not group.curves:
        return None
    scale = 100.0 if percent else 1.0
    fig = _figure(10.0, 4.0)
    axes = [fig.add_subplot(1, 2, i + 1) for i in range(2)]
    ks = sorted({k for pts in group.curves.values() for k, *_ in pts})
    for s in SERIES:
        pts = group.curves.get(s)
        if pts:
            label, color, marker = _SERIES_STYLE[s]
            _line(axes[0], pts, scale, color, label, marker, "-")
    import matplotlib

    colors = matplotlib.colormaps["tab10"]
    langs = [s[5:] for s in group.curves if s.startswith("lang:")]
    for i, lang in enumerate(langs):
        style = "-" if lang in group.seen or lang == ENGLISH else "--"
        _line(axes[1], group.curves[f"lang:{lang}"], scale, colors(i % 10), lang, None, style)
    for ax, name in zip(axes, ("averages", "per language (dashed: unseen)")):
        positive = [k for k in ks if k > 0]
        if positive:
            ax.set_xscale("symlog", linthresh=min(positive))  # 0 and then thousands
        ax.set_xticks(ks, labels=[str(k) for k in ks], fontsize=7, rotation=45)
        ax.set_xlabel("examples per language (k)", fontsize=8)
        ax.set_ylabel(f"{matrix.metric}{' (%)' if percent else ''}", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(name, fontsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6, ncol=2 if name.startswith("per") else 1)
    level = f"{matrix.options.level:.0%}" if matrix.options is not None else ""
    fig.suptitle(f"clt_{matrix.task} · {matrix.metric} · {group.label} (bands: {level} intervals)", fontsize=9)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.2, top=0.86, wspace=0.22)
    return fig


def _line(ax, pts, scale, color, label, marker, style):
    ks = [p[0] for p in pts]
    ax.plot(
        ks,
        [p[1] * scale for p in pts],
        linestyle=style,
        marker=marker,
        markersize=3,
        color=color,
        label=label,
        linewidth=1.2,
    )
    if all(p[2] is not None and p[3] is not None for p in pts):
        ax.fill_between(
            ks, [p[2] * scale for p in pts], [p[3] * scale for p in pts], color=color, alpha=0.15, linewidth=0
        )


def heatmap_png(matrix: Matrix, *, percent: bool = False) -> bytes:
    """The first heatmap page as PNG (a one-group matrix's whole heatmap)."""
    return render_figure(heatmap_figure(matrix, heatmap_pages(matrix)[0], percent=percent), "png")


def curves_png(matrix: Matrix, *, percent: bool = False) -> bytes | None:
    """The first group's curves as PNG; None when there are none."""
    for g in matrix.groups:
        fig = curves_figure(matrix, g, percent=percent)
        if fig is not None:
            return render_figure(fig, "png")
    return None
