"""Toy lm-eval tasks whose accuracy is fixed by construction, and a real lm_eval run over them.

A right item offers a single choice (the model cannot miss it); a wrong one offers two equal
choices with the label on the second, which a tie always loses. So a language's accuracy is
exactly the share of right items, whatever the model: tests can assert exact values on the
output of a real `lm_eval` run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterable, Mapping, Sequence

TASK_YAML = """\
task: clt_toy_{lang}
dataset_path: json
dataset_kwargs:
  data_files:
    test: {data}
test_split: test
output_type: multiple_choice
doc_to_text: "{{{{q}}}}"
doc_to_choice: choices
doc_to_target: label
metric_list:
  - metric: acc
    aggregation: mean
    higher_is_better: true
metadata:
  version: {version}
{clt_metadata}"""


def write_toy_data(data_dir: Path, outcomes: Mapping[str, Sequence[bool]]) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    for lang, rights in outcomes.items():
        rows = [
            {"q": f"{lang} question {i}", "choices": ["yes"], "label": 0}
            if right
            else {"q": f"{lang} question {i}", "choices": ["no", "no"], "label": 1}
            for i, right in enumerate(rights)
        ]
        (data_dir / f"toy_{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return data_dir


def write_toy_tasks(
    folder: Path, langs: Iterable[str], data_dir: Path, *, version: int = 1, bare: Iterable[str] = ()
) -> Path:
    """`clt_toy_{lang}` YAMLs over `data_dir`; languages in `bare` get no clt metadata (name only)."""
    folder.mkdir(parents=True, exist_ok=True)
    bare = set(bare)
    for lang in langs:
        clt = "" if lang in bare else f"  clt_family: toy\n  clt_language: {lang}\n"
        (folder / f"clt_toy_{lang}.yaml").write_text(
            TASK_YAML.format(lang=lang, data=data_dir / f"toy_{lang}.jsonl", version=version, clt_metadata=clt),
            encoding="utf-8",
        )
    return folder


def run_lm_eval(model: Path, tasks: Path, langs: Iterable[str], out: Path, *extra: str) -> None:
    """The real lm_eval CLI on the CPU over the toy tasks, samples logged."""
    names = ",".join(f"clt_toy_{lang}" for lang in langs)
    cmd = [
        str(Path(sys.executable).with_name("lm_eval")),
        "--model",
        "hf",
        "--model_args",
        f"pretrained={model},dtype=float32",
        "--device",
        "cpu",
        "--batch_size",
        "1",
        "--include_path",
        str(tasks),
        "--tasks",
        names,
        "--output_path",
        str(out),
        "--log_samples",
        *extra,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out.parent, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
