"""The `lm_eval.tasks` entry point: where an installed clt-plugin keeps its lm-eval tasks.

No lm-eval release discovers tasks from installed packages: the clt tasks are found through
`--include_path` (`clt eval` adds it). EleutherAI/lm-evaluation-harness#4015 (open) proposes an
`lm_eval.tasks` entry-point group, read after the built-in tasks and before `--include_path`,
in the `name = "module:object"` form of lm-eval's model and metric plugins. Until its shape is
final, the object here serves either reading: it is the folder's path (a `str`, so
`Path(TASKS)` works) and, called, returns that path. Nothing imports this module today, so the
declaration costs nothing.
"""

from __future__ import annotations

from clt_plugin.resources import tasks_path


class TaskFolder(str):
    """A path string that also answers when called (a plugin API may expect either)."""

    def __call__(self) -> str:
        return str(self)


TASKS = TaskFolder(tasks_path())
