"""`clt_eval:`: run the real lm_eval CLI on the model axolotl just saved.

axolotl's own lm_eval integration only knows lm-eval's built-in tasks; this one always adds the
clt task directory (``--include_path``), so ``clt_*`` tasks -- or any other task name, or a task
YAML path -- work. Results land in ``output_dir/clt_eval/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from clt_plugin import extras, lm_eval_cli
from clt_plugin.axolotl.args import CLTEvalArgs
from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_write_json, atomic_write_text

EVAL_DIRNAME = "clt_eval"


def _default_device() -> str:
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:  # lm_eval's hf model needs torch anyway; let it say so
        return "cpu"


# The model_args key each backend reads a LoRA adapter folder from.
ADAPTER_KEY = {"hf": "peft", "vllm": "lora_local_path"}


def model_args_for(cfg: Any, args: CLTEvalArgs) -> dict[str, Any]:
    out_dir = str(Path(cfg["output_dir"]).resolve())
    if cfg.get("adapter"):
        # A LoRA run saves only the adapter: evaluate it on top of its base model.
        key = ADAPTER_KEY.get(args.model)
        if key is None:
            raise CLTError(
                f"clt_eval.model: {args.model!r} cannot load a LoRA adapter here "
                f"(use one of {', '.join(ADAPTER_KEY)}, or merge the adapter first)"
            )
        margs: dict[str, Any] = {"pretrained": cfg["base_model"], key: out_dir}
    else:
        margs = {"pretrained": out_dir}
    margs.update(args.model_args)
    return margs


def build_command(cfg: Any, args: CLTEvalArgs) -> tuple[list[str], dict[str, str], Path, list[str]]:
    """(argv, extra environment, results dir, include paths) for one lm_eval run; writes nothing.
    `args` is the resolved `clt_eval` (clt_plugin.axolotl.resolve: its paths are absolute)."""
    try:
        include = lm_eval_cli.include_paths(args.include_paths)
    except CLTError as e:
        raise CLTError(f"clt_eval: {e}") from None
    tasks = args.task_names()
    results_dir = Path(cfg["output_dir"]).resolve() / EVAL_DIRNAME
    argv = lm_eval_cli.run_argv(
        {
            "model": args.model,
            "model_args": ",".join(f"{k}={v}" for k, v in model_args_for(cfg, args).items()),
            "tasks": ",".join(tasks),
            "batch_size": args.batch_size,
            # vLLM places the model itself (tensor_parallel_size in model_args); hf needs a device.
            "device": args.device or (_default_device() if args.model == "hf" else None),
            "gen_kwargs": ",".join(f"{k}={v}" for k, v in args.gen_kwargs.items()) or None,
            "output_path": results_dir,
            "limit": args.limit,
            "num_fewshot": args.num_fewshot,
            "log_samples": args.log_samples,
            "apply_chat_template": args.apply_chat_template,
        },
        include,
        results_dir / lm_eval_cli.CONFIG_FILE,
    )
    env = {}
    if args.data_dir:
        env["CLT_DATA_DIR"] = args.data_dir
    return argv, env, results_dir, include


def run_clt_eval(cfg: Any, args: CLTEvalArgs) -> Path:
    extras.require("lm_eval", "clt_eval")  # a core-only training node: say so before lm_eval fails
    argv, env, results_dir, include = build_command(cfg, args)
    results_dir.mkdir(parents=True, exist_ok=True)
    if "--config" in argv:
        atomic_write_text(argv[argv.index("--config") + 1], yaml.safe_dump(lm_eval_cli.config_for(include)))
    atomic_write_json(results_dir / "command.json", {"argv": argv[1:], "env": env})
    print(
        f"clt: evaluating {argv[argv.index('--model_args') + 1]} on {argv[argv.index('--tasks') + 1]}",
        file=sys.stderr,
        flush=True,
    )
    proc = subprocess.run(argv, env={**os.environ, **env}, check=False)
    if proc.returncode != 0:
        raise CLTError(
            f"clt_eval: lm_eval exited with status {proc.returncode} (command in {results_dir / 'command.json'})"
        )
    return results_dir
