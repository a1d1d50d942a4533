"""The `clt_judge` section of a judge results file: its one home (docs/judge.md describes it).

`clt judge` writes an lm-eval results file whose `results` hold the judged scores and whose
`clt_judge` section says how they were made. Readers (the analysis, `clt submit`, `clt judge`
itself when it looks for a run's own results) use the functions here, never the keys.
"""

from __future__ import annotations

from typing import Any

SECTION = "clt_judge"
GATING = (
    "clt_plugin.metrics.fidelity.passes (fails LPR, the Language Confusion Benchmark's line test); "
    "a failing response is rated 1"
)


def section(
    *,
    tool_version: str,
    judge: dict,
    template_version: str,
    template_file: str | None,
    parser_version: str,
    source_results: str | None,
    min_coverage: float,
    refused: dict[str, str],
    sources: dict[str, dict[str, str]],
    counts: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The section as `clt judge` writes it (its keys are documented in docs/judge.md)."""
    doc = {
        "tool_version": tool_version,
        "judge": judge,
        "template_version": template_version,
        "parser_version": parser_version,
        "gating": GATING,
        "source_results": source_results,
        "min_coverage": min_coverage,
        "refused": refused,
        "sources": sources,
        "counts": counts,
    }
    if template_file is not None:  # a --prompt-template run names its file; the default names none
        doc["template_file"] = template_file
    return doc


def is_judge_results(doc: Any) -> bool:
    """Whether a results file was written by `clt judge` (not by lm-eval)."""
    return isinstance(doc, dict) and SECTION in doc


def judge_model(doc: Any) -> str | None:
    """The judge model's name recorded in a results file, or None (not judged, or not recorded)."""
    part = doc.get(SECTION) if isinstance(doc, dict) else None
    judge = part.get("judge") if isinstance(part, dict) else None
    model = judge.get("model") if isinstance(judge, dict) else None
    return model if isinstance(model, str) and model else None
