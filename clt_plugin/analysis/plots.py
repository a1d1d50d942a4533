"""Figures of a matrix a paper can use: heatmaps with intervals and significance marks, and small
multiples of score against examples per language with confidence bands and significance marks.
SVG and PNG (200 dpi).

matplotlib's Agg canvas directly (no pyplot, no display, no global state). One heatmap per group
of comparable runs (base model, seen set), its columns ordered English | seen | unseen with a
divider between the blocks, split into pages of at most PAGE_ROWS rows: no image is ever taller
than a printed page, however many runs there are. Curves get one panel per language on shared
axes (lines on one panel hide each other and eight bands become a wash), seen and unseen
languages in rows of their own. Every text from the inputs goes through textsafe.figure_text.
Output bytes depend only on the inputs (no dates, no version strings, a fixed SVG id salt).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from clt_plugin.analysis.matrix import ENGLISH, SERIES, GroupStats, Matrix, Row, lang_sort_key
from clt_plugin.analysis.render import minority_note, shows_percent, significant, unit_scale
from clt_plugin.analysis.views import get_view
from clt_plugin.names import group_name
from clt_plugin.textsafe import figure_text, visible

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


def _unit(matrix: Matrix, percent: bool) -> str:
    pct = " (%)" if shows_percent(matrix, percent) else ""
    view = get_view(matrix.view)
    if view.in_percent:
        return f"{matrix.metric}, {view.unit}"
    # The baseline's own row says which run it is (long run names do not fit beside the colour bar).
    unit = view.title_unit("the baseline")
    return f"{matrix.metric}{'' if unit == 'score' else ' ' + unit}{pct}"


def _significance_note(matrix: Matrix, what: str) -> str:
    o = matrix.options
    return f"{what} significantly different from the baseline after {o.correction} correction at {o.alpha:g}"


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


def _label_inches(page: HeatmapPage) -> float:
    """The left margin: room for the longest row label (7 pt, about 0.06 in a character) and the axis name."""
    longest = max((len(_row_label(r)) for r in page.rows), default=0)
    return max(2.0, 0.45 + 0.06 * longest)


def _heatmap_inches(page: HeatmapPage) -> tuple[float, float]:
    return _label_inches(page) + 0.8 + 0.62 * len(page.columns), min(MAX_HEIGHT_IN, 1.9 + 0.3 * len(page.rows))


def heatmap_size(page: HeatmapPage) -> tuple[int, int]:
    """(width, height) in pixels of the page's PNG."""
    w, h = _heatmap_inches(page)
    return round(w * DPI), round(h * DPI)


@dataclass
class _Colors:
    vmin: float
    vmax: float
    cmap: str
    signed: bool

    def dark(self, v: float) -> bool:
        """Whether the cell's colour is dark enough for white text."""
        frac = 0.5 if self.vmax == self.vmin else (v - self.vmin) / (self.vmax - self.vmin)
        return abs(frac - 0.5) > 0.3 if self.signed else frac < 0.35


def _colors(matrix: Matrix, data) -> _Colors:
    import numpy as np

    finite = data[np.isfinite(data)]
    signed = get_view(matrix.view).against_baseline
    if not finite.size:
        return _Colors(0.0, 1.0, "viridis", signed)
    if signed:
        bound = float(np.max(np.abs(finite))) or 1.0
        return _Colors(-bound, bound, "RdBu", signed)
    vmin, vmax = float(finite.min()), float(finite.max())
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5
    return _Colors(vmin, vmax, "viridis", signed)


def _cell_text(matrix: Matrix, row: Row, lang: str, v: float, digits: int, scale: float) -> str:
    """A heatmap cell: the value, `*` when significant, the interval's half-width, and the
    scored/all item count when a minority of the items was scored."""
    text = f"{v:+.{digits}f}" if get_view(matrix.view).against_baseline else f"{v:.{digits}f}"
    if significant(matrix, row, lang):
        text += "*"
    ci = row.ci.get(lang)
    if ci is not None and not row.is_baseline:
        text += f"\n±{abs(ci.half_width * scale):.{digits}f}"
    few = minority_note(row, lang)
    return f"{text}\n({few})" if few else text


