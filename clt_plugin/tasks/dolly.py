"""Aya Dolly200 open-ended generation (``clt_dolly_{lang}``): language fidelity here, the 1-5
rating later from ``clt judge``, which reads the logged samples: each doc keeps the hub schema
(``id``, ``inputs`` = the prompt, ``targets``, ``language``, ``script``) plus ``clt_lang``.

Data: hub ``CohereForAI/aya_evaluation_suite``, subsets ``dolly_human_edited`` (ar, fr, hi, ru,
es, sr: post-edited) and ``dolly_machine_translated`` (the rest), split test; or local files
``{subset}.jsonl`` under DIR/aya_evaluation_suite or DIR. ``--metadata '{"dolly_subset": ...}'``:
``auto`` (default: human-edited where it exists), ``human_edited`` or ``machine_translated``.
"""

from __future__ import annotations

from typing import Any

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.metrics import fidelity
from clt_plugin.names import task_name
from clt_plugin.tasks import data

HUB_ID = "CohereForAI/aya_evaluation_suite"
SUBDIR = "aya_evaluation_suite"
SUBSETS = {"human_edited": "dolly_human_edited", "machine_translated": "dolly_machine_translated"}
HUMAN_EDITED = frozenset({"arb", "fra", "hin", "rus", "spa", "srp"})
FIELDS = ("id", "inputs", "targets", "language")


def subset_for(lang: str, choice: str = "auto") -> str:
    aya = languages.get(lang).aya
    if choice == "auto":
        return SUBSETS["human_edited" if aya in HUMAN_EDITED else "machine_translated"]
    if choice not in SUBSETS:
        raise CLTError(f"--metadata dolly_subset: {choice!r} is not one of auto, {', '.join(SUBSETS)}")
    return SUBSETS[choice]


def load(**meta: Any):
    lang = languages.validate(meta.get("clt_language"))
    aya = languages.get(lang).aya
    if aya is None:
        raise CLTError(f"{task_name('dolly', lang)}: the Aya evaluation suite has no {languages.get(lang).name}")
    subset = subset_for(lang, str(meta.get("dolly_subset", "auto")))
    base = data.data_dir(meta)
    path = data.find_file(base, SUBDIR, [f"{subset}.jsonl", f"{subset}.json"])
    if path is not None:
        rows, source = data.read_rows(path), str(path)
    else:
        hint = (
            f"To run offline, put the subset in DIR/{SUBDIR}/{subset}.jsonl (fields id, inputs, targets, language, "
            f'script) and pass --metadata \'{{"data_dir": "DIR"}}\' or set {data.ENV_VAR}=DIR.'
        )
        rows, source = data.load_hub(HUB_ID, subset, "test", hint), f"{HUB_ID}/{subset}"
    data.require_fields(rows, FIELDS, source)
    docs = [
        {
            "id": str(r["id"]),
            "inputs": str(r["inputs"]),
            "targets": str(r["targets"]),
            "language": str(r["language"]),
            "script": str(r.get("script", "")),
            "clt_lang": lang,
            "clt_subset": subset,
        }
        for r in rows
        if r["language"] == aya
    ]
    if not docs:
        raise CLTError(f"{task_name('dolly', lang)}: {source} has no rows with language {aya!r}")
    return data.to_dataset_dict({"test": docs})


def doc_to_text(doc: dict[str, Any]) -> str:
    return doc["inputs"]


def doc_to_target(doc: dict[str, Any]) -> str:
    return doc["targets"]


def score(response: str, doc: dict[str, Any]) -> dict[str, float]:
    return fidelity.scores(response, doc["clt_lang"])


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    return score(results[0], doc)
