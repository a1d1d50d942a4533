"""benchmarks/gpu_check.sh --dry-run: the config it would train is the shipped paper config with
only the offline swaps, it passes `clt check-config`, and the commands are the real ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from axolotl_helpers import REPO, run_env

SHIPPED = REPO / "axolotl_configs" / "llama-3.1-8b" / "math.yaml"


def test_dry_run_writes_the_shipped_config_with_only_the_offline_swaps(tmp_path):
    work = tmp_path / "gc"
    proc = subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh"), "--dry-run", "--work", str(work)],
        cwd=tmp_path,
        env={**run_env(), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{work}/config.yaml: ok (clt_mixture is read by the clt plugin)" in proc.stdout
    lines = [line for line in proc.stdout.splitlines() if line.startswith("would run")]
    assert (
        lines[0] == f"would run [train]: {Path(sys.executable).parent}/axolotl train config.yaml --launcher accelerate"
    )
    assert lines[1].startswith(f"would run [eval]: {Path(sys.executable).parent}/clt eval --model hf")
    assert "--tasks clt_synth_math_en\\,clt_synth_math_es" in lines[1]

    shipped = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    derived = yaml.safe_load((work / "config.yaml").read_text(encoding="utf-8"))
    changed = {k for k in shipped.keys() | derived.keys() if shipped.get(k) != derived.get(k)}
    assert changed <= {
        "base_model",
        "chat_template",
        "clt_mixture",
        "max_steps",
        "eval_steps",
        "save_steps",
        "logging_steps",
        "output_dir",
        "dataset_prepared_path",
        "clt_cache_dir",
        "deepspeed",
        "flash_attention",
        "sdp_attention",
    }
    # What the check is about stays as shipped: ZeRO-3, the global batch, the held-out validation rows.
    assert derived["clt_global_batch_size"] == shipped["clt_global_batch_size"] == 64
    assert "gradient_accumulation_steps" not in derived and "val_set_size" not in derived
    assert Path(derived["deepspeed"]) == work / "deepspeed_configs" / "zero3_bf16.json"
    assert '"stage": 3' in Path(derived["deepspeed"]).read_text(encoding="utf-8")
    (task,) = derived["clt_mixture"]["tasks"].values()
    assert (task["english"], task["per_language"], task["validation"], derived["max_steps"]) == (24, 16, 4, 20)
    for key in ("seed", "alignment", "language_check", "mode"):
        assert derived["clt_mixture"][key] == shipped["clt_mixture"][key]
    assert derived["base_model"] == str(work / "smollm2-135m-instruct")
    assert not (work / "model").exists()  # nothing trained


def test_unknown_argument_is_refused(tmp_path):
    proc = subprocess.run(
        ["bash", str(REPO / "benchmarks" / "gpu_check.sh"), "--gpus", "8"],
        cwd=tmp_path,
        env={**run_env(), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "gpu_check: unknown argument --gpus" in proc.stderr
