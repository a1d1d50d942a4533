"""A local transformers model as the judge (`clt judge --judge-model PATH`).

Greedy decoding, so the same prompt always gives the same judgment and the cache stays valid.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from clt_plugin.errors import CLTError


def _fingerprint(path: Path) -> str:
    """Cheap identity of a model directory: file names, sizes and mtimes.

    Hashing the weights would cost minutes for a real model; any retrain or copy changes the
    stat data, which only means asking again.
    """
    h = hashlib.sha256()
    for f in sorted(p for p in path.iterdir() if p.is_file()):
        st = f.stat()
        h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


class LocalJudge:
    backend = "local"
    concurrency = 1  # one model, one forward pass at a time

    def __init__(self, path: str | os.PathLike, *, max_tokens: int = 512, device: str | None = None):
        self.path = Path(path).resolve()
        if not (self.path / "config.json").is_file():
            raise CLTError(f"{path}: not a transformers model directory (no config.json)")
        self.max_tokens = max_tokens
        self._fingerprint = _fingerprint(self.path)
        self._device = device
        self._model = None
        self._tokenizer = None
        self.calls = 0

    @property
    def identity(self) -> str:
        # The decoding settings are part of what produced a rating: another max_tokens, another key.
        return f"local:{self.path}:{self._fingerprint}:greedy:max_tokens={self.max_tokens}"

    def describe(self) -> dict:
        return {"backend": self.backend, "model": self.path.name, "decoding": "greedy", "max_tokens": self.max_tokens}

    def _load(self) -> None:
        # Imported late: the endpoint path must not pay for torch.
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.path)
            self._model = AutoModelForCausalLM.from_pretrained(self.path)
        except (OSError, ValueError) as e:
            raise CLTError(f"{self.path}: cannot load the judge model ({e})") from e
        device = self._device or ("cuda" if torch.cuda.is_available() else "cpu")
        self._model.to(device).eval()
        if self._tokenizer.chat_template is None:
            raise CLTError(f"{self.path}: the judge model's tokenizer has no chat template")

    def complete(self, messages: list[dict[str, str]]) -> str:
        import torch

        if self._model is None:
            self._load()
        tok, model = self._tokenizer, self._model
        try:
            ids = tok.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        except Exception:  # noqa: BLE001 - jinja raises its own types; some templates refuse a system turn
            if messages[0]["role"] != "system":
                raise
            merged = [{"role": "user", "content": messages[0]["content"] + "\n\n" + messages[1]["content"]}]
            ids = tok.apply_chat_template(merged, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        ids = {k: v.to(model.device) for k, v in ids.items()}
        with torch.no_grad():
            out = model.generate(
                **ids,
                max_new_tokens=self.max_tokens,
                do_sample=False,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
            )
        self.calls += 1
        return tok.decode(out[0, ids["input_ids"].shape[1] :], skip_special_tokens=True)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        self._model = None
        self._tokenizer = None
