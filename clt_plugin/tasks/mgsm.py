"""MGSM: 8-shot native chain-of-thought (``clt_mgsm_{lang}``) and zero-shot chat (``clt_mgsm_chat_{lang}``).

Test problems: hub ``juletxara/mgsm`` read from its Parquet export (its main branch is a loading
script, which datasets >= 4 refuses), or a local file in the MGSM schema: ``mgsm_{lang}.tsv``
(question<TAB>numeric answer, no header, as in google-research/url-nlp) or ``mgsm_{lang}.jsonl``
(``question``, ``answer_number``). Exemplars for 8-shot: ``--metadata '{"fewshot_file": PATH}'``
(``{lang}`` in PATH is replaced), else ``mgsm_{lang}_train.jsonl`` / ``.tsv`` beside the test
file, else MGSM's own 8 exemplars shipped in the package (CC BY 4.0), so the prompt never needs
the hub. pt, ko and ar are not in MGSM (the CLT paper machine-translated them): they need local files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clt_plugin import hub, languages
from clt_plugin.errors import CLTError
from clt_plugin.families import ACCURACY_METRIC
from clt_plugin.metrics import fidelity
from clt_plugin.metrics.numbers import canonical, extract_answer, parse_number
from clt_plugin.names import task_name
from clt_plugin.tasks import data
from clt_plugin.tasks.prompts import mgsm_chat_instruction, mgsm_words

HUB_ID = "juletxara/mgsm"
SUBDIR = "mgsm"
N_SHOT = 8


def shipped_exemplars(lang: str) -> Path | None:
    """MGSM's own exemplar file for `lang` inside the package, or None (not an MGSM language)."""
    path = Path(__file__).resolve().parent.parent / "data" / "mgsm_exemplars" / f"mgsm_{lang}_train.jsonl"
    return path if path.is_file() else None


def _strip_label(text: str, label: str) -> str:
    """'问题：Roger has...' -> 'Roger has...' (hub exemplars carry the label in the text)."""
    t = text.strip()
    core = label.rstrip(" :：")
    if core and t.startswith(core):
        t = t[len(core) :].lstrip(" :：")
    return t.strip()


def _how_to_supply(lang: str, *, test: bool, exemplars: bool) -> str:
    """What to put where, naming only what is missing: the test set and/or 8-shot exemplars."""
    parts = []
    if test:
        parts.append(
            f"the test set as DIR/{SUBDIR}/mgsm_{lang}.tsv (question<TAB>numeric answer, no header) or "
            f"DIR/{SUBDIR}/mgsm_{lang}.jsonl (fields question, answer_number)"
        )
    if exemplars:
        parts.append(
            f"8-shot exemplars as DIR/{SUBDIR}/mgsm_{lang}_train.jsonl (question, answer = a step-by-step "
            f"solution ending '{mgsm_words(lang).phrase} N.', answer_number) or --metadata "
            f"'{{\"fewshot_file\": PATH}}'"
        )
    return (
        f'Supply {", and ".join(parts)}, then pass --metadata \'{{"data_dir": "DIR"}}\' to lm_eval or set '
        f"{data.ENV_VAR}=DIR."
    )


def _read_tsv_pairs(path) -> list[tuple[str, str]]:
    pairs = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) < 2:
                raise CLTError(f"{path}:{lineno}: expected question<TAB>answer, found no tab")
            if lineno == 1 and parts[0].strip().lower() == "question":
                continue  # an optional header
            pairs.append((parts[0], parts[-1]))
    return pairs


def _number(value: Any, where: str) -> str:
    n = canonical(parse_number(str(value))) if value is not None else None
    if n is None:
        raise CLTError(f"{where}: answer {value!r} is not a number")
    return n


def _test_rows(path, lang: str) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".tsv":
        pairs = _read_tsv_pairs(path)
        items = [(q, a) for q, a in pairs]
    else:
        rows = data.read_rows(path)
        data.require_fields(rows, ("question", "answer_number"), path)
        items = [(r["question"], r["answer_number"]) for r in rows]
    words = mgsm_words(lang)
    return [
        {
            "id": f"mgsm-{lang}-{i}",
            "question": _strip_label(str(q), words.question),
            "answer": None,
            "answer_number": _number(a, f"{path}: row {i + 1}"),
            "clt_lang": lang,
        }
        for i, (q, a) in enumerate(items)
    ]


def _exemplar_rows(rows: list[dict[str, Any]], lang: str, where: str) -> list[dict[str, Any]]:
    words = mgsm_words(lang)
    out = []
    for i, r in enumerate(rows):
        answer = _strip_label(str(r.get("answer") or ""), words.answer)
        if not answer:
            raise CLTError(f"{where}: exemplar {i + 1} has no step-by-step answer (field 'answer')")
        number = r.get("answer_number")
        number = (
            _number(number, f"{where}: exemplar {i + 1}") if number not in (None, "") else extract_answer(answer, lang)
        )
        if number is None:
            raise CLTError(f"{where}: exemplar {i + 1}: no answer_number and none found in its answer")
        out.append(
            {
                "id": f"mgsm-{lang}-train-{i}",
                "question": _strip_label(str(r["question"]), words.question),
                "answer": answer,
                "answer_number": number,
                "clt_lang": lang,
            }
        )
    return out


