"""Transfer matrices over runs written with known values: views, aggregates, bad input."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_results import write_manifest, write_results

from clt_plugin.analysis.matrix import build_matrices, build_matrix
from clt_plugin.analysis.render import SCHEMA, document, render
from clt_plugin.analysis.results import load_runs
from clt_plugin.errors import CLTError

SEEN = ["es", "fr", "ja", "zh"]
LANGS = ["en", *SEEN, "ar", "ko", "pt"]


def make_run(root, name, counts, scores, *, seen=None, task="mgsm", metric="acc", fidelity=None, **kw):
    """A trained-model dir with its manifest, and an lm-eval results dir pointing at it."""
    model = root / "models" / name
    write_manifest(model / "clt_manifest.json", counts, seen=seen)
    per_task = {}
    for lang, value in scores.items():
        metrics = {metric: value}
        if fidelity is not None:
            metrics["lpr"] = fidelity[lang]
        per_task[f"clt_{task}_{lang}"] = metrics
    return write_results(root / "evals" / name, per_task, model_args=f"pretrained={model},dtype=float32", **kw)


def paper_grid(root, ks=(0, 100, 1000), drop=None):
    """Runs like the paper's: 10k English plus k per seen language; unseen gain half as much."""
    for k in ks:
        scores = {}
        for i, lang in enumerate(LANGS):
            gain = 0.0 if lang == "en" else (0.1 if lang in SEEN else 0.05) * (k / 1000)
            scores[lang] = round(0.25 + 0.01 * i + gain, 6)
        if drop and k in drop:
            del scores[drop[k]]
        make_run(
            root,
            f"k{k}",
            {"math": {"en": 10000, **{l: k for l in SEEN}}},
            scores,
            seen=SEEN,
            fidelity={l: 1.0 if l != "ko" else 0.5 for l in LANGS},
        )
    return load_runs([root / "evals"])


def test_absolute_rows_and_aggregates(tmp_path):
    runs = paper_grid(tmp_path)
    m = build_matrix(runs, "mgsm", "acc")
    assert [r.run for r in m.rows] == ["k0", "k100", "k1000"]
    assert m.baseline == "k0" and m.languages == LANGS
    k1000 = m.rows[2]
    assert k1000.cells["es"] == pytest.approx(0.36) and k1000.cells["ar"] == pytest.approx(0.35 - 0.05 + 0.05)
    assert k1000.agg.english == pytest.approx(0.25)
    assert k1000.agg.seen == pytest.approx((0.36 + 0.37 + 0.38 + 0.39) / 4)
    assert k1000.agg.unseen == pytest.approx((0.35 + 0.36 + 0.37) / 3)
    assert k1000.agg.gap == pytest.approx(k1000.agg.seen - k1000.agg.unseen)
    assert k1000.fidelity == pytest.approx(7.5 / 8)
    assert k1000.trained == tuple(SEEN) and k1000.k == 1000


def test_delta_and_rel_en(tmp_path):
    runs = paper_grid(tmp_path)
    d = build_matrix(runs, "mgsm", "acc", view="delta")
    assert d.rows[0].is_baseline and all(v == 0 for v in d.rows[0].cells.values())
    assert d.rows[2].cells["es"] == pytest.approx(0.1) and d.rows[2].cells["ko"] == pytest.approx(0.05)
    assert d.rows[2].agg.seen == pytest.approx(0.1) and d.rows[2].agg.unseen == pytest.approx(0.05)
    r = build_matrix(runs, "mgsm", "acc", view="rel-en")
    assert r.rows[2].cells["en"] == 100.0
    assert r.rows[2].cells["es"] == pytest.approx(100 * 0.36 / 0.25)


