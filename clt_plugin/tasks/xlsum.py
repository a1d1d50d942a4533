"""XL-Sum summarization (``clt_xlsum_{lang}``): seeded random test articles, ROUGE-L + fidelity.

Data: hub ``csebuetnlp/xlsum`` read from its Parquet export (its main branch is a loading script,
which datasets >= 4 refuses; the export has one folder per config = the registry's XL-Sum
name), or local files in the
XL-Sum release naming, ``{config}_{split}.jsonl`` (e.g. ``japanese_test.jsonl``; fields id, url,
title, summary, text) under DIR/xlsum or DIR. Metadata knobs: ``xlsum_n`` (articles per language,
default 250; 0 = all), ``xlsum_seed`` (default 1234), ``xlsum_split`` (default test),
``xlsum_max_chars`` (article characters shown in the prompt, default 4000), ``rouge_stem``.
"""

from __future__ import annotations

import random
from typing import Any

from clt_plugin import hub, languages
from clt_plugin.errors import CLTError
from clt_plugin.families import ROUGE_METRIC
from clt_plugin.metrics import fidelity
from clt_plugin.metrics.rouge import rouge_l_f
from clt_plugin.names import task_name
from clt_plugin.tasks import data
from clt_plugin.tasks.prompts import summarize_prompt

HUB_ID = "csebuetnlp/xlsum"
SUBDIR = "xlsum"
DEFAULTS = {"xlsum_n": 250, "xlsum_seed": 1234, "xlsum_split": "test", "xlsum_max_chars": 4000}
FIELDS = ("id", "summary", "text")


def _int(meta: dict[str, Any], key: str) -> int:
    value = meta.get(key, DEFAULTS[key])
    try:
        out = int(value)
    except (TypeError, ValueError):
        raise CLTError(f"--metadata {key}: expected an integer, got {value!r}") from None
    if out < 0:
        raise CLTError(f"--metadata {key}: must be >= 0, got {out}")
    return out


def sample_indices(n_rows: int, n: int, seed: int, lang: str) -> list[int]:
    """The seeded sample of `n` row indices (all rows when n is 0 or too large), in file order."""
    if n == 0 or n >= n_rows:
        return list(range(n_rows))
    return sorted(random.Random(f"clt-xlsum:{seed}:{lang}").sample(range(n_rows), n))


def load(**meta: Any):
    lang = languages.validate(meta.get("clt_language"))
    config = languages.get(lang).xlsum
    if config is None:
        raise CLTError(f"{task_name('xlsum', lang)}: XL-Sum has no {languages.get(lang).name}")
    split = str(meta.get("xlsum_split", DEFAULTS["xlsum_split"]))
    base = data.data_dir(meta)
    names = [f"{config}_{split}.jsonl", f"{lang}_{split}.jsonl"]
    path = data.find_file(base, SUBDIR, names)
    if path is not None:
        rows = data.read_rows(path)
        source = str(path)
    else:
        hint = (
            f"To run offline, put the XL-Sum files in DIR/{SUBDIR}/{config}_{split}.jsonl (fields id, url, title, "
            f'summary, text) and pass --metadata \'{{"data_dir": "DIR"}}\' or set {data.ENV_VAR}=DIR.'
        )
        if base is not None:
            hint = f"(no {' or '.join(names)} in {base / SUBDIR} or {base}) " + hint
        rows = data.load_hub(HUB_ID, None, split, hint, folder=config, revision=hub.PARQUET_EXPORT)
        source = f"{HUB_ID}/{config}"
    data.require_fields(rows, FIELDS, source)
    if not rows:
        raise CLTError(f"{task_name('xlsum', lang)}: {source} has no articles")
    keep = sample_indices(len(rows), _int(meta, "xlsum_n"), _int(meta, "xlsum_seed"), lang)
    max_chars = _int(meta, "xlsum_max_chars")
    stem = bool(meta.get("rouge_stem", False))
    docs = []
    for i in keep:
        r = rows[i]
        text = str(r["text"])
        docs.append(
            {
                "id": str(r["id"]),
                "url": str(r.get("url", "")),
                "title": str(r.get("title", "")),
                "summary": str(r["summary"]),
                "text": text,
                "clt_lang": lang,
                "clt_prompt": summarize_prompt(lang, text[:max_chars] if max_chars else text),
                "clt_rouge_stem": stem,
            }
        )
    return data.to_dataset_dict({"test": docs})


def doc_to_text(doc: dict[str, Any]) -> str:
    return doc["clt_prompt"]


def doc_to_target(doc: dict[str, Any]) -> str:
    return doc["summary"]


def score(response: str, doc: dict[str, Any]) -> dict[str, float]:
    lang = doc["clt_lang"]
    rouge = rouge_l_f(doc["summary"], response.strip(), lang, stem=bool(doc.get("clt_rouge_stem")))
    return {ROUGE_METRIC: rouge, **fidelity.scores(response, lang)}


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    return score(results[0], doc)
