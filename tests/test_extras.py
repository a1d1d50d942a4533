"""A core-only install: the package, the mixture and the plugin import and run without the
extras' packages, and a command that needs one says which extra to install.

The extras' packages are hidden from a subprocess by an import hook (a missing package is what
pip leaves out), so the check runs inside the full test environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from synthetic_results import write_results

from clt_plugin import extras
from clt_plugin.errors import CLTError

_HIDE = """
import sys
HIDDEN = set(sys.argv.pop(1).split(","))

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())
"""
CLI = _HIDE + "from clt_plugin.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def run_hidden(code: str, hidden, *args, cwd=None):
    env = {**os.environ, "CLT_CACHE_DIR": str(cwd / "cache")} if cwd else dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", code, ",".join(sorted(hidden)), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


EVERY_EXTRA = set(extras.PROVIDED_BY)


def test_core_commands_run_and_others_name_their_extra(tmp_path):
    mixed = run_hidden(CLI, EVERY_EXTRA, "mix", "-o", tmp_path / "mix", "--json", cwd=tmp_path)
    assert mixed.returncode == 0, mixed.stderr
    assert json.loads((tmp_path / "mix" / "manifest.json").read_text())["counts"]["math"] == {
        "en": 16,
        "es": 8,
        "fr": 8,
        "ja": 8,
        "zh": 8,
    }
    write_results(tmp_path / "runs" / "k0", {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": 0.25}})
    for argv, extra in (
        (["report", tmp_path / "runs", "-o", tmp_path / "r"], "report"),
        (["leaderboard", tmp_path, "-o", tmp_path / "b"], "report"),
        (["eval", "--tasks", "clt_mgsm_en"], "eval"),
    ):
        r = run_hidden(CLI, EVERY_EXTRA, *argv, cwd=tmp_path)
        assert r.returncode == 2, (argv, r.stderr)
        assert f"clt {argv[0]}: error: this needs the '{extra}' extra" in r.stderr
        assert r.stderr.rstrip().endswith(f"pip install 'clt-plugin[{extra}]'"), r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "r").exists() and not (tmp_path / "b").exists()


def test_the_axolotl_plugin_imports_without_the_eval_and_report_extras():
    # axolotl itself needs scipy and jinja2, so a training node has those; everything else of
    # the eval and report extras is hidden.
    hidden = {m for m, extra in extras.PROVIDED_BY.items() if extra == "eval"} | {"matplotlib"}
    code = _HIDE + (
        "import clt_plugin.axolotl.plugin, clt_plugin.axolotl.data, clt_plugin.langid\n"
        "print(sorted(m for m in HIDDEN if m in sys.modules))\n"
    )
    r = run_hidden(code, hidden)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]"


def test_require_and_missing_name_the_extra():
    with pytest.raises(CLTError, match=r"clt_eval needs not_a_module \(the '\?' extra\)"):
        extras.require("not_a_module", "clt_eval")
    err = extras.missing(ModuleNotFoundError("No module named 'matplotlib.pyplot'", name="matplotlib.pyplot"))
    assert str(err) == "this needs the 'report' extra (no module 'matplotlib' here): pip install 'clt-plugin[report]'"
    assert extras.missing(ModuleNotFoundError("x", name="somebody_elses")) is None
