"""Render a Board as Markdown, CSV and one self-contained static HTML page.

Every string that comes from a submission is data, never markup: HTML text and attributes go
through html.escape, the embedded JSON has `<`, `>` and `&` as \\u escapes (so no `</script>`
can close its block), Markdown cells have their markup characters escaped, and CSV cells that a
spreadsheet would read as a formula get a leading quote. The page also carries a Content
Security Policy that allows only its own script (by hash), so even a missed escape could not
run injected code. File names come from the fixed layout and validated family names only.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import re
from pathlib import Path

from clt_plugin import __version__
from clt_plugin.errors import CLTError
from clt_plugin import textsafe
from clt_plugin.outputs import MARKER, output_dir, resolve_path
from clt_plugin.leaderboard.board import Board, FamilyCell, Row

COMMAND = "clt leaderboard"  # signs the board folder (clt_plugin.outputs: the output policy)
_SAFE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MISSING = "–"

# --------------------------------------------------------------------------- values


def _num(value: float | None, digits: int = 3, sign: bool = False) -> str:
    if value is None:
        return _MISSING
    if value != 0 and float(f"{value:.{digits}f}") == 0:
        value = 0.0  # float noise such as -2.8e-17 would print as "-0.000"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _csv_num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def mixture_label(row: Row) -> str:
    mix = row.submission.mixture
    if mix is None:
        return _MISSING
    if mix.manifest.english_only:
        return "English only"
    k = mix.manifest.per_language
    return "mixed" if k is None else f"{k} per language"


def stale_label(row: Row) -> str:
    return "; ".join(
        f"{s.task}: submitted v{s.submitted}, " + ("not installed" if s.installed is None else f"installed v{s.installed}")
        for s in row.stale
    )


def _overview_columns(board: Board) -> list[tuple[str, str]]:
    """(header, kind) where kind is 'num' or 'text' (for sorting)."""
    cols = [("#", "num"), ("Model", "text"), ("Revision", "text"), ("Base model", "text"), ("Mixture", "text")]
    cols += [("Seen", "text")]
    cols += [(f"{fam} ({board.metrics[fam]})", "num") for fam in board.families]
    cols += [("Overall", "num"), ("Stale", "text"), ("Submitted", "text")]
    return cols


def _overview_values(board: Board, row: Row) -> list[tuple[str, str | None]]:
    """(display text, sort key) per overview column; numbers sort by their exact value."""
    sub = row.submission
    out: list[tuple[str, str | None]] = [
        (str(row.rank), str(row.rank)),
        (sub.model.id, None),
        (sub.model.revision or _MISSING, None),
        (sub.model.base_model or _MISSING, None),
        (mixture_label(row), None),
        (", ".join(sub.seen_languages) or _MISSING, None),
    ]
    for fam in board.families:
        cell = row.families.get(fam)
        value = cell.aggregates.all if cell else None
        out.append((_num(value), _csv_num(value)))
    out.append((_num(row.overall), _csv_num(row.overall)))
    out.append(("stale" if row.stale else "", None))
    out.append((sub.created_at, None))
    return out


_AGG_COLUMNS = (("EN", "english", False), ("Seen avg", "seen", False), ("Unseen avg", "unseen", False),
                ("Gap", "gap", True), ("All", "all", False))


def _family_columns(board: Board, fam: str) -> list[tuple[str, str]]:
    cols = [("#", "num"), ("Model", "text"), ("Seen", "text")]
    cols += [(name, "num") for name, _, _ in _AGG_COLUMNS]
    cols += [("Fidelity", "num")]
    cols += [(lang, "num") for lang in board.languages[fam]]
    if _judged(board, fam):
        cols += [("Judge", "text")]
    return cols


def _judged(board: Board, fam: str) -> bool:
    # Ratings from different judges are not comparable, so a judged family shows its judge.
    return board.metrics[fam].startswith("judge_")


def _family_values(board: Board, fam: str, row: Row) -> list[tuple[str, str | None, bool]]:
    """(display, sort key, is a seen language of this row) per family-view column."""
    cell: FamilyCell | None = row.families.get(fam)
    out: list[tuple[str, str | None, bool]] = [
        (str(row.rank), str(row.rank), False),
        (row.submission.model.id, None, False),
        (", ".join(cell.seen) if cell and cell.seen else _MISSING, None, False),
    ]
    for _, attr, sign in _AGG_COLUMNS:
        value = getattr(cell.aggregates, attr) if cell else None
        out.append((_num(value, sign=sign), _csv_num(value), False))
    fid = cell.fidelity_mean if cell else None
    out.append((_num(fid), _csv_num(fid), False))
    for lang in board.languages[fam]:
        value = cell.scores.get(lang) if cell else None
        out.append((_num(value), _csv_num(value), bool(cell and lang in cell.seen)))
    if _judged(board, fam):
        out.append((row.submission.judge_model or _MISSING, None, False))
    return out


def _about(board: Board) -> list[str]:
    pick = {
        "latest": "the latest submission of each model",
        "best": "the best-scoring submission of each model",
    }[board.pick]
    lines = [
        f"One row per model: {pick} (pick: {board.pick}).",
        "Seen avg: languages in the model's training mixture, English excluded; unseen avg: the other "
        "evaluated languages; gap = seen - unseen; All: every evaluated language, English included.",
        "Overall: mean over task families of the All average, each scaled to 0..1 by its metric's range.",
    ]
    return lines + list(board.notes)


# --------------------------------------------------------------------------- Markdown


def md_escape(text: str) -> str:
    """Plain text for a Markdown table cell: no markup, no raw HTML, no cell, row or block breaks,
    no bidi reordering (clt_plugin.textsafe)."""
    return textsafe.md_cell(text)


def _md_table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(md_escape(c) for c in r) + " |" for r in rows]
    return out


def to_markdown(board: Board) -> str:
    lines = ["# CLT leaderboard", ""]
    lines += [md_escape(l) for l in _about(board)]
    lines += ["", "## Overview", ""]
    headers = [h for h, _ in _overview_columns(board)]
    lines += _md_table(headers, [[v for v, _ in _overview_values(board, r)] for r in board.rows])
    for row in board.rows:
        if row.stale:
            lines.append("")
            lines.append(md_escape(f"Stale: {row.submission.model.id}: {stale_label(row)}"))
    for fam in board.families:
        lines += ["", f"## {md_escape(fam)} ({md_escape(board.metrics[fam])})", ""]
        headers = [h for h, _ in _family_columns(board, fam)]
        lines += _md_table(headers, [[v for v, _, _ in _family_values(board, fam, r)] for r in board.rows])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CSV


def csv_cell(text: str) -> str:
    # A leading = + - @ (or a control character) makes spreadsheets evaluate the cell as a formula.
    return textsafe.csv_cell(text)


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def to_csv(board: Board) -> str:
    """The overview: one row per model, numbers at full precision, empty where missing."""
    header = ["rank", "model", "revision", "base_model", "mixture", "seen_languages"]
    header += [f"{fam}_{board.metrics[fam]}_all" for fam in board.families]
    header += ["overall", "stale_tasks", "created_at", "submission_file", "submission_sha256"]
    rows = [header]
    for row in board.rows:
        sub = row.submission
        text = [sub.model.id, sub.model.revision or "", sub.model.base_model or "", mixture_label(row)]
        out = [str(row.rank), *(csv_cell(t) for t in text), " ".join(sub.seen_languages)]
        for fam in board.families:
            cell = row.families.get(fam)
            out.append(_csv_num(cell.aggregates.all if cell else None))
        out += [_csv_num(row.overall), csv_cell(stale_label(row)), sub.created_at, csv_cell(row.file.name), row.file.sha256]
        rows.append(out)
    return _csv(rows)


def family_csv(board: Board, fam: str) -> str:
    langs = board.languages[fam]
    header = ["rank", "model", "seen", "english", "seen_avg", "unseen_avg", "gap", "all", "fidelity", *langs]
    if _judged(board, fam):
        header.append("judge_model")
    rows = [header]
    for row in board.rows:
        cell = row.families.get(fam)
        out = [str(row.rank), csv_cell(row.submission.model.id), " ".join(cell.seen) if cell else ""]
        for _, attr, _ in _AGG_COLUMNS:
            out.append(_csv_num(getattr(cell.aggregates, attr) if cell else None))
        out.append(_csv_num(cell.fidelity_mean if cell else None))
        out += [_csv_num(cell.scores.get(l) if cell else None) for l in langs]
        if _judged(board, fam):
            out.append(csv_cell(row.submission.judge_model or ""))
        rows.append(out)
    return _csv(rows)


# --------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:1rem 0 .5rem}
p.about{margin:.2rem 0;color:#444;font-size:.9rem;max-width:70rem}
nav{margin:1rem 0;display:flex;flex-wrap:wrap;gap:.4rem}
nav button{font:inherit;padding:.3rem .8rem;border:1px solid #8c959f;background:#f6f8fa;border-radius:4px;cursor:pointer}
nav button[aria-selected="true"]{background:#0969da;color:#fff;border-color:#0969da}
table{border-collapse:collapse;font-size:.9rem;margin-bottom:1rem}
th,td{border:1px solid #d0d7de;padding:.3rem .55rem;text-align:left;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f6f8fa;cursor:pointer;user-select:none}
th[aria-sort="ascending"]::after{content:" \\25B2"}th[aria-sort="descending"]::after{content:" \\25BC"}
td.seen{background:#dafbe1}
span.stale{background:#fff8c5;border:1px solid #d4a72c;border-radius:3px;padding:0 .3rem;font-size:.8rem}
td.model{white-space:normal;max-width:28rem;overflow-wrap:anywhere}
"""

