"""axolotl hooks: satisfy validation, build + tokenize the mixture, keep the manifest, evaluate."""

from __future__ import annotations

import shutil
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from axolotl.integrations.base import BasePlugin
from transformers import TrainerCallback

from clt_plugin.axolotl import ARGS_PATH
from clt_plugin.axolotl.args import PLACEHOLDER_DATASET, VALIDATION_PLACEHOLDER
from clt_plugin.axolotl.banner import format_banner, format_row_check, format_size_notes
from clt_plugin.manifest import write_manifest
from clt_plugin.names import MANIFEST_NAME

ROWS_NAME = "clt_training_rows.json"


def _is_main_process() -> bool:
    from axolotl.utils.distributed import is_main_process

    return is_main_process()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class _ManifestIntoCheckpoints(TrainerCallback):
    """Every checkpoint directory carries the manifest too: any of them can be evaluated alone."""

    def __init__(self, manifest_path: Path):
        self.manifest_path = manifest_path

    def on_save(self, args, state, control, **kwargs):
        if state.is_world_process_zero and self.manifest_path.is_file():
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if ckpt.is_dir():
                shutil.copyfile(self.manifest_path, ckpt / MANIFEST_NAME)
        return control


def _holds_out_validation(cfg: dict) -> bool:
    """Whether the mixture spec sets `validation:` rows (an invalid spec is left to axolotl's validation)."""
    from clt_plugin.errors import CLTError
    from clt_plugin.mixture import load_spec

    try:
        spec = load_spec(cfg["clt_mixture"] if isinstance(cfg["clt_mixture"], str) else dict(cfg["clt_mixture"]))
    except (CLTError, TypeError, ValueError):
        return False
    return any(task.validation for task in spec.tasks.values())


class CLTPlugin(BasePlugin):
    """`plugins: [clt_plugin.axolotl.CLTPlugin]`: train on an exact `clt_mixture`."""

    def __init__(self):
        super().__init__()
        self.manifest: dict[str, Any] | None = None

    def get_input_args(self) -> str:
        return ARGS_PATH

    def register(self, cfg: dict) -> None:
        """Runs on the raw config, before axolotl validates it."""
        from clt_plugin.axolotl.config_check import unknown_clt_keys

        unknown = unknown_clt_keys(cfg)
        if unknown:
            # axolotl would drop a misspelled key without a word, and train on something else.
            raise ValueError("; ".join(unknown))
        from clt_plugin.axolotl import batch
        from clt_plugin.errors import CLTError

        try:
            # Here, on the raw config, so axolotl derives batch_size and its step counts from it.
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
        if cfg.get("clt_mixture") is None:
            return
        config_path = cfg.get("axolotl_config_path")
        config_dir = Path(config_path).resolve().parent if config_path else Path.cwd()
        # Relative paths in the config mean "beside the config", wherever axolotl is started from.
        if isinstance(cfg["clt_mixture"], str):
            spec = Path(cfg["clt_mixture"]).expanduser()
            cfg["clt_mixture"] = str(spec if spec.is_absolute() else (config_dir / spec).resolve())
        for key in ("clt_base_dir", "clt_cache_dir"):
            if cfg.get(key):
                p = Path(cfg[key]).expanduser()
                cfg[key] = str(p if p.is_absolute() else (config_dir / p).resolve())
        if cfg.get("datasets") is None and cfg.get("pretraining_dataset") is None:
            # Satisfies axolotl's "datasets or pretraining_dataset is required"; a user-given
            # `datasets:` is left alone so validation can reject the combination with a message.
            entry = dict(PLACEHOLDER_DATASET)
            # axolotl fills a dataset's own chat_template with "tokenizer_default" before it would
            # copy the top-level one over; carry the top-level choice explicitly.
            for key in ("chat_template", "chat_template_jinja"):
                if cfg.get(key):
                    entry[key] = cfg[key]
            cfg["datasets"] = [entry]
            if _holds_out_validation(cfg):
                if cfg.get("val_set_size") or cfg.get("test_datasets"):
                    key = "val_set_size" if cfg.get("val_set_size") else "test_datasets"
                    raise ValueError(
                        f"{key}: {cfg[key]!r} cannot be combined with the clt_mixture's `validation:` "
                        "rows (they are the validation set); remove it"
                    )
                # axolotl evaluates on `test_datasets`; load_datasets points this at the held-out rows.
                cfg["test_datasets"] = [{**entry, "path": VALIDATION_PLACEHOLDER}]

    def load_datasets(self, cfg, preprocess: bool = False):
        if cfg.get("clt_mixture") is None:
            return None
        from clt_plugin.axolotl import data
        from clt_plugin.axolotl.batch import effective

        manifest, train_file, validation_file = data.build(cfg)
        plan = effective(cfg)
        # What this run trains with, beside what it trains on (the engine's cached manifest is left as built).
        manifest = {
            **manifest,
            "batch": {**asdict(plan), "requested_global_batch_size": cfg.get("clt_global_batch_size")},
            "training_seed": cfg.get("seed"),
        }
        self.manifest = manifest
        main = _is_main_process()
        if main:
            _say(format_banner(manifest, str(train_file)))
            _say(f"clt: {plan.describe()}")
            from clt_plugin.axolotl.config_check import grid_size_notes

            notes = grid_size_notes(cfg)  # before GPU hours go into a sweep that cannot be built
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
        from clt_plugin.axolotl.args import CLTEvalArgs
        from clt_plugin.axolotl.evaluation import run_clt_eval

        config_path = cfg.get("axolotl_config_path")
        base_dir = Path(config_path).resolve().parent if config_path else Path.cwd()
        args = cfg["clt_eval"]
        if not isinstance(args, CLTEvalArgs):
            args = CLTEvalArgs.model_validate(dict(args))
        run_clt_eval(cfg, args, base_dir)