def _annotate(ax, matrix: Matrix, page: HeatmapPage, data, colors: _Colors, scale: float, digits: int) -> None:
    for i, row in enumerate(page.rows):
        for j, lang in enumerate(page.columns):
            v = data[i, j]
            if math.isnan(v):
                ax.text(j, i, "–", ha="center", va="center", fontsize=7, color="#555555")
                continue
            text = _cell_text(matrix, row, lang, v, digits, scale)
            color = "white" if colors.dark(v) else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=5.5, color=color, linespacing=0.95)


def _block_dividers(ax, page: HeatmapPage) -> None:
    """English | seen | unseen: a name above each block, a line between them."""
    x = -0.5
    for name, n in page.blocks:
        ax.text(x + n / 2, -0.62, name, ha="center", va="bottom", fontsize=7, style="italic", clip_on=False)
        x += n
        if x < len(page.columns) - 0.5:
            ax.axvline(x, color="black", linewidth=1.6)


def heatmap_figure(matrix: Matrix, page: HeatmapPage, *, percent: bool = False):
    """Rows are runs, columns languages (English | seen | unseen); each cell shows its value and
    the half-width of its interval, `*` where it differs significantly from the baseline, and
    "(8/40)" where only a minority of its items was scored; missing cells are grey "–"."""
    import numpy as np

    scale = unit_scale(matrix, percent)
    cols = page.columns
    data = np.array(
        [[np.nan if row.cells.get(l) is None else row.cells[l] * scale for l in cols] for row in page.rows], dtype=float
    ).reshape(len(page.rows), len(cols))
    w, h = _heatmap_inches(page)
    fig = _figure(w, h)
    left, right, bottom, top = _label_inches(page) / w, 1.25 / w, 0.75 / h, 0.75 / h
    ax = fig.add_axes((left, bottom, 1 - left - right, 1 - bottom - top))
    colors = _colors(matrix, data)
    ax.set_facecolor("#d9d9d9")
    im = ax.imshow(
        np.ma.masked_invalid(data),
        cmap=colors.cmap,
        vmin=colors.vmin,
        vmax=colors.vmax,
        aspect="auto",
        interpolation="nearest",
    )
    ax.set_xticks(range(len(cols)), labels=[figure_text(c) for c in cols])
    ax.set_yticks(range(len(page.rows)), labels=[_row_label(r) for r in page.rows])
    ax.tick_params(labelsize=7, length=0)
    ax.set_xlabel("evaluation language", fontsize=8)
    heading = get_view(matrix.view).row_heading
    ax.set_ylabel("run (examples per language)" if heading == "Run" else heading.lower(), fontsize=8)
    digits = 1 if (shows_percent(matrix, percent) or get_view(matrix.view).in_percent) else 2
    _annotate(ax, matrix, page, data, colors, scale, digits)
    _block_dividers(ax, page)
    cax = fig.add_axes((1 - right + 0.15 / w, bottom, 0.16 / w, 1 - bottom - top))
    cbar = fig.colorbar(im, cax=cax)
    cbar.set_label(figure_text(_unit(matrix, percent)), fontsize=7)
    cbar.ax.tick_params(labelsize=6)
    pages = f" · page {page.page}/{page.pages}" if page.pages > 1 else ""
    fig.suptitle(
        figure_text(f"{group_name(matrix.task)} · {matrix.view} · {page.group}{pages}"), fontsize=9, y=1 - 0.12 / h
    )
    if any(row.tests for row in page.rows) and matrix.options is not None:
        note = f"± half-width of the {matrix.options.level:.0%} interval; " + _significance_note(matrix, "*")
        fig.text(0.01, 0.012, note, fontsize=6, color="#444444")
    return fig


