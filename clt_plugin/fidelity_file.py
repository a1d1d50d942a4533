"""Score a file of completions with LPR/WPR (`clt fidelity`): JSONL or CSV, `completion` and `source`.

JSONL: one object per line with a string `completion` and an optional string `source`; blank
lines are skipped. CSV (by the `.csv` suffix): a header row with a `completion` column and an
optional `source` column, as in the Language Confusion Benchmark's published outputs (their other
columns are ignored). A row without a source belongs to the source named `DEFAULT_SOURCE`.
Every problem is a CLTError naming the file, the line (and field) and the value.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.io import value_error_at
from clt_plugin.metrics import fidelity

DEFAULT_SOURCE = "default"


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read_completions(path: str | Path) -> list[tuple[str, str]]:
    """(source, completion) for every row of `path`, in file order."""
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


def _read_jsonl(path: Path, text: str) -> list[tuple[str, str]]:
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
        rows.append(_row(path, number, obj.get("completion", _MISSING), obj.get("source", _MISSING)))
    return rows


def _read_csv(path: Path, text: str) -> list[tuple[str, str]]:
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
            rows.append(_row(path, reader.line_num, record["completion"], record.get("source") or _MISSING))
    except csv.Error as e:
        raise CLTError(f"{path}: not valid CSV ({e})") from None
    return rows


_MISSING = object()


def _row(path: Path, number: int, completion: object, source: object) -> tuple[str, str]:
    if completion is _MISSING:
        raise CLTError(f"{path}:{number}: field 'completion': missing")
    if not isinstance(completion, str):
        raise CLTError(f"{path}:{number}: field 'completion': expected a string, got {_short(completion)}")
    if source is _MISSING or source is None:
        return DEFAULT_SOURCE, completion
    if not isinstance(source, str) or not source.strip():
        raise CLTError(f"{path}:{number}: field 'source': expected a non-empty string, got {_short(source)}")
    return source, completion


def _percent(x: float | None) -> float | None:
    return None if x is None else round(100 * x, 2)


def score_file(path: str | Path, lang: str) -> dict:
    """The benchmark's aggregation over the completions in `path` (target `lang`), in percent as
    the benchmark prints it: overall `lpr`, `wpr` (None where WPR does not apply), `n` judged,
    `skipped`, and the same per source."""
    lang = languages.validate(lang)
    fidelity.target_label(lang)  # fails before reading when lid.176 cannot identify `lang`
    report = fidelity.aggregate(read_completions(path), lang)
    return {
        "lang": lang,
        "lpr": _percent(report.lpr),
        "wpr": _percent(report.wpr),
        "n": report.n,
        "skipped": report.skipped,
        "sources": {
            name: {"lpr": _percent(r.lpr), "wpr": _percent(r.wpr), "n": r.n, "skipped": r.skipped}
            for name, r in report.sources.items()
        },
    }


def render_table(result: dict) -> str:
    """One row per source and, with more than one source, their unweighted mean."""
    from tabulate import tabulate

    def cells(name: str, r: dict) -> list:
        return [
            name,
            result["lang"],
            f"{r['lpr']:.2f}",
            "N/A" if r["wpr"] is None else f"{r['wpr']:.2f}",
            r["n"],
            r["skipped"],
        ]

    rows = [cells(name, r) for name, r in result["sources"].items()]
    if len(rows) > 1:
        rows.append(cells("all", result))
    return tabulate(rows, headers=["source", "language", "LPR %", "WPR %", "judged", "skipped"], disable_numparse=True)
