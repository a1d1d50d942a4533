"""The real `lm_eval` CLI on the tiny model, then `clt matrix` on what it wrote.

The toy tasks are written here (not the project's clt tasks, so this test depends on nothing
else): multiple-choice items whose answers do not depend on the model. A single-choice item is
always right; an item with two identical choices and label 1 is always wrong (equal
log-likelihoods, and argmax takes the first). So the accuracies are known exactly:
en 3/4, es 1/4, fr 2/4, whatever the random weights.
"""

from __future__ import annotations

import json
import shutil

import pytest
from synthetic_results import write_manifest, write_results
from toy_tasks import run_lm_eval, write_toy_data, write_toy_tasks

from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.render import render
from clt_plugin.analysis.results import RunSpec, load_results, load_runs
from clt_plugin.cli import main

EXPECTED = {"en": 0.75, "es": 0.25, "fr": 0.5}

# Right items out of four: accuracy 0.75 / 0.25 / 0.5. fr has no clt metadata, so its language
# comes from the task name.
OUTCOMES = {"en": [True, True, True, False], "es": [True, False, False, False], "fr": [True, True, False, False]}


@pytest.fixture(scope="module")
def lm_eval_run(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("lmeval")
    model = root / "k100"
    shutil.copytree(tiny_model, model)
    write_manifest(model / "clt_manifest.json", {"math": {"en": 1000, "es": 100, "fr": 100}}, seen=["es", "fr"])
    data = write_toy_data(root / "tasks", OUTCOMES)
    tasks = write_toy_tasks(root / "tasks", OUTCOMES, data, bare={"fr"})
    run_lm_eval(model, tasks, OUTCOMES, root / "evals", "--limit", "4")
    out = root / "evals"
    return root, model, out


def test_real_results_file_loads_exactly(lm_eval_run):
    root, model, out = lm_eval_run
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    (results_file,) = run_dir.glob("results_*.json")
    run = load_results(out)
    assert run.files == (results_file,)
    assert run.name == "k100"  # lm-eval's folder is the sanitized model path; the name is the model dir's
    assert run.lm_eval_version == "0.4.11"
    assert run.model_args == {"pretrained": str(model), "dtype": "float32"}
    assert run.manifest is not None and run.manifest.path == model / "clt_manifest.json"
    assert {l: s.value for l, s in run.scores("toy", "acc").items()} == EXPECTED
    for lang in EXPECTED:
        t = run.task("toy", lang)
        assert (t.version, t.n_shot, t.n_samples) == (1, 0, 4)
        assert len(t.task_hash) == 64
        # The per-item samples lm-eval logged agree with the aggregate it wrote.
        (samples,) = run.samples[f"clt_toy_{lang}"]
        items = [json.loads(line) for line in samples.read_text().splitlines()]
        assert sum(i["acc"] for i in items) / len(items) == EXPECTED[lang]


def test_real_run_against_a_baseline(lm_eval_run, tmp_path, capsys):
    root, model, out = lm_eval_run
    base_model = tmp_path / "base"
    write_manifest(base_model / "clt_manifest.json", {"math": {"en": 1000, "es": 0, "fr": 0}}, seen=["es", "fr"])
    write_results(
        tmp_path / "base-evals",
        {"clt_toy_en": {"acc": 0.5}, "clt_toy_es": {"acc": 0.25}, "clt_toy_fr": {"acc": 0.25}},
        model_args=f"pretrained={base_model}",
    )
    runs = load_runs([out], [RunSpec("base", tmp_path / "base-evals")])
    m = build_matrix(runs, "toy", "acc", view="delta")
    assert [r.run for r in m.rows] == ["base", "k100"]
    assert m.rows[1].cells == {"en": 0.25, "es": 0.0, "fr": 0.25}
    assert m.rows[1].agg.seen == 0.125 and m.rows[1].agg.unseen is None
    assert (
        main(
            [
                "matrix",
                str(out),
                "--run",
                f"base={tmp_path / 'base-evals'}",
                "--task",
                "toy",
                "--metric",
                "acc",
                "--view",
                "rel-en",
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    row = next(line for line in text.splitlines() if line.startswith("| k100"))
    # No unseen language was evaluated: unseen and gap are "–", never 0.
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert [c.split(" ±")[0] for c in cells] == [
        "k100",
        "100",
        "es fr",
        "100.0",
        "33.3",
        "66.7",
        "50.0",
        "–",
        "–",
        "66.7",
    ]
    # Four items per language, read from lm-eval's samples: wide bootstrap intervals, and English is
    # 100 % of itself in every resample.
    assert cells[3] == "100.0 ±0.0" and all(" ±" in c for c in cells[4:7] + cells[9:])
    assert "no per-item scores" in text and "for base:" in text  # the baseline has no samples file
    assert m.rows[1].methods == ("bootstrap over items",)
    assert m.rows[0].methods == ("normal approximation from lm-eval stderr",)
    assert json.loads(render([m], runs, "json"))["matrices"][0]["rows"][1]["absolute"] == EXPECTED