def test_missing_language_is_dash_not_zero(tmp_path):
    runs = paper_grid(tmp_path, drop={100: "ko"})
    m = build_matrix(runs, "mgsm", "acc")
    row = next(r for r in m.rows if r.run == "k100")
    assert row.cells["ko"] is None
    assert row.agg.unseen == pytest.approx((0.305 + 0.325) / 2)
    assert row.agg.missing == ("ko",)
    assert any("k100: no acc score for ko" in n for n in m.notes)
    text = render([m], runs, "github")
    line = next(l for l in text.splitlines() if l.startswith("| k100"))
    assert "| –" in line.replace("  ", " ") or " – |" in line
    assert json.loads(render([m], runs, "json"))["matrices"][0]["rows"][1]["values"]["ko"] is None
    csv_line = next(l for l in render([m], runs, "csv").splitlines() if ",k100," in l)
    assert ",0.305,,0.325," in csv_line  # ar, then an empty ko


GOLDEN_DELTA = """\
### clt_mgsm · acc · delta (gain over k0)

| Run           |    k | trained     |        EN |          es |          fr |          ja |          zh |         ar |         ko |         pt |    Seen avg |   Unseen avg |        Gap |    All avg |   Fidelity |
|---------------|------|-------------|-----------|-------------|-------------|-------------|-------------|------------|------------|------------|-------------|--------------|------------|------------|------------|
| k0 (baseline) |    0 | –           |      +0.0 |        +0.0 |        +0.0 |        +0.0 |        +0.0 |       +0.0 |       +0.0 |       +0.0 |        +0.0 |         +0.0 |       +0.0 |       +0.0 |       93.8 |
| k100          |  100 | es fr ja zh | +0.0 ±2.8 |   +1.0 ±2.8 |   +1.0 ±2.8 |   +1.0 ±2.8 |   +1.0 ±2.8 |  +0.5 ±2.8 |          – |  +0.5 ±2.8 |   +1.0 ±1.4 |    +0.5 ±2.0 |  +0.5 ±2.4 |  +0.7 ±1.0 |      100.0 |
| k1000         | 1000 | es fr ja zh | +0.0 ±2.8 | +10.0 ±2.8* | +10.0 ±2.8* | +10.0 ±2.8* | +10.0 ±2.8* | +5.0 ±2.8* | +5.0 ±2.8* | +5.0 ±2.8* | +10.0 ±1.4* |   +5.0 ±1.6* | +5.0 ±2.1* | +6.9 ±1.0* |       93.8 |

- ± is the half-width of 95% intervals, 10000 resamples, seed 0; deltas tested against the baseline, Holm-corrected, significant at 0.05 (25 tests in this table); \\* marks a delta significantly different from the baseline
- Spearman ρ (seen avg vs unseen avg) over grid points, seen es,fr,ja,zh: 1.0000, p = 0, n = 3, +0.50 to +1.00
- Plateau (smallest k reaching 95% of the largest gain), seen es,fr,ja,zh: english none (no gain over the baseline), seen 1000 \\[1000, 1000\\], unseen 1000 \\[1000, 1000\\]
- no per-item scores (lm-eval --log_samples) for k0, k100, k1000: their intervals use lm-eval's stderr (normal approximation) and their delta tests are unpaired
- run k100: no acc score for ko (shown as –, left out of its averages)
"""


def test_golden_github_delta(tmp_path):
    runs = paper_grid(tmp_path, drop={100: "ko"})
    m = build_matrices(runs, ["mgsm"], "acc", view="delta")
    assert render(m, runs, "github", percent=True) == GOLDEN_DELTA


