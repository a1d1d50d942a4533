"""The names that tie the pieces together: clt task names, and the manifest beside a model.

A clt task is `clt_{family}_{lang}` and a family's group is `clt_{family}`. These functions are
the only places that build or take apart such a name: the generator, the plugin's `clt_eval`,
the demo, the judge, the analysis and the leaderboard all call them.
"""

from __future__ import annotations

import os
import re

from clt_plugin import languages

# transformers' checkpoint folders: PREFIX_CHECKPOINT_DIR ("checkpoint") + "-" + the global step.
_CHECKPOINT_DIR = re.compile(r"checkpoint-(\d+)")


def checkpoint_step(model_dir: str | os.PathLike) -> int | None:
    """N for a `.../checkpoint-N` folder (what the plugin evaluates and the analysis places), else None."""
    found = _CHECKPOINT_DIR.fullmatch(os.path.basename(os.path.normpath(model_dir)))
    return int(found.group(1)) if found else None


# What the axolotl plugin writes beside a trained model and the analysis reads back.
MANIFEST_NAME = "clt_manifest.json"
# The training step whose weights the final model holds ({"step": N, "why": ...}): the last step,
# or the best checkpoint's when `load_best_model_at_end` loaded it (the paper's choice), which
# transformers' own trainer_state.json does not say.
WEIGHTS_STEP_NAME = "clt_weights_step.json"
PREFIX = "clt_"


def task_name(family: str, lang: str) -> str:
    """('mgsm', 'es') -> 'clt_mgsm_es'."""
    return f"{PREFIX}{family}_{lang}"


def group_name(family: str) -> str:
    """'mgsm' -> 'clt_mgsm': the family's group task (its languages, macro-averaged)."""
    return f"{PREFIX}{family}"


def family_part(name: str) -> str:
    """'clt_mgsm' or 'mgsm' -> 'mgsm': what a user may type for a family, without the prefix."""
    return name.removeprefix(PREFIX)


def split_task(task: str) -> tuple[str, str] | None:
    """`clt_{family}_{lang}` -> (family, lang) when lang is a registry code, else None (a group,
    another harness's task)."""
    if not task.startswith(PREFIX):
        return None
    family, sep, lang = task.removeprefix(PREFIX).rpartition("_")
    if not sep or not family or lang not in languages.LANGUAGES:
        return None
    return family, lang


# The name callers used before issue 22; the same function.
split_task_name = split_task
