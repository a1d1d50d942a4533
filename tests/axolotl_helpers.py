"""Shared by the axolotl plugin and sweep tests: configs on the tiny model, real CLI runs, and
reading back what axolotl actually tokenized."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
TINY_CPU = REPO / "axolotl_configs" / "tiny-cpu"
BIN = Path(sys.executable).parent
AXOLOTL = str(BIN / "axolotl")
CLT = str(BIN / "clt")


def run_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", AXOLOTL_DO_NOT_TRACK="1", TOKENIZERS_PARALLELISM="false")
    return env


def write_config(path: Path, tiny_model: Path, work: Path, base: str = "math.yaml", **overrides: Any) -> Path:
    """A tiny-cpu config on the tiny model, every output under `work`."""
    cfg = yaml.safe_load((TINY_CPU / base).read_text(encoding="utf-8"))
    cfg.update(
        base_model=str(tiny_model),
        output_dir=str(work / "out"),
        dataset_prepared_path=str(work / "prepared"),
        clt_cache_dir=str(work / "clt-cache"),
        clt_base_dir=str(TINY_CPU),  # the fixture rows ship beside the tiny-cpu config
    )
    for key, value in overrides.items():
        if value is None:
            cfg.pop(key, None)
        else:
            cfg[key] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def validate_like_axolotl(path: Path, tiny_model: Path, tmp_path: Path, **overrides: Any):
    """What `axolotl train` does to a config before it touches data: register the plugins on the
    raw config, validate with plugin keys merged in, normalize (loads the model config)."""
    from axolotl.cli.config import gpu_capabilities, prepare_plugins
    from axolotl.utils.config import normalize_cfg_datasets, normalize_config, validate_config
    from axolotl.utils.dict import DictDefault

    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw.update(base_model=str(tiny_model), output_dir=str(tmp_path / "out"), axolotl_config_path=str(path))
    raw.update(overrides)
    cfg = DictDefault(raw)
    prepare_plugins(cfg)
    capabilities, env_capabilities = gpu_capabilities()
    cfg = validate_config(cfg, capabilities=capabilities, env_capabilities=env_capabilities)
    normalize_config(cfg)
    normalize_cfg_datasets(cfg)
    return cfg


# What `axolotl fetch deepspeed_configs` (GitHub, unreachable in tests) provides as zero3_bf16.json:
# a ZeRO stage-3 config whose batch, precision and clipping follow the axolotl config ("auto").
ZERO3_BF16 = {
    "zero_optimization": {
        "stage": 3,
        "overlap_comm": True,
        "contiguous_gradients": True,
        "stage3_gather_16bit_weights_on_model_save": True,
    },
    "bf16": {"enabled": "auto"},
    "gradient_accumulation_steps": "auto",
    "gradient_clipping": "auto",
    "train_batch_size": "auto",
    "train_micro_batch_size_per_gpu": "auto",
}


def write_zero3(folder: Path) -> Path:
    """deepspeed_configs/zero3_bf16.json under `folder`, where the shipped ZeRO-3 configs look for it."""
    path = folder / "deepspeed_configs" / "zero3_bf16.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ZERO3_BF16, indent=2), encoding="utf-8")
    return path


def axolotl(command: str, config: Path, log: Path, *extra: str) -> subprocess.CompletedProcess:
    argv = [AXOLOTL, command, str(config), *extra]
    if command == "train":
        argv += ["--launcher", "python"]
    proc = subprocess.run(argv, cwd=config.parent, env=run_env(), capture_output=True, text=True, timeout=900)
    log.write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr, encoding="utf-8")
    return proc


def clt(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLT, *args], cwd=cwd, env=run_env(), capture_output=True, text=True, timeout=300)


def prepared_datasets(prepared: Path) -> list[Path]:
    """axolotl's tokenized datasets (one folder per dataset hash) under dataset_prepared_path."""
    return sorted(p.parent for p in prepared.glob("*/dataset_info.json") if p.parent.name != "clt_mixtures")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def decoded_rows(dataset_dir: Path, tokenizer_dir: Path) -> list[str]:
    from datasets import load_from_disk
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    ds = load_from_disk(str(dataset_dir))
    return [tok.decode(ids) for ids in ds["input_ids"]]


def label(decoded: list[str], mixture_rows: list[dict]) -> list[tuple[str, str, str]]:
    """Which mixture row each tokenized row is: (task, lang, source_id), each matched exactly once."""
    keys = []
    for row in mixture_rows:
        user = next(m["content"] for m in row["messages"] if m["role"] == "user")
        reply = next(m["content"] for m in row["messages"] if m["role"] == "assistant")
        keys.append((user, reply, (row["clt"]["task"], row["clt"]["lang"], row["clt"]["source_id"])))
    out = []
    for text in decoded:
        hits = [who for user, reply, who in keys if user in text and reply in text]
        assert len(hits) == 1, f"tokenized row matches {len(hits)} mixture rows: {text[:120]!r}"
        out.append(hits[0])
    return out


def counts_of(labels: list[tuple[str, str, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for (task, lang), n in collections.Counter((t, l) for t, l, _ in labels).items():
        out[task][lang] = n
    return dict(out)