def test_golden_latex_and_csv(tmp_path):
    runs = paper_grid(tmp_path, ks=(0, 1000))
    m = build_matrices(runs, ["clt_mgsm"], "acc")
    latex = render(m, runs, "latex")
    assert latex.startswith("% clt\\_mgsm") or latex.startswith("% clt_mgsm")
    assert "\\begin{tabular}" in latex and "k1000" in latex and "0.360 ±0.020" in latex
    csv_text = render(m, runs, "csv")
    assert csv_text.splitlines()[0] == (
        "task,metric,view,run,label,baseline,k,trained,en,es,fr,ja,zh,ar,ko,pt,"
        "avg_english,avg_seen,avg_unseen,avg_gap,avg_all,fidelity,en_low,en_high,es_low,es_high,"
        "fr_low,fr_high,ja_low,ja_high,zh_low,zh_high,ar_low,ar_high,ko_low,ko_high,pt_low,pt_high,"
        "avg_english_low,avg_english_high,avg_seen_low,avg_seen_high,avg_unseen_low,avg_unseen_high,"
        "avg_gap_low,avg_gap_high,avg_all_low,avg_all_high,en_p_adjusted,es_p_adjusted,fr_p_adjusted,"
        "ja_p_adjusted,zh_p_adjusted,ar_p_adjusted,ko_p_adjusted,pt_p_adjusted,avg_english_p_adjusted,"
        "avg_seen_p_adjusted,avg_unseen_p_adjusted,avg_gap_p_adjusted,avg_all_p_adjusted"
    )
    assert csv_text.splitlines()[2].startswith(
        "mgsm,acc,absolute,k1000,k1000,false,1000,es fr ja zh,0.25,0.36,0.37,0.38,0.39,0.35,0.36,0.37,"
        "0.25,0.375,0.36,0.015,0.35375,0.9375,"
    )
    # stderr 0.01 (results_dict's default) and no samples: 0.36 +- 1.959964 * 0.01.
    assert csv_text.splitlines()[2].split(",")[24:26] == ["0.3404003602", "0.3795996398"]


def test_json_schema_document(tmp_path):
    runs = paper_grid(tmp_path)
    doc = json.loads(render(build_matrices(runs, ["mgsm"], "acc", view="delta"), runs, "json"))
    assert doc["schema"] == SCHEMA == "clt-matrix/2"
    m = doc["matrices"][0]
    assert set(m) == {
        "task",
        "metric",
        "view",
        "baseline",
        "languages",
        "fidelity_metric",
        "rows",
        "statistics",
        "mixed",
        "notes",
        "checkpoints",
    }
    assert m["checkpoints"] == []  # no checkpoint evaluations among these runs
    row = m["rows"][2]
    assert set(row) == {
        "run",
        "runs",
        "seeds",
        "label",
        "baseline",
        "base_model",
        "flagged",
        "k",
        "trained",
        "seen",
        "values",
        "intervals",
        "aggregates",
        "aggregate_intervals",
        "tests",
        "interval_methods",
        "spread",
        "missing",
        "absolute",
        "absolute_aggregates",
        "fidelity",
        "fidelity_by_language",
        "n_scored",
        "n_items",
        "step",
        "checkpoint",
    }
    # Contract 1: item counts per language, null without per-item scores (these runs have none).
    assert row["n_scored"] == row["n_items"] == {l: None for l in LANGS}
    assert (row["step"], row["checkpoint"]) == ("final", False)
    assert row["tests"]["es"]["significant"] is True and row["tests"]["es"]["method"].startswith("z-test")
    assert row["intervals"]["es"] == [
        pytest.approx(0.1 - 1.959964 * 0.01 * 2**0.5),
        pytest.approx(0.1 + 1.959964 * 0.01 * 2**0.5),
    ]
    assert row["values"]["es"] == pytest.approx(0.1)
    assert row["absolute"]["es"] == pytest.approx(0.36)
    st_ = m["statistics"]
    assert st_["spearman_seen_unseen"]["rho"] == 1.0 and st_["spearman_seen_unseen"]["n"] == 3
    assert st_["plateaus"]["seen es,fr,ja,zh"]["seen"]["k"] == 1000
    assert st_["curves"]["seen es,fr,ja,zh"]["seen"][0] == [0, pytest.approx(0.275)]
    assert [r["name"] for r in doc["runs"]] == ["k0", "k100", "k1000"]
    assert doc["runs"][0]["english_only"] is True