def _read_exemplars(path, lang: str) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".tsv":
        rows = [{"question": q, "answer": a} for q, a in _read_tsv_pairs(path)]
    else:
        rows = data.read_rows(path)
        data.require_fields(rows, ("question", "answer"), path)
    return _exemplar_rows(rows, lang, str(path))


def load(**meta: Any):
    """``custom_dataset`` for both MGSM families: {'test': [...], 'train': exemplars (8-shot only)}."""
    lang = languages.validate(meta.get("clt_language"))
    family = meta.get("clt_family") or "mgsm"
    task = task_name(family, lang)
    base = data.data_dir(meta)
    # 8-shot needs exemplars; MGSM's own ship with the package, so only pt/ko/ar may lack them.
    shots_path = None if family == "mgsm_chat" else _exemplar_path(meta, lang, base)
    missing_shots = family != "mgsm_chat" and shots_path is None
    names = [f"mgsm_{lang}.tsv", f"mgsm_{lang}.jsonl", f"mgsm_{lang}.json"]
    test_path = data.find_file(base, SUBDIR, names)
    if test_path is not None:
        test = _test_rows(test_path, lang)
    elif languages.get(lang).mgsm is not None:
        hint = f"To run offline: {_how_to_supply(lang, test=True, exemplars=missing_shots)}"
        rows = data.load_hub(HUB_ID, None, "test", hint, folder=languages.get(lang).mgsm, revision=hub.PARQUET_EXPORT)
        test = _hub_rows(rows, lang)
    else:
        looked = f" (looked for {', '.join(names)} in {base / SUBDIR} and {base})" if base else ""
        raise CLTError(
            f"{task}: MGSM has no {languages.get(lang).name} test set; the CLT paper machine-translated "
            f"the English one{looked}. {_how_to_supply(lang, test=True, exemplars=missing_shots)}"
        )
    if not test:
        raise CLTError(f"{task}: the test set {test_path or HUB_ID} is empty")
    if family == "mgsm_chat":
        return data.to_dataset_dict({"test": test})
    if shots_path is None:
        raise CLTError(f"{task}: no 8-shot exemplars. {_how_to_supply(lang, test=False, exemplars=True)}")
    shots = _read_exemplars(shots_path, lang)
    if len(shots) < N_SHOT:
        raise CLTError(f"{task}: {N_SHOT}-shot needs {N_SHOT} exemplars, found {len(shots)}")
    return data.to_dataset_dict({"test": test, "train": shots})


def _hub_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    words = mgsm_words(lang)
    return [
        {
            "id": f"mgsm-{lang}-{i}",
            "question": _strip_label(str(r["question"]), words.question),
            "answer": None,
            "answer_number": _number(r["answer_number"], f"{HUB_ID}/{lang} row {i + 1}"),
            "clt_lang": lang,
        }
        for i, r in enumerate(rows)
    ]


def _exemplar_path(meta: dict[str, Any], lang: str, base) -> Path | None:
    """--metadata fewshot_file, else mgsm_{lang}_train.* in the data directory, else MGSM's own."""
    if meta.get("fewshot_file"):
        path = Path(str(meta["fewshot_file"]).replace("{lang}", lang)).expanduser()
        if not path.is_file():
            raise CLTError(f"--metadata fewshot_file: {path} does not exist")
        return path
    names = [f"mgsm_{lang}_train.jsonl", f"mgsm_{lang}_train.json", f"mgsm_{lang}_train.tsv"]
    return data.find_file(base, SUBDIR, names) or shipped_exemplars(lang)


def doc_to_text(doc: dict[str, Any]) -> str:
    words = mgsm_words(doc["clt_lang"])
    return f"{words.question} {doc['question']}\n{words.answer}"


def doc_to_target(doc: dict[str, Any]) -> str:
    return doc["answer"] if doc.get("answer") else str(doc["answer_number"])


def chat_doc_to_text(doc: dict[str, Any]) -> str:
    return f"{mgsm_chat_instruction(doc['clt_lang'])}\n\n{doc['question']}"


def chat_doc_to_target(doc: dict[str, Any]) -> str:
    return str(doc["answer_number"])


def score(response: str, doc: dict[str, Any]) -> dict[str, float]:
    lang = doc["clt_lang"]
    pred = extract_answer(response, lang)
    return {
        ACCURACY_METRIC: 1.0 if pred is not None and pred == doc["answer_number"] else 0.0,
        **fidelity.scores(response, lang),
    }


def process_results(doc: dict[str, Any], results: list[str]) -> dict[str, float]:
    return score(results[0], doc)
