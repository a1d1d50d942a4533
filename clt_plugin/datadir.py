"""Where local evaluation data lives: one resolution for every clt task and scorer.

Precedence: ``--metadata '{"data_dir": DIR}'`` (lm-eval passes it to every task), then the
``CLT_DATA_DIR`` environment variable; None means "use the hub". In a data directory each
dataset looks in its own subfolder first (``DIR/mgsm``, ``DIR/m-ifeval``, ...), then in ``DIR``.
The lm-eval tasks (clt_plugin.tasks) and the IFEval scorer (clt_plugin.ifeval) both read it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from clt_plugin.errors import CLTError

ENV_VAR = "CLT_DATA_DIR"


def data_dir(meta: dict[str, Any]) -> Path | None:
    """The local data directory from task metadata or the environment, or None (use the hub)."""
    value = meta.get("data_dir") or os.environ.get(ENV_VAR)
    if not value:
        return None
    path = Path(str(value)).expanduser()
    if not path.is_dir():
        source = "--metadata data_dir" if meta.get("data_dir") else ENV_VAR
        raise CLTError(f"{source}: {value!r} is not a directory")
    return path


def find_file(base: Path | None, subdir: str, names: Iterable[str]) -> Path | None:
    """The first of `names` in `base/subdir`, then in `base` (None: not there, or no base)."""
    if base is None:
        return None
    names = list(names)
    for folder in (base / subdir, base):
        for name in names:
            if (folder / name).is_file():
                return folder / name
    return None
