"""Where task data comes from: a local directory when one is given, else the Hugging Face Hub.

Precedence: ``--metadata '{"data_dir": DIR}'`` (lm-eval passes it to every task), then the
``CLT_DATA_DIR`` environment variable, then the hub. In a data directory each family looks in
its own subfolder first (``DIR/mgsm``, ``DIR/xlsum``, ``DIR/aya_evaluation_suite``), then in
``DIR`` itself.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Iterable

from clt_plugin import hub

# Shared with the IFEval scorer (clt_plugin.datadir); the task modules call them through here.
from clt_plugin.datadir import ENV_VAR, data_dir, find_file  # noqa: F401
from clt_plugin.errors import CLTError
from clt_plugin.io import parse_json, read_jsonl, read_text


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a .jsonl, .json (a list of objects) or .tsv/.csv file with a header."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return read_jsonl(path)
    if suffix == ".json":
        data = parse_json(read_text(path, "data file"), str(path), "JSON data file")
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            raise CLTError(f"{path}: expected a JSON list of objects")
        return data
    if suffix in (".tsv", ".csv"):
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="\t" if suffix == ".tsv" else ","))
    raise CLTError(f"{path}: unsupported file type {suffix!r} (use .jsonl, .json, .tsv or .csv)")


def require_fields(rows: list[dict[str, Any]], fields: Iterable[str], path: Path | str) -> None:
    for i, row in enumerate(rows):
        missing = [f for f in fields if f not in row]
        if missing:
            raise CLTError(f"{path}: row {i + 1}: missing field(s) {', '.join(missing)} (has {', '.join(row)})")


def load_hub(
    path: str, name: str | None, split: str, hint: str, *, folder: str | None = None, revision: str | None = None
) -> list[dict[str, Any]]:
    """Rows of one hub dataset split (of config `name`, or of an export `folder` at `revision`);
    a failure names its first cause and says how to use local files instead."""
    where = f"config {name!r}" if folder is None else f"folder {folder!r} of revision {revision or 'main'}"
    what = f"cannot load {path} ({where}, split {split!r}) from the Hugging Face Hub"
    offline = hub.offline_variable()
    reason = None if offline else hub.unreachable()
    if reason:  # fail now, not after the retries end in a symptom
        raise CLTError(f"{what}: {reason}. {hint}")
    import datasets

    # In an export folder, name the split's own files: a bare data_dir would download every split
    # (XL-Sum's English train split is 300k articles) to evaluate on one.
    files = {split: hub.export_files(folder, split)} if folder is not None else None
    try:
        ds = datasets.load_dataset(path, name, split=split, data_files=files, revision=revision)
    except Exception as e:  # offline, unknown config, gated: all end the same way for the user
        if offline:
            cause = f"{offline} is set and it is not in the local cache"
        else:
            cause = hub.unreachable(connect=True) or f"{type(e).__name__}: {_first_line(e)}"
        raise CLTError(f"{what}: {cause}. {hint}") from e
    return [dict(r) for r in ds]


def _first_line(error: BaseException) -> str:
    text = str(error)
    return text.splitlines()[0] if text else ""


def to_dataset_dict(splits: dict[str, list[dict[str, Any]]]):
    import datasets

    return datasets.DatasetDict({name: datasets.Dataset.from_list(rows) for name, rows in splits.items()})
