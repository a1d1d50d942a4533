"""The resampling kernels and per-item reading, on small hand-worked inputs (exact values)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.analysis.bootstrap import (
    Resampler,
    adjust,
    bootstrap_p,
    hierarchical,
    percentile_interval,
    permutation_p,
    plateau_boot,
    resample_counts,
    spearman_boot,
)
from clt_plugin.analysis.items import parse_samples
from clt_plugin.analysis.stats import plateau, spearman
from clt_plugin.analysis.uncertainty import aggregate_se, normal_interval
from clt_plugin.errors import CLTError


def test_holm_and_benjamini_hochberg_by_hand():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; running max.
    assert adjust(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # BH: times 4/1, 4/2, 4/3, 4/4 = 0.02, 0.02, 0.04, 0.04; running min from the largest.
    assert adjust(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert adjust(p, "none") == p
    assert adjust([0.6, 0.9], "holm") == [1.0, 1.0]  # capped at 1
    assert adjust([], "bh") == []
    with pytest.raises(ValueError, match="unknown correction 'bonf'"):
        adjust(p, "bonf")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_corrections_are_monotone_and_ordered(p):
    holm, bh = adjust(p, "holm"), adjust(p, "bh")
    for raw, h, b in zip(p, holm, bh):
        assert raw <= b + 1e-12 <= h + 2e-12 <= 1 + 2e-12  # BH never stricter than Holm
    order = np.argsort(p, kind="stable")
    assert all(np.diff(np.asarray(holm)[order]) >= -1e-12)


def test_p_values_by_hand():
    # |null| >= 0.5: -0.5 and 0.6 -> (1 + 2) / (1 + 4).
    assert permutation_p(0.5, np.array([0.1, -0.5, 0.6, 0.2])) == pytest.approx(0.6)
    assert permutation_p(-0.5, np.array([0.1, -0.5, 0.6, 0.2])) == pytest.approx(0.6)
    # One resample at or below 0, three at or above: 2 * (1 + 1) / (1 + 4).
    assert bootstrap_p(np.array([-1.0, 1.0, 2.0, 3.0])) == pytest.approx(0.8)
    assert bootstrap_p(np.array([0.0, 0.0])) == 1.0


def test_percentile_interval_by_hand():
    lo, hi = percentile_interval(np.arange(101, dtype=float), 0.9)
    assert (lo, hi) == (pytest.approx(5.0), pytest.approx(95.0))
    iv = normal_interval(0.5, 0.1, 0.95)
    assert (iv.low, iv.high) == (pytest.approx(0.5 - 0.1959964), pytest.approx(0.5 + 0.1959964))


def test_resampled_means_are_those_of_the_drawn_items():
    x = np.array([0.0, 1.0, 1.0, 0.5, 0.25])
    counts = resample_counts(5, 50, np.random.default_rng(7))
    assert counts.shape == (50, 5) and (counts.sum(axis=1) == 5).all()
    idx = np.random.default_rng(7).integers(0, 5, size=(50, 5))  # the same draws, as indices
    loop = [math.fsum(x[i] for i in row) / 5 for row in idx]
    assert counts @ x / 5 == pytest.approx(loop, abs=1e-6)  # single-precision products
    r = Resampler(200, seed=3)
    assert r.boot_means("es", x) == pytest.approx(Resampler(200, seed=3).boot_means("es", x), abs=0)
    assert not np.array_equal(r.boot_means("es", x), r.boot_means("fr", x))  # languages resampled apart
    assert r.counts("es", 5) is r.counts("es", 5)  # drawn once, reused by every run


def test_sign_flips_of_paired_differences():
    d = np.array([1.0, -1.0, 2.0])
    r = Resampler(100, seed=0)
    s = r.signs("es", 3)
    assert set(np.unique(s)) == {-1.0, 1.0}
    assert r.flip_means("es", d) == pytest.approx(s @ d / 3)


def test_two_level_bootstrap_by_hand():
    boot = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])  # 2 seeds x 3 resamples
    picks = np.array([[0, 0], [0, 1], [1, 1]])
    assert hierarchical(boot, picks).tolist() == [1.0, 11.0, 30.0]


def test_rho_and_plateau_per_resample_agree_with_the_plain_statistics():
    rng = np.random.default_rng(1)
    seen, unseen = rng.random((6, 40)), rng.random((6, 40))
    unseen[:, 3] = unseen[0, 3]  # a constant series: undefined
    seen[:, 5:9] = rng.integers(0, 3, size=(6, 4))  # ties within a resample share their mean rank
    rho = spearman_boot(seen, unseen)
    for b in range(40):
        want = spearman(seen[:, b].tolist(), unseen[:, b].tolist()).rho
        assert (math.isnan(rho[b]) and want is None) or rho[b] == pytest.approx(want)
    ks = [100, 200, 400]
    curve, base = rng.random((3, 40)), rng.random(40) * 0.5
    pk = plateau_boot(ks, curve, base, 0.95)
    for b in range(40):
        want = plateau(list(zip(ks, curve[:, b])), base[b], 0.95).k
        assert (math.isnan(pk[b]) and want is None) or pk[b] == want


def test_aggregate_standard_errors_by_hand():
    se = aggregate_se({"en": 0.1, "es": 0.3, "fr": 0.4, "ko": 0.2}, ["es", "fr"])
    assert se["english"] == 0.1
    assert se["seen"] == pytest.approx(0.25)  # sqrt(0.09 + 0.16) / 2
    assert se["unseen"] == pytest.approx(0.2)
    assert se["gap"] == pytest.approx(math.hypot(0.25, 0.2))
    assert se["all"] == pytest.approx(math.sqrt(0.01 + 0.09 + 0.16 + 0.04) / 4)
    assert aggregate_se({"en": 0.1, "es": None}, ["es"])["seen"] is None


def _line(doc_id, value, flt="none", metric="acc", h="h"):
    return json.dumps({"doc_id": doc_id, "filter": flt, "doc_hash": f"{h}{doc_id}", metric: value})


def test_samples_by_doc_id_and_filter():
    lines = [_line(2, True), _line(0, 0.5), _line(1, False), _line(0, 1.0, "strict"), "", _line(1, 9, metric="f1")]
    items = parse_samples(lines, "acc")
    assert items.doc_ids.tolist() == [0, 1, 2] and items.values.tolist() == [0.5, 0.0, 1.0]
    assert items.hashes == ("h0", "h1", "h2") and items.mean() == 0.5
    assert parse_samples(lines, "acc,strict").values.tolist() == [1.0]
    assert parse_samples(lines, "rougeL") is None
    assert parse_samples([_line(0, [1, 2])], "acc") is None  # a corpus-level metric: no per-item score
    other = parse_samples([_line(i, 1.0, h="x") for i in range(3)], "acc")
    assert not items.same_items(other)  # same ids, other documents
    assert items.same_items(parse_samples([_line(i, 0.0) for i in range(3)], "acc"))


@pytest.mark.parametrize(
    "lines, message",
    [
        (["{not json"], "s.jsonl: line 1: not JSON"),
        (["[1]"], "s.jsonl: line 1: expected an object, got list"),
        ([json.dumps({"doc_id": "3", "acc": 1})], "line 1: doc_id: expected an integer, got '3'"),
        ([_line(0, 1.0), _line(0, 0.0)], "line 2: doc_id 0 listed twice with different acc values"),
    ],
)
def test_bad_samples_are_named(lines, message):
    with pytest.raises(CLTError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        parse_samples(lines, "acc", "s.jsonl")
