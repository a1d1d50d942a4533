"""`clt_global_batch_size`: the paper's batch of 64 on whatever number of GPUs a run gets.

The global batch is micro_batch_size x gradient_accumulation_steps x data-parallel processes.
The plugin derives the accumulation from the other two when a run starts (in `register`, before
axolotl validates and normalizes the config, so every value axolotl derives from it agrees), and
refuses a combination that cannot reach the requested batch exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping

from clt_plugin.errors import CLTError

KEY = "clt_global_batch_size"


@dataclass(frozen=True)
class BatchPlan:
    global_batch_size: int
    micro_batch_size: int
    gradient_accumulation_steps: int
    data_parallel: int  # processes that each see their own micro batches
    world_size: int

    def describe(self) -> str:
        return (
            f"global batch {self.global_batch_size} = {self.data_parallel} data-parallel process"
            f"{'es' if self.data_parallel != 1 else ''} x micro batch {self.micro_batch_size} "
            f"x accumulation {self.gradient_accumulation_steps}"
        )


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise CLTError(f"{name}: expected a positive integer, got {value!r}")
    return value


def data_parallel_size(world_size: int, context_parallel: int | None = None, tensor_parallel: int | None = None) -> int:
    """Processes holding distinct batches: context and tensor parallel groups share one (as axolotl counts)."""
    return max(1, world_size // (context_parallel or 1) // (tensor_parallel or 1))


def world_size_from_env(env: Mapping[str, str] | None = None) -> int:
    """WORLD_SIZE as torchrun / accelerate set it in every process they start; 1 when unset."""
    env = os.environ if env is None else env
    raw = env.get("WORLD_SIZE", "1") or "1"
    try:
        return _positive_int("WORLD_SIZE", int(raw))
    except ValueError:
        raise CLTError(f"WORLD_SIZE: expected a positive integer, got {raw!r}") from None


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def derive(
    global_batch: int,
    micro_batch: int,
    world_size: int,
    *,
    context_parallel: int | None = None,
    tensor_parallel: int | None = None,
    gradient_accumulation_steps: int | None = None,
) -> BatchPlan:
    """The accumulation that reaches `global_batch` exactly, or a CLTError saying what would."""
    global_batch = _positive_int(KEY, global_batch)
    micro_batch = _positive_int("micro_batch_size", micro_batch)
    world_size = _positive_int("WORLD_SIZE", world_size)
    dp = data_parallel_size(world_size, context_parallel, tensor_parallel)
    per_step = dp * micro_batch
    if global_batch % per_step:
        if global_batch % dp:
            hint = f"no micro_batch_size can: {global_batch} is not a multiple of {dp} processes; use a GPU count that divides it"
        else:
            fits = ", ".join(map(str, _divisors(global_batch // dp)))
            hint = f"use a micro_batch_size that divides {global_batch // dp} ({fits})"
        raise CLTError(
            f"{KEY}: {global_batch} cannot be reached exactly with micro_batch_size {micro_batch} on {dp} "
            f"data-parallel process{'es' if dp != 1 else ''} ({dp} x {micro_batch} = {per_step} rows per step "
            f"does not divide {global_batch}); {hint}"
        )
    steps = global_batch // per_step
    if gradient_accumulation_steps is not None and gradient_accumulation_steps != steps:
        raise CLTError(
            f"gradient_accumulation_steps: {gradient_accumulation_steps} gives a global batch of {dp} x {micro_batch} x "
            f"{gradient_accumulation_steps} = {per_step * gradient_accumulation_steps}, not {KEY} {global_batch}; remove "
            f"gradient_accumulation_steps (the clt plugin derives it: {steps} here)"
        )
    return BatchPlan(global_batch, micro_batch, steps, dp, world_size)


def apply(cfg: Any, env: Mapping[str, str] | None = None) -> BatchPlan | None:
    """Set gradient_accumulation_steps on the raw config from `clt_global_batch_size`; None when unset."""
    if cfg.get(KEY) is None:
        return None
    if cfg.get("batch_size") is not None:
        raise CLTError(
            f"batch_size: {cfg['batch_size']!r} cannot be combined with {KEY} (axolotl's batch_size is "
            "per process; the clt plugin derives gradient_accumulation_steps from the global batch)"
        )
    if cfg.get("micro_batch_size") is None:
        raise CLTError(f"micro_batch_size: required with {KEY}")
    plan = derive(
        cfg[KEY],
        cfg["micro_batch_size"],
        world_size_from_env(env),
        context_parallel=cfg.get("context_parallel_size"),
        tensor_parallel=cfg.get("tensor_parallel_size"),
        gradient_accumulation_steps=cfg.get("gradient_accumulation_steps"),
    )
    cfg["gradient_accumulation_steps"] = plan.gradient_accumulation_steps
    return plan


def effective(cfg: Any) -> BatchPlan:
    """The batch a normalized axolotl config trains with, whether or not the key was set."""
    world = int(cfg.get("world_size") or 1)
    dp = data_parallel_size(world, cfg.get("context_parallel_size"), cfg.get("tensor_parallel_size"))
    micro = int(cfg.get("micro_batch_size") or 1)
    steps = int(cfg.get("gradient_accumulation_steps") or 1)
    return BatchPlan(dp * micro * steps, micro, steps, dp, world)
