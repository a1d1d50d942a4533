"""The package's declared entry points: the `clt` console script. (lm-eval 0.4.x reads no task
entry point: its tasks are found through --include_path, which `clt eval` adds.)"""

from importlib.metadata import entry_points


def test_console_script_points_at_the_cli():
    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "clt"]
    assert ep.value == "clt_plugin.cli:main"
