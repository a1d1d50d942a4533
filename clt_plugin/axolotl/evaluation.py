"""`clt_eval:`: run the real lm_eval CLI on the model axolotl just saved.

axolotl's own lm_eval integration only knows lm-eval's built-in tasks; this one always adds the
clt task directory (``--include_path``), so ``clt_*`` tasks -- or any other task name, or a task
YAML path -- work. Results land in ``output_dir/clt_eval/``.
"""

from __future__ import annotations

import difflib
import importlib.util
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
from clt_plugin.names import checkpoint_step

EVAL_DIRNAME = "clt_eval"
COMMAND_FILE = "command.json"  # the exact lm_eval command, written before it runs


def _shipped_tasks() -> set[str]:
    """The clt task and group names lm_eval finds in the shipped folder (each YAML is named after
    what it defines)."""
    from clt_plugin.resources import tasks_path

    return {p.stem for p in tasks_path().rglob("clt_*.yaml")}


def _lm_eval_tasks(include_paths: list[str], builtin: bool) -> set[str]:
    from lm_eval.tasks import TaskManager

    # Indexing lm_eval's own ~14k task files takes seconds: only done for a name found nowhere else.
    return set(
        TaskManager(include_path=[*lm_eval_cli.include_paths(include_paths)], include_defaults=builtin).all_tasks
    )


def task_problems(args: CLTEvalArgs, *, require_lm_eval: bool) -> tuple[list[str], list[str]]:
    """(problems, notes) of a resolved `clt_eval`: task names lm_eval would not find (it would
    only say so after training), and names that cannot be checked without lm_eval."""
    problems: list[str] = []
    shipped = _shipped_tasks()
    unknown = []
    for name in args.task_names():
        if name.endswith((".yaml", ".yml")):
            if not Path(name).is_file():
                problems.append(f"clt_eval.tasks: {name} not found")
        elif name not in shipped:
            unknown.append(name)
    if importlib.util.find_spec("lm_eval") is None:
        if require_lm_eval:  # a core-only training node: say so before the GPU hours, not after
            return [*problems, f"clt_eval needs lm_eval (the 'eval' extra): {extras.install_hint('lm_eval')}"], []
        return problems, [f"clt_eval.tasks: {n} not checked (lm_eval is not installed here)" for n in unknown]
    if unknown:
        known = _lm_eval_tasks(args.include_paths, builtin=False)
        if any(n not in known for n in unknown):
            known |= _lm_eval_tasks(args.include_paths, builtin=True)
        problems += _unknown_names([n for n in unknown if n not in known], args, known | shipped)
    return problems, []


def _unknown_names(names: list[str], args: CLTEvalArgs, known: set[str]) -> list[str]:
    from clt_plugin.families import FAMILIES
    from clt_plugin.names import split_task_name

    def hint(name: str, among) -> str:
        close = difflib.get_close_matches(name, sorted(among), n=1)
        return f" (did you mean {close[0]!r}?)" if close else ""

    if not args.languages:
        return [f"clt_eval.tasks: {n!r} is no task or group lm_eval knows here{hint(n, known)}" for n in names]
    out = []
    for family in args.tasks:
        missing = [n for n in names if split_task_name(n) and split_task_name(n)[0] == family]
        if len(missing) == len(args.languages):
            families = set(FAMILIES) | {split_task_name(n)[0] for n in known if split_task_name(n)}
            out.append(f"clt_eval.tasks: {family!r} is no clt task family{hint(family, families)}")
        elif missing:
            langs = ", ".join(split_task_name(n)[1] for n in missing)
            out.append(f"clt_eval.languages: the {family!r} family has no task in {langs} ({', '.join(missing)})")
    return out


# The model_args key each backend reads a LoRA adapter folder from.
ADAPTER_KEY = {"hf": "peft", "vllm": "lora_local_path"}


def model_args_for(cfg: Any, args: CLTEvalArgs, model_dir: Path | None = None) -> dict[str, Any]:
    """lm_eval's model_args for the run's final model, or for `model_dir` (one of its checkpoints)."""
    out_dir = str(Path(model_dir or cfg["output_dir"]).resolve())
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


