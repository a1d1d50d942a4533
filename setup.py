"""Ship the top-level lm_eval_tasks/ and axolotl_configs/ inside the wheel (as clt_plugin/_bundled)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

BUNDLED = ("lm_eval_tasks", "axolotl_configs")


class BuildPyWithBundled(build_py):
    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        for name in BUNDLED:
            dest = Path(self.build_lib) / "clt_plugin" / "_bundled" / name
            if dest.exists():
                shutil.rmtree(dest)
            shutil.copytree(root / name, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithBundled})
