"""Statistics over runs: Spearman's rank correlation with its p-value, and plateau points.

Pure functions. Spearman's rho is Pearson's r on average ranks (ties share the mean of the ranks
they span); its two-sided p-value uses the t approximation t = r * sqrt((n-2) / (1-r^2)) with n-2
degrees of freedom, the same test scipy.stats.spearmanr reports. Only the Student t tail comes
from scipy (scipy.special.stdtr, a core dependency, far lighter to import than scipy.stats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class Correlation:
    rho: float | None  # None: undefined (fewer than 3 points, or a constant series)
    p_value: float | None
    n: int
    note: str | None = None


def rankdata(values: Sequence[float]) -> list[float]:
    """1-based ranks; tied values get the mean of the ranks they occupy."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        mean_rank = (i + j) / 2 + 1
        for k in range(i, j + 1):
            ranks[order[k]] = mean_rank
        i = j + 1
    return ranks


def pearson(x: Sequence[float], y: Sequence[float]) -> float | None:
    n = len(x)
    mx, my = math.fsum(x) / n, math.fsum(y) / n
    dx = [a - mx for a in x]
    dy = [b - my for b in y]
    sxx = math.fsum(a * a for a in dx)
    syy = math.fsum(b * b for b in dy)
    if sxx == 0 or syy == 0:
        return None
    r = math.fsum(a * b for a, b in zip(dx, dy)) / math.sqrt(sxx * syy)
    return max(-1.0, min(1.0, r))


def t_two_sided_p(t: float, df: int) -> float:
    from scipy.special import stdtr

    return float(2.0 * stdtr(df, -abs(t)))


def spearman(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Spearman's rho between paired samples and its two-sided p-value."""
    if len(x) != len(y):
        raise ValueError(f"paired samples differ in length ({len(x)} vs {len(y)})")
    n = len(x)
    if n < 3:
        return Correlation(None, None, n, f"needs at least 3 runs with both values, got {n}")
    r = pearson(rankdata(x), rankdata(y))
    if r is None:
        return Correlation(None, None, n, "undefined: one series is constant")
    df = n - 2
    if abs(r) == 1.0:
        return Correlation(r, 0.0, n)
    t = r * math.sqrt(df / ((1.0 - r) * (1.0 + r)))
    return Correlation(r, t_two_sided_p(t, df), n)


@dataclass(frozen=True)
class Plateau:
    k: int | None  # smallest examples-per-language reaching the threshold; None when no gain
    threshold: float
    max_gain: float | None
    gain_at_k: float | None
    note: str | None = None


def plateau(points: Sequence[tuple[int, float]], baseline: float, threshold: float = 0.95) -> Plateau:
    """Smallest k whose gain over `baseline` reaches `threshold` x the largest gain.

    `points` are (examples per language, score) pairs, k = 0 included or not; a k that appears
    twice is averaged. A curve with no positive gain has no plateau.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"plateau threshold must be in (0, 1], got {threshold}")
    by_k: dict[int, list[float]] = {}
    for k, v in points:
        by_k.setdefault(k, []).append(v)
    gains = sorted((k, math.fsum(vs) / len(vs) - baseline) for k, vs in by_k.items())
    if not gains:
        return Plateau(None, threshold, None, None, "no points")
    best = max(g for _, g in gains)
    if best <= 0:
        return Plateau(None, threshold, best, None, "no gain over the baseline")
    for k, g in gains:
        # A tiny tolerance keeps 0.95 * best from missing a point equal to it by rounding.
        if g >= threshold * best - 1e-12 * abs(best):
            return Plateau(k, threshold, best, g)
    raise AssertionError("unreachable: the best point always qualifies")