_SCRIPT = """
(function () {
  "use strict";
  function key(td, type) {
    var v = td.getAttribute("data-v");
    if (type === "num") { return v === null || v === "" ? null : parseFloat(v); }
    return (v === null ? td.textContent : v).toLowerCase();
  }
  function sortBy(th) {
    var table = th.closest("table");
    var body = table.tBodies[0];
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var type = th.getAttribute("data-type");
    var now = th.getAttribute("aria-sort");
    var dir = now ? (now === "ascending" ? "descending" : "ascending")
                  : (type === "num" ? "descending" : "ascending");
    var rows = Array.prototype.map.call(body.rows, function (r, i) {
      return { row: r, k: key(r.cells[index], type), i: i };
    });
    rows.sort(function (a, b) {
      if (a.k === null || b.k === null) {  /* missing values stay last either way */
        return (a.k === null) - (b.k === null) || a.i - b.i;
      }
      var c = a.k < b.k ? -1 : (a.k > b.k ? 1 : 0);
      return (dir === "descending" ? -c : c) || a.i - b.i;
    });
    rows.forEach(function (x) { body.appendChild(x.row); });
    Array.prototype.forEach.call(th.parentNode.children, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable th"), function (th) {
    th.tabIndex = 0;
    th.addEventListener("click", function () { sortBy(th); });
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(th); }
    });
  });
  var buttons = document.querySelectorAll("nav button[data-view]");
  function show(view) {
    var target = document.getElementById("view-" + view);
    if (!target) { return; }
    Array.prototype.forEach.call(document.querySelectorAll("section.view"), function (s) {
      s.hidden = s !== target;
    });
    Array.prototype.forEach.call(buttons, function (b) {
      b.setAttribute("aria-selected", String(b.getAttribute("data-view") === view));
    });
  }
  Array.prototype.forEach.call(buttons, function (b) {
    b.addEventListener("click", function () {
      show(b.getAttribute("data-view"));
      history.replaceState(null, "", "#" + b.getAttribute("data-view"));
    });
  });
  if (location.hash.length > 1) { show(location.hash.slice(1)); }
  document.documentElement.setAttribute("data-ready", "1");
})();
"""


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def json_for_script(obj: object) -> str:
    """JSON safe inside <script type="application/json">: nothing in it can end the block."""
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, allow_nan=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _e(text: str) -> str:
    return textsafe.html_text(text)