def build_command(
    cfg: Any, args: CLTEvalArgs, model_dir: Path | None = None
) -> tuple[list[str], dict[str, str], Path, list[str]]:
    """(argv, extra environment, results dir, include paths) for one lm_eval run of the final model
    or of `model_dir`; writes nothing. `args` is the resolved `clt_eval` (its paths are absolute)."""
    try:
        include = lm_eval_cli.include_paths(args.include_paths)
    except CLTError as e:
        raise CLTError(f"clt_eval: {e}") from None
    tasks = args.task_names()
    results_dir = Path(model_dir or cfg["output_dir"]).resolve() / EVAL_DIRNAME
    argv = lm_eval_cli.run_argv(
        {
            "model": args.model,
            "model_args": ",".join(f"{k}={v}" for k, v in model_args_for(cfg, args, model_dir).items()),
            "tasks": ",".join(tasks),
            "batch_size": args.batch_size,
            # vLLM places the model itself (tensor_parallel_size in model_args); hf needs a device.
            "device": args.device or (lm_eval_cli.default_device() if args.model == "hf" else None),
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


def run_clt_eval(cfg: Any, args: CLTEvalArgs, model_dir: Path | None = None) -> Path:
    """lm_eval on the run's final model (or on `model_dir`); results in its clt_eval/ folder."""
    extras.require("lm_eval", "clt_eval")  # a core-only training node: say so before lm_eval fails
    argv, env, results_dir, include = build_command(cfg, args, model_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    if "--config" in argv:
        atomic_write_text(argv[argv.index("--config") + 1], yaml.safe_dump(lm_eval_cli.config_for(include)))
    atomic_write_json(results_dir / COMMAND_FILE, {"argv": argv[1:], "env": env})
    print(
        f"clt: evaluating {argv[argv.index('--model_args') + 1]} on {argv[argv.index('--tasks') + 1]}",
        file=sys.stderr,
        flush=True,
    )
    proc = subprocess.run(argv, env={**os.environ, **env}, check=False)
    if proc.returncode != 0:
        raise CLTError(
            f"clt_eval: lm_eval exited with status {proc.returncode} (command in {results_dir / COMMAND_FILE})"
        )
    return results_dir


def checkpoint_dirs(output_dir: Path) -> list[Path]:
    """The run's checkpoint-N folders, in training order."""
    found = [(checkpoint_step(p), p) for p in output_dir.iterdir() if p.is_dir()] if output_dir.is_dir() else []
    return [p for step, p in sorted((s, p) for s, p in found if s is not None)]


def _holds_a_model(folder: Path) -> bool:
    return (folder / "config.json").is_file() or (folder / "adapter_config.json").is_file()


def _evaluated(results_dir: Path, argv: list[str]) -> bool:
    """This very command already ran to the end there (lm_eval writes results_*.json last)."""
    from clt_plugin.io import read_json

    command = results_dir / COMMAND_FILE
    if not command.is_file() or not any(results_dir.rglob("results_*.json")):
        return False
    try:
        return read_json(command).get("argv") == argv[1:]
    except CLTError:
        return False


def evaluate_run(cfg: Any, args: CLTEvalArgs) -> list[Path]:
    """`clt_eval` for a whole run: every checkpoint-N it kept (with `checkpoints: true`), then the
    final model, each its own lm_eval run (pretrained=.../checkpoint-N). A model whose results are
    already there from the same command is skipped, so a rerun after a crash evaluates only what
    is missing; a folder without a model (training stopped before it) is named and left out."""
    out = Path(cfg["output_dir"]).resolve()
    results = []
    for model_dir in [*(checkpoint_dirs(out) if args.checkpoints else []), out]:
        if not _holds_a_model(model_dir):
            print(f"clt: no model in {model_dir} to evaluate (training not finished?)", file=sys.stderr, flush=True)
            continue
        argv = build_command(cfg, args, model_dir)[0]
        if _evaluated(model_dir / EVAL_DIRNAME, argv):
            print(f"clt: {model_dir} is already evaluated ({model_dir / EVAL_DIRNAME})", file=sys.stderr, flush=True)
            results.append(model_dir / EVAL_DIRNAME)
            continue
        results.append(run_clt_eval(cfg, args, model_dir))
    return results
