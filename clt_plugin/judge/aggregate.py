"""Pure aggregation of per-sample ratings into the numbers a results file carries."""

from __future__ import annotations

import math
from dataclasses import dataclass


def mean_and_stderr(values: list[int]) -> tuple[float | None, float | str | None]:
    """Mean and standard error of the mean (sample std / sqrt(n), as lm-eval's mean_stderr).

    No values: (None, None) — a mean of nothing is reported as missing, never as a number.
    One value: the stderr is "N/A", lm-eval's marker for a stderr it cannot compute.
    """
    n = len(values)
    if n == 0:
        return None, None
    mean = math.fsum(values) / n
    if n < 2:
        return mean, "N/A"
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    return mean, math.sqrt(var) / math.sqrt(n)


def gate(raw: int | None, fidelity_pass: bool) -> int | None:
    """The paper's switch-aware rule: a response in the wrong language is rated 1, whatever the judge said."""
    return raw if fidelity_pass else 1


@dataclass(frozen=True)
class TaskStats:
    task: str
    lang: str
    n: int
    rated_raw: int  # samples whose judge output parsed to a rating
    unparseable: int  # judge outputs that did not parse (counted, never turned into a number)
    fidelity_failed: int  # responses gated to 1
    rated_gated: int
    mean_raw: float | None
    stderr_raw: float | str | None
    mean_gated: float | None
    stderr_gated: float | str | None

    @property
    def coverage(self) -> float:
        """Share of the samples behind judge_rating (parsed, or gated to 1): 0.0 for no samples."""
        return self.rated_gated / self.n if self.n else 0.0

    @property
    def coverage_raw(self) -> float:
        """Share of the samples whose judge output parsed to a rating (behind judge_rating_raw)."""
        return self.rated_raw / self.n if self.n else 0.0


def task_stats(task: str, lang: str, raw: list[int | None], fidelity: list[bool]) -> TaskStats:
    gated = [gate(r, f) for r, f in zip(raw, fidelity, strict=True)]
    raw_values = [r for r in raw if r is not None]
    gated_values = [g for g in gated if g is not None]
    mean_raw, se_raw = mean_and_stderr(raw_values)
    mean_gated, se_gated = mean_and_stderr(gated_values)
    return TaskStats(
        task=task,
        lang=lang,
        n=len(raw),
        rated_raw=len(raw_values),
        unparseable=len(raw) - len(raw_values),
        fidelity_failed=sum(1 for f in fidelity if not f),
        rated_gated=len(gated_values),
        mean_raw=mean_raw,
        stderr_raw=se_raw,
        mean_gated=mean_gated,
        stderr_gated=se_gated,
    )