def test_plateau_on_a_grid(tmp_path):
    # Seen gains 0, 4, 9.6, 10 at k = 0, 100, 400, 1000: 95% of 10 is first reached at 400... no, 9.6 >= 9.5.
    for k, g in [(0, 0.0), (100, 0.04), (400, 0.096), (1000, 0.1)]:
        make_run(
            tmp_path,
            f"k{k}",
            {"math": {"en": 100, **{l: k for l in SEEN}}},
            {l: 0.2 + (g if l in SEEN else g / 2) for l in LANGS},
            seen=SEEN,
        )
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc")
    assert m.plateaus["seen es,fr,ja,zh"]["seen"].k == 400
    assert m.plateaus["seen es,fr,ja,zh"]["unseen"].k == 400
    assert build_matrix(runs, "mgsm", "acc", plateau_threshold=0.99).plateaus["seen es,fr,ja,zh"]["seen"].k == 1000


def test_order_by_language_and_script_groups(tmp_path):
    make_run(
        tmp_path, "base", {"math": {"en": 100, "es": 0, "fr": 0, "ja": 0, "zh": 0}}, {l: 0.2 for l in LANGS}, seen=SEEN
    )
    make_run(tmp_path, "latin-200", {"math": {"en": 100, "es": 200, "fr": 200}}, {l: 0.3 for l in LANGS})
    make_run(tmp_path, "nonlatin-100", {"math": {"en": 100, "ja": 100, "zh": 100}}, {l: 0.25 for l in LANGS})
    make_run(tmp_path, "latin-100", {"math": {"en": 100, "es": 100, "fr": 100}}, {l: 0.26 for l in LANGS})
    runs = load_runs([tmp_path / "evals"])
    by_k = build_matrix(runs, "mgsm", "acc")
    assert [r.run for r in by_k.rows] == ["base", "latin-100", "nonlatin-100", "latin-200"]
    by_lang = build_matrix(runs, "mgsm", "acc", order="lang")
    assert [r.run for r in by_lang.rows] == ["base", "latin-100", "latin-200", "nonlatin-100"]
    assert set(by_k.curves) == {"seen es,fr", "seen ja,zh"}
    assert by_k.curves["seen es,fr"]["seen"] == [
        (0, pytest.approx(0.2)),
        (100, pytest.approx(0.26)),
        (200, pytest.approx(0.3)),
    ]
    assert by_k.rows[1].agg.seen == pytest.approx(0.26) and by_k.rows[1].seen == ("es", "fr")


def test_transfer_view(tmp_path):
    make_run(tmp_path, "base", {"math": {"en": 100, "es": 0, "ja": 0}}, {"en": 0.5, "es": 0.2, "ja": 0.1, "ko": 0.1})
    make_run(tmp_path, "only-es", {"math": {"en": 100, "es": 500}}, {"en": 0.5, "es": 0.4, "ja": 0.15, "ko": 0.1})
    make_run(tmp_path, "only-ja", {"math": {"en": 100, "ja": 500}}, {"en": 0.55, "es": 0.25, "ja": 0.3, "ko": 0.2})
    make_run(
        tmp_path, "both", {"math": {"en": 100, "es": 500, "ja": 500}}, {"en": 0.5, "es": 0.4, "ja": 0.3, "ko": 0.2}
    )
    runs = load_runs([tmp_path / "evals"])
    m = build_matrix(runs, "mgsm", "acc", view="transfer")
    assert [r.label for r in m.rows] == ["es", "ja"]
    assert m.rows[0].cells == pytest.approx({"en": 0.0, "es": 0.2, "ja": 0.05, "ko": 0.0})
    assert m.rows[1].cells == pytest.approx({"en": 0.05, "es": 0.05, "ja": 0.2, "ko": 0.1})
    assert m.rows[0].agg.seen == pytest.approx(0.2) and m.rows[0].agg.unseen == pytest.approx(0.025)
    assert any("both" in n for n in m.notes)
    assert "| Source" in render([m], runs, "github")


