"""`clt eval ARGS...` = `lm_eval ARGS... --include_path <clt tasks-path>`.

Everything after `eval` goes to lm_eval unchanged (its `run`, `ls` and `validate` subcommands
too; `run` when none is given), so `clt eval --help` shows lm_eval's own help, after a note
saying what clt adds.
"""

from __future__ import annotations

import argparse
import sys

from clt_plugin.lm_eval_cli import include_paths
from clt_plugin.lm_eval_cli import user_argv as lm_eval_argv


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.usage = "clt eval [run|ls|validate] [lm_eval arguments ...]"

    # lm_eval owns every option after `eval`: hand them over instead of parsing them here.
    def parse_known_args(args=None, namespace=None):
        namespace = namespace if namespace is not None else argparse.Namespace()
        for key, value in parser._defaults.items():
            setattr(namespace, key, value)
        namespace.lm_eval_args = list(args or [])
        return namespace, []

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def help_note() -> str:
    """What `clt eval --help` says before lm_eval's own help."""
    return (
        "clt eval = lm_eval with the clt tasks added. clt appends\n"
        f"  --include_path {include_paths()[0]}\n"
        "(the clt_* tasks; `clt tasks-path` prints the folder) and hands every other argument to lm_eval\n"
        "unchanged (`run` when no subcommand is given). lm_eval's own help follows.\n"
    )


def run(args: argparse.Namespace) -> int:
    argv = lm_eval_argv(args.lm_eval_args)
    if any(a in ("-h", "--help") for a in argv):
        print(help_note(), flush=True)
    from clt_plugin.quiet import quiet

    quiet()  # before lm_eval imports torch: the dependencies' known harmless messages stay out
    from lm_eval.__main__ import cli_evaluate

    saved = sys.argv
    sys.argv = ["lm_eval", *argv]
    try:
        cli_evaluate()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    finally:
        sys.argv = saved
    return 0
