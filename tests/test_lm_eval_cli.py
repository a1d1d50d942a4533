"""The one lm_eval command-line builder that `clt eval`, the plugin's clt_eval and the demo use."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from clt_plugin import lm_eval_cli
from clt_plugin.demo.pipeline import DemoSettings, eval_argv
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path


def test_options_in_order_flags_bare_and_unset_left_out():
    assert lm_eval_cli.options(
        {"model": "hf", "limit": None, "log_samples": True, "apply_chat_template": False, "batch_size": 4}
    ) == ["--model", "hf", "--log_samples", "--batch_size", "4"]


def test_run_argv_includes_the_clt_tasks_once_or_through_a_config_file(tmp_path):
    one = lm_eval_cli.run_argv({"model": "hf", "tasks": "clt_mgsm_es"})
    assert one == [
        sys.executable,
        "-m",
        "clt_plugin.quiet",
        "lm_eval",
        "run",
        "--model",
        "hf",
        "--tasks",
        "clt_mgsm_es",
        "--include_path",
        str(tasks_path()),
    ]
    folders = lm_eval_cli.include_paths(["/more"])
    two = lm_eval_cli.run_argv({"model": "hf"}, folders, tmp_path / "c.yaml")
    assert two[-2:] == ["--config", str(tmp_path / "c.yaml")] and "--include_path" not in two
    assert lm_eval_cli.config_for(folders) == {"include_path": [str(tasks_path()), "/more"]}
    with pytest.raises(CLTError, match="several task folders need an lm_eval --config file"):
        lm_eval_cli.run_argv({}, folders)


def test_the_demo_runs_lm_eval_through_it():
    argv = eval_argv(Path("/m"), Path("/r"), DemoSettings())
    assert argv[:5] == [sys.executable, "-m", "clt_plugin.quiet", "lm_eval", "run"]
    assert argv[-2:] == ["--include_path", str(tasks_path())]
    assert argv[argv.index("--metadata") + 1] == '{"synth_n": 40, "synth_seed": 0}'
    assert "--apply_chat_template" in argv and "--log_samples" in argv


def test_tools_start_through_quiet_as_their_own_console_script():
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "clt_plugin.quiet", "lm_eval", "--help"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and proc.stdout.startswith("usage: lm-eval ")


PROBE = """
import logging
import torchao  # on a machine without CUDA: its CUDA kernels fail to load, torch's _pytree warns
logging.getLogger("lm_eval.api.task").warning(
    "clt_synth_math_es: Custom kwargs can be passed to `--metadata` in console (as json string) or to the TaskManager."
)
logging.getLogger("lm_eval.api.task").warning("clt_synth_math_es: something else")
logging.getLogger("torchao").warning("another torchao message")
import deepspeed  # on a machine without a GPU: "Setting accelerator to CPU", on stdout
deepspeed.accelerator.get_accelerator()
"""


def test_quiet_drops_exactly_the_known_messages(tmp_path):
    """The same probe, as a plain module and through clt_plugin.quiet: the dependencies' known
    lines (present without it) are gone, every other warning of the same loggers stays."""
    import os
    import subprocess

    import torch

    assert not torch.cuda.is_available()  # the torchao filter applies only without CUDA
    (tmp_path / "probe.py").write_text(PROBE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    plain = subprocess.run([sys.executable, "-m", "probe"], capture_output=True, text=True, env=env, timeout=300)
    quiet = subprocess.run(
        [sys.executable, "-m", "clt_plugin.quiet", "probe"], capture_output=True, text=True, env=env, timeout=300
    )
    assert plain.returncode == quiet.returncode == 0, plain.stderr + quiet.stderr
    known = ("Failed to load", "is an Enum subclass and is now natively supported", "Custom kwargs can be passed")
    for text in known:
        assert text in plain.stderr and text not in quiet.stderr, text
    assert "Setting accelerator to CPU" in plain.stdout and quiet.stdout == ""
    assert quiet.stderr.splitlines() == ["clt_synth_math_es: something else", "another torchao message"]
