"""The one builder of lm_eval command lines, with the clt tasks included.

`clt eval` (a user's own arguments), the plugin's `clt_eval:` (after training) and `clt demo` all
run lm_eval through these, so they see the clt tasks the same way: `--include_path` is the
shipped lm_eval_tasks/ folder; with more folders, lm_eval's `--config` file lists them all
(its CLI flag takes one folder). A child lm_eval starts through clt_plugin.quiet, which drops the
dependencies' known harmless messages (docs/log-messages.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

from clt_plugin import quiet
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path

SUBCOMMANDS = ("run", "ls", "validate")
CONFIG_FILE = "lm_eval_config.yaml"  # where a run with several task folders lists them


def default_device() -> str:
    """lm_eval's `--device` for the hf backend when none is given: the GPU when torch sees one."""
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # lm_eval's hf model needs torch anyway; let it say so
        return "cpu"


def include_paths(extra: Sequence[str] = ()) -> list[str]:
    """The clt tasks folder, then `extra` folders."""
    try:
        return [str(tasks_path()), *extra]
    except FileNotFoundError as e:
        raise CLTError(str(e)) from None


def _include_options(include: Sequence[str], config_path: Path | None) -> list[str]:
    if len(include) == 1:
        return ["--include_path", include[0]]
    if config_path is None:
        raise CLTError("several task folders need an lm_eval --config file to list them")
    return ["--config", str(config_path)]


def options(values: Mapping[str, Any]) -> list[str]:
    """`--key value` per entry, in order: True is a bare flag; None and False are left out."""
    out: list[str] = []
    for key, value in values.items():
        if value is None or value is False:
            continue
        out += [f"--{key}"] if value is True else [f"--{key}", str(value)]
    return out


def run_argv(
    values: Mapping[str, Any], include: Sequence[str] | None = None, config_path: Path | None = None
) -> list[str]:
    """`lm_eval run` (through clt_plugin.quiet) with `values` as options and the task folders
    (default: the clt tasks); `config_path` is where the caller writes {"include_path": include}
    when there are several (see `config_for`)."""
    folders = list(include) if include is not None else include_paths()
    return quiet.argv("lm_eval", ["run", *options(values), *_include_options(folders, config_path)])


def config_for(include: Sequence[str]) -> dict[str, Any]:
    """The lm_eval --config content that lists several task folders."""
    return {"include_path": list(include)}


def user_argv(args: Sequence[str]) -> list[str]:
    """`clt eval ARGS`: lm_eval's arguments (after its subcommand, `run` by default) with the clt
    tasks folder added."""
    args = list(args)
    if args and args[0] == "--":
        args = args[1:]
    if any(a == "--include_path" or a.startswith("--include_path=") for a in args):
        raise CLTError(
            "--include_path: clt eval sets it to the clt tasks folder; to add another folder, run "
            f"lm_eval yourself (the clt tasks are in {include_paths()[0]})"
        )
    sub = args.pop(0) if args and args[0] in SUBCOMMANDS else "run"
    return [sub, *args, *_include_options(include_paths(), None)]
