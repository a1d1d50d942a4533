"""docs/new-family.md, followed step by step on a toy family, through the real lm-eval and clt matrix.

The toy family `toyqa` is multiple choice, so its numbers are known whatever the model: an item
with one choice is always right; an item with two identical choices and the label on the second
is always wrong (equal log-likelihoods, and the first maximum wins). The chosen choice is the
reply whose language fidelity is scored: wrong Spanish items choose an English sentence.
Everything the guide says to edit is edited here in memory (the registry, the template) or
written to a temporary task folder (the task module, the bridge, the generated YAMLs); nothing
of the package changes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_results import write_manifest

from clt_plugin import families, names
from clt_plugin.cli import main
from clt_plugin.lm_eval_cli import options
from clt_plugin.resources import tasks_path
from clt_plugin.tasks import generate

FAMILY = "toyqa"
LANGS = ("en", "es")
# Step 4's task module, as a user would write it (clt_plugin/tasks/toyqa.py in the package).
TASK_MODULE = '''"""The toy family: multiple choice, scored by the choice the model ranks first."""

from clt_plugin import languages
from clt_plugin.families import ACCURACY_METRIC
from clt_plugin.metrics import fidelity
from clt_plugin.tasks import data

SENTENCES = {
    "en": "The ducks lay sixteen eggs every day and she sells the rest at the market.",
    "es": "Los patos ponen dieciséis huevos al día y ella vende el resto en el mercado.",
}
OUTCOMES = {"en": [True, True, True, False], "es": [True, False, False, False]}


def load(**meta):
    lang = languages.validate(meta.get("clt_language"))
    docs = []
    for i, right in enumerate(OUTCOMES[lang]):
        # Right: one choice, in the language. Wrong: two equal English choices, the label on the second.
        choices = [SENTENCES[lang]] if right else [SENTENCES["en"], SENTENCES["en"]]
        docs.append({"id": f"{lang}-{i}", "question": f"{lang} question {i}", "choices": choices,
                     "label": 0 if right else 1, "clt_lang": lang})
    return data.to_dataset_dict({"test": docs})


def doc_to_text(doc):
    return doc["question"]


def process_results(doc, results):
    lls = [ll for ll, _ in results]
    pick = max(range(len(lls)), key=lls.__getitem__)
    return {ACCURACY_METRIC: float(pick == doc["label"]), **fidelity.scores(doc["choices"][pick], doc["clt_lang"])}
'''
# Step 5's template.
TEMPLATE = """output_type: multiple_choice
dataset_path: {dataset}
custom_dataset: !function utils.load_toyqa
test_split: test
num_fewshot: 0
doc_to_text: !function utils.toyqa_doc_to_text
doc_to_choice: choices
doc_to_target: label
process_results: !function utils.toyqa_process_results
"""
# Step 6's bridge lines.
BRIDGE = """
from toyqa import load as load_toyqa, doc_to_text as toyqa_doc_to_text, process_results as toyqa_process_results
"""
EXPECTED = {"en": {"acc": 0.75, "lpr": 1.0}, "es": {"acc": 0.25, "lpr": 0.25}}


@pytest.fixture(scope="module")
def toy_family(tmp_path_factory):
    """Steps 1, 4, 5, 6 and 7 of the guide; the registry and template entries live for the module."""
    root = tmp_path_factory.mktemp("new-family")
    mp = pytest.MonkeyPatch()
    # 1. The registry row.
    fam = families.Family(
        FAMILY, families.ACCURACY_METRIC, (families.ACCURACY_METRIC,), LANGS, "_template_toyqa", "toyqa (generated)"
    )
    mp.setitem(families.FAMILIES, FAMILY, fam)
    # 4. The task module, importable (in the package it would be clt_plugin/tasks/toyqa.py).
    code = root / "code"
    code.mkdir()
    (code / "toyqa.py").write_text(TASK_MODULE, encoding="utf-8")
    mp.syspath_prepend(str(code))
    # 5. The template.
    mp.setitem(generate.TEMPLATES, "_template_toyqa", TEMPLATE)
    # A copy of the shipped task folder stands in for the checkout's lm_eval_tasks/.
    tasks = root / "lm_eval_tasks"
    shutil.copytree(tasks_path(), tasks, ignore=shutil.ignore_patterns("__pycache__"))
    # 7. Generate (the toy family's files join the rest); 6. the bridge lines.
    generate.write(tasks)
    with (tasks / "utils.py").open("a", encoding="utf-8") as f:
        f.write(BRIDGE)
    yield root, tasks, code
    mp.undo()


def test_the_generator_writes_the_toy_familys_files(toy_family):
    _, tasks, _ = toy_family
    for lang in LANGS:
        text = (tasks / FAMILY / f"{names.task_name(FAMILY, lang)}.yaml").read_text(encoding="utf-8")
        assert f"include: ../_template_toyqa\ntask: clt_toyqa_{lang}\n" in text
        assert "  - metric: acc\n" in text and "  - metric: lpr\n" in text and "  - metric: wpr" not in text
        assert f'metadata:\n  version: {generate.VERSION}\n  clt_family: toyqa\n  clt_language: "{lang}"\n' in text
    assert (
        (tasks / "_template_toyqa").read_text(encoding="utf-8").endswith(TEMPLATE.format(dataset="toyqa (generated)"))
    )
    assert generate.check(tasks) == []  # in sync with the generator, the toy family included


def test_lm_evals_task_manager_builds_the_toy_tasks(toy_family):
    from lm_eval.tasks import TaskManager

    _, tasks, _ = toy_family
    manager = TaskManager(include_path=str(tasks), include_defaults=False)
    assert {names.task_name(FAMILY, l) for l in LANGS} <= set(manager.all_tasks)
    loaded = manager.load_task_or_group([names.task_name(FAMILY, "es")])
    (task,) = loaded.values()
    docs = list(task.test_docs())
    assert [d["label"] for d in docs] == [0, 1, 1, 1] and task.config.metadata["clt_family"] == FAMILY


def test_the_toy_family_runs_through_lm_eval_and_clt_matrix(toy_family, tiny_model, capsys):
    root, tasks, code = toy_family
    model = root / "k100"
    shutil.copytree(tiny_model, model)
    write_manifest(model / "clt_manifest.json", {"qa": {"en": 1000, "es": 100}}, seen=["es"])
    out = root / "evals"
    cmd = [
        str(Path(sys.executable).with_name("lm_eval")),
        *options(
            {
                "model": "hf",
                "model_args": f"pretrained={model},dtype=float32",
                "device": "cpu",
                "batch_size": 1,
                "include_path": tasks,
                "tasks": ",".join(names.task_name(FAMILY, l) for l in LANGS),
                "output_path": out,
                "log_samples": True,
            }
        ),
    ]
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": os.pathsep.join([str(code), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=root, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (results_file,) = out.rglob("results_*.json")
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    for lang, want in EXPECTED.items():
        got = results[names.task_name(FAMILY, lang)]
        assert {m: got[f"{m},none"] for m in want} == want
    # The analysis reads the registry: clt matrix needs no change for a new family.
    assert main(["matrix", str(out), "--task", FAMILY, "--format", "json"]) == 0
    (matrix,) = json.loads(capsys.readouterr().out)["matrices"]
    assert matrix["metric"] == "acc"
    (row,) = matrix["rows"]
    assert row["values"] == {l: EXPECTED[l]["acc"] for l in LANGS}
    # The fidelity metric beside it (lpr by default), read from the same results.
    assert row["fidelity_by_language"] == {l: EXPECTED[l]["lpr"] for l in LANGS}
    assert (row["k"], row["seen"], row["n_items"]) == (100, ["es"], {"en": 4, "es": 4})
