"""What the `clt_ifeval_{lang}` YAMLs call (through the thin utils.py beside them).

The dataset comes from `data.load_examples` (so lm-eval and `clt ifeval-score` read the same
rows), and each response is scored by `scoring.process`, the same code path as the CLI.
"""

from __future__ import annotations

import json
from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.ifeval import data, scoring


def dataset(clt_language: str | None = None, data_dir: str | None = None, **_: Any):
    """custom_dataset hook: lm-eval passes the task's metadata (and --metadata) as keywords."""
    import datasets

    if not clt_language:
        raise CLTError("clt_ifeval task: metadata.clt_language is not set")
    examples = data.load_examples(clt_language, data_dir=data_dir)
    # kwargs differ in shape from row to row; as JSON text they survive Arrow's schema unification.
    rows = [
        {
            "key": str(e.key),
            "prompt": e.prompt,
            "instruction_id_list": e.instruction_id_list,
            "kwargs": json.dumps(e.kwargs, ensure_ascii=False),
            "lang": e.lang,
        }
        for e in examples
    ]
    return datasets.DatasetDict({"test": datasets.Dataset.from_list(rows)})


def doc_from_logged(doc: dict[str, Any]) -> dict[str, Any]:
    """A dataset row (as logged in lm-eval samples) back into an IFEval-schema example."""
    kwargs = doc["kwargs"]
    return {**doc, "kwargs": json.loads(kwargs) if isinstance(kwargs, str) else kwargs}


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, Any]:
    return scoring.process(doc_from_logged(doc), results[0], doc.get("lang"))


def agg_inst_level_acc(items: list[list[bool]]) -> float:
    return scoring.flatten_mean(items)
