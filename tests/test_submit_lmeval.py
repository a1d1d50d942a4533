"""End to end with the real `lm_eval` CLI: tiny model -> results -> `clt submit` -> `clt leaderboard`.

The tasks are written here (so the test depends on no other task family): multiple-choice items
whose outcome does not depend on the random weights. A one-choice item is always right; two
identical choices with label 1 is always wrong (equal log-likelihoods, argmax takes the first).
So en scores 1/2 and es 2/2 exactly.
"""

from __future__ import annotations

import json
import shutil

import pytest
from synthetic_results import write_manifest
from toy_tasks import run_lm_eval, write_toy_data, write_toy_tasks

from clt_plugin.cli import main
from clt_plugin.io import sha256_file

ITEMS = {"en": [True, False], "es": [True, True]}


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    root = tmp_path_factory.mktemp("submit-lmeval")
    data = write_toy_data(root / "data", ITEMS)
    tasks = write_toy_tasks(root / "tasks", ITEMS, data, version=1)
    model = root / "model"
    shutil.copytree(tiny_model, model)
    write_manifest(model / "clt_manifest.json", {"toy": {"en": 100, "es": 10}}, seen=["es"])
    out = root / "evals"
    run_lm_eval(model, tasks, ITEMS, out)
    return root, model, tasks, data, out


def test_real_results_to_submission_to_board(run, capsys):
    root, model, tasks, data, out = run
    [results_file] = out.rglob("results_*.json")
    raw = json.loads(results_file.read_text())
    sub_path = root / "subs" / "toy.json"
    rc = main(
        [
            "submit",
            str(out),
            "-o",
            str(sub_path),
            "--tasks-dir",
            str(tasks),
            "--model-id",
            "org/tiny",
            "--created-at",
            "2026-01-01T00:00:00Z",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    sub = json.loads(sub_path.read_text())
    assert sub["lm_eval_version"] == raw["lm_eval_version"]
    assert sub["mixture"]["sha256"] == sha256_file(model / "clt_manifest.json")
    assert sub["seen_languages"] == ["es"]
    for lang, acc in (("en", 0.5), ("es", 1.0)):
        task = sub["tasks"][f"clt_toy_{lang}"]
        assert task["metrics"] == {"acc": acc}
        assert task["version"] == 1 and task["num_fewshot"] == 0 and task["n_samples"] == 2
        assert task["task_hash"] == raw["task_hashes"][f"clt_toy_{lang}"] and len(task["task_hash"]) == 64
    assert sub["families"]["toy"]["aggregates"] == {
        "english": 0.5,
        "seen": 1.0,
        "unseen": None,
        "gap": None,
        "all": 0.75,
    }

    board = root / "board"
    assert main(["leaderboard", str(sub_path.parent), "-o", str(board), "--tasks-dir", str(tasks)]) == 0
    md = (board / "leaderboard.md").read_text()
    assert "| 1 | org/tiny | – | – | 10 per language | es | 0.750 | 0.750 |  | 2026-01-01T00:00:00Z |" in md

    # The installed tasks move to version 2: the old results are refused, the old submission is stale.
    newer = write_toy_tasks(root / "tasks-v2", ITEMS, data, version=2)
    capsys.readouterr()
    assert (
        main(["submit", str(out), "-o", str(root / "stale.json"), "--tasks-dir", str(newer), "--model-id", "org/tiny"])
        == 2
    )
    assert "clt_toy_en, clt_toy_es: version 1 in the results but version 2 installed" in capsys.readouterr().err
    assert not (root / "stale.json").exists()
    assert main(["leaderboard", str(sub_path.parent), "-o", str(board), "--tasks-dir", str(newer)]) == 0
    assert (
        # An `_` between letters is never emphasis in GFM, so task names are written as they are.
        "Stale: org/tiny: clt_toy_en: submitted v1, installed v2; clt_toy_es: submitted v1, installed v2"
        in (board / "leaderboard.md").read_text()
    )
