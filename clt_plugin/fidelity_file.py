"""Score files of completions with LPR/WPR (`clt fidelity`): the benchmark's tables, many files at once.

JSONL: one object per line with a string `completion` and optional strings `source`, `lang` (or
`language`) and `task`; blank lines are skipped. CSV (by the `.csv` suffix): a header row with a
`completion` column and optional `source`, `language` (or `lang`) and `task` columns, which is
the Language Confusion Benchmark's own `outputs/*.csv` layout (`model,completion,task,source,
language`; other columns are ignored).

A row without a source belongs to `DEFAULT_SOURCE`; without a task, to `--task` or else to
`DEFAULT_TASK`. A row without a language takes `--lang`; with `--lang`, rows in another language
are left out (and counted). Every problem is a CLTError naming the file, the line, the field and
the value, raised before anything is scored.

Each file gets, per task, the benchmark's `compute_all_metrics` table: source x language,
source over its languages, language over its sources, and the overall mean of the per-language
means (`clt_plugin.metrics.fidelity.table`), in percent as the benchmark prints them.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterable, NamedTuple

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.io import value_error_at
from clt_plugin.metrics import fidelity

DEFAULT_SOURCE = "default"
DEFAULT_TASK = "default"
ALL = "all"  # the benchmark's name for an average over sources or languages
_MISSING = object()


class Row(NamedTuple):
    line: int  # its line in the file (for a CSV record over many lines, the last)
    task: str
    source: str
    lang: str | None  # None: the file did not say (`--lang` decides)
    completion: str
    lang_field: str  # what the file calls the language ('language', 'lang'), for errors


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_rows(path: str | Path) -> list[Row]:
    """Every row of `path`, in file order, its fields checked (the language only for its type)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CLTError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CLTError(f"{path}: is a directory, not a file of completions") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise CLTError(f"{path}: not UTF-8 (byte {e.start}: {raw[e.start : e.start + 1]!r})") from None
    rows = _read_csv(path, text) if path.suffix.lower() == ".csv" else _read_jsonl(path, text)
    if not rows:
        raise CLTError(f"{path}: no completions in the file")
    return rows


def _first(record: dict, *names: str) -> object:
    return next((record[n] for n in names if record.get(n) is not None), _MISSING)


def _read_jsonl(path: Path, text: str) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise CLTError(f"{path}:{number}: not JSON ({e.msg}): {_short(line)}") from None
        except ValueError as e:  # an integer longer than Python converts
            raise CLTError(f"{path}:{number}: not JSON ({value_error_at(line, e, lines=False)})") from None
        if not isinstance(obj, dict):
            raise CLTError(f"{path}:{number}: expected an object with a 'completion' field, got {_short(obj)}")
        rows.append(_row(path, number, obj, ("lang", "language")))
    return rows


def _read_csv(path: Path, text: str) -> list[Row]:
    try:
        reader = csv.DictReader(text.splitlines(keepends=True))
        header = reader.fieldnames or []
        if "completion" not in header:
            raise CLTError(f"{path}:1: no 'completion' column in the header {_short(header)}")
        rows = []
        for record in reader:
            if None in record:  # more cells than the header names
                raise CLTError(
                    f"{path}:{reader.line_num}: more cells than the header has columns: {_short(record[None])}"
                )
            if record["completion"] is None:
                raise CLTError(f"{path}:{reader.line_num}: field 'completion': missing (the row has too few cells)")
            # An empty optional cell is an absent value in a CSV (an empty completion is a completion).
            present = {k: v for k, v in record.items() if v != "" or k == "completion"}
            rows.append(_row(path, reader.line_num, present, ("language", "lang")))
    except csv.Error as e:
        raise CLTError(f"{path}: not valid CSV ({e})") from None
    return rows


def _text_field(path: Path, number: int, name: str, value: object) -> str | None:
    if value is _MISSING:
        return None
    if not isinstance(value, str) or not value.strip():
        raise CLTError(f"{path}:{number}: field '{name}': expected a non-empty string, got {_short(value)}")
    return value


def _row(path: Path, number: int, record: dict, lang_fields: tuple[str, ...]) -> Row:
    completion = record.get("completion", _MISSING)
    if completion is _MISSING:
        raise CLTError(f"{path}:{number}: field 'completion': missing")
    if not isinstance(completion, str):
        raise CLTError(f"{path}:{number}: field 'completion': expected a string, got {_short(completion)}")
    field = next((n for n in lang_fields if record.get(n) is not None), lang_fields[0])
    return Row(
        line=number,
        task=_text_field(path, number, "task", _first(record, "task")) or "",
        source=_text_field(path, number, "source", _first(record, "source")) or DEFAULT_SOURCE,
        lang=_text_field(path, number, field, _first(record, *lang_fields)),
        completion=completion,
        lang_field=field,
    )


