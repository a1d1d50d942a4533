"""The package's declared entry points resolve to what the CLI and lm-eval need."""

from importlib.metadata import entry_points
from pathlib import Path

from clt_plugin.resources import tasks_path


def test_lm_eval_tasks_entry_point_names_the_shipped_task_folder():
    (ep,) = [e for e in entry_points(group="lm_eval.tasks") if e.name == "clt"]
    folder = Path(ep.load())
    assert folder == tasks_path()
    assert (folder / "clt_all.yaml").is_file()


def test_console_script_points_at_the_cli():
    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "clt"]
    assert ep.value == "clt_plugin.cli:main"
