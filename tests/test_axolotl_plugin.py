"""The clt plugin inside the real `axolotl` CLI on the tiny local Llama (CPU).

One module-scoped run does `axolotl preprocess` then `axolotl train` (with a validation split,
checkpoints and `clt_eval:`), and every test reads what that run left behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from axolotl_helpers import axolotl, counts_of, decoded_rows, label, prepared_datasets, read_jsonl, write_config

EXPECTED = {
    "math": {"en": 4, "es": 2, "fr": 2, "ja": 2, "zh": 2},
    "chat": {"en": 4, "es": 2, "fr": 2, "ja": 2, "zh": 2},
}
TOTAL = 24


def _tiny_task(root: Path) -> Path:
    """A task lm_eval finds only through clt_eval.include_paths (multiple choice over local JSONL)."""
    task_dir = root / "extra_tasks" / "clt_tiny"
    task_dir.mkdir(parents=True)
    docs = [
        {
            "question": "Tom has 3 apples and buys 2 more. How many apples does he have now?",
            "choices": ["5", "7"],
            "label": 0,
        },
        {
            "question": "Tom has 10 apples and buys 7 more. How many apples does he have now?",
            "choices": ["3", "17"],
            "label": 1,
        },
        {
            "question": "Tom has 4 apples and buys 4 more. How many apples does he have now?",
            "choices": ["8", "9"],
            "label": 0,
        },
    ]
    (task_dir / "docs.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    task = {
        "task": "clt_tiny_en",
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": str(task_dir / "docs.jsonl")}},
        "test_split": "test",
        "output_type": "multiple_choice",
        "doc_to_text": "{{question}}",
        "doc_to_choice": "{{choices}}",
        "doc_to_target": "{{label}}",
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}],
        "metadata": {"version": 1, "clt_family": "tiny", "clt_language": "en"},
    }
    (task_dir / "clt_tiny_en.yaml").write_text(yaml.safe_dump(task), encoding="utf-8")
    return task_dir.parent


@pytest.fixture(scope="module")
def run(tiny_model, tmp_path_factory):
    work = tmp_path_factory.mktemp("axolotl-run")
    tasks = _tiny_task(work)
    config = write_config(
        work / "config.yaml",
        tiny_model,
        work,
        base="multitask.yaml",
        max_steps=2,
        micro_batch_size=2,
        val_set_size=0.25,
        eval_strategy="steps",
        eval_steps=1,
        save_strategy="steps",
        save_steps=1,
        load_best_model_at_end=True,
        metric_for_best_model="eval_loss",
        greater_is_better=False,
        clt_grid="paper-multi",  # the banner checks the grid this run is a point of
        clt_eval={
            "tasks": ["tiny"],
            "languages": ["en"],
            "include_paths": [str(tasks)],
            "limit": 2,
            "batch_size": 2,
            "checkpoints": True,
        },
    )
    pre = axolotl("preprocess", config, work / "preprocess.log")
    assert pre.returncode == 0, (work / "preprocess.log").read_text()[-4000:]
    after_preprocess = SimpleNamespace(
        prepared=prepared_datasets(work / "prepared"),
        manifest_written=(work / "out" / "clt_manifest.json").exists(),
    )
    train = axolotl("train", config, work / "train.log")
    assert train.returncode == 0, (work / "train.log").read_text()[-4000:]
    mixture_dirs = sorted((work / "prepared" / "clt_mixtures").glob("spec-*"))
    assert len(mixture_dirs) == 1
    return SimpleNamespace(
        work=work,
        out=work / "out",
        pre=pre,
        train=train,
        after_preprocess=after_preprocess,
        mixture_manifest=json.loads((mixture_dirs[0] / "manifest.json").read_text(encoding="utf-8")),
        mixture_rows=read_jsonl(mixture_dirs[0] / "train.jsonl"),
        tiny_model=tiny_model,
    )


def test_preprocess_tokenizes_the_mixture_without_training(run):
    assert len(run.after_preprocess.prepared) == 1
    assert not run.after_preprocess.manifest_written  # preprocess is not a training run
    assert "clt: training on mixture" in run.pre.stderr + run.pre.stdout


def test_train_reuses_what_preprocess_tokenized(run):
    log = run.train.stdout + run.train.stderr
    assert "Loading prepared dataset from disk" in log
    assert prepared_datasets(run.work / "prepared") == run.after_preprocess.prepared


def test_manifest_beside_the_final_model_equals_the_mixture(run):
    manifest = json.loads((run.out / "clt_manifest.json").read_text(encoding="utf-8"))
    # The run adds how it trained (batch, training seed) to what it trained on.
    assert {k: v for k, v in manifest.items() if k not in ("batch", "training_seed")} == run.mixture_manifest
    assert manifest["batch"] == {
        "global_batch_size": 2,
        "micro_batch_size": 2,
        "gradient_accumulation_steps": 1,
        "data_parallel": 1,
        "world_size": 1,
        "requested_global_batch_size": None,
    }
    assert manifest["counts"] == EXPECTED
    assert manifest["total_rows"] == TOTAL
    assert manifest["per_language"] == 2 and manifest["english_only"] is False
    assert (run.out / "model.safetensors").is_file()


def test_tokenized_training_set_has_the_manifest_counts(run):
    (dataset_dir,) = prepared_datasets(run.work / "prepared")
    labels = label(decoded_rows(dataset_dir, run.tiny_model), run.mixture_rows)
    assert counts_of(labels) == EXPECTED
    assert len(set(labels)) == len(labels) == TOTAL  # every mixture row exactly once


def test_run_record_splits_the_mixture_into_train_and_validation(run):
    record = json.loads((run.out / "clt_training_rows.json").read_text(encoding="utf-8"))
    assert record["mixture_rows"] == TOTAL
    assert record["eval_rows_from_mixture"] == 6  # val_set_size 0.25 of 24
    assert record["train_rows"] == 18
    assert record["dropped_by_axolotl"] == 0
    assert record["train_sha256"] == run.mixture_manifest["train_sha256"]


def test_banner_prints_counts_per_task_and_language(run):
    log = run.train.stderr
    assert "clt: training on mixture" in log
    header = next(line for line in log.splitlines() if line.startswith("task "))
    assert header.split() == ["task", "en", "es", "fr", "ja", "zh", "total"]
    rows = {
        line.split()[0]: line.split()[1:] for line in log.splitlines() if line.startswith(("math ", "chat ", "total "))
    }
    assert rows == {
        "chat": ["4", "2", "2", "2", "2", "12"],
        "math": ["4", "2", "2", "2", "2", "12"],
        "total": ["8", "4", "4", "4", "4", "24"],
    }
    assert "none dropped" in log
    # the size check of the grid the config asks for (clt_grid): every paper-multi point asks for
    # more than the 12 rows per language the files hold
    from clt_plugin.mixture.grid import grid_points

    short = [name for name, changes in grid_points("paper-multi") if changes["per_language"] > 12]
    for task in ("math", "chat"):
        (line,) = [l for l in log.splitlines() if l.startswith(f"clt: warning: task {task}:")]
        assert "holds 12 rows of es, fr, ja, zh (counted)" in line
        named = [part.split(" (")[0] for part in line.split("fewer than ")[1].removesuffix(" ask for").split(", ")]
        assert named == short


def test_every_checkpoint_carries_the_manifest(run):
    checkpoints = sorted(run.out.glob("checkpoint-*"))
    assert [c.name for c in checkpoints] == ["checkpoint-1", "checkpoint-2"]
    for ckpt in checkpoints:
        assert (ckpt / "clt_manifest.json").read_bytes() == (run.out / "clt_manifest.json").read_bytes()


def test_every_checkpoint_is_evaluated_as_its_own_lm_eval_run(run):
    """clt_eval.checkpoints (clt sweep --eval-checkpoints): pretrained=.../checkpoint-N, results
    inside the checkpoint, the manifest beside them; the final model's step is in trainer_state.json."""
    for ckpt in ("checkpoint-1", "checkpoint-2"):
        (results,) = sorted((run.out / ckpt / "clt_eval").glob("**/results_*.json"))
        data = json.loads(results.read_text(encoding="utf-8"))
        assert data["config"]["model_args"]["pretrained"] == str((run.out / ckpt).resolve())
        assert data["n-samples"]["clt_tiny_en"]["effective"] == 2
        assert (run.out / ckpt / "clt_manifest.json").is_file()
    log = run.train.stderr
    evaluated = [line for line in log.splitlines() if line.startswith("clt: evaluating pretrained=")]
    assert [line.split("pretrained=")[1].split(" on ")[0].split(",")[0] for line in evaluated] == [
        str((run.out / "checkpoint-1").resolve()),
        str((run.out / "checkpoint-2").resolve()),
        str(run.out.resolve()),
    ]
    state = json.loads((run.out / "trainer_state.json").read_text(encoding="utf-8"))
    assert state["global_step"] == 2
    # load_best_model_at_end: the final model holds the best checkpoint's weights, and the plugin
    # records that checkpoint's step, which trainer_state.json's global_step does not give.
    best = int(state["best_model_checkpoint"].rsplit("-", 1)[1])
    assert json.loads((run.out / "clt_weights_step.json").read_text(encoding="utf-8")) == {
        "step": best,
        "why": "best checkpoint by evaluation loss (load_best_model_at_end)",
    }


