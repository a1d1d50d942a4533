"""Intervals and paired tests on generated results with a known effect and known noise:
coverage at the nominal rate, the planted effects found and the null ones not (at the stated
error rate); then the same machinery end to end through lm-eval's files (samples paired by
doc_id, fallbacks, seeds, groups)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from synthetic_samples import write_item_run, write_samples

from clt_plugin.analysis.bootstrap import Resampler
from clt_plugin.analysis.items import ItemScores
from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.render import render, statistics_lines, table_rows
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.uncertainty import (
    TEST_BOOTSTRAP,
    TEST_NORMAL,
    TEST_PERMUTATION,
    Cell,
    Distributions,
    StatOptions,
    correct,
    row_statistics,
)
from clt_plugin.analysis.views import get_view
from clt_plugin.errors import CLTError

LANGS = ["en", "es", "fr", "ja", "ar", "ko"]
SEEN = ["es", "fr", "ja"]
REPS = 300
OPTS = StatOptions(resamples=1000)


def binomial_band(p: float, n: int, sigmas: float = 3.5) -> tuple[float, float]:
    sd = math.sqrt(p * (1 - p) / n)
    return p - sigmas * sd, p + sigmas * sd


def items(values: np.ndarray) -> ItemScores:
    return ItemScores(np.arange(values.size), values.astype(float), ("",) * values.size)


def row(values: dict[str, np.ndarray]) -> dict[str, Cell]:
    return {l: Cell(float(v.mean()), None, [items(v)], l) for l, v in values.items()}


# One set of draws for every replication: each replication's items are fresh and independent of
# the draws, so reusing them biases nothing, and the test pays for the draws once.
_SHARED = Resampler(OPTS.resamples, 0)


def stats_of(cells, base, view="absolute"):
    r = _SHARED
    point = {l: c.value - (base[l].value if view == "delta" else 0.0) for l, c in cells.items()}
    from clt_plugin.analysis.results import aggregate

    aggs = dict(zip(("english", "seen", "unseen", "gap", "all"), aggregate(point, SEEN)))
    return row_statistics(
        cells,
        get_view(view),
        point,
        aggs,
        SEEN,
        base,
        Distributions(r, "run"),
        Distributions(r, "base") if base else None,
        OPTS,
    )


def test_intervals_cover_the_truth_at_their_nominal_rate():
    """Bernoulli items of known accuracy per language: every cell's and every aggregate's 95%
    interval covers the true value in about 95% of 300 generated evaluations."""
    truth = dict(zip(LANGS, [0.7, 0.5, 0.45, 0.3, 0.2, 0.25]))
    n = 150
    true_agg = {"seen": np.mean([truth[l] for l in SEEN]), "unseen": np.mean([truth["ar"], truth["ko"]])}
    true_agg["gap"] = true_agg["seen"] - true_agg["unseen"]
    hits = {k: 0 for k in [*LANGS, "seen", "unseen", "gap"]}
    for rep in range(REPS):
        rng = np.random.default_rng(1000 + rep)
        cells = row({l: (rng.random(n) < p).astype(float) for l, p in truth.items()})
        st = stats_of(cells, None)
        for l in LANGS:
            hits[l] += st.cells[l].low <= truth[l] <= st.cells[l].high
        for a in ("seen", "unseen", "gap"):
            hits[a] += st.aggregates[a].low <= true_agg[a] <= st.aggregates[a].high
    lo, hi = binomial_band(0.95, REPS)
    # The percentile bootstrap of a mean runs a little short at n = 150 (about 94%): the band allows it.
    pooled = sum(hits.values()) / (REPS * len(hits))
    assert lo <= pooled <= hi, hits
    for key, h in hits.items():
        assert lo - 0.02 <= h / REPS <= hi, (key, h)


def test_paired_test_finds_planted_effects_and_keeps_its_error_rate():
    """es and fr gain about 0.15 (items flipped from wrong to right); every other language is
    re-evaluated with no change in expectation. Raw p-values of the null cells reject at about
    alpha; after Holm no null cell is significant in more than alpha of the evaluations (the
    family-wise rate, up to binomial noise); the planted ones are found nearly always."""
    n, alpha = 200, 0.05
    null_langs = ["en", "ja", "ar", "ko"]
    raw_rejections = family_errors = found = 0
    for rep in range(REPS):
        rng = np.random.default_rng(5000 + rep)
        base = {l: (rng.random(n) < 0.4).astype(float) for l in LANGS}
        new = {}
        for l in LANGS:
            if l in ("es", "fr"):
                new[l] = np.maximum(base[l], (rng.random(n) < 0.25).astype(float))
            else:
                # Each item keeps its score or is drawn again: exchangeable pairs, no effect.
                redraw = rng.random(n) < 0.5
                new[l] = np.where(redraw, (rng.random(n) < 0.4).astype(float), base[l])
        st = stats_of(row(new), row(base), view="delta")
        tests = {k: t for k, t in st.tests.items() if not k.startswith("avg:")}
        assert {t.method for t in tests.values()} == {TEST_PERMUTATION}
        corrected = dict(zip(tests, correct(list(tests.values()), "holm", alpha)))
        raw_rejections += sum(tests[l].p_value < alpha for l in null_langs)
        family_errors += any(corrected[l].significant for l in null_langs)
        found += corrected["es"].significant and corrected["fr"].significant
    lo, hi = binomial_band(alpha, REPS * len(null_langs))
    assert (
        0.02 <= raw_rejections / (REPS * len(null_langs)) <= hi
    )  # a sign-flip test on 0/1 items is a bit conservative
    assert family_errors / REPS <= binomial_band(alpha, REPS)[1]
    assert found / REPS >= 0.95


def test_seed_variance_widens_the_interval():
    rng = np.random.default_rng(2)
    its = [(rng.random(200) < 0.5).astype(float) for _ in range(3)]
    shifted = [np.clip(x + d, 0, 1) for x, d in zip(its, (-0.2, 0.0, 0.2))]  # seeds disagree
    r = Resampler(2000, 0)
    dist = Distributions(r, "row")
    one = dist.cell(Cell(0.5, None, [items(its[0])], "es"), "k")
    calm = dist.cell(Cell(0.5, None, [items(x) for x in its], "es"), "k")
    noisy = dist.cell(Cell(0.5, None, [items(x) for x in shifted], "es"), "k")
    width = lambda b: np.quantile(b, 0.975) - np.quantile(b, 0.025)  # noqa: E731
    assert width(noisy) > 1.4 * width(calm)
    assert width(calm) < width(one)  # three seeds of the same noise: more information than one


# --------------------------------------------------------------------------- through the files


def grid_with_items(root, effect=0.3, n=120, seed=0, **kw):
    rng = np.random.default_rng(seed)
    base = {l: (rng.random(n) < 0.3).astype(float).tolist() for l in ("en", "es", "ko")}
    write_item_run(root, "base", {"math": {"en": 100, "es": 0}}, base, seen=["es"], **kw)
    for k, gain in ((100, effect / 2), (400, effect)):
        new = dict(base, es=np.maximum(base["es"], rng.random(n) < gain).astype(float).tolist())
        write_item_run(root, f"k{k}", {"math": {"en": 100, "es": k}}, new, seen=["es"], **kw)
    return load_runs([root / "evals"])


def test_samples_give_paired_intervals_and_tests(tmp_path):
    runs = grid_with_items(tmp_path)
    m = build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)
    k400 = next(r for r in m.rows if r.run == "k400")
    assert k400.methods == ("bootstrap over items",)
    assert k400.tests["es"].method == TEST_PERMUTATION and k400.tests["es"].significant
    # Unchanged items: the paired difference is 0 in every resample, and never significant.
    assert (k400.ci["en"].low, k400.ci["en"].high) == (0.0, 0.0)
    assert k400.tests["en"].p_value == 1.0 and not k400.tests["ko"].significant
    assert m.n_tests == 2 * 8  # 3 languages and 5 aggregates per trained run
    assert not any("no per-item scores" in n for n in m.notes)
    text = render([m], runs, "github")
    assert "Holm-corrected" in text and "*" in next(l for l in text.splitlines() if l.startswith("| k400"))


def test_absolute_tables_mark_the_scores_whose_delta_is_significant(tmp_path):
    runs = grid_with_items(tmp_path)
    m = build_matrix(runs, "mgsm", "acc", view="absolute", stats=OPTS)
    k400 = next(r for r in m.rows if r.run == "k400")
    assert k400.tests["es"].significant and not k400.tests["ko"].significant
    _, rows = table_rows(m)
    cells = dict(zip(table_rows(m)[0], next(r for r in rows if r[0] == "k400")))
    assert cells["es"].endswith("*") and not cells["ko"].endswith("*")
    assert "* marks a score significantly different from the baseline" in "\n".join(statistics_lines(m))


def test_items_are_paired_by_doc_id_not_by_line(tmp_path):
    runs_dir = grid_with_items(tmp_path)[0].source.parent
    # The same items of k400's es, written in another order: the same numbers.
    path = next((runs_dir / "k400").glob("samples_clt_mgsm_es_*.jsonl"))
    first = build_matrix(load_runs([runs_dir]), "mgsm", "acc", view="delta", stats=OPTS)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(reversed(lines)) + "\n")
    again = build_matrix(load_runs([runs_dir]), "mgsm", "acc", view="delta", stats=OPTS)
    a, b = (next(r for r in x.rows if r.run == "k400") for x in (first, again))
    assert a.ci == b.ci and a.tests == b.tests


def test_other_items_are_not_paired(tmp_path):
    runs_dir = grid_with_items(tmp_path)[0].source.parent
    values = [1.0] * 60 + [0.0] * 60
    write_samples(runs_dir / "k400", "clt_mgsm_ko", values, hashes=[f"other{i}" for i in range(120)])
    import json

    res = next((runs_dir / "k400").glob("results_*.json"))
    doc = json.loads(res.read_text())
    doc["results"]["clt_mgsm_ko"]["acc,none"] = 0.5
    res.write_text(json.dumps(doc))
    m = build_matrix(load_runs([runs_dir]), "mgsm", "acc", view="delta", stats=OPTS)
    k400 = next(r for r in m.rows if r.run == "k400")
    assert k400.tests["ko"].method == TEST_BOOTSTRAP  # resampled apart, no sign flips


def test_without_samples_stderr_and_a_note(tmp_path):
    runs = grid_with_items(tmp_path, samples=False)
    m = build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)
    k400 = next(r for r in m.rows if r.run == "k400")
    assert k400.tests["es"].method == TEST_NORMAL
    assert k400.ci["es"].half_width == pytest.approx(1.959964 * 0.05 * math.sqrt(2), rel=1e-6)
    assert any(
        n.startswith(
            "no per-item scores (lm-eval --log_samples) for base, k100, k400: their intervals use lm-eval's stderr"
        )
        for n in m.notes
    )


def test_a_metric_that_is_not_an_item_mean_falls_back(tmp_path):
    runs_dir = grid_with_items(tmp_path)[0].source.parent
    import json

    res = next((runs_dir / "k100").glob("results_*.json"))
    doc = json.loads(res.read_text())
    doc["results"]["clt_mgsm_es"]["acc,none"] += 0.01  # the reported score is not the items' mean
    res.write_text(json.dumps(doc))
    m = build_matrix(load_runs([runs_dir]), "mgsm", "acc", stats=OPTS)
    k100 = next(r for r in m.rows if r.run == "k100")
    assert k100.ci["es"].method == "normal approximation from lm-eval stderr"
    assert k100.ci["en"].method == "bootstrap over items"
    assert any("for k100" in n for n in m.notes)


def test_seeds_make_one_row_with_mean_spread_and_wider_interval(tmp_path):
    rng = np.random.default_rng(4)
    base = {l: (rng.random(100) < 0.3).astype(float).tolist() for l in ("en", "es")}
    write_item_run(tmp_path, "base", {"math": {"en": 100, "es": 0}}, base, seen=["es"])
    means = []
    for s in (1, 2, 3):
        new = dict(base, es=np.maximum(base["es"], rng.random(100) < 0.1 * s).astype(float).tolist())
        means.append(np.mean(new["es"]))
        write_item_run(
            tmp_path, f"k100-seed{s}", {"math": {"en": 100, "es": 100}}, new, seen=["es"], seed=s, training_seed=s
        )
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc", stats=OPTS)
    assert [r.run for r in m.rows] == ["base", "k100"]
    row = m.rows[1]
    assert row.runs == ("k100-seed1", "k100-seed2", "k100-seed3") and row.seeds == ("1/1", "2/2", "3/3")
    assert row.cells["es"] == pytest.approx(np.mean(means))
    assert row.spread["es"] == pytest.approx(np.std(means, ddof=1))
    assert row.ci["es"].method == "bootstrap over seeds and items"
    assert "k100: 3 seeds pooled (k100-seed1, k100-seed2, k100-seed3)" in m.notes
    d = build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)
    assert d.rows[1].tests["es"].method == TEST_BOOTSTRAP


def test_groups_of_base_models_are_never_pooled_silently(tmp_path):
    for model in ("org/llama", "org/qwen"):
        rng = np.random.default_rng(len(model))
        for k in (100, 200, 400):
            vals = {l: (rng.random(60) < 0.2 + k / 2000).astype(float).tolist() for l in ("en", "es", "ko")}
            write_item_run(
                tmp_path, f"{model[4:]}-{k}", {"math": {"en": 100, "es": k}}, vals, seen=["es"], base_model=model
            )
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc", stats=OPTS)
    assert [g.label for g in m.groups] == ["llama · seen es", "qwen · seen es"]
    assert [g.runs for g in m.groups] == [("llama-100", "llama-200", "llama-400"), ("qwen-100", "qwen-200", "qwen-400")]
    assert m.spearman is None and m.pooled is None
    assert any("pooled ones are refused (pass --pool" in n for n in m.notes)
    for g in m.groups:
        assert g.spearman.n == 3 and g.rho_ci is not None and g.rho_ci.low <= g.spearman.rho <= g.rho_ci.high
    pooled = build_matrix(runs, "mgsm", "acc", stats=OPTS, pool=True)
    assert pooled.pooled.label.startswith("POOLED across 2 groups") and pooled.pooled.spearman.n == 6
    assert "POOLED across 2 groups" in render([pooled], runs, "github")


def test_bad_statistics_options_are_named(tmp_path):
    runs = grid_with_items(tmp_path, n=10)
    for opts, message in [
        (StatOptions(resamples=5), "--resamples: expected at least 100, got 5"),
        (StatOptions(level=1.5), "--level: expected a confidence level in [0.5, 1), got 1.5"),
        (StatOptions(correction="x"), "--correction: expected one of holm, bh, none, got 'x'"),
    ]:
        with pytest.raises(CLTError, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
            build_matrix(runs, "mgsm", "acc", stats=opts)


def test_same_seed_same_numbers(tmp_path):
    runs = grid_with_items(tmp_path)
    a = render([build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)], runs, "json")
    b = render([build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)], runs, "json")
    c = render(
        [build_matrix(runs, "mgsm", "acc", view="delta", stats=StatOptions(resamples=1000, seed=1))], runs, "json"
    )
    assert a == b != c


def test_each_base_model_is_compared_with_its_own_baseline(tmp_path):
    n = 50
    for model, level in (("org/llama", 0.2), ("org/qwen", 0.6)):
        flat = {l: [1.0] * int(level * n) + [0.0] * (n - int(level * n)) for l in ("en", "es")}
        write_item_run(
            tmp_path, f"{model[4:]}-base", {"math": {"en": 100, "es": 0}}, flat, seen=["es"], base_model=model
        )
        write_item_run(
            tmp_path, f"{model[4:]}-100", {"math": {"en": 100, "es": 100}}, flat, seen=["es"], base_model=model
        )
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc", view="delta", stats=OPTS)
    assert m.baseline == "llama-base, qwen-base"
    # Same items as their own model's baseline: every delta is exactly 0 (against the other model's, +-0.4).
    for r in m.rows:
        assert r.cells == {"en": 0.0, "es": 0.0}
    assert [g.label for g in m.groups] == ["llama · seen es", "qwen · seen es"]
    assert [g.curves["seen"][0][:2] for g in m.groups] == [(0, 0.2), (0, 0.6)]  # each anchored on its own baseline


def test_any_two_runs_compared(tmp_path, capsys):
    from clt_plugin.analysis.matrix import compare_runs
    from clt_plugin.cli import main

    runs = grid_with_items(tmp_path)
    m = compare_runs(runs, "mgsm", "k100", "k400", "acc", stats=OPTS)
    assert [r.run for r in m.rows] == ["k100", "k400"] and m.baseline == "k100" and m.n_tests == 8
    k400, k100 = m.rows[1], m.rows[0]
    assert k400.cells["es"] == pytest.approx(k400.absolute["es"] - k100.absolute["es"])
    assert k400.tests["es"].method == TEST_PERMUTATION and k400.cells["en"] == 0.0
    assert main(["matrix", str(tmp_path / "evals"), "--compare", "k100", "k400", "--resamples", "1000"]) == 0
    out = capsys.readouterr().out
    assert "gain over k100" in out and "(8 tests in this comparison)" in out
    assert main(["matrix", str(tmp_path / "evals"), "--compare", "k100", "nope"]) == 2
    assert "--compare k100 nope: no run 'nope'" in capsys.readouterr().err
