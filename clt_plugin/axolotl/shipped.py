"""The shipped axolotl configs, generated from one table (axolotl has no YAML includes).

`python -m clt_plugin.axolotl.shipped [DIR]` rewrites them (default: the checkout's
axolotl_configs/); a test regenerates them and fails when the checked-in files differ, so a
setting is changed here once, never by hand in 30 near-identical files. Every value is one of
docs/protocol.md's table (the paper's words, the project's choice, why); another test parses that
table and checks the configs against it.

The paper's setting (Shimabucoro et al., 2025): full fine-tuning, batch size 64, constant
learning rate 1e-5, evaluation and a checkpoint every 50 steps, the checkpoint with the lowest
validation loss kept. English is fixed and k examples per seen language are added
(es, fr, ja, zh); `clt sweep` varies k (and, for the script mixes, the languages) over the
grids of clt_plugin.mixture.grid, the one the config names in `clt_grid`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from clt_plugin.axolotl.args import PLUGIN_PATH
from clt_plugin.languages import PAPER_SEEN, SCRIPT_GROUPS
from clt_plugin.mixture.grid import grid_axes

SEED = 1234
GLOBAL_BATCH = 64  # the plugin derives gradient accumulation from it and the GPU count
MICRO_BATCH = 2
# Validation rows per language and task, held out of every grid point's training rows (the same
# rows at every k): 5 languages x 50 = 250 per task, about the 2% a val_set_size would carve.
VALIDATION = 50
SEQUENCE_LEN = 4096  # the longest row kept; unpacked batches pad only to their longest row


@dataclass(frozen=True)
class Mix:
    tasks: tuple[str, ...]
    english: int  # rows per task
    k: int  # the base config's own point of the grid
    languages: tuple[str, ...]
    grid: str  # clt_grid: the paper grid `clt sweep THIS.yaml` writes


_SINGLE = {t: Mix((t,), 10000, 1000, PAPER_SEEN, "paper-single") for t in ("summarization", "instruction", "math")}
# The script mixes are single-task runs on two languages; the base trains the Latin pair and the
# sweep adds the non-Latin one (Figs. 6-8).
_SCRIPT = {
    f"script-{t}": Mix((t,), 10000, 1000, SCRIPT_GROUPS["latin"], "paper-script")
    for t in ("summarization", "instruction", "math")
}
MIXES: dict[str, Mix] = {
    **_SINGLE,
    "multitask": Mix(("summarization", "instruction", "math"), 5000, 500, PAPER_SEEN, "paper-multi"),
    **_SCRIPT,
}

# The runs the paper made per model: Llama single-task only, multi-task on Aya only, script
# mixes on Aya 23 8B only. Qwen2.5 7B is not in the paper: a further base model, single-task.
MODELS: dict[str, dict[str, Any]] = {
    "llama-3.1-8b": {
        "base_model": "meta-llama/Llama-3.1-8B",
        "chat_template": "tokenizer_default_fallback_llama3",
        "layer": "LlamaDecoderLayer",
        "mixes": tuple(_SINGLE),
    },
    "aya-23-8b": {
        "base_model": "CohereForAI/aya-23-8B",
        "chat_template": "tokenizer_default_fallback_cohere",
        "layer": "CohereDecoderLayer",
        "mixes": tuple(MIXES),
    },
    "qwen2.5-7b": {
        "base_model": "Qwen/Qwen2.5-7B",
        "chat_template": "tokenizer_default_fallback_qwen_25",
        "layer": "Qwen2DecoderLayer",
        "mixes": tuple(_SINGLE),
    },
    "aya-23-35b": {
        "base_model": "CohereForAI/aya-23-35B",
        "chat_template": "tokenizer_default_fallback_cohere",
        "layer": "CohereDecoderLayer",
        "mixes": (*_SINGLE, "multitask"),
    },
}

# (directory, model, sharding): every model gets ZeRO-3; the 35B model also an FSDP variant.
VARIANTS = [
    ("llama-3.1-8b", "llama-3.1-8b", "zero3"),
    ("aya-23-8b", "aya-23-8b", "zero3"),
    ("qwen2.5-7b", "qwen2.5-7b", "zero3"),
    ("aya-23-35b-zero3", "aya-23-35b", "zero3"),
    ("aya-23-35b-fsdp", "aya-23-35b", "fsdp"),
]

SOURCES: dict[str, dict[str, Any]] = {
    # csebuetnlp/xlsum, one hub config per language; the reply is the reference summary.
    "summarization": {"dataset": "xlsum"},
    # allenai/WildChat-1M: real user conversations with GPT-3.5/GPT-4 replies, the public analogue of
    # the paper's ShareGPT prompts; no lineage to any evaluation set. MBZUAI/Bactrian-X (`dataset:
    # bactrian`, decontaminated by lineage) is the named alternative: docs/data-sources.md.
    "instruction": {"dataset": "wildchat"},
    # laihuiyuan/mCoT-MATH, streamed (one 11.6 GB JSON file).
    "math": {"dataset": "mcot_math"},
}

DEEPSPEED = "deepspeed_configs/zero3_bf16.json"  # from `axolotl fetch deepspeed_configs`

# Checked-in grids, written by `clt sweep` itself: (base config, grid, output folder).
GRIDS = [
    ("llama-3.1-8b/math.yaml", "paper-single", "grids/llama-3.1-8b-math"),
    ("aya-23-8b/script-math.yaml", "paper-script", "grids/aya-23-8b-script-math"),
]


def mixture(mix: str) -> dict[str, Any]:
    m = MIXES[mix]
    return {
        "seed": SEED,
        "mode": "augment",
        "alignment": "independent",
        "on_shortage": "error",
        "language_check": "drop",
        # every row overlapping a clt evaluation item leaves the pool before sampling
        "decontaminate": True,
        "tasks": {
            t: {
                "source": dict(SOURCES[t]),
                "english": m.english,
                "per_language": m.k,
                "languages": list(m.languages),
                "validation": VALIDATION,
            }
            for t in m.tasks
        },
    }


def config(variant: str, model: str, sharding: str, mix: str) -> dict[str, Any]:
    m = MODELS[model]
    cfg: dict[str, Any] = {
        "base_model": m["base_model"],
        "plugins": [PLUGIN_PATH],
        "clt_mixture": mixture(mix),
        "clt_grid": MIXES[mix].grid,
        "chat_template": m["chat_template"],
        "sequence_len": SEQUENCE_LEN,
        "sample_packing": False,  # batch 64 counts examples, as in the paper
        "dataset_prepared_path": "./outputs/prepared",
        "output_dir": f"./outputs/{variant}/{mix}",
        "clt_global_batch_size": GLOBAL_BATCH,
        "micro_batch_size": MICRO_BATCH,
        "num_epochs": 1,
        "optimizer": "adamw_torch_fused",
        "learning_rate": 1.0e-5,
        "lr_scheduler": "constant",
        "warmup_steps": 0,
        "weight_decay": 0.0,
        "bf16": "auto",
        "tf32": True,
        "flash_attention": True,
        "gradient_checkpointing": True,
        "eval_strategy": "steps",
        "eval_steps": 50,
        "save_strategy": "steps",
        "save_steps": 50,
        "save_total_limit": 2,
        "load_best_model_at_end": True,
        "metric_for_best_model": "eval_loss",
        "greater_is_better": False,
        "logging_steps": 10,
        "seed": SEED,
    }
    if sharding == "zero3":
        cfg["deepspeed"] = DEEPSPEED
    else:
        cfg["fsdp_version"] = 2
        cfg["fsdp_config"] = {
            "offload_params": False,
            "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
            "transformer_layer_cls_to_wrap": m["layer"],
            # A full state dict: the final model loads in lm_eval without a merge step.
            "state_dict_type": "FULL_STATE_DICT",
            "reshard_after_forward": True,
            "cpu_ram_efficient_loading": True,
        }
    return cfg


def _grid_line(grid: str) -> str:
    ks, sets = grid_axes(grid)
    over = f"k = {', '.join(map(str, ks))}"
    if sets:
        over = " and ".join(f"{name} ({', '.join(langs)})" for name, langs in sets.items()) + f", each at {over}"
    return f"# Grid ({grid}): clt sweep THIS.yaml -o DIR   ({over})\n"


def header(variant: str, model: str, sharding: str, mix: str) -> str:
    m = MIXES[mix]
    shard = "DeepSpeed ZeRO-3 (run `axolotl fetch deepspeed_configs` first)" if sharding == "zero3" else "FSDP2"
    return (
        f"# {MODELS[model]['base_model']}, {mix}: {m.english} English per task + {m.k} per language of "
        f"{', '.join(m.languages)} ({', '.join(m.tasks)}).\n"
        f"# Paper setting: full fine-tuning, global batch {GLOBAL_BATCH} on any GPU count (the clt plugin sets "
        f"gradient accumulation = {GLOBAL_BATCH} / (GPUs x micro {MICRO_BATCH})), constant LR 1e-5,\n"
        f"# eval + checkpoint every 50 steps, best checkpoint on validation loss; {shard}.\n"
        f"# Validation: {VALIDATION} held-out rows per language and task, the same at every k, never trained on.\n"
        + _grid_line(m.grid)
        + "# Every value here is in docs/protocol.md (the paper's words, the choice made, why).\n"
        f"{GENERATED} -- edit that table, not this file.\n"
    )


def render_all() -> dict[str, str]:
    """{relative path: file text} for every generated config."""
    out = {}
    for variant, model, sharding in VARIANTS:
        for mix in MODELS[model]["mixes"]:
            text = header(variant, model, sharding, mix) + yaml.safe_dump(
                config(variant, model, sharding, mix), sort_keys=False, allow_unicode=True, width=100
            )
            out[f"{variant}/{mix}.yaml"] = text
    return out


def render_grids(root: str | Path) -> dict[str, dict[str, str]]:
    """{grid folder: {filename: text}} exactly as `clt sweep` writes them under `root`."""
    from clt_plugin.axolotl.sweep import named_grid, plan

    root = Path(root).resolve()  # as the test renders them: a relative -o would be named in the Slurm script
    return {out: plan(root / base, named_grid(grid), root / out)["files"] for base, grid, out in GRIDS}


def write_all(root: str | Path) -> list[Path]:
    """Rewrite the generated configs and grids under `root`; a generated file the tables no longer
    make (a config dropped from a model, a grid point dropped from a grid) is removed."""
    from clt_plugin.io import atomic_write_text
    from clt_plugin.outputs import dir_mode

    root = Path(root)
    written = []
    rendered = render_all()
    for rel, text in rendered.items():
        atomic_write_text(root / rel, text)
        written.append(root / rel)
    for variant in {rel.split("/")[0] for rel in rendered}:
        _remove_stale(root / variant, set(rendered), root, GENERATED)
    # The grids after the bases they are made from. Written file by file, not as a `clt sweep`
    # output folder: these live in the package and carry no output marker.
    for out, files in render_grids(root).items():
        for name, text in files.items():
            atomic_write_text(root / out / name, text)
            if name.endswith((".sh", ".sbatch")):
                (root / out / name).chmod(dir_mode())
        _remove_stale(root / out, {f"{out}/{name}" for name in files}, root, SWEPT)
        written.append(root / out)
    return written


GENERATED = "# Generated by clt_plugin/axolotl/shipped.py"
SWEPT = "# Generated by `clt sweep`"


def _remove_stale(folder: Path, keep: set[str], root: Path, mark: str) -> None:
    for path in folder.glob("*.yaml"):
        if path.relative_to(root).as_posix() not in keep and mark in path.read_text(encoding="utf-8"):
            path.unlink()


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    from clt_plugin.resources import configs_path

    target = Path(sys.argv[1]) if len(sys.argv) > 1 else configs_path()
    for p in write_all(target):
        print(p)
