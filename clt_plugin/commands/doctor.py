"""clt doctor [--task NAME]: how this environment finds the clt tasks, and the command that runs them."""

from __future__ import annotations

from clt_plugin.doctor import DEFAULT_TASK, diagnose, render


def add_arguments(parser):
    parser.add_argument("--task", default=DEFAULT_TASK, help=f"the clt task to look for (default {DEFAULT_TASK})")


def run(args) -> int:
    diagnosis = diagnose(args.task)
    print(render(diagnosis))
    return 0 if diagnosis.runnable else 1
