"""Resampling kernels: bootstrap distributions, paired permutation tests, multiple-comparison
corrections, and bootstrap distributions of Spearman's rho and of plateau points.

Pure numpy. The expensive part of a bootstrap is drawing the resamples, and every run of a
grid answers the same items, so a `Resampler` draws each resampling scheme once per (stream,
number of items) and every cell of every run reuses it: resample b of a cell's mean is then
one row of a matrix product, ``counts[b] @ scores / n``, and a whole table is one product per
language. Sharing the draws across runs is also what makes the bootstrap *paired*: run A's and
run B's resample b pick the same items, so their difference is the resampled paired difference.

Streams are independent per language: an aggregate over languages (seen average, gap) resamples
the items of each language on their own and all runs jointly, which is the sampling design of a
multilingual test set (each language's items drawn separately).
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple, Sequence

import numpy as np

DEFAULT_RESAMPLES = 10_000
# Resampling products run in single precision: twice the throughput of double, and an error (1e-7
# of a score) far below the Monte Carlo error of any interval (1e-3 at 10,000 resamples).
DTYPE = np.float32
DEFAULT_SEED = 0
DEFAULT_LEVEL = 0.95
CORRECTIONS = ("holm", "bh", "none")
CORRECTION_NAMES = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no correction"}


def _stream_seed(seed: int, *key: object) -> list[int]:
    """A seed sequence for numpy from the user's seed and a stream key (stable across runs and platforms)."""
    digest = hashlib.sha256(repr(key).encode()).digest()
    return [int(seed), int.from_bytes(digest[:8], "little")]


