"""Entry point target for lm-eval's `lm_eval.tasks` plugin group (a directory of task YAMLs)."""

from clt_plugin.resources import tasks_path

TASKS_DIR = str(tasks_path())