_LABEL_CHARS = 40  # a heatmap row label at most: longer run names are cut, their suffix kept


def _row_label(row: Row) -> str:
    suffix = (" (base)" if row.is_baseline else "") + (f" ×{len(row.seeds)} seeds" if row.seeds else "")
    if row.k is not None and not row.is_baseline and str(row.k) not in row.label:
        suffix += f" (k={row.k})"
    name, room = visible(row.label), _LABEL_CHARS - len(suffix)
    return figure_text((name if len(name) <= room else name[: room - 1] + "…") + suffix)


# --------------------------------------------------------------------------- curves

_PANEL_COLS = 5  # small multiples per row at most: each panel stays legible at the page's width
_SECTION_COLOR = {"English": "#444444", "seen": "#1f77b4", "unseen": "#d62728"}


def _curve_sections(group: GroupStats) -> list[tuple[str, list[str]]]:
    """Panels in rows: the averages and English, then the seen languages, then the unseen ones."""
    langs = [s[5:] for s in group.curves if s.startswith("lang:")]
    averages = ["averages"] if any(s in group.curves for s in SERIES) else []
    first = averages + ([f"lang:{ENGLISH}"] if f"lang:{ENGLISH}" in group.curves else [])
    seen = [f"lang:{l}" for l in langs if l in group.seen and l != ENGLISH]
    unseen = [f"lang:{l}" for l in langs if l not in group.seen and l != ENGLISH]
    return [(name, panels) for name, panels in (("English", first), ("seen", seen), ("unseen", unseen)) if panels]


def _point_significance(matrix: Matrix, group: GroupStats, series: str) -> dict[int, bool]:
    """k -> whether the curve's point differs significantly from the baseline: every run at
    that k has a significant test for the series (a language, or its seen/unseen average)."""
    key = series[5:] if series.startswith("lang:") else (ENGLISH if series == "english" else f"avg:{series}")
    by_k: dict[int, list[bool]] = {}
    for row in matrix.rows:
        if row.run in group.runs and row.k is not None and not row.is_baseline:
            by_k.setdefault(row.k, []).append(significant(matrix, row, key))
    return {k: all(marks) for k, marks in by_k.items()}


def _curve(ax, pts, scale: float, color: str, label: str, marker: str, marks: dict[int, bool]) -> None:
    """A line with its band; filled markers where the point differs significantly from the baseline."""
    ks = [p[0] for p in pts]
    ax.plot(ks, [p[1] * scale for p in pts], color=color, label=label, linewidth=1.2)
    if all(p[2] is not None and p[3] is not None for p in pts):
        ax.fill_between(
            ks, [p[2] * scale for p in pts], [p[3] * scale for p in pts], color=color, alpha=0.15, linewidth=0
        )
    for k, v, *_ in pts:
        face = color if marks.get(k) else "white"
        ax.plot([k], [v * scale], marker=marker, markersize=4, color=color, markerfacecolor=face, linestyle="none")


def _panel(ax, matrix: Matrix, group: GroupStats, name: str, section: str, scale: float) -> None:
    if name == "averages":
        for s in SERIES:
            if group.curves.get(s):
                label, color, marker = _SERIES_STYLE[s]
                _curve(ax, group.curves[s], scale, color, label, marker, _point_significance(matrix, group, s))
        ax.set_title("averages", fontsize=8)
        # The marker key beside the series: what filled and hollow mean on every panel.
        for face, text in (("#444444", "differs from baseline"), ("white", "no significant difference")):
            ax.plot(
                [], [], marker="o", markersize=4, color="#444444", markerfacecolor=face, linestyle="none", label=text
            )
        ax.legend(fontsize=5.5, loc="best")
        return
    lang = name[5:]
    color = _SECTION_COLOR[section]
    _curve(ax, group.curves[name], scale, color, lang, "o", _point_significance(matrix, group, name))
    ax.set_title(figure_text(f"{lang} ({section})" if section != "English" else lang), fontsize=8, color=color)


