"""Spearman's rho and its p-value against scipy; plateau points on constructed curves."""

from __future__ import annotations

import math

import pytest
import scipy.stats
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from clt_plugin.analysis.stats import plateau, rankdata, spearman


def test_rankdata_ties_share_mean_rank():
    assert rankdata([10, 20, 20, 5]) == [2.0, 3.5, 3.5, 1.0]
    assert rankdata([]) == []


def test_spearman_known_values():
    c = spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    ref = scipy.stats.spearmanr([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])
    assert c.rho == pytest.approx(0.8207826816681233, abs=1e-12)
    assert c.rho == pytest.approx(ref.statistic, abs=1e-12)
    assert c.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert c.n == 5


def test_spearman_degenerate_cases():
    assert spearman([1, 2], [3, 4]).rho is None
    assert "at least 3" in spearman([1, 2], [3, 4]).note
    const = spearman([1, 2, 3], [7, 7, 7])
    assert const.rho is None and "constant" in const.note
    perfect = spearman([1, 2, 3, 4], [10, 20, 30, 40])
    assert perfect.rho == 1.0 and perfect.p_value == 0.0
    with pytest.raises(ValueError):
        spearman([1, 2, 3], [1, 2])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 8), st.floats(-5, 5, allow_nan=False)), min_size=3, max_size=30))
def test_spearman_matches_scipy(pairs):
    x = [float(a) for a, _ in pairs]
    y = [b for _, b in pairs]
    assume(len(set(x)) > 1 and len(set(y)) > 1)
    ours = spearman(x, y)
    ref = scipy.stats.spearmanr(x, y)
    assert ours.rho == pytest.approx(ref.statistic, abs=1e-9)
    if abs(ours.rho) < 1:
        assert ours.p_value == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)
    else:
        assert ours.p_value == 0.0


def test_plateau_on_constructed_curves():
    # Gains 0, 10, 19, 20, 20.5 over baseline 50: 95% of 20.5 is 19.475 -> first reached at k = 800.
    curve = [(0, 50.0), (100, 60.0), (200, 69.0), (800, 70.0), (2000, 70.5)]
    p = plateau(curve, baseline=50.0)
    assert p.k == 800 and p.max_gain == pytest.approx(20.5) and p.gain_at_k == pytest.approx(20.0)
    # A looser threshold plateaus earlier.
    assert plateau(curve, 50.0, threshold=0.9).k == 200
    assert plateau(curve, 50.0, threshold=0.5).k == 200
    assert plateau(curve, 50.0, threshold=0.45).k == 100
    # Exactly 95% of the best counts as reaching it.
    assert plateau([(100, 9.5), (200, 10.0)], baseline=0.0).k == 100
    # A rise then a fall: the peak sets the bar.
    assert plateau([(100, 1.0), (400, 3.0), (800, 2.0)], 0.0).k == 400
    # Repeated k are averaged.
    assert plateau([(100, 1.0), (100, 3.0), (200, 2.1)], 0.0).k == 100


def test_plateau_without_gain():
    p = plateau([(100, 0.4), (200, 0.3)], baseline=0.5)
    assert p.k is None and p.note == "no gain over the baseline"
    assert plateau([], 0.0).note == "no points"
    with pytest.raises(ValueError):
        plateau([(1, 1.0)], 0.0, threshold=0)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(1, 10_000), st.floats(-1, 1, allow_nan=False), min_size=1), st.floats(0.05, 1.0))
def test_plateau_properties(curve, threshold):
    p = plateau(sorted(curve.items()), 0.0, threshold)
    best = max(curve.values())
    if best <= 0:
        assert p.k is None
        return
    assert p.gain_at_k >= threshold * best - 1e-9
    assert all(curve[k] < threshold * best - 1e-12 * best for k in curve if k < p.k)
    assert not math.isnan(p.max_gain)