def _html_table(columns: list[tuple[str, str]], rows: list[list[tuple[str, str | None, str]]]) -> str:
    head = "".join(f'<th scope="col" data-type="{kind}">{_e(h)}</th>' for h, kind in columns)
    body = []
    for cells in rows:
        tds = []
        for text, sort_key, cls in cells:
            attrs = f' class="{cls}"' if cls else ""
            if sort_key is not None:
                attrs += f' data-v="{_e(sort_key)}"'
            tds.append(f"<td{attrs}>{text}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(body) + "\n</tbody></table>"


def _model_cell(row: Row) -> str:
    out = _e(row.submission.model.id)
    if row.stale:
        out += f' <span class="stale" title="{_e(stale_label(row))}">stale</span>'
    return out


def _board_data(board: Board) -> dict:
    """The numbers behind the page, for programs that read it (same data as the CSV files)."""
    return {
        "schema": "clt-leaderboard/1",
        "pick": board.pick,
        "metrics": board.metrics,
        "rows": [
            {
                "rank": r.rank,
                "model": r.submission.model.model_dump(mode="json"),
                "overall": r.overall,
                "created_at": r.submission.created_at,
                "submission_sha256": r.file.sha256,
                "seen_languages": list(r.submission.seen_languages),
                "stale": [s.task for s in r.stale],
                "families": {
                    fam: {"scores": c.scores, **c.aggregates.model_dump(mode="json"), "fidelity_mean": c.fidelity_mean}
                    for fam, c in sorted(r.families.items())
                },
            }
            for r in board.rows
        ],
    }


def to_html(board: Board) -> str:
    sections = []
    cols = _overview_columns(board)
    rows = []
    for row in board.rows:
        cells = []
        for i, (text, sort_key) in enumerate(_overview_values(board, row)):
            if i == 1:  # the model cell may hold a "stale" badge: sort by the id alone
                cells.append((_model_cell(row), text, "model"))
            else:
                cells.append((_e(text), sort_key, "n" if cols[i][1] == "num" else ""))
        rows.append(cells)
    sections.append(("overview", "Overview", "Overview", _html_table(cols, rows)))
    for fam in board.families:
        cols = _family_columns(board, fam)
        rows = []
        for row in board.rows:
            cells = []
            for i, (text, sort_key, seen) in enumerate(_family_values(board, fam, row)):
                if i == 1:
                    cells.append((_model_cell(row), text, "model"))
                    continue
                cls = " ".join(c for c in ("n" if cols[i][1] == "num" else "", "seen" if seen else "") if c)
                cells.append((_e(text), sort_key, cls))
            rows.append(cells)
        title = f"{fam} ({board.metrics[fam]}); shaded cells: languages the model was trained on"
        sections.append((f"task-{fam}", fam, title, _html_table(cols, rows)))

    nav = "".join(
        f'<button type="button" data-view="{_e(vid)}" aria-selected="{"true" if i == 0 else "false"}">'
        f"{_e(label)}</button>"
        for i, (vid, label, _, _) in enumerate(sections)
    )
    views = "\n".join(
        f'<section class="view" id="view-{_e(vid)}"{"" if i == 0 else " hidden"}><h2>{_e(title)}</h2>\n{table}</section>'
        for i, (vid, _, title, table) in enumerate(sections)
    )
    about = "\n".join(f'<p class="about">{_e(line)}</p>' for line in _about(board))
    csp = (
        f"default-src 'none'; script-src '{_csp_hash(_SCRIPT)}'; style-src '{_csp_hash(_STYLE)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="clt-plugin {_e(__version__)}">\n'
        "<title>CLT leaderboard</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<h1>CLT leaderboard</h1>\n{about}\n"
        f'<nav aria-label="Views">{nav}</nav>\n{views}\n'
        f'<script type="application/json" id="clt-board-data">{json_for_script(_board_data(board))}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- writing


def _guard_output(out_dir: Path, submissions_dir: Path | None) -> None:
    out_real = resolve_path(out_dir, "output folder")
    if submissions_dir is not None:
        sub_real = resolve_path(submissions_dir, "submissions folder")
        if out_real == sub_real or sub_real.is_relative_to(out_real):
            raise CLTError(f"{out_dir}: the output folder would replace the submissions folder {submissions_dir}")


def output_files(board: Board) -> dict[str, str]:
    """Relative file name -> content. Names come from the fixed layout and checked family names."""
    files = {
        "index.html": to_html(board),
        "leaderboard.md": to_markdown(board),
        "leaderboard.csv": to_csv(board),
    }
    for fam in board.families:
        if not _SAFE_NAME.match(fam):  # the schema already refuses such names; never trust one twice
            raise CLTError(f"task family {fam!r} is not a safe file name")
        files[f"tasks/{fam}.csv"] = family_csv(board, fam)
    return files


def write_board(board: Board, out_dir: str | Path, submissions_dir: str | Path | None = None) -> list[Path]:
    """Write every output into `out_dir` at once (a folder swap): all files or none."""
    out_dir = Path(out_dir)
    _guard_output(out_dir, Path(submissions_dir) if submissions_dir is not None else None)
    files = output_files(board)
    written = []
    with output_dir(out_dir, COMMAND) as tmp:
        tmp_real = tmp.resolve()
        for name, text in files.items():
            target = (tmp / name).resolve()
            if not target.is_relative_to(tmp_real):
                raise CLTError(f"refusing to write {name!r} outside {out_dir}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(out_dir / name)
    return sorted(written)
