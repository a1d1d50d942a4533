"""Checkpoint evaluations: which runs are a training run's intermediate checkpoints, and at which
step each evaluation was taken.

A checkpoint evaluation is an lm-eval run whose model directory (`peft=` or `pretrained=`) is a
Hugging Face Trainer checkpoint, `.../checkpoint-N`: its step is N and its training run the
folder above it. Any other run evaluates a training run's final model, whose step is the one the
plugin recorded beside it (clt_weights_step.json: the best checkpoint's with
load_best_model_at_end, as the shipped configs train), else the `global_step` of the
`trainer_state.json` beside it, else "final" (after every checkpoint). The matrix's rows are final models; checkpoint evaluations feed Spearman's
rho over training (rho_checkpoints) and the training curves. A training run evaluated only at
checkpoints is represented by its last one.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from clt_plugin.errors import CLTError
from clt_plugin.io import read_json
from clt_plugin.names import WEIGHTS_STEP_NAME, checkpoint_step

if TYPE_CHECKING:
    from clt_plugin.analysis.results import RunResults

FINAL = "final"
TRAINER_STATE = "trainer_state.json"  # what the Hugging Face Trainer writes beside a checkpoint

Step = int | str  # a step, or FINAL


def step_key(step: Step) -> tuple[int, int]:
    """Sorts steps in training order, FINAL last."""
    return (1, 0) if step == FINAL else (0, int(step))


@dataclass(frozen=True)
class TrainingPoint:
    training_run: str | None  # the training output folder (normalized); None: no model folder
    step: Step
    checkpoint: bool


def training_point(run: RunResults) -> TrainingPoint:
    model_dir = run.model_dir()
    if not model_dir:
        return TrainingPoint(None, FINAL, False)
    path = os.path.normpath(model_dir)
    step = checkpoint_step(path)
    if step is None:
        return TrainingPoint(path, FINAL, False)
    return TrainingPoint(os.path.dirname(path), step, True)


def model_json(model_dir: str, name: str, what: str) -> dict | None:
    """A JSON object that training wrote beside a model (config.json, trainer_state.json); None
    when there is none or it cannot be read: it only adds detail, the analysis stands without it."""
    path = os.path.join(model_dir, name)
    if not os.path.isfile(path):
        return None
    try:
        doc = read_json(path, what)
    except CLTError:
        return None
    return doc if isinstance(doc, dict) else None


def _step(value: object) -> Step | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def final_step(model_dir: str) -> Step:
    """The step whose weights the final model holds: what the plugin recorded (the best
    checkpoint's step when load_best_model_at_end loaded it), else `global_step` of its
    trainer_state.json, else FINAL."""
    recorded = model_json(model_dir, WEIGHTS_STEP_NAME, "weights step")
    if recorded is not None and _step(recorded.get("step")) is not None:
        return recorded["step"]
    state = model_json(model_dir, TRAINER_STATE, "trainer state")
    step = _step(state.get("global_step")) if state is not None else None
    return FINAL if step is None else step


@dataclass
class Split:
    finals: list[RunResults]  # one per training run: the matrix's rows
    checkpoints: list[RunResults]  # the other evaluations of those training runs
    points: dict[str, TrainingPoint]  # run name -> where in training it was evaluated


def split_checkpoints(runs: Sequence[RunResults], notes: list[str]) -> Split:
    """Final-model runs apart from checkpoint evaluations; a training run evaluated only at
    checkpoints is represented by its last one (noted)."""
    points = {r.name: training_point(r) for r in runs}
    by_training: dict[str, list[RunResults]] = {}
    for r in runs:
        if points[r.name].checkpoint:
            by_training.setdefault(points[r.name].training_run, []).append(r)
    if not by_training:
        return Split(list(runs), [], points)
    finals = [r for r in runs if not points[r.name].checkpoint]
    with_final = {points[r.name].training_run for r in finals}
    promoted = set()
    for training, evals in by_training.items():
        if training in with_final:
            continue
        last = max(evals, key=lambda r: step_key(points[r.name].step))
        promoted.add(last.name)
        notes.append(
            f"run {last.name}: its training run ({training}) has no final-model evaluation; its last checkpoint stands for it"
        )
    for r in finals:  # the final model's step orders it among its checkpoints
        if points[r.name].training_run in by_training:
            points[r.name] = TrainingPoint(points[r.name].training_run, final_step(r.model_dir()), False)
    finals = [r for r in runs if not points[r.name].checkpoint or r.name in promoted]
    checkpoints = [r for r in runs if points[r.name].checkpoint and r.name not in promoted]
    n_training = len(by_training)
    notes.append(
        f"{len(checkpoints) + len(promoted)} checkpoint evaluations of {n_training} training run"
        f"{'s' if n_training != 1 else ''}: rows show final models; checkpoints count in rho over training"
    )
    return Split(finals, checkpoints, points)
