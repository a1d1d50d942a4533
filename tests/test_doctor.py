"""`clt doctor`: how the environment finds the clt tasks, checked against the real lm-eval."""

from __future__ import annotations

import pytest

from clt_plugin import doctor
from clt_plugin.cli import main
from clt_plugin.resources import tasks_path


def _statuses(d: doctor.Diagnosis) -> dict[str, str]:
    """The first words of each check -> its status."""
    return {" ".join(c.text.split()[:2]): c.status for c in d.checks}


def test_the_checkout_finds_the_tasks_with_the_include_path_and_says_plain_lm_eval_does_not(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CLT_DATA_DIR", str(tmp_path))
    d = doctor.diagnose("clt_mgsm_es")
    folder = tasks_path()
    assert d.runnable
    texts = {c.text: c.status for c in d.checks}
    assert texts[f"lm_eval --include_path {folder} finds clt_mgsm_es"] == doctor.OK
    # lm-eval 0.4.x reads no task entry points: a warning that names the way that works.
    (plain,) = [c for c in d.checks if c.text.startswith("plain `lm_eval --tasks clt_mgsm_es`")]
    assert plain.status == doctor.WARN and "#4015" in plain.text and "--include_path" in plain.text
    assert texts[f"entry point lm_eval.tasks:clt -> {folder}"] == doctor.OK
    assert texts[f"task data: CLT_DATA_DIR={tmp_path} (or --metadata '{{\"data_dir\": DIR}}')"] == doctor.OK
    assert d.commands == [
        "clt eval --model hf --model_args pretrained=MODEL_DIR --tasks clt_mgsm_es",
        f"lm_eval --include_path {folder} --model hf --model_args pretrained=MODEL_DIR --tasks clt_mgsm_es",
    ]
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Run clt_mgsm_es with either of:" in out and f"  lm_eval --include_path {folder} " in out


def test_offline_without_a_data_folder_is_a_warning_that_says_what_to_give(monkeypatch):
    monkeypatch.delenv("CLT_DATA_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    (data,) = [c for c in doctor.diagnose().checks if c.text.startswith("task data:")]
    assert data.status == doctor.WARN
    assert data.text.startswith("task data: no CLT_DATA_DIR, and HF_HUB_OFFLINE is set: ")
    assert "--metadata '{\"data_dir\": DIR}'" in data.text


@pytest.mark.parametrize(
    "args,env,failure",
    [
        (["--task", "clt_nosuch_es"], {}, "clt_nosuch_es is not in "),
        ([], {"CLT_DATA_DIR": "/nonexistent/clt-data"}, "CLT_DATA_DIR: '/nonexistent/clt-data' is not a directory"),
    ],
)
def test_a_failed_check_exits_1_and_names_the_problem(monkeypatch, capsys, args, env, failure):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["doctor", *args]) == 1
    fails = [line for line in capsys.readouterr().out.splitlines() if line.startswith("FAIL")]
    assert len(fails) == 1 and failure in fails[0]
