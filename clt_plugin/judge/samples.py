"""Reading lm-eval `--log_samples` output of `clt_dolly_*` tasks.

lm-eval 0.4.11 writes `samples_<task>_<date_id>.jsonl` (one JSON object per document, keys
doc_id, doc, target, arguments {gen_args_0: {arg_0: prompt, arg_1: gen_kwargs}}, resps,
filtered_resps, ...) beside `results_<date_id>.json` (or `<stem>_<date_id>.json` when the
output path named a .json file). The date_id ties the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.families import JUDGED_FAMILIES
from clt_plugin.io import iter_jsonl, read_json, sha256_file
from clt_plugin.judge.section import is_judge_results
from clt_plugin.names import split_task, task_name

# The family whose replies are judged (the registry's one judged family: clt_dolly_*).
(_JUDGED,) = JUDGED_FAMILIES
FAMILY_PREFIX = task_name(_JUDGED, "")  # how every judged task's name starts: clt_dolly_
_SAMPLES_NAME = re.compile(r"^samples_(?P<task>.+)_(?P<date>\d{4}-\d{2}-\d{2}T[0-9.\-]+)\.jsonl$")


@dataclass(frozen=True)
class Sample:
    task: str
    lang: str
    doc_id: int
    source_id: str | None  # the Aya `id` field, when the doc has one
    instruction: str
    response: str


@dataclass(frozen=True)
class SamplesFile:
    path: Path
    task: str
    lang: str
    date_id: str
    sha256: str
    samples: tuple[Sample, ...]


def parse_name(path: Path) -> tuple[str, str]:
    """(task, date_id) from an lm-eval samples file name."""
    m = _SAMPLES_NAME.match(path.name)
    if not m:
        raise CLTError(f"{path}: not an lm-eval samples file (expected samples_<task>_<date>.jsonl)")
    return m.group("task"), m.group("date")


def task_language(task: str, path: Path) -> str:
    parsed = split_task(task)
    if parsed is not None and parsed[0] == _JUDGED:
        return parsed[1]
    if parsed is not None or not task.startswith(FAMILY_PREFIX):
        raise CLTError(f"{path}: task {task!r} is not a clt_dolly_* task; only open-ended Dolly samples are judged")
    # clt_dolly_ and a language the registry does not know: say which.
    raise CLTError(f"{path}: task {task!r}: {languages.UnknownLanguageError(task.removeprefix(FAMILY_PREFIX))}")


def expand(paths: list[str | Path]) -> list[Path]:
    """Files as given; directories searched recursively for clt_dolly samples files."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.rglob(f"samples_{FAMILY_PREFIX}*.jsonl"))
            if not found:
                raise CLTError(f"{p}: no samples_{FAMILY_PREFIX}*.jsonl files in this directory")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise CLTError(f"{p}: samples file not found")
    return out


def _text(value) -> str | None:
    # filtered_resps holds one entry per request; for generate_until that entry is the
    # string itself, or a one-element list when no take_first filter ran.
    while isinstance(value, list) and value:
        value = value[0]
    return value if isinstance(value, str) else None


def _instruction(row: dict) -> str | None:
    doc = row.get("doc")
    if isinstance(doc, dict) and isinstance(doc.get("inputs"), str):
        return doc["inputs"]
    args = row.get("arguments")
    if isinstance(args, dict):  # the sanitized form lm-eval writes
        first = args.get("gen_args_0")
        if isinstance(first, dict) and isinstance(first.get("arg_0"), str):
            return first["arg_0"]
    elif isinstance(args, list):  # the in-memory form, should a caller pass it through
        return _text(args)
    return None


def read_samples_file(path: str | Path) -> SamplesFile:
    path = Path(path)
    task, date_id = parse_name(path)
    lang = task_language(task, path)
    samples: list[Sample] = []
    seen: set[int] = set()
    for lineno, row in iter_jsonl(path):
        where = f"{path}:{lineno}"
        doc_id = row.get("doc_id")
        if not isinstance(doc_id, int) or isinstance(doc_id, bool):
            raise CLTError(f"{where}: doc_id must be an integer (got {doc_id!r})")
        if doc_id in seen:
            raise CLTError(f"{where}: doc_id {doc_id} appears twice")
        seen.add(doc_id)
        instruction = _instruction(row)
        if instruction is None:
            raise CLTError(f"{where}: no instruction (doc.inputs or arguments.gen_args_0.arg_0)")
        response = _text(row.get("filtered_resps"))
        if response is None:
            response = _text(row.get("resps"))
        if response is None:
            raise CLTError(f"{where}: no response text (filtered_resps or resps)")
        doc = row.get("doc") if isinstance(row.get("doc"), dict) else {}
        source_id = doc.get("id")
        samples.append(Sample(task, lang, doc_id, None if source_id is None else str(source_id), instruction, response))
    if not samples:
        raise CLTError(f"{path}: samples file is empty")
    samples.sort(key=lambda s: s.doc_id)
    return SamplesFile(path, task, lang, date_id, sha256_file(path), tuple(samples))


def read_all(paths: list[str | Path]) -> list[SamplesFile]:
    """Every samples file of one lm-eval run, one per task, sorted by task."""
    files = [read_samples_file(p) for p in expand(paths)]
    by_task: dict[str, SamplesFile] = {}
    for sf in files:
        if sf.task in by_task:
            raise CLTError(
                f"{sf.path}: task {sf.task} also comes from {by_task[sf.task].path}; judge one run at a time"
            )
        by_task[sf.task] = sf
    return [by_task[t] for t in sorted(by_task)]


def find_source_results(sf: SamplesFile) -> Path | None:
    """The lm-eval results file written by the same run as `sf` (same directory, same date_id)."""
    for candidate in sorted(sf.path.parent.glob(f"*_{sf.date_id}.json")):
        if candidate.name.startswith("results_judge_"):
            continue  # `clt judge -o` into the run directory puts its own results file there
        # The run's own results file must be readable: judging without it would drop its
        # settings from the output, so a broken one stops the run before any request.
        data = read_json(
            candidate, "lm-eval results file", expect=dict if candidate.name.startswith("results_") else None
        )
        if isinstance(data, dict) and isinstance(data.get("results"), dict) and not is_judge_results(data):
            return candidate
    return None
