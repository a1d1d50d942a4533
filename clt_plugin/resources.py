"""Where the shipped lm-eval tasks, axolotl configs and example data live.

In a checkout they are the top-level folders; in a wheel, setup.py copies them into
``clt_plugin/_bundled`` so a non-editable install has them too.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent
_CHECKOUT = _PKG.parent


def _find(name: str) -> Path:
    for candidate in (_PKG / "_bundled" / name, _CHECKOUT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"clt-plugin is missing its {name}/ folder (looked in {_PKG / '_bundled'} and {_CHECKOUT})")


def tasks_path() -> Path:
    """The directory to pass to ``lm_eval --include_path``."""
    return _find("lm_eval_tasks")


def configs_path() -> Path:
    return _find("axolotl_configs")


def example_data_path() -> Path:
    """Small example data that ships inside the package (what ``clt mix`` builds when given no spec)."""
    return _PKG / "data"


def user_cache_dir() -> Path:
    """The one cache root for every clt cache (mixtures, judge ratings).

    ``$CLT_CACHE_DIR``, else ``$XDG_CACHE_HOME/clt``, else ``~/.cache/clt``.
    """
    explicit = os.environ.get("CLT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "clt"
