"""The task-family registry: every generated family has a primary metric, and every reader uses it."""

from __future__ import annotations

import json

import pytest
from synthetic_results import write_manifest, write_results

from clt_plugin import families
from clt_plugin.cli import main
from clt_plugin.families import FAMILIES, FIDELITY_METRIC, JUDGE_METRIC
from clt_plugin.leaderboard.installed import installed_tasks
from clt_plugin.resources import tasks_path

LANGS = ("en", "es", "ko")


def test_every_generated_family_is_registered_with_a_primary_metric():
    generated = {t.family for t in installed_tasks(tasks_path()).values()}
    assert generated == set(FAMILIES)
    for name, fam in FAMILIES.items():
        # A primary metric is one the family's tasks report, the fidelity the clt tasks all add,
        # or (judged families) the rating `clt judge` adds to their results.
        assert fam.primary in (*fam.metrics, FIDELITY_METRIC) or (fam.judged and fam.primary == JUDGE_METRIC), name
        assert fam.languages and set(fam.languages) <= set(families.languages.LANGUAGES)
    assert families.primary_metric("clt_synth_lang") == FIDELITY_METRIC
    assert families.primary_metric("dolly") == JUDGE_METRIC
    assert families.primary_metric("not_a_family") is None


def test_score_metric_falls_back_only_for_unknown_families():
    assert families.score_metric("xlsum", {"acc", "rougeL"}) == "rougeL"
    assert families.score_metric("custom", {"lpr", "zeta", "alpha,flex"}) == "alpha,flex"
    assert families.score_metric("custom", {FIDELITY_METRIC}) is None


def _family_scores(k: int) -> dict[str, dict[str, float]]:
    """One value per task and metric, as the generated task (plus `clt judge`) would report."""
    scores = {}
    for i, (name, fam) in enumerate(FAMILIES.items()):
        for j, lang in enumerate(LANGS):
            value = round((i + j + 1) / 20 + k / 1000, 6)
            # Fidelity differs from the task metrics, so a table shows which one it read.
            metrics = {m: value / 2 if m == FIDELITY_METRIC else value for m in families.task_metrics(name, lang)}
            if fam.judged:
                metrics[JUDGE_METRIC] = 1 + 4 * value
            scores[fam.task(lang)] = metrics
    return scores


@pytest.fixture
def every_family(tmp_path):
    for k in (0, 100):
        model = tmp_path / "models" / f"k{k}"
        write_manifest(model / "clt_manifest.json", {"t": {"en": 10, "es": k}}, seen=["es"])
        write_results(tmp_path / "evals" / f"k{k}", _family_scores(k), model_args=f"pretrained={model}")
    return tmp_path


def test_matrix_and_report_need_no_metric_for_any_family(every_family, capsys):
    evals = every_family / "evals"
    assert main(["matrix", str(evals), "--format", "json", "-o", str(every_family / "m.json")]) == 0
    doc = json.loads((every_family / "m.json").read_text())
    read = {m["task"]: m["metric"] for m in doc["matrices"]}
    assert read == {name: fam.primary for name, fam in FAMILIES.items()}
    synth_lang = next(m for m in doc["matrices"] if m["task"] == "synth_lang")
    # k100, family 7: fidelity = ((7 + j + 1) / 20 + 0.1) / 2
    assert synth_lang["rows"][1]["values"] == {"en": 0.25, "es": 0.275, "ko": 0.3}

    assert main(["report", str(evals), "-o", str(every_family / "report")]) == 0
    report = json.loads((every_family / "report" / "matrix.json").read_text())
    assert {m["task"]: m["metric"] for m in report["matrices"]} == read
    capsys.readouterr()
