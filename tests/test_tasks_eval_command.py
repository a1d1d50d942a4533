"""`clt eval` hands its arguments to lm_eval with the clt tasks folder added."""

from __future__ import annotations

import pytest

from clt_plugin.cli import main
from clt_plugin.commands.eval import lm_eval_argv
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path


def test_argv_adds_include_path():
    ours = ["--include_path", str(tasks_path())]
    assert lm_eval_argv(["--model", "hf", "--tasks", "clt_mgsm"]) == ["run", "--model", "hf", "--tasks", "clt_mgsm", *ours]
    assert lm_eval_argv(["ls", "tasks"]) == ["ls", "tasks", *ours]
    assert lm_eval_argv(["--", "validate", "--tasks", "clt_all"]) == ["validate", "--tasks", "clt_all", *ours]


@pytest.mark.parametrize("arg", [["--include_path", "x"], ["--include_path=x"]])
def test_own_include_path_is_refused(arg, capsys):
    with pytest.raises(CLTError, match="clt eval sets it to the clt tasks folder"):
        lm_eval_argv(arg)
    assert main(["eval", "--tasks", "clt_mgsm", *arg]) == 2
    assert "clt eval: error: --include_path: clt eval sets it" in capsys.readouterr().err


def test_tasks_path_command(capsys):
    assert main(["tasks-path"]) == 0
    assert capsys.readouterr().out.strip() == str(tasks_path())