def _curve_layout(sections) -> tuple[int, list[tuple[str, str, int, int]]]:
    """(columns, [(panel, section, row, column)]): each section starts a new row of panels."""
    ncols = min(_PANEL_COLS, max(len(p) for _, p in sections))
    cells, row = [], 0
    for section, panels in sections:
        for i, name in enumerate(panels):
            cells.append((name, section, row + i // ncols, i % ncols))
        row += -(-len(panels) // ncols)
    return ncols, cells


def curves_size(matrix: Matrix, group: GroupStats) -> tuple[int, int] | None:
    """(width, height) in pixels of the group's curves PNG; None when there are no curves."""
    if not group.curves:
        return None
    w, h = _curves_inches(_curve_layout(_curve_sections(group)))
    return round(w * DPI), round(h * DPI)


def _curves_inches(layout) -> tuple[float, float]:
    ncols, cells = layout
    nrows = max(r for _, _, r, _ in cells) + 1
    return 0.9 + 2.3 * max(ncols, 2), 1.2 + 1.9 * nrows


def curves_figure(matrix: Matrix, group: GroupStats, *, percent: bool = False):
    """Small multiples for one group, score against examples per language, every panel on
    shared axes with its confidence band: the English, seen and unseen averages and English in
    the first row, then one panel per seen language, then one per unseen language. Filled
    markers: the point differs significantly from the baseline. None when there is nothing to draw."""
    if not group.curves:
        return None
    scale = unit_scale(matrix, percent)
    layout = _curve_layout(_curve_sections(group))
    fig = _figure(*_curves_inches(layout))
    ncols, cells = layout
    nrows = max(r for _, _, r, _ in cells) + 1
    grid = fig.add_gridspec(nrows, max(ncols, 2), left=0.07, right=0.98, bottom=0.14, top=0.9, hspace=0.6, wspace=0.12)
    first = None
    for name, section, r, c in cells:
        ax = fig.add_subplot(grid[r, c], sharex=first, sharey=first)
        first = first or ax
        _panel(ax, matrix, group, name, section, scale)
        _panel_axes(ax, group, matrix, percent, left=c == 0, bottom=_is_bottom(cells, r, c))
    level = f"{matrix.options.level:.0%} intervals" if matrix.options is not None else "intervals"
    fig.suptitle(figure_text(f"{group_name(matrix.task)} · {matrix.metric} · {group.label}"), fontsize=9)
    fig.text(
        0.01,
        0.012,
        f"bands: {level}; filled markers: " + _significance_note(matrix, "points"),
        fontsize=6,
        color="#444444",
    )
    return fig


def _is_bottom(cells, r: int, c: int) -> bool:
    # The lowest panel of its column shows the k axis: nothing below it to read it from.
    return not any(c2 == c and r2 > r for _, _, r2, c2 in cells)


def _panel_axes(ax, group: GroupStats, matrix: Matrix, percent: bool, *, left: bool, bottom: bool) -> None:
    ks = sorted({k for pts in group.curves.values() for k, *_ in pts})
    positive = [k for k in ks if k > 0]
    if positive:
        ax.set_xscale("symlog", linthresh=min(positive))  # 0 and then thousands
    ax.set_xticks(ks, labels=[str(k) for k in ks], fontsize=6, rotation=45)
    ax.tick_params(axis="x", labelbottom=bottom)
    ax.tick_params(axis="y", labelsize=6, labelleft=left)
    if bottom:
        ax.set_xlabel("examples per language (k)", fontsize=7)
    if left:
        ax.set_ylabel(figure_text(f"{matrix.metric}{' (%)' if shows_percent(matrix, percent) else ''}"), fontsize=7)
    ax.grid(alpha=0.3)


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
