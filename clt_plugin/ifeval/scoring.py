"""Strict and loose scoring as IFEval defines them, and the four accuracies.

Strict: the response as written must follow the instruction. Loose: any of eight variants may
(the response; with its first line, last line or both removed; each of those with asterisks
removed). An empty (whitespace) response follows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from clt_plugin import languages
from clt_plugin.ifeval import registry

METRICS = ("prompt_level_strict_acc", "inst_level_strict_acc", "prompt_level_loose_acc", "inst_level_loose_acc")


def loose_variants(response: str) -> list[str]:
    lines = response.split("\n")
    no_first = "\n".join(lines[1:]).strip()
    no_last = "\n".join(lines[:-1]).strip()
    no_both = "\n".join(lines[1:-1]).strip()
    return [
        response,
        response.replace("*", ""),
        no_first,
        no_last,
        no_both,
        no_first.replace("*", ""),
        no_last.replace("*", ""),
        no_both.replace("*", ""),
    ]


@dataclass(frozen=True)
class Verdict:
    strict: list[bool]
    loose: list[bool]

    def metrics(self) -> dict[str, Any]:
        return {
            "prompt_level_strict_acc": all(self.strict),
            "inst_level_strict_acc": list(self.strict),
            "prompt_level_loose_acc": all(self.loose),
            "inst_level_loose_acc": list(self.loose),
        }


def judge(doc: Mapping[str, Any], response: str, lang: str | None = None) -> Verdict:
    """Check one response against every instruction of one example (a row in IFEval schema)."""
    lang = lang or doc.get("lang") or "en"
    variants = loose_variants(response)
    strict, loose = [], []
    for iid, kwargs in zip(doc["instruction_id_list"], doc["kwargs"]):
        check = registry.build(iid, kwargs, lang, doc.get("prompt", ""))
        strict.append(bool(response.strip()) and bool(check(response)))
        loose.append(any(v.strip() and check(v) for v in variants))
    return Verdict(strict, loose)


def expected_language(doc: Mapping[str, Any], lang: str) -> str:
    """The language a reply should be in: the one a response_language instruction asks for, if any."""
    for iid, kwargs in zip(doc["instruction_id_list"], doc["kwargs"]):
        if iid.endswith("language:response_language") and isinstance((kwargs or {}).get("language"), str):
            return kwargs["language"]
    return lang


def fidelity_values(doc: Mapping[str, Any], response: str, lang: str) -> dict[str, float | None]:
    """The reply's LPR value in the expected language (clt_plugin.metrics.fidelity): 1.0 pass,
    0.0 fail, None when no line is long enough to judge (left out, as in the benchmark); and its
    WPR value when the task's language is not written in Latin script (None: left out)."""
    from clt_plugin.metrics import fidelity as fid

    target = expected_language(doc, lang)
    out: dict[str, float | None] = {}
    if target in languages.LANGUAGES and languages.lpr_applies(target):
        j = fid.judge(response, target)
        out["lpr"] = None if j.line_pass is None else float(j.line_pass)
        word = j.word_pass if languages.wpr_applies(target) else None
    else:
        # A language the registry (or lid.176) does not know: whole-reply identification is all there is.
        from clt_plugin.ifeval.language import is_in

        out["lpr"] = 1.0 if response.strip() and is_in(response, target) else 0.0
        word = None
    if lang in languages.LANGUAGES and languages.wpr_applies(lang):
        out["wpr"] = None if word is None else float(word)
    return out


def fidelity(doc: Mapping[str, Any], response: str, lang: str) -> float | None:
    """The reply's LPR value (see `fidelity_values`)."""
    return fidelity_values(doc, response, lang)["lpr"]


def process(doc: Mapping[str, Any], response: str, lang: str | None = None) -> dict[str, Any]:
    lang = lang or doc.get("lang") or "en"
    out = judge(doc, response, lang).metrics()
    out.update(fidelity_values(doc, response, lang))
    return out


def flatten_mean(items: Iterable[Iterable[bool]]) -> float:
    """Instruction-level accuracy: every instruction of every prompt counts once."""
    flat = [bool(x) for sub in items for x in sub]
    return sum(flat) / len(flat) if flat else 0.0


def aggregate(rows: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """The accuracies over per-example metric dicts (as `process` returns)."""
    rows = list(rows)
    if not rows:
        return {m: 0.0 for m in METRICS}
    out = {
        "prompt_level_strict_acc": sum(bool(r["prompt_level_strict_acc"]) for r in rows) / len(rows),
        "inst_level_strict_acc": flatten_mean(r["inst_level_strict_acc"] for r in rows),
        "prompt_level_loose_acc": sum(bool(r["prompt_level_loose_acc"]) for r in rows) / len(rows),
        "inst_level_loose_acc": flatten_mean(r["inst_level_loose_acc"] for r in rows),
    }
    from clt_plugin.metrics.fidelity import judged_mean

    for metric in ("lpr", "wpr"):
        if all(metric in r for r in rows):
            out[metric] = judged_mean(r[metric] for r in rows)
    return out
