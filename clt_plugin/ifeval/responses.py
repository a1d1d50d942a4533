"""Scoring responses generated elsewhere (vLLM, an API): JSONL rows of `prompt` + `response`.

Each row is matched to its IFEval-schema example by `key` and prompt text when it has both (a
mismatch is refused: M-IFEval numbers its examples 1..N in every language, so a key alone cannot
tell Japanese responses from Spanish ones), by `key` or by prompt text when it has one, then
scored by `scoring.process`, the code path of the lm-eval task. Rows matched by key alone are
refused when most of their responses are in another language than their prompts ask for.
Everything is validated before anything is written.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from clt_plugin import __version__, languages
from clt_plugin.errors import CLTError
from clt_plugin.ifeval import data, scoring
from clt_plugin.ifeval.language import detect_any
from clt_plugin.io import atomic_write_json, sha256_file
from clt_plugin.names import task_name

SCHEMA = "clt-ifeval-score/1"


def _short(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def examples_lang(examples: list[data.Example]) -> str:
    langs = sorted({e.lang for e in examples if e.lang})
    return "/".join(langs) if langs else "given"


def match_responses(
    rows: list[dict[str, Any]], examples: list[data.Example], source: str, *, keyed: list[int] | None = None
) -> list[tuple[data.Example, str]]:
    """Each row's example and response; `keyed` collects the indexes of the rows matched by
    their key alone (no prompt to confirm the match)."""
    by_key = {str(e.key): e for e in examples if e.key is not None}
    by_prompt = {e.prompt: e for e in examples}
    by_stripped = {e.prompt.strip(): e for e in examples}
    seen: dict[int, int] = {}
    out = []
    for n, row in enumerate(rows, 1):
        where = f"{source}:{n}"
        if "response" not in row:
            raise CLTError(f"{where}: field 'response' is missing")
        response = row["response"]
        if not isinstance(response, str):
            raise CLTError(f"{where}: field 'response' must be a string (got {response!r})")
        example = None
        if "key" in row and row["key"] is not None:
            example = by_key.get(str(row["key"]))
            if example is None and "prompt" not in row:
                raise CLTError(f"{where}: field 'key' value {row['key']!r} matches no example")
            prompt = row.get("prompt")
            if example is not None and prompt is not None:
                if not isinstance(prompt, str):
                    raise CLTError(f"{where}: field 'prompt' must be a string (got {prompt!r:.60})")
                if prompt.strip() != example.prompt.strip():
                    raise CLTError(
                        f"{where}: field 'prompt' value {_short(prompt)!r} is not the prompt of key "
                        f"{row['key']!r} in the {examples_lang(examples)} data ({_short(example.prompt)!r}); "
                        "are the responses in another language than --lang?"
                    )
        if example is None:
            if "prompt" not in row:
                raise CLTError(f"{where}: field 'prompt' is missing (each row needs 'prompt' or 'key')")
            prompt = row["prompt"]
            if not isinstance(prompt, str):
                raise CLTError(f"{where}: field 'prompt' must be a string (got {prompt!r})")
            example = by_prompt.get(prompt) or by_stripped.get(prompt.strip())
            if example is None:
                raise CLTError(f"{where}: field 'prompt' value {_short(prompt)!r} matches no example in the data")
        elif keyed is not None and row.get("prompt") is None:
            keyed.append(len(out))
        first = seen.setdefault(id(example), n)
        if first != n:
            raise CLTError(f"{where}: a second response for the prompt of line {first} ({_short(example.prompt)!r})")
        out.append((example, response))
    if not out:
        raise CLTError(f"{source}: no responses")
    return out


def _language_found(text: str, target: str) -> str | None:
    """The language `text` is identified in, on the scale `target` is named on (a registry code
    for a registry language, langdetect's code for any other); None when undecided."""
    if target in languages.LANGUAGES:
        from clt_plugin import langid

        return langid.detect(text)
    return detect_any(text)


def check_key_matches(matched: list[tuple[data.Example, str]], keyed: list[int], lang: str, source: str) -> None:
    """Refuse rows matched by key alone when most of their responses are in another language
    than their examples expect: M-IFEval numbers its examples alike in every language (es and ja
    share 115 keys), so Japanese responses scored with --lang es would match Spanish prompts and
    be scored against them, without a word said."""
    found, other = 0, Counter()
    for i in keyed:
        example, response = matched[i]
        target = scoring.expected_language(example.as_doc(), lang)
        got = _language_found(response, target)
        if got is None:
            continue
        found += 1
        if got != target:
            other[got] += 1
    if found and sum(other.values()) * 2 > found:
        common, _ = other.most_common(1)[0]
        raise CLTError(
            f"{source}: {sum(other.values())} of {found} responses matched by 'key' alone are not in the "
            f"language their {lang} prompt asks for (mostly {common!r}): keys are shared across M-IFEval "
            f"languages, so these may answer another language's prompts; give each row its 'prompt', "
            f"score with the --lang they were made for, or pass --any-language to score them as they are"
        )


def score_responses(
    responses_path: str | os.PathLike,
    lang: str,
    *,
    data_dir: str | os.PathLike | None = None,
    data_path: str | os.PathLike | None = None,
    any_language: bool = False,
) -> dict[str, Any]:
    """The report: the accuracies for `lang`, and what they were computed from.

    `any_language`: score rows matched by key alone even when most are in another language (a
    model that answers in the wrong language), instead of refusing them."""
    lang = languages.validate(lang)
    rows = data.read_jsonl(responses_path)
    examples = data.load_examples(lang, data_dir=data_dir, path=data_path)
    keyed: list[int] = []
    matched = match_responses(rows, examples, str(responses_path), keyed=keyed)
    if not any_language:
        check_key_matches(matched, keyed, lang, str(responses_path))
    per_example = [scoring.process(e.as_doc(), r, lang) for e, r in matched]
    return {
        "schema": SCHEMA,
        "tool_version": __version__,
        "responses": str(responses_path),
        "responses_sha256": sha256_file(responses_path),
        "results": {
            lang: {
                "task": task_name("ifeval", lang),
                "n": len(per_example),
                "n_examples": len(examples),
                **scoring.aggregate(per_example),
            }
        },
    }


def default_output(responses_path: str | os.PathLike, lang: str) -> Path:
    p = Path(responses_path)
    return p.with_name(f"{p.stem}.clt_ifeval_{lang}.json")


def write_report(report: dict[str, Any], out: str | os.PathLike) -> None:
    atomic_write_json(out, report)