def resample_counts(n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """(resamples, n) matrix: how often each item is drawn in each bootstrap resample."""
    idx = rng.integers(0, n, size=(resamples, n), dtype=np.int64)
    idx += np.arange(resamples, dtype=np.int64)[:, None] * n
    return np.bincount(idx.ravel(), minlength=resamples * n).reshape(resamples, n).astype(DTYPE)


class Resampler:
    """Bootstrap counts, sign flips and seed draws, each drawn once per (stream, size) and reused."""

    def __init__(self, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED):
        if resamples < 100:
            raise ValueError(f"resamples: expected at least 100, got {resamples}")
        self.resamples = int(resamples)
        self.seed = int(seed)
        self._counts: dict[tuple, np.ndarray] = {}
        self._signs: dict[tuple, np.ndarray] = {}
        self._picks: dict[tuple, np.ndarray] = {}
        self._cache: dict[tuple, np.ndarray] = {}

    def counts(self, stream: str, n: int) -> np.ndarray:
        key = (stream, n)
        c = self._counts.get(key)
        if c is None:
            rng = np.random.default_rng(_stream_seed(self.seed, "items", stream, n))
            c = self._counts[key] = resample_counts(n, self.resamples, rng)
        return c

    def signs(self, stream: str, n: int) -> np.ndarray:
        """(resamples, n) matrix of +1/-1: random sign flips of paired differences."""
        key = (stream, n)
        s = self._signs.get(key)
        if s is None:
            rng = np.random.default_rng(_stream_seed(self.seed, "signs", stream, n))
            s = self._signs[key] = (rng.integers(0, 2, size=(self.resamples, n), dtype=np.int8) * 2 - 1).astype(DTYPE)
        return s

    def seed_picks(self, stream: str, n_seeds: int) -> np.ndarray:
        """(resamples, n_seeds) indices: which seeds each resample draws (with replacement)."""
        key = (stream, n_seeds)
        p = self._picks.get(key)
        if p is None:
            rng = np.random.default_rng(_stream_seed(self.seed, "seeds", stream, n_seeds))
            p = self._picks[key] = rng.integers(0, n_seeds, size=(self.resamples, n_seeds))
        return p

    def normal(self, stream: str) -> np.ndarray:
        """(resamples,) standard normal draws: a parametric stand-in when only a stderr is known."""
        kept = self._cache.get(("normal", stream))
        if kept is not None:
            return kept
        rng = np.random.default_rng(_stream_seed(self.seed, "normal", stream))
        return rng.standard_normal(self.resamples)

    def prefetch_normals(self, group: str, streams: Sequence[str], size: int) -> None:
        """Keep (size,) standard normal draws for each of many streams, drawn at once (one
        generator per `group`): thousands of stderr-only cells cost one draw, not thousands."""
        todo = [s for s in dict.fromkeys(streams) if len(self._cache.get(("normal", s), ())) < size]
        if not todo:
            return
        rng = np.random.default_rng(_stream_seed(self.seed, "normals", group, size))
        for s, row in zip(todo, rng.standard_normal((len(todo), size))):
            self._cache[("normal", s)] = row

    # Reading a (resamples x items) matrix costs the same for one run as for a hundred: products are
    # memory-bound, so the resampled means of many runs are made in one product and kept here.
    def prefetch(self, kind: str, jobs: Sequence[tuple[object, str, np.ndarray]], budget: int = 25_000_000) -> None:
        """Compute and keep the bootstrap means (kind "boot") or sign-flip means ("flip") of many
        vectors: `jobs` are (key, stream, vector); one matrix product per (stream, length)."""
        groups: dict[tuple[str, int], list[tuple[object, np.ndarray]]] = {}
        for key, stream, vec in jobs:
            if (kind, key) not in self._cache:
                groups.setdefault((stream, vec.shape[-1]), []).append((key, vec))
        step = max(1, budget // self.resamples)
        for (stream, n), items in groups.items():
            mat = self.counts(stream, n) if kind == "boot" else self.signs(stream, n)
            for i in range(0, len(items), step):
                chunk = items[i : i + step]
                out = (np.stack([v for _, v in chunk]).astype(DTYPE) @ mat.T).astype(np.float64) / n
                for (key, _), row in zip(chunk, out):
                    self._cache[(kind, key)] = row

    def cached(self, kind: str, key: object) -> np.ndarray | None:
        return self._cache.get((kind, key))

    def forget(self) -> None:
        self._cache.clear()

    def boot_means(self, stream: str, scores: np.ndarray) -> np.ndarray:
        """Bootstrap means of per-item scores: (n,) -> (resamples,); (runs, n) -> (runs, resamples)."""
        n = scores.shape[-1]
        return (scores.astype(DTYPE) @ self.counts(stream, n).T).astype(np.float64) / n

    def flip_means(self, stream: str, diffs: np.ndarray) -> np.ndarray:
        """Sign-flip permutation distribution of mean paired differences, same shapes as boot_means."""
        n = diffs.shape[-1]
        return (diffs.astype(DTYPE) @ self.signs(stream, n).T).astype(np.float64) / n


def hierarchical(boot: np.ndarray, picks: np.ndarray) -> np.ndarray:
    """Two-level bootstrap: (seeds, resamples) item-bootstrap means -> (resamples,) means over
    seeds drawn with replacement, so the spread counts seed-to-seed and item variance."""
    cols = np.arange(boot.shape[1])[:, None]
    return boot[picks, cols].mean(axis=1)


def percentile_interval(boot: np.ndarray, level: float = DEFAULT_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval along the last axis (linear interpolation between order statistics)."""
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(boot, [alpha, 1.0 - alpha], axis=-1)
    return lo, hi


def permutation_p(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Two-sided p-value of `observed` against its null distribution (last axis): (1 + #|null| >= |obs|) / (1 + B).

    The +1 counts the observed arrangement itself, so p is never 0 and the test keeps its level.
    """
    obs = np.abs(np.asarray(observed, dtype=float))[..., None]
    # A relative tolerance keeps a null value equal to the observed one (up to rounding) counted.
    extreme = np.abs(null) >= obs - 1e-12 * np.maximum(obs, 1.0)
    return (1.0 + extreme.sum(axis=-1)) / (1.0 + null.shape[-1])


def bootstrap_p(boot_diff: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value that a difference is 0: twice the smaller tail beyond 0 (capped at 1)."""
    b = boot_diff.shape[-1]
    below = (boot_diff <= 0).sum(axis=-1)
    above = (boot_diff >= 0).sum(axis=-1)
    return np.minimum(1.0, 2.0 * (1.0 + np.minimum(below, above)) / (1.0 + b))


def normal_p(z: np.ndarray | float) -> np.ndarray | float:
    """Two-sided p-value of a standard normal statistic."""
    from scipy.special import ndtr

    if type(z) is float:  # one test of a stderr-only cell: the same ndtr, without array overhead
        return 2.0 * float(ndtr(-abs(z)))
    return 2.0 * ndtr(-np.abs(np.asarray(z, dtype=float)))


def adjust(p_values: Sequence[float], method: str = "holm") -> list[float]:
    """Adjusted p-values: Holm's step-down (family-wise error) or Benjamini-Hochberg (false discovery rate)."""
    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r} (known: {', '.join(CORRECTIONS)})")
    p = np.asarray(p_values, dtype=float)
    m = p.size
    if m == 0 or method == "none":
        return [float(v) for v in p]
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "holm":
        adj = np.maximum.accumulate((m - np.arange(m)) * ranked)
    else:
        adj = np.minimum.accumulate((m / np.arange(m, 0, -1) * ranked[::-1]))[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return [float(v) for v in out]


def rank_rows(x: np.ndarray) -> np.ndarray:
    """1-based ranks along the last axis of a 2-D array, ties sharing the mean of the ranks they span."""
    n = x.shape[-1]
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    pos = np.broadcast_to(np.arange(1, n + 1, dtype=float), xs.shape)
    starts = np.ones(xs.shape, dtype=bool)
    starts[:, 1:] = xs[:, 1:] != xs[:, :-1]
    ends = np.ones(xs.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, pos, 0.0), axis=-1)  # where each tie run starts
    last = np.minimum.accumulate(np.where(ends, pos, n + 1.0)[:, ::-1], axis=-1)[:, ::-1]  # and ends
    ranks = np.empty(xs.shape)
    np.put_along_axis(ranks, order, (first + last) / 2.0, axis=-1)
    return ranks


def spearman_boot(seen: np.ndarray, unseen: np.ndarray) -> np.ndarray:
    """Spearman's rho between (runs, resamples) arrays, per resample -> (resamples,); NaN where undefined."""
    rx = rank_rows(seen.T)
    ry = rank_rows(unseen.T)
    rx = rx - rx.mean(axis=1, keepdims=True)
    ry = ry - ry.mean(axis=1, keepdims=True)
    den = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rx * ry).sum(axis=1) / np.where(den > 0, den, 1.0), np.nan)


def plateau_boot(ks: Sequence[int], curve: np.ndarray, baseline: np.ndarray, threshold: float) -> np.ndarray:
    """Plateau point per resample: `curve` (points sorted by k, resamples), `baseline` (resamples,).

    The smallest k whose gain reaches `threshold` x the largest gain; NaN where no gain is positive.
    """
    gains = curve - baseline[None, :]
    best = gains.max(axis=0)
    reach = gains >= threshold * best[None, :] - 1e-12 * np.abs(best)[None, :]
    first = np.argmax(reach, axis=0)
    k = np.asarray(ks, dtype=float)[first]
    return np.where(best > 0, k, np.nan)


class Interval(NamedTuple):
    """A point estimate with its interval; `method` says how the interval was made. (A tuple: a
    sweep's table holds one per cell and aggregate, made in the tens of thousands.)"""

    value: float
    low: float
    high: float
    method: str

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2.0