def test_eval_run_evaluates_only_what_is_missing(run, tmp_path):
    import shutil

    from axolotl_helpers import clt

    before = {p: p.stat().st_mtime_ns for p in run.out.glob("**/results_*.json")}
    again = clt("eval-run", str(run.work / "config.yaml"), cwd=run.work)
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("is already evaluated") == 3
    assert {p: p.stat().st_mtime_ns for p in run.out.glob("**/results_*.json")} == before
    shutil.rmtree(run.out / "checkpoint-1" / "clt_eval")
    redo = clt("eval-run", str(run.work / "config.yaml"), cwd=run.work)
    assert redo.returncode == 0, redo.stderr
    assert redo.stderr.count("is already evaluated") == 2
    assert redo.stderr.count("clt: evaluating pretrained=") == 1
    (results,) = sorted((run.out / "checkpoint-1" / "clt_eval").glob("**/results_*.json"))
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["config"]["model_args"]["pretrained"] == str((run.out / "checkpoint-1").resolve())


def test_clt_eval_runs_lm_eval_on_the_saved_model(run):
    results = sorted((run.out / "clt_eval").glob("**/results_*.json"))
    assert len(results) == 1
    data = json.loads(results[0].read_text(encoding="utf-8"))
    assert set(data["results"]) == {"clt_tiny_en"}
    assert 0.0 <= data["results"]["clt_tiny_en"]["acc,none"] <= 1.0
    assert data["n-samples"]["clt_tiny_en"]["effective"] == 2
    assert data["config"]["model_args"]["pretrained"] == str(run.out.resolve())
    samples = sorted((run.out / "clt_eval").glob("**/samples_clt_tiny_en_*.jsonl"))
    assert len(samples) == 1 and len(read_jsonl(samples[0])) == 2
    command = json.loads((run.out / "clt_eval" / "command.json").read_text(encoding="utf-8"))
    assert "--log_samples" in command["argv"]
    include = yaml.safe_load((run.out / "clt_eval" / "lm_eval_config.yaml").read_text(encoding="utf-8"))
    from clt_plugin.resources import tasks_path

    assert include["include_path"][0] == str(tasks_path())


def test_a_run_that_crashes_after_start_still_says_what_it_trained_on(tiny_model, tmp_path):
    import shutil

    broken = tmp_path / "broken-model"
    shutil.copytree(tiny_model, broken)
    (broken / "model.safetensors").unlink()  # tokenizer and config load; the weights do not
    config = write_config(tmp_path / "config.yaml", broken, tmp_path)
    proc = axolotl("train", config, tmp_path / "train.log")
    assert proc.returncode != 0
    manifest = json.loads((tmp_path / "out" / "clt_manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == {"math": {"en": 6, "es": 2, "fr": 2, "ja": 2, "zh": 2}}
    assert not (tmp_path / "out" / "model.safetensors").exists()