def test_multi_task_runs_broken_down_per_task(tmp_path):
    model = tmp_path / "models" / "mt"
    write_manifest(model / "clt_manifest.json", {"math": {"en": 5000, "es": 500}, "summ": {"en": 5000, "es": 500}})
    write_results(
        tmp_path / "evals" / "mt",
        {
            "clt_mgsm_en": {"acc": 0.5},
            "clt_mgsm_es": {"acc": 0.4},
            "clt_xlsum_en": {"rougeL": 0.3},
            "clt_xlsum_es": {"rougeL": 0.2},
        },
        model_args=f"pretrained={model}",
    )
    runs = load_runs([tmp_path / "evals"])
    ms = build_matrices(runs)
    assert [(m.task, m.metric) for m in ms] == [("mgsm", "acc"), ("xlsum", "rougeL")]
    assert ms[1].rows[0].cells == {"en": 0.3, "es": 0.2}
    ms = build_matrices(runs, None, {"xlsum": "rougeL", "mgsm": "acc"})
    assert ms[0].rows[0].agg.seen == 0.4


def test_mixed_settings_are_errors_unless_allowed(tmp_path):
    make_run(
        tmp_path, "a", {"math": {"en": 1, "es": 0}}, {"en": 0.5, "es": 0.4}, n_shot=8, task_hashes={"clt_mgsm_es": "h1"}
    )
    make_run(
        tmp_path,
        "b",
        {"math": {"en": 1, "es": 10}},
        {"en": 0.5, "es": 0.4},
        n_shot=0,
        task_hashes={"clt_mgsm_es": "h2"},
    )
    runs = load_runs([tmp_path / "evals"])
    with pytest.raises(CLTError) as e:
        build_matrix(runs, "mgsm", "acc")
    msg = str(e.value)
    assert "clt_mgsm_en: n-shot differs: 0 (b); 8 (a)" in msg
    assert "clt_mgsm_es: task hash differs: 'h1' (a); 'h2' (b)" in msg
    assert "--allow-mixed" in msg
    m = build_matrix(runs, "mgsm", "acc", allow_mixed=True)
    assert len(m.mixed) == 3
    # A 1-1 tie: the run met first stands for the majority, the other is marked.
    assert [(r.run, r.flagged) for r in m.rows] == [("a", False), ("b", True)]
    assert "| b †" in render([m], runs, "github")
    assert "WARNING: runs are not comparable" in render([m], runs, "github")
    assert json.loads(render([m], runs, "json"))["matrices"][0]["mixed"] == m.mixed


def test_version_mismatch(tmp_path):
    make_run(tmp_path, "a", {"math": {"en": 1, "es": 0}}, {"es": 0.4}, version=1)
    make_run(tmp_path, "b", {"math": {"en": 1, "es": 1}}, {"es": 0.4}, version=2)
    with pytest.raises(CLTError, match=r"clt_mgsm_es: version differs: 1 \(a\); 2 \(b\)"):
        build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc")


def test_delta_without_baseline_names_the_runs(tmp_path):
    make_run(tmp_path, "k100", {"math": {"en": 1, "es": 100}}, {"es": 0.4})
    write_results(tmp_path / "evals" / "nomanifest", {"clt_mgsm_es": {"acc": 0.3}})
    runs = load_runs([tmp_path / "evals"])
    with pytest.raises(
        CLTError,
        match=r"no English-only baseline run .* k100 \(k=100, english_only=false\), "
        r"nomanifest \(no manifest\)",
    ):
        build_matrix(runs, "mgsm", "acc", view="delta")
    m = build_matrix(runs, "mgsm", "acc", view="delta", baseline="nomanifest")
    assert m.rows[0].run == "nomanifest" and m.rows[0].cells["es"] == 0
    with pytest.raises(CLTError, match="--baseline 'zz': no such run"):
        build_matrix(runs, "mgsm", "acc", baseline="zz")


