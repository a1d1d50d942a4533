"""PNG plots of a matrix: a heatmap of its cells and curves against examples per language.

Uses matplotlib's Agg canvas directly (no pyplot, no display, no global state). Figure sizes are
fixed from the matrix's shape so a plot's pixel size is predictable: `heatmap_size`,
`curves_size`. PNG metadata is stripped of the matplotlib version so equal inputs give equal
bytes.
"""

from __future__ import annotations

import io
import math

from clt_plugin.analysis.matrix import SERIES, Matrix

DPI = 100
_SERIES_STYLE = {"english": ("English", "#444444", "o"), "seen": ("Seen avg", "#1f77b4", "s"),
                 "unseen": ("Unseen avg", "#d62728", "^")}


def _figure(width_in: float, height_in: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _heatmap_inches(matrix: Matrix) -> tuple[float, float]:
    return 2.5 + 0.75 * len(matrix.languages), 1.6 + 0.42 * len(matrix.rows)


def heatmap_size(matrix: Matrix) -> tuple[int, int]:
    """(width, height) in pixels of `heatmap_png(matrix)`."""
    w, h = _heatmap_inches(matrix)
    return round(w * DPI), round(h * DPI)


def heatmap_png(matrix: Matrix, *, percent: bool = False) -> bytes:
    """Rows are runs, columns languages; missing cells are hatched grey and marked "–"."""
    import numpy as np

    langs = list(matrix.languages)
    scale = 100.0 if percent and matrix.view != "rel-en" else 1.0
    data = np.array(
        [[np.nan if row.cells.get(l) is None else row.cells[l] * scale for l in langs] for row in matrix.rows],
        dtype=float,
    )
    fig = _figure(*_heatmap_inches(matrix))
    ax = fig.add_axes((0.22, 0.2, 0.66, 0.68))
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
    masked = np.ma.masked_invalid(data)
    ax.set_facecolor("#d9d9d9")
    im = ax.imshow(masked, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", interpolation="nearest")
    ax.set_xticks(range(len(langs)), labels=langs)
    ax.set_yticks(range(len(matrix.rows)), labels=[_row_label(r) for r in matrix.rows])
    ax.tick_params(labelsize=8)
    digits = 1 if (percent or matrix.view == "rel-en") else 3
    for i, row in enumerate(matrix.rows):
        for j, _ in enumerate(langs):
            v = data[i, j]
            if math.isnan(v):
                ax.text(j, i, "–", ha="center", va="center", fontsize=8, color="#555555")
                continue
            frac = 0.5 if vmax == vmin else (v - vmin) / (vmax - vmin)
            dark = frac < 0.35 if not signed else abs(frac - 0.5) > 0.3
            ax.text(j, i, f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}", ha="center", va="center",
                    fontsize=7, color="white" if dark else "black")
    cax = fig.add_axes((0.9, 0.2, 0.02, 0.68))
    fig.colorbar(im, cax=cax)
    ax.set_title(f"clt_{matrix.task} · {matrix.metric} · {matrix.view}", fontsize=10)
    return _png(fig)


def _row_label(row) -> str:
    text = row.label + (" (base)" if row.is_baseline else "")
    return text if len(text) <= 28 else text[:27] + "…"


def curves_size(matrix: Matrix) -> tuple[int, int]:
    n = max(1, len(matrix.curves))
    return round(5.0 * n * DPI), round(3.8 * DPI)


def curves_png(matrix: Matrix, *, percent: bool = False) -> bytes | None:
    """English, seen and unseen averages against examples per language, one panel per seen set.

    None when no run has a known k and seen set (nothing to draw).
    """
    if not matrix.curves:
        return None
    scale = 100.0 if percent else 1.0
    groups = list(matrix.curves.items())
    w, h = curves_size(matrix)
    fig = _figure(w / DPI, h / DPI)
    for idx, (group, series) in enumerate(groups):
        ax = fig.add_subplot(1, len(groups), idx + 1)
        ks = sorted({k for s in SERIES for k, _ in series.get(s, [])})
        for s in SERIES:
            pts = series.get(s) or []
            if not pts:
                continue
            label, color, marker = _SERIES_STYLE[s]
            ax.plot([k for k, _ in pts], [v * scale for _, v in pts], marker=marker, color=color, label=label)
        # k spans 0 to thousands: linear near 0, logarithmic beyond the first step.
        positive = [k for k in ks if k > 0]
        if positive:
            ax.set_xscale("symlog", linthresh=min(positive))
        ax.set_xticks(ks, labels=[str(k) for k in ks], fontsize=7, rotation=45)
        ax.set_xlabel("examples per language", fontsize=8)
        ax.set_ylabel(f"{matrix.metric}{' (%)' if percent else ''}", fontsize=8)
        ax.tick_params(axis="y", labelsize=7)
        ax.set_title(f"seen: {group}", fontsize=9)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(f"clt_{matrix.task} · {matrix.metric}", fontsize=10)
    fig.subplots_adjust(left=0.12 / len(groups) + 0.04, right=0.97, bottom=0.22, top=0.84, wspace=0.3)
    return _png(fig)
