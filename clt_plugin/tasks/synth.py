"""The demo's synthetic tasks (``clt_synth_{math,summ,lang}_{lang}``): no files needed.

The test split is generated from the task metadata by ``clt_plugin.tasks.synth_items``; metadata knobs
(``--metadata '{...}'``): ``synth_n`` (items per language, default 100) and ``synth_seed``
(default 0). Items are parallel across languages and never overlap the training split.
Scoring uses the project's metric functions, as the real tasks do: ``synth_math`` like MGSM
(numeric answer extraction), ``synth_summ`` and ``synth_lang`` like XL-Sum (ROUGE-L), all with
language fidelity (for ``synth_lang``, whether the reply is in the language asked for, is the point).
"""

from __future__ import annotations

from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.families import ACCURACY_METRIC, FAMILIES
from clt_plugin.metrics import fidelity
from clt_plugin.metrics.numbers import extract_answer
from clt_plugin.metrics.rouge import rouge_l_f
from clt_plugin.names import task_name
from clt_plugin.tasks import data
from clt_plugin.tasks.synth_items import SYNTH_LANGUAGES, SYNTH_TASKS, make_split

DEFAULTS = {"synth_n": 100, "synth_seed": 0}


def _int(meta: dict[str, Any], key: str, minimum: int) -> int:
    value = meta.get(key, DEFAULTS[key])
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise CLTError(f"--metadata {key}: expected an integer, got {value!r}") from None
    if isinstance(value, float) and value != out:
        raise CLTError(f"--metadata {key}: expected an integer, got {value!r}")
    if out < minimum:
        raise CLTError(f"--metadata {key}: must be >= {minimum}, got {out}")
    return out


def test_docs(family: str, lang: str, n: int, seed: int) -> list[dict[str, Any]]:
    if family not in SYNTH_TASKS:
        raise CLTError(f"unknown synthetic task family {family!r} (known: {', '.join(SYNTH_TASKS)})")
    if lang not in SYNTH_LANGUAGES:
        raise CLTError(
            f"{task_name(family, lang)}: the synthetic suite has no language {lang!r} (has: {', '.join(SYNTH_LANGUAGES)})"
        )
    return [
        {"id": item.id, "prompt": item.prompt, "answer": item.answer, "clt_lang": lang, "clt_family": family}
        for item in make_split(family, lang, "test", n, seed=seed)
    ]


def load(**meta: Any):
    """``custom_dataset``: {'test': [...]} generated from (family, language, synth_n, synth_seed)."""
    family = str(meta.get("clt_family"))
    lang = str(meta.get("clt_language"))
    docs = test_docs(family, lang, _int(meta, "synth_n", 1), _int(meta, "synth_seed", 0))
    return data.to_dataset_dict({"test": docs})


def doc_to_text(doc: dict[str, Any]) -> str:
    return doc["prompt"]


def doc_to_target(doc: dict[str, Any]) -> str:
    return doc["answer"]


def score(response: str, doc: dict[str, Any]) -> dict[str, float]:
    lang = doc["clt_lang"]
    (metric,) = FAMILIES[doc["clt_family"]].metrics  # what the registry says the family reports
    if metric == ACCURACY_METRIC:
        main = 1.0 if extract_answer(response, lang) == doc["answer"] else 0.0
    else:
        main = rouge_l_f(doc["answer"], response.strip(), lang)
    return {metric: main, **fidelity.scores(response, lang)}


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    return score(results[0], doc)
