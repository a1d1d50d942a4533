"""`clt eval` hands its arguments to lm_eval with the clt tasks folder added."""

from __future__ import annotations

import pytest

from clt_plugin.cli import main
from clt_plugin.commands.eval import lm_eval_argv
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path


def test_argv_adds_include_path():
    ours = ["--include_path", str(tasks_path())]
    assert lm_eval_argv(["--model", "hf", "--tasks", "clt_mgsm"]) == [
        "run",
        "--model",
        "hf",
        "--tasks",
        "clt_mgsm",
        *ours,
    ]
    assert lm_eval_argv(["ls", "tasks"]) == ["ls", "tasks", *ours]
    assert lm_eval_argv(["--", "validate", "--tasks", "clt_all"]) == ["validate", "--tasks", "clt_all", *ours]


@pytest.mark.parametrize("arg", [["--include_path", "x"], ["--include_path=x"]])
def test_own_include_path_is_refused(arg, capsys):
    with pytest.raises(CLTError, match="clt eval sets it to the clt tasks folder"):
        lm_eval_argv(arg)
    assert main(["eval", "--tasks", "clt_mgsm", *arg]) == 2
    assert "clt eval: error: --include_path: clt eval sets it" in capsys.readouterr().err


def test_help_says_what_clt_adds_before_lm_evals_own(capsys):
    assert main(["eval", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "clt eval = lm_eval with the clt tasks added. clt appends\n"
        f"  --include_path {tasks_path()}\n"
        "(the clt_* tasks; `clt tasks-path` prints the folder) and hands every other argument to lm_eval\n"
        "unchanged (`run` when no subcommand is given). lm_eval's own help follows.\n\n"
        "usage: lm-eval run "
    )


def test_tasks_path_command(capsys):
    assert main(["tasks-path"]) == 0
    assert capsys.readouterr().out.strip() == str(tasks_path())


def test_missing_unseen_mgsm_language_is_a_clean_error(tiny_model, tmp_path):
    """pt is not in MGSM: `clt eval` stops with exit 2 and says how to supply it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    env.pop("CLT_DATA_DIR", None)
    proc = subprocess.run(
        [
            str(Path(sys.executable).with_name("clt")),
            "eval",
            "--model",
            "hf",
            "--model_args",
            f"pretrained={tiny_model}",
            "--device",
            "cpu",
            "--tasks",
            "clt_mgsm_pt",
            "--limit",
            "1",
            "--output_path",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 2
    assert "clt eval: error: clt_mgsm_pt: MGSM has no Portuguese test set" in proc.stderr
    assert "DIR/mgsm/mgsm_pt.tsv" in proc.stderr and "CLT_DATA_DIR=DIR" in proc.stderr
    assert not (tmp_path / "out").exists()