def test_two_baselines_need_a_choice(tmp_path):
    for name in ("b1", "b2"):
        make_run(tmp_path, name, {"math": {"en": 1, "es": 0}}, {"es": 0.4})
    with pytest.raises(CLTError, match=r"several English-only runs \(b1, b2\)"):
        build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", view="delta")


def test_unknown_task_or_metric(tmp_path):
    make_run(tmp_path, "a", {"math": {"en": 1, "es": 0}}, {"es": 0.4})
    runs = load_runs([tmp_path / "evals"])
    with pytest.raises(CLTError, match=r"no run has results for task clt_xlsum_\* \(tasks found: mgsm\)"):
        build_matrix(runs, "xlsum", "rougeL")
    with pytest.raises(CLTError, match=r"no run has metric 'rougeL' \(metrics found: acc,none\)"):
        build_matrix(runs, "mgsm", "rougeL")
    with pytest.raises(CLTError, match="unknown view"):
        build_matrix(runs, "mgsm", "acc", view="sideways")


def test_run_without_the_task_is_left_out_with_a_note(tmp_path):
    make_run(tmp_path, "a", {"math": {"en": 1, "es": 0}}, {"es": 0.4})
    make_run(tmp_path, "b", {"summ": {"en": 1, "es": 0}}, {"es": 0.1}, task="xlsum", metric="rougeL")
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc")
    assert [r.run for r in m.rows] == ["a"] and "run b: no clt_mgsm_* results; left out" in m.notes


scores_st = st.dictionaries(st.sampled_from(LANGS), st.floats(0.01, 1.0), min_size=1)


@settings(max_examples=25, deadline=None)
@given(st.lists(scores_st, min_size=1, max_size=4), scores_st)
def test_view_invariants(tmp_path_factory, others, base_scores):
    root = tmp_path_factory.mktemp("inv")
    base_scores = {"en": 0.5, **base_scores}
    make_run(root, "base", {"math": {"en": 1, **{l: 0 for l in SEEN}}}, base_scores, seen=SEEN)
    for i, s in enumerate(others):
        make_run(root, f"r{i}", {"math": {"en": 1, **{l: 10 * (i + 1) for l in SEEN}}}, {"en": 0.25, **s}, seen=SEEN)
    runs = load_runs([root / "evals"])
    delta = build_matrix(runs, "mgsm", "acc", view="delta")
    base_row = next(r for r in delta.rows if r.is_baseline)
    assert all(v == 0 for v in base_row.cells.values() if v is not None)
    assert all(getattr(base_row.agg, f) in (0, None) for f in ("english", "seen", "unseen", "gap", "all"))
    rel = build_matrix(runs, "mgsm", "acc", view="rel-en")
    assert all(row.cells["en"] == 100.0 for row in rel.rows)
    absolute = build_matrix(runs, "mgsm", "acc")
    for row in absolute.rows:
        # A language never scored by a run is None, never 0, and never enters the averages.
        for lang in LANGS:
            if row.absolute.get(lang) is None and lang in absolute.languages:
                assert row.cells[lang] is None and lang in row.agg.missing
    # delta = absolute - baseline, language by language
    for drow, arow in zip(delta.rows, absolute.rows):
        for lang, v in drow.cells.items():
            if v is not None:
                assert v == pytest.approx(arow.cells[lang] - base_scores[lang])
    assert document([absolute], runs)["schema"] == SCHEMA


@pytest.mark.parametrize(
    "view, value, digits, scale, shown",
    [
        ("delta", -0.00001, 1, 100.0, "+0.0"),
        ("delta", -0.0004, 3, 1.0, "+0.000"),
        ("delta", -0.0006, 3, 1.0, "-0.001"),
        ("transfer", 0.25, 1, 100.0, "+25.0"),
        ("absolute", -0.00001, 1, 100.0, "0.0"),
        ("absolute", None, 1, 100.0, "–"),
    ],
)
def test_cells_never_show_a_negative_zero(view, value, digits, scale, shown):
    from types import SimpleNamespace

    from clt_plugin.analysis.render import _fmt

    assert _fmt(value, SimpleNamespace(view=view), digits, scale) == shown


