"""axolotl hooks: satisfy validation, build + tokenize the mixture, keep the manifest, evaluate."""

from __future__ import annotations

import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

from clt_plugin.axolotl.args import ARGS_PATH
from clt_plugin.axolotl.banner import format_banner, format_row_check, format_size_notes
from clt_plugin.axolotl.resolve import PluginConfig
from clt_plugin.io import atomic_write_json
from clt_plugin.manifest import write_manifest
from clt_plugin.names import MANIFEST_NAME, WEIGHTS_STEP_NAME, checkpoint_step

ROWS_NAME = "clt_training_rows.json"
TRAINER_STATE = "trainer_state.json"  # transformers.trainer.TRAINER_STATE_NAME


def _is_main_process() -> bool:
    from axolotl.utils.distributed import is_main_process

    return is_main_process()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _ManifestIntoCheckpoints(TrainerCallback):
    """Every checkpoint directory carries the manifest too: any of them can be evaluated alone.
    At the end, the trainer's state goes beside the final model (transformers writes it only into
    checkpoints), with the step whose weights the final model holds, so the analysis can place it."""

    def __init__(self, manifest_path: Path):
        self.manifest_path = manifest_path

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero and self.manifest_path.is_file():
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if ckpt.is_dir():
                shutil.copyfile(self.manifest_path, ckpt / MANIFEST_NAME)
        return control

    def on_train_end(self, args, state, control, **kwargs):
        # transformers loads the best checkpoint (load_best_model_at_end) before this hook runs, so
        # the weights saved next are that checkpoint's, not the last step's.
        if state.is_world_process_zero:
            out = Path(args.output_dir)
            state.save_to_json(str(out / TRAINER_STATE))
            best = checkpoint_step(state.best_model_checkpoint) if state.best_model_checkpoint else None
            if args.load_best_model_at_end and best is not None:
                doc = {"step": best, "why": "best checkpoint by evaluation loss (load_best_model_at_end)"}
            else:
                doc = {"step": state.global_step, "why": "last training step"}
            atomic_write_json(out / WEIGHTS_STEP_NAME, doc)
        return control


class CLTPlugin(BasePlugin):
    """`plugins: [clt_plugin.axolotl.CLTPlugin]`: train on an exact `clt_mixture`."""

    def __init__(self):
        super().__init__()
        self.clt: PluginConfig | None = None  # the clt keys, resolved once in register
        self.manifest: dict[str, Any] | None = None

    def get_input_args(self) -> str:
        return ARGS_PATH

    def register(self, cfg: dict) -> None:
        """Runs on the raw config, before axolotl validates it: resolve the clt keys once (every
        later hook reads `self.clt`), and edit the raw config only where axolotl needs it."""
        from clt_plugin.axolotl import batch, data
        from clt_plugin.axolotl.resolve import resolve
        from clt_plugin.errors import CLTError

        try:
            # Unknown clt keys are refused here too: axolotl would drop one without a word.
            self.clt = resolve(cfg, training=True)
            # On the raw config, so axolotl derives batch_size and its step counts from it.
            batch.apply(cfg)
        except CLTError as e:
            raise ValueError(str(e)) from None
        deepspeed = cfg.get("deepspeed")
        if isinstance(deepspeed, str) and deepspeed.endswith(".json") and not Path(deepspeed).is_file():
            # accelerate would otherwise try to parse the path itself as JSON ("Expecting value").
            raise ValueError(
                f"deepspeed: {deepspeed} not found from {Path.cwd()} (axolotl reads it relative to where "
                "it starts): run `axolotl fetch deepspeed_configs` in this folder first"
            )
        if self.clt.mixture is not None and cfg.get("datasets") is None and cfg.get("pretraining_dataset") is None:
            # axolotl 0.19 refuses a config with neither `datasets` nor `pretraining_dataset`, and
            # refuses eval_strategy/eval_steps with val_set_size 0 unless `test_datasets` is set;
            # placeholder entries satisfy both and let axolotl validate the chat_template options
            # the mixture is tokenized with. load_datasets points them at the built files.
            cfg.update(data.placeholders(cfg, self.clt.holds_out_validation))

    def _resolved(self, cfg) -> PluginConfig:
        """What register resolved; resolved here when axolotl's config was built without it."""
        if self.clt is None:
            from clt_plugin.axolotl.resolve import resolve

            self.clt = resolve(cfg, training=True)
        return self.clt

    def load_datasets(self, cfg, preprocess: bool = False):
        if cfg.get("clt_mixture") is None:
            return None
        from clt_plugin.axolotl import data
        from clt_plugin.axolotl.batch import effective

        clt = self._resolved(cfg)
        manifest, train_file, validation_file = data.build(clt, cfg)
        plan = effective(cfg)
        # What this run trains with, beside what it trains on (the engine's cached manifest is left as built).
        manifest = {
            **manifest,
            "batch": {**asdict(plan), "requested_global_batch_size": clt.global_batch_size},
            "training_seed": cfg.get("seed"),
        }
        self.manifest = manifest
        main = _is_main_process()
        if main:
            _say(format_banner(manifest, str(train_file)))
            _say(f"clt: {plan.describe()}")
            from clt_plugin.axolotl.config_check import grid_size_notes

            notes = grid_size_notes(clt)  # before GPU hours go into a sweep that cannot be built
            if notes:
                _say(format_size_notes(notes))
        if main and not preprocess:
            # Written before tokenization and training: a crashed run still says what it trained on.
            write_manifest(Path(cfg["output_dir"]) / MANIFEST_NAME, manifest)
        meta = data.tokenize(cfg, train_file, validation_file)
        if main:
            record = data.row_record(manifest, meta, cfg, train_file)
            _say(format_row_check(record))
            if not preprocess:
                data.write_json_copy(Path(cfg["output_dir"]) / ROWS_NAME, record)
        return meta

    def add_callbacks_post_trainer(self, cfg, trainer):
        if cfg.get("clt_mixture") is None:
            return []
        return [_ManifestIntoCheckpoints(Path(cfg["output_dir"]) / MANIFEST_NAME)]

    def post_train(self, cfg, model):
        # The final model is saved into output_dir; make sure the manifest is still beside it.
        if self.manifest is not None and _is_main_process():
            target = Path(cfg["output_dir"]) / MANIFEST_NAME
            if not target.is_file():
                write_manifest(target, self.manifest)

    def post_train_unload(self, cfg):
        # Runs after axolotl has freed the model, so lm_eval gets the memory.
        if not cfg.get("clt_eval") or not _is_main_process():
            return
        from clt_plugin.axolotl.evaluation import evaluate_run

        evaluate_run(cfg, self._resolved(cfg).eval)