def _target(path: Path, row: Row) -> str:
    """A row's language as a registry code lid.176 identifies (the error names the row)."""
    try:
        code = languages.validate(row.lang)
        fidelity.target_label(code)
    except CLTError as e:
        raise CLTError(f"{path}:{row.line}: field '{row.lang_field}': {e}") from None
    return code


def _percent(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)


def _values(m: fidelity.Rates | fidelity.Mean) -> dict:
    return {"lpr": _percent(m.lpr), "wpr": _percent(m.wpr), "n": m.n, "skipped": m.skipped}


def _task_result(t: fidelity.Table) -> dict:
    return {
        "cells": [{"source": s, "language": l, **_values(r)} for (s, l), r in t.cells.items()],
        "sources": [{"source": s, **_values(m)} for s, m in t.sources.items()],
        "languages": [{"language": l, **_values(m)} for l, m in t.languages.items()],
        "overall": _values(t.overall),
    }


def score_files(paths: Iterable[str | Path], *, lang: str | None = None, task: str | None = None) -> dict:
    """The benchmark's tables for every file and task in it (percent; `wpr` None where WPR does not
    apply). `lang`: the language of rows without one, and the only language scored; `task`: the
    task of rows without one. Every file is read and checked before any is scored."""
    wanted = None
    if lang is not None:
        wanted = languages.validate(lang)
        fidelity.target_label(wanted)  # fails before reading when lid.176 cannot identify it
    grouped = []
    for path in map(Path, paths):
        groups: dict[str, list[tuple[str, str, str]]] = {}
        other = 0
        for row in read_rows(path):
            if row.lang is None and wanted is None:
                raise CLTError(
                    f"{path}:{row.line}: no language: give the file a 'language' column (CSV) or a 'lang' "
                    "field (JSONL), or pass --lang"
                )
            code = wanted if row.lang is None else _target(path, row)
            if wanted is not None and code != wanted:
                other += 1
                continue
            name = row.task or task or DEFAULT_TASK
            groups.setdefault(name, []).append((row.source, code, row.completion))
        if not groups:
            raise CLTError(f"{path}: no completions in {wanted} (all {other} are in other languages)")
        grouped.append((path, groups, other))
    return {
        "files": [
            {
                "file": str(path),
                "other_languages": other,
                "tasks": {name: _task_result(fidelity.aggregate(rows)) for name, rows in sorted(groups.items())},
            }
            for path, groups, other in grouped
        ]
    }


COLUMNS = ("file", "task", "source", "language", "lpr", "wpr", "judged", "skipped")


def flat_rows(result: dict) -> list[dict]:
    """One row per table line, in the benchmark's order: each source x language, each source
    over its languages (language "all"), each language over its sources (source "all"), and
    the overall mean ("all", "all")."""
    out = []
    for f in result["files"]:
        for name, t in f["tasks"].items():
            lines = [
                *t["cells"],
                *({**s, "language": ALL} for s in t["sources"]),
                *({**l, "source": ALL} for l in t["languages"]),
                {"source": ALL, "language": ALL, **t["overall"]},
            ]
            for line in lines:
                out.append(
                    {
                        "file": f["file"],
                        "task": name,
                        "source": line["source"],
                        "language": line["language"],
                        "lpr": line["lpr"],
                        "wpr": line["wpr"],
                        "judged": line["n"],
                        "skipped": line["skipped"],
                    }
                )
    return out


def render_table(result: dict) -> str:
    """The flat rows as a text table; the file and task columns only when they vary."""
    from tabulate import tabulate

    rows = flat_rows(result)
    shown = [c for c in COLUMNS if c not in ("file", "task") or len({r[c] for r in rows}) > 1]
    headers = {"lpr": "LPR %", "wpr": "WPR %"}

    def cell(row: dict, column: str) -> object:
        value = row[column]
        if column in ("lpr", "wpr"):
            return "N/A" if value is None else f"{value:.2f}"
        return value

    body = [[cell(r, c) for c in shown] for r in rows]
    return tabulate(body, headers=[headers.get(c, c) for c in shown], disable_numparse=True)


def render_csv(result: dict) -> str:
    """The flat rows as CSV with every column (WPR empty where it does not apply)."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in flat_rows(result))
    return buffer.getvalue()