@pytest.mark.parametrize("family", sorted(__import__("clt_plugin.families", fromlist=["FAMILIES"]).FAMILIES))
def test_every_view_on_every_shipped_family(tmp_path, family):
    """No --metric: each family's primary metric; the demo's families included. With no
    single-source run, the transfer view shows each run's source set."""
    from clt_plugin import families

    fam = families.FAMILIES[family]
    metric = fam.primary
    langs = [l for l in ("en", "es", "fr", "ja", "ko") if l in fam.languages] or list(fam.languages[:3])
    seen = [l for l in langs if l != "en"][:2]
    lo, hi = families.metric_range(metric)
    for name, k in (("base", 0), ("k40", 40), ("k80", 80)):
        model = tmp_path / "models" / name
        write_manifest(model / "clt_manifest.json", {"t": {"en": 10, **{l: k for l in seen}}}, seen=seen)
        scores = {
            f"clt_{family}_{l}": {metric: lo + (hi - lo) * (0.2 + k / 400 + 0.01 * i)} for i, l in enumerate(langs)
        }
        write_results(tmp_path / "evals" / name, scores, model_args=f"pretrained={model}")
    runs = load_runs([tmp_path / "evals"])
    for view in ("absolute", "delta", "rel-en", "transfer"):
        (m,) = build_matrices(runs, None, None, view=view)
        assert m.task == family and m.metric == metric
        trained = [r for r in m.rows if not r.is_baseline]
        assert all(r.ci.get(seen[0]) is not None for r in trained)
        if view == "transfer":
            assert [r.label for r in m.rows] == ["+".join(seen) + " (k40)", "+".join(seen) + " (k80)"]
        for fmt in ("github", "latex", "csv", "json"):
            assert render([m], runs, fmt)


evil_st = st.text(alphabet=st.sampled_from(list("ab|<>&*_`[]\\=+-@\n\t ~#") + ["\u202e"]), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(evil_st, evil_st)
def test_text_formats_escape_every_name(tmp_path_factory, name, family_suffix):
    """Run names and task families from the inputs never break a github table row, never carry
    markup, and never start a formula in CSV."""
    import csv
    import io
    import re

    from clt_plugin.textsafe import UNSAFE, visible

    root = tmp_path_factory.mktemp("esc")
    write_results(root / "r", {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": 0.25}})
    from clt_plugin.analysis.results import RunSpec

    runs = load_runs([], [RunSpec(name.replace("=", "_") or "x", root / "r")])
    runs[0].name = name  # any string a user's folder or --run could carry
    m = build_matrix(runs, "mgsm", "acc")
    for row in m.rows:
        row.run = row.label = name
    m.task = "mgsm" + family_suffix
    text = render([m], runs, "github")
    table = [l for l in text.splitlines() if l.startswith("|")]
    assert len(table) == 3  # header, rule, one row: no newline split the row
    # Every cell boundary is an unescaped "|": the row has as many as the header.
    unescaped = lambda line: len(re.findall(r"(?<!\\)\|", line))  # noqa: E731
    assert unescaped(table[2]) == unescaped(table[0])
    assert "<" not in text and "\u202e" not in text
    rows = list(csv.reader(io.StringIO(render([m], runs, "csv"))))
    for cell in (rows[1][0], rows[1][3], rows[1][4]):
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
        # Layout-changing characters are shown as <U+XXXX> in CSV too (issue 21: no raw bidi override).
        assert cell.removeprefix("'") in (visible(name), visible(m.task)) or cell == visible(name)
        assert not set(cell) & UNSAFE
