"""`clt eval-run CONFIG`: a trained config's clt_eval, again, outside axolotl. Its own module:
it reads and resolves a config (config_check, resolve), which the evaluation itself must not import
(resolve checks clt_eval's tasks through clt_plugin.axolotl.evaluation)."""

from __future__ import annotations

from pathlib import Path

from clt_plugin.axolotl.config_check import load_config
from clt_plugin.axolotl.evaluation import evaluate_run
from clt_plugin.axolotl.resolve import resolve
from clt_plugin.errors import CLTError


def evaluate_config(path: str | Path) -> list[Path]:
    """`clt eval-run CONFIG`: what the plugin's clt_eval does after training, again, outside axolotl
    (a crashed or interrupted evaluation; checkpoints of a run trained elsewhere). output_dir is
    read as axolotl reads it: relative to the folder it was started from (the sweep folder, for
    `clt sweep`'s launchers)."""
    path = Path(path)
    cfg = load_config(path)
    clt = resolve(cfg, path.resolve().parent, training=True)
    if clt.eval is None:
        raise CLTError(f"{path}: no clt_eval: nothing says which tasks to evaluate the run on")
    if not cfg.get("output_dir"):
        raise CLTError(f"{path}: no output_dir: nothing says where the run's models are")
    return evaluate_run({**cfg, "output_dir": str(Path(cfg["output_dir"]).expanduser().resolve())}, clt.eval)
