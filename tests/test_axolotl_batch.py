"""`clt_global_batch_size`: gradient accumulation derived from the GPU count, exact or refused.
The real `axolotl train` runs with it in tests/test_sweep.py (banner, manifest, optimizer steps)."""

from __future__ import annotations

import pytest
import yaml
from axolotl_helpers import TINY_CPU, axolotl, clt, write_config
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.axolotl.batch import apply, data_parallel_size, derive, effective
from clt_plugin.errors import CLTError


@pytest.mark.parametrize(
    "world, micro, steps",
    [(1, 2, 32), (2, 2, 16), (4, 2, 8), (8, 2, 4), (16, 2, 2), (32, 2, 1), (8, 4, 2), (8, 8, 1), (64, 1, 1)],
)
def test_paper_batch_of_64_on_any_power_of_two_gpus(world, micro, steps):
    plan = derive(64, micro, world)
    assert (plan.gradient_accumulation_steps, plan.data_parallel, plan.world_size) == (steps, world, world)
    assert plan.describe() == (
        f"global batch 64 = {world} data-parallel process{'es' if world > 1 else ''} "
        f"x micro batch {micro} x accumulation {steps}"
    )


def test_tensor_and_context_parallel_groups_share_a_batch():
    assert data_parallel_size(8, tensor_parallel=2) == 4
    assert derive(64, 2, 8, tensor_parallel=2).gradient_accumulation_steps == 8
    assert derive(64, 2, 16, context_parallel=2, tensor_parallel=2).gradient_accumulation_steps == 8


def test_a_combination_that_misses_the_batch_is_refused_with_what_would_reach_it():
    with pytest.raises(CLTError) as e:
        derive(64, 3, 8)
    assert str(e.value) == (
        "clt_global_batch_size: 64 cannot be reached exactly with micro_batch_size 3 on 8 "
        "data-parallel processes (8 x 3 = 24 rows per step does not divide 64); use a "
        "micro_batch_size that divides 8 (1, 2, 4, 8)"
    )
    with pytest.raises(
        CLTError,
        match=r"on 6 data-parallel processes .* no micro_batch_size can: 64 is not a "
        r"multiple of 6 processes; use a GPU count that divides it",
    ):
        derive(64, 2, 6)


def test_a_conflicting_accumulation_is_refused():
    with pytest.raises(
        CLTError,
        match=r"^gradient_accumulation_steps: 4 gives a global batch of 2 x 2 x 4 = 16, not "
        r"clt_global_batch_size 64; remove gradient_accumulation_steps \(the clt plugin "
        r"derives it: 16 here\)$",
    ):
        derive(64, 2, 2, gradient_accumulation_steps=4)
    assert derive(64, 2, 8, gradient_accumulation_steps=4).gradient_accumulation_steps == 4  # agreeing is fine


@settings(max_examples=200, deadline=None)
@given(global_batch=st.integers(1, 512), micro=st.integers(1, 16), world=st.integers(1, 64))
def test_derived_accumulation_reaches_the_batch_exactly_or_is_refused(global_batch, micro, world):
    reachable = global_batch % (world * micro) == 0
    try:
        plan = derive(global_batch, micro, world)
    except CLTError:
        assert not reachable
        return
    assert reachable
    assert plan.data_parallel * plan.micro_batch_size * plan.gradient_accumulation_steps == global_batch


def test_apply_reads_the_world_size_from_the_launchers_environment():
    cfg = {"clt_global_batch_size": 64, "micro_batch_size": 2}
    assert apply(cfg, {"WORLD_SIZE": "8"}).gradient_accumulation_steps == 4 and cfg["gradient_accumulation_steps"] == 4
    cfg = {"clt_global_batch_size": 64, "micro_batch_size": 2}
    assert apply(cfg, {}).gradient_accumulation_steps == 32
    assert apply({"micro_batch_size": 2}, {"WORLD_SIZE": "8"}) is None  # key unset: axolotl's own settings stand
    with pytest.raises(CLTError, match=r"^batch_size: 128 cannot be combined with clt_global_batch_size"):
        apply({"clt_global_batch_size": 64, "micro_batch_size": 2, "batch_size": 128}, {})
    with pytest.raises(CLTError, match=r"^WORLD_SIZE: expected a positive integer, got 'eight'$"):
        apply({"clt_global_batch_size": 64, "micro_batch_size": 2}, {"WORLD_SIZE": "eight"})
    normalized = {"world_size": 8, "micro_batch_size": 2, "gradient_accumulation_steps": 4}
    assert effective(normalized).global_batch_size == 64


def test_axolotl_refuses_the_run_before_any_data_is_prepared(tiny_model, tmp_path):
    config = write_config(
        tmp_path / "c.yaml",
        tiny_model,
        tmp_path,
        clt_global_batch_size=4,
        micro_batch_size=3,
        gradient_accumulation_steps=None,
    )
    proc = axolotl("preprocess", config, tmp_path / "log")
    assert proc.returncode != 0
    assert (
        "clt_global_batch_size: 4 cannot be reached exactly with micro_batch_size 3 on 1 data-parallel process "
        "(1 x 3 = 3 rows per step does not divide 4)"
    ) in proc.stdout + proc.stderr
    assert not (tmp_path / "prepared").exists()


def test_check_config_refuses_what_no_gpu_count_can_fix(tmp_path):
    cfg = yaml.safe_load((TINY_CPU / "math.yaml").read_text(encoding="utf-8"))
    cfg.update(clt_global_batch_size=64, micro_batch_size=3, clt_base_dir=str(TINY_CPU))
    cfg.pop("gradient_accumulation_steps")
    (tmp_path / "odd.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    cfg.update(micro_batch_size=2, gradient_accumulation_steps=4)
    (tmp_path / "both.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    proc = clt("check-config", str(tmp_path / "odd.yaml"), str(tmp_path / "both.yaml"))
    assert proc.returncode == 2
    assert "clt_global_batch_size: 64 cannot be reached exactly with micro_batch_size 3" in proc.stderr
    assert "gradient_accumulation_steps: set beside clt_global_batch_size; remove it" in proc.stderr
