"""Quiet the known, harmless messages that dependencies print whenever clt runs axolotl or lm_eval.

Every run of the tools printed the same lines, none of them about the run: torchao's CUDA-only
kernels that cannot load on a CPU machine, torch's deprecation notice for how torchao registers
its enums, DeepSpeed's "Setting accelerator to CPU" (on stdout), and lm_eval's "Custom kwargs can
be passed to --metadata" once per clt task (every clt task builds its items in Python). Each is dropped by a filter on the one logger that emits
it and on its exact wording, so anything else those loggers say still shows. docs/log-messages.md
lists these and the messages that are left to the dependencies.

`python -m clt_plugin.quiet TOOL ARGS...` runs TOOL ARGS... with the filters in place, TOOL being
an installed console script (`lm_eval`, `axolotl`) or else a module (as `python -m` would): clt
launches lm_eval and axolotl through it. In-process commands (`clt eval`, `clt models`) call
`quiet()` before importing torch.
"""

from __future__ import annotations

import logging
import os
import re
import runpy
import sys
from importlib.metadata import entry_points

# Variables set for every tool clt starts. TRANSFORMERS_NO_ADVISORY_WARNINGS: transformers' advice
# for users of its API (e.g. about generation settings) addresses clt's own calls, not the user.
ENV = {"TRANSFORMERS_NO_ADVISORY_WARNINGS": "1"}


def _no_cuda() -> bool:
    import torch  # already imported: torchao imports it before it logs

    return not torch.cuda.is_available()


# logger -> (message pattern, condition): a record is dropped when both match.
FILTERS: dict[str, tuple[re.Pattern[str], object]] = {
    # torchao ships kernels built for CUDA (mxfp8, cutlass sm90a); on a machine without CUDA they
    # cannot load and nothing uses them. On a GPU machine the message is kept: there it matters.
    "torchao": (re.compile(r"Failed to load .*\.so: "), _no_cuda),
    # torchao registers its enums with a torch API that torch now calls deprecated.
    "torch.utils._pytree": (re.compile(r"<enum '\w+'> is an Enum subclass and is now natively supported"), None),
    # DeepSpeed (imported by transformers and axolotl) on a machine without a GPU, on stdout.
    "DeepSpeed": (re.compile(r"Setting accelerator to CPU\. If you have GPU or other accelerator"), None),
    # lm_eval warns for every task whose items come from Python (custom_dataset): all clt tasks.
    "lm_eval.api.task": (re.compile(r"\S+: Custom kwargs can be passed to `--metadata`"), None),
}


class _Drop(logging.Filter):
    def __init__(self, pattern: re.Pattern[str], condition):
        super().__init__()
        self.pattern, self.condition = pattern, condition

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.pattern.match(record.getMessage()):
            return True
        return not (self.condition is None or self.condition())


def quiet() -> None:
    """Install the filters (once per process) and set ENV where the user has not."""
    for key, value in ENV.items():
        os.environ.setdefault(key, value)
    for name, (pattern, condition) in FILTERS.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Drop) for f in logger.filters):
            logger.addFilter(_Drop(pattern, condition))


def argv(tool: str, args: list[str]) -> list[str]:
    """The command line that runs `tool args...` quietly (a console script or a module)."""
    return [sys.executable, "-m", __name__, tool, *args]


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m clt_plugin.quiet TOOL [ARGS...]")
    tool = sys.argv[1]
    quiet()
    script = entry_points(group="console_scripts", name=tool)
    if script:
        # As its console script would start it: the tool names itself in its help and errors from
        # argv[0] (click reads `python -m` from __main__'s package, which is this module's).
        sys.argv = [tool, *sys.argv[2:]]
        globals()["__package__"] = None
        sys.exit(next(iter(script)).load()())
    sys.argv = [tool, *sys.argv[2:]]
    runpy.run_module(tool, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
