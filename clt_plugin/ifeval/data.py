"""Loading IFEval-schema data (`key`, `prompt`, `instruction_id_list`, `kwargs`) for a language.

Where the rows come from, first match wins:
1. an explicit file;
2. ``{data_dir}/{lang}_input_data.jsonl`` (M-IFEval's file names), with data_dir given by the
   caller (lm-eval: ``--metadata '{"data_dir": ...}'``) or by the environment (``CLT_DATA_DIR``);
3. the hub: ``google/IFEval`` for English, ``lightblue-tech/M-IFEval`` for es, fr and ja.
Any other language needs a file. Every row is validated; every instruction id must be known.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Any, Iterable

from clt_plugin import datadir, languages
from clt_plugin.errors import CLTError
from clt_plugin.ifeval import registry
from clt_plugin.io import read_jsonl

log = logging.getLogger(__name__)

# Beside the other clt data under one data_dir, as in the M-IFEval release: DIR/m-ifeval/{lang}_input_data.jsonl.
SUBDIR = "m-ifeval"
HUB_ENGLISH = "google/IFEval"
HUB_MIFEVAL = "lightblue-tech/M-IFEval"
MIFEVAL_LANGUAGES = ("es", "fr", "ja")


@dataclass(frozen=True)
class Example:
    key: Any
    prompt: str
    instruction_id_list: list[str]
    kwargs: list[dict[str, Any]]
    lang: str
    dropped: list[str] = field(default_factory=list)  # instructions that do not apply (no case)

    def as_doc(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "prompt": self.prompt,
            "instruction_id_list": list(self.instruction_id_list),
            "kwargs": [dict(k) for k in self.kwargs],
            "lang": self.lang,
        }


def data_file_name(lang: str) -> str:
    return f"{lang}_input_data.jsonl"


def parse_example(row: dict[str, Any], lang: str, where: str) -> Example:
    """One validated example; `where` ("file:line") starts every error message."""
    for name in ("prompt", "instruction_id_list", "kwargs"):
        if name not in row:
            raise CLTError(f"{where}: field {name!r} is missing")
    prompt, ids, kwargs = row["prompt"], row["instruction_id_list"], row["kwargs"]
    if not isinstance(prompt, str) or not prompt.strip():
        raise CLTError(f"{where}: field 'prompt' must be a non-empty string (got {prompt!r})")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise CLTError(f"{where}: field 'instruction_id_list' must be a non-empty list of strings (got {ids!r})")
    if not isinstance(kwargs, list) or len(kwargs) != len(ids) or not all(isinstance(k, dict) for k in kwargs):
        raise CLTError(
            f"{where}: field 'kwargs' must be a list of {len(ids)} objects, one per instruction (got {kwargs!r})"
        )
    kept_ids, kept_kwargs, dropped = [], [], []
    for i, (iid, kw) in enumerate(zip(ids, kwargs)):
        try:
            registry.build(iid, kw, lang, prompt)  # validates id and kwargs now, not mid-run
            ok = registry.applicable(iid, lang)
        except CLTError as e:
            raise CLTError(f"{where}: instruction_id_list[{i}]: {e}") from None
        if ok:
            kept_ids.append(iid)
            kept_kwargs.append({k: v for k, v in kw.items() if v is not None})
        else:
            dropped.append(iid)
    return Example(row.get("key"), prompt, kept_ids, kept_kwargs, lang, dropped)


def parse_examples(rows: Iterable[dict[str, Any]], lang: str, source: str) -> list[Example]:
    languages.validate(lang)
    out = []
    for n, row in enumerate(rows, 1):
        ex = parse_example(row, lang, f"{source}:{n}")
        if ex.instruction_id_list:
            out.append(ex)
    dropped = sum(len(e.dropped) for e in out)
    if dropped:
        log.warning("%s: %d case instructions dropped: %s has no letter case", source, dropped, lang)
    if not out:
        raise CLTError(f"{source}: no examples for language {lang!r}")
    return out


def _hub_rows(lang: str) -> tuple[list[dict[str, Any]], str]:
    if lang == "en":
        import datasets

        try:
            ds = datasets.load_dataset(HUB_ENGLISH, split="train")
        except Exception as e:  # noqa: BLE001 - offline, missing, or a hub error: say which dataset
            raise CLTError(
                f"cannot load hub dataset {HUB_ENGLISH} ({type(e).__name__}: {e}); "
                f"offline, give a data_dir holding {data_file_name(lang)}"
            ) from None
        return [dict(r) for r in ds], f"hub:{HUB_ENGLISH}"
    from huggingface_hub import hf_hub_download

    last: Exception | None = None
    for name in (data_file_name(lang), f"data/{data_file_name(lang)}"):
        try:
            path = hf_hub_download(HUB_MIFEVAL, name, repo_type="dataset")
        except Exception as e:  # noqa: BLE001 - try the next layout, report the last failure
            last = e
            continue
        return read_jsonl(path), f"hub:{HUB_MIFEVAL}/{name}"
    raise CLTError(
        f"cannot fetch {data_file_name(lang)} from hub dataset {HUB_MIFEVAL} ({type(last).__name__}: {last}); "
        f"offline, give a data_dir holding {data_file_name(lang)}"
    )


def load_examples(
    lang: str, data_dir: str | os.PathLike | None = None, path: str | os.PathLike | None = None
) -> list[Example]:
    languages.validate(lang)
    if path is not None:
        return parse_examples(read_jsonl(path), lang, str(path))
    directory = datadir.data_dir({"data_dir": data_dir})
    if directory is not None:
        candidate = datadir.find_file(directory, SUBDIR, [data_file_name(lang)])
        if candidate is not None:
            return parse_examples(read_jsonl(candidate), lang, str(candidate))
        if lang != "en" and lang not in MIFEVAL_LANGUAGES:
            raise CLTError(
                f"{directory}: no {data_file_name(lang)} there or in {SUBDIR}/ (IFEval-schema data for {lang!r})"
            )
    elif lang != "en" and lang not in MIFEVAL_LANGUAGES:
        raise CLTError(
            f"no IFEval data for {lang!r}: give a data_dir holding {data_file_name(lang)} "
            f"(lm-eval --metadata '{{\"data_dir\": ...}}' or ${datadir.ENV_VAR})"
        )
    rows, source = _hub_rows(lang)
    return parse_examples(rows, lang, source)
