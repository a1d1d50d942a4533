"""Render a Board as Markdown, CSV and one self-contained static HTML page.

Every string that comes from a submission is data, never markup (clt_plugin.textsafe shows
layout-changing characters visibly first): the page comes from a jinja2 template with
autoescaping, the embedded JSON has `<`, `>` and `&` as \\u escapes (so no `</script>` can close
its block), Markdown cells have their markup characters escaped, and CSV cells that a
spreadsheet would read as a formula get a leading quote. The page also carries a Content
Security Policy that allows only its own script (by hash), so even a missed escape could not
run injected code. File names come from the fixed layout and validated family names only.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from clt_plugin import __version__, textsafe
from clt_plugin.errors import CLTError
from clt_plugin.leaderboard.board import Board, Row
from clt_plugin.outputs import output_dir, resolve_path

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
        f"{s.task}: submitted v{s.submitted}, "
        + ("not installed" if s.installed is None else f"installed v{s.installed}")
        for s in row.stale
    )


@dataclass(frozen=True)
class Cell:
    text: str  # as shown
    key: str | None = None  # sort key: a number at full precision (None: sort by the text)
    cls: str = ""
    badge: str | None = None  # the stale badge's tooltip (model cells)


@dataclass(frozen=True)
class Table:
    id: str
    label: str
    title: str
    columns: list[tuple[str, str]]  # (header, "num" | "text")
    rows: list[list[Cell]]


def _number(value: float | None, sign: bool = False, seen: bool = False) -> Cell:
    return Cell(_num(value, sign=sign), _csv_num(value), "n seen" if seen else "n")


def _model(row: Row) -> Cell:
    return Cell(row.submission.model.id, row.submission.model.id, "model", stale_label(row) if row.stale else None)


_AGG_COLUMNS = (
    ("EN", "english", False),
    ("Seen avg", "seen", False),
    ("Unseen avg", "unseen", False),
    ("Gap", "gap", True),
    ("All", "all", False),
)


def _judged(board: Board, fam: str) -> bool:
    # Ratings from different judges are not comparable, so a judged family shows its judge.
    return board.metrics[fam].startswith("judge_")


def tables(board: Board) -> list[Table]:
    """The overview and one table per family: what the Markdown and the HTML page both show."""
    columns = [
        ("#", "num"),
        ("Model", "text"),
        ("Revision", "text"),
        ("Base model", "text"),
        ("Mixture", "text"),
        ("Seen", "text"),
        *((f"{fam} ({board.metrics[fam]})", "num") for fam in board.families),
        ("Overall", "num"),
        ("Stale", "text"),
        ("Submitted", "text"),
    ]
    rows = []
    for row in board.rows:
        sub = row.submission
        rows.append(
            [
                Cell(str(row.rank), str(row.rank), "n"),
                _model(row),
                Cell(sub.model.revision or _MISSING),
                Cell(sub.model.base_model or _MISSING),
                Cell(mixture_label(row)),
                Cell(", ".join(sub.seen_languages) or _MISSING),
                *(_number(row.families[fam].aggregates.all if fam in row.families else None) for fam in board.families),
                _number(row.overall),
                Cell("stale" if row.stale else ""),
                Cell(sub.created_at),
            ]
        )
    out = [Table("overview", "Overview", "Overview", columns, rows)]
    for fam in board.families:
        langs = board.languages[fam]
        columns = [
            ("#", "num"),
            ("Model", "text"),
            ("Seen", "text"),
            *((name, "num") for name, _, _ in _AGG_COLUMNS),
            ("Fidelity", "num"),
            *((lang, "num") for lang in langs),
            *([("Judge", "text")] if _judged(board, fam) else []),
        ]
        rows = []
        for row in board.rows:
            cell = row.families.get(fam)
            rows.append(
                [
                    Cell(str(row.rank), str(row.rank), "n"),
                    _model(row),
                    Cell(", ".join(cell.seen) if cell and cell.seen else _MISSING),
                    *(
                        _number(getattr(cell.aggregates, attr) if cell else None, sign)
                        for _, attr, sign in _AGG_COLUMNS
                    ),
                    _number(cell.fidelity_mean if cell else None),
                    *(
                        _number(cell.scores.get(lang) if cell else None, seen=bool(cell and lang in cell.seen))
                        for lang in langs
                    ),
                    *([Cell(row.submission.judge_model or _MISSING)] if _judged(board, fam) else []),
                ]
            )
        title = f"{fam} ({board.metrics[fam]}); shaded cells: languages the model was trained on"
        out.append(Table(f"task-{fam}", fam, title, columns, rows))
    return out


def _about(board: Board) -> list[str]:
    pick = {"latest": "the latest submission of each model", "best": "the best-scoring submission of each model"}
    return [
        f"One row per model: {pick[board.pick]} (pick: {board.pick}).",
        "Seen avg: languages in the model's training mixture, English excluded; unseen avg: the other "
        "evaluated languages; gap = seen - unseen; All: every evaluated language, English included.",
        "Overall: mean over task families of the All average, each scaled to 0..1 by its metric's range.",
        *board.notes,
    ]


# --------------------------------------------------------------------------- Markdown


md_escape = textsafe.md_cell  # plain text for a Markdown cell or line (clt_plugin.textsafe)


def to_markdown(board: Board) -> str:
    lines = ["# CLT leaderboard", "", *map(md_escape, _about(board))]
    for table in tables(board):
        lines += ["", f"## {md_escape(table.title.partition(';')[0])}", ""]
        lines.append("| " + " | ".join(md_escape(h) for h, _ in table.columns) + " |")
        lines.append("|" + "|".join("---" for _ in table.columns) + "|")
        lines += ["| " + " | ".join(md_escape(c.text) for c in r) + " |" for r in table.rows]
        if table.id == "overview":
            lines += [
                "\n" + md_escape(f"Stale: {r.submission.model.id}: {stale_label(r)}") for r in board.rows if r.stale
            ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- CSV


csv_cell = textsafe.csv_cell  # a field no spreadsheet evaluates as a formula


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def to_csv(board: Board) -> str:
    """The overview: one row per model, numbers at full precision, empty where missing."""
    rows = [
        [
            "rank",
            "model",
            "revision",
            "base_model",
            "mixture",
            "seen_languages",
            *(csv_cell(f"{fam}_{board.metrics[fam]}_all") for fam in board.families),
            "overall",
            "stale_tasks",
            "created_at",
            "submission_file",
            "submission_sha256",
        ]
    ]
    for row in board.rows:
        sub = row.submission
        text = [sub.model.id, sub.model.revision or "", sub.model.base_model or "", mixture_label(row)]
        rows.append(
            [
                str(row.rank),
                *map(csv_cell, text),
                csv_cell(" ".join(sub.seen_languages)),
                *(
                    _csv_num(row.families[fam].aggregates.all if fam in row.families else None)
                    for fam in board.families
                ),
                _csv_num(row.overall),
                csv_cell(stale_label(row)),
                csv_cell(sub.created_at),
                csv_cell(row.file.name),
                row.file.sha256,
            ]
        )
    return _csv(rows)


def family_csv(board: Board, fam: str) -> str:
    langs, judged = board.languages[fam], _judged(board, fam)
    rows = [
        [
            "rank",
            "model",
            "seen",
            "english",
            "seen_avg",
            "unseen_avg",
            "gap",
            "all",
            "fidelity",
            *map(csv_cell, langs),
            *(["judge_model"] if judged else []),
        ]
    ]
    for row in board.rows:
        cell = row.families.get(fam)
        rows.append(
            [
                str(row.rank),
                csv_cell(row.submission.model.id),
                csv_cell(" ".join(cell.seen) if cell else ""),
                *(_csv_num(getattr(cell.aggregates, attr) if cell else None) for _, attr, _ in _AGG_COLUMNS),
                _csv_num(cell.fidelity_mean if cell else None),
                *(_csv_num(cell.scores.get(l) if cell else None) for l in langs),
                *([csv_cell(row.submission.judge_model or "")] if judged else []),
            ]
        )
    return _csv(rows)


# --------------------------------------------------------------------------- HTML


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def json_for_script(obj: object) -> str:
    """JSON safe inside <script type="application/json">: nothing in it can end the block."""
    # textsafe.json_text writes U+2028/2029 (line ends to old script parsers) and bidi controls as escapes.
    text = textsafe.json_text(obj, sort_keys=True, allow_nan=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e")):
        text = text.replace(ch, esc)
    return text


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


@lru_cache(maxsize=1)
def _page():
    """The page template (autoescaping on) and its own stylesheet and script, which the Content
    Security Policy allows by hash and nothing else."""
    env = textsafe.html_environment(jinja2.PackageLoader("clt_plugin.leaderboard", "templates"))
    static = resources.files("clt_plugin.leaderboard") / "templates"
    return (
        env.get_template("board.html.j2"),
        (static / "board.css").read_text("utf-8"),
        (static / "board.js").read_text("utf-8"),
    )


def to_html(board: Board) -> str:
    template, style, script = _page()
    csp = (
        f"default-src 'none'; script-src '{_csp_hash(script)}'; style-src '{_csp_hash(style)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    # Markup: the stylesheet and script are the package's own, the data block is escaped above.
    return template.render(
        csp=csp,
        version=__version__,
        style=Markup(style),
        script=Markup(script),
        about=_about(board),
        tables=tables(board),
        data=Markup(json_for_script(_board_data(board))),
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
