"""`clt models tiny -o DIR`: the demo's tiny Llama as a model folder of its own, through the real CLI."""

from __future__ import annotations

import json
import subprocess

import pytest
from axolotl_helpers import CLT, clt, run_env

from clt_plugin.models import TINY_MARKER, describe


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("models") / "tiny"
    # 200 pre-training steps: longer than clt()'s timeout on a busy machine.
    proc = subprocess.run(
        [CLT, "models", "tiny", "-o", str(out), "--seed", "3"],
        env=run_env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc


def test_it_prints_what_it_made_and_how_to_use_it(tiny):
    out, proc = tiny
    lines = proc.stdout.splitlines()
    assert lines[0] == f"wrote {out}: the demo's tiny Llama"
    info = describe(out)
    assert lines[1] == (
        f"  LlamaForCausalLM, {info.parameters / 1e6:.1f}M parameters, 2 layers, hidden 128, vocabulary "
        f"{info.vocab_size}, F32, {info.disk_bytes / 2**20:.0f} MiB on disk, chat template: yes"
    )
    assert lines[2:] == [
        "use it:",
        f'  axolotl train "$(clt configs-path)/tiny-cpu/math.yaml" --base-model {out}',
        f"  clt eval --model hf --model_args pretrained={out} --tasks clt_synth --apply_chat_template --limit 10",
    ]
    assert json.loads((out / TINY_MARKER).read_text(encoding="utf-8")) == {
        "model": "tiny",
        "seed": 3,
        "pretrain_docs": 120,
        "pretrain_steps": 200,
        "pretrain_batch_size": 16,
    }
    assert not list(out.parent.glob(".*partial"))  # written beside, renamed into place


def test_the_parameter_count_is_the_models_own(tiny):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    out, _ = tiny
    model = AutoModelForCausalLM.from_pretrained(out)
    assert describe(out).parameters == sum(p.numel() for p in model.parameters())
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert describe(out).vocab_size == len(tokenizer) == model.config.vocab_size
    assert tokenizer.apply_chat_template(
        [{"role": "user", "content": "hola"}], tokenize=False, add_generation_prompt=True
    )


def test_a_second_call_keeps_it_and_another_seed_is_refused(tiny):
    out, _ = tiny
    weights = out / "model.safetensors"
    before = weights.stat().st_mtime_ns
    proc = clt("models", "tiny", "-o", str(out), "--seed", "3")
    assert (
        proc.returncode == 0
        and proc.stdout.splitlines()[0] == f"{out} already holds the demo's tiny Llama (kept as it is)"
    )
    assert weights.stat().st_mtime_ns == before
    proc = clt("models", "tiny", "-o", str(out), "--seed", "4")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"clt models: error: {out}: exists and is not a tiny model made with seed 4; remove it or pick another path"
    )
    assert weights.stat().st_mtime_ns == before


def test_a_file_in_the_way_or_an_unknown_model_is_refused(tmp_path):
    (tmp_path / "taken").write_text("mine", encoding="utf-8")
    proc = clt("models", "tiny", "-o", str(tmp_path / "taken"))
    assert proc.returncode == 2 and "exists and is not a tiny model made with seed 0" in proc.stderr
    assert (tmp_path / "taken").read_text(encoding="utf-8") == "mine"
    proc = clt("models", "llama", "-o", str(tmp_path / "x"))
    assert proc.returncode == 2 and "invalid choice: 'llama' (choose from 'smollm2', 'tiny')" in proc.stderr
    assert not (tmp_path / "x").exists()
