"""Give the demo's tiny model a multilingual start, like a real base model.

It reads problem texts, articles, answers and headlines in all eight languages as separate
documents, never a prompt paired with its reply: it learns the languages, not the tasks.
Fine-tuning then teaches the tasks, from English plus k examples per seen language.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable

from clt_plugin.tasks.synth_items import SYNTH_LANGUAGES, SYNTH_TASKS, make_split


def pretraining_corpus(n_per_language: int, seed: int) -> list[str]:
    docs: list[str] = []
    for task in SYNTH_TASKS:
        for lang in SYNTH_LANGUAGES:
            # A separate split index range from the fine-tuning data: "pretrain" items.
            for item in make_split(task, lang, "train", n_per_language, seed=seed + 7919):
                docs.extend((item.prompt, item.response))
    random.Random(seed).shuffle(docs)
    return docs


def pretrain_tiny_model(
    out_dir: str | Path,
    *,
    seed: int,
    n_per_language: int = 200,
    steps: int = 300,
    batch_size: int = 32,
    seq_len: int = 96,
    lr: float = 3e-3,
    hidden_size: int = 128,
    layers: int = 2,
    on_step: Callable[[int, int, float], None] | None = None,
) -> Path:
    """Build the tokenizer and model, pre-train them on the corpus, save to `out_dir`.

    `on_step(step, steps, loss)` is called after each optimizer step."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from clt_plugin.tiny_model import build_tiny_llama

    docs = pretraining_corpus(n_per_language, seed)
    out = build_tiny_llama(out_dir, docs, vocab_size=2048, hidden_size=hidden_size, layers=layers, heads=4, seed=seed)
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForCausalLM.from_pretrained(out)

    # One long stream of documents separated by EOS, cut into equal windows.
    stream: list[int] = []
    for doc in docs:
        stream.extend(tokenizer(doc, add_special_tokens=False)["input_ids"])
        stream.append(tokenizer.eos_token_id)
    n_windows = len(stream) // seq_len
    windows = torch.tensor(stream[: n_windows * seq_len]).view(n_windows, seq_len)

    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    model.train()
    for step in range(1, steps + 1):
        batch = windows[torch.randint(0, n_windows, (batch_size,), generator=generator)]
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if on_step is not None:
            on_step(step, steps, loss.item())
    model.eval()
    model.save_pretrained(out, safe_serialization=True)
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m clt_plugin.demo.pretrain OUT --seed S ...`: `clt demo` runs it as a logged subprocess
    and follows the tqdm bar it draws (clt_plugin.demo.progress.PRETRAIN_BAR)."""
    import argparse

    from tqdm.auto import tqdm

    parser = argparse.ArgumentParser(prog="python -m clt_plugin.demo.pretrain", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--n-per-language", type=int, default=200)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    with tqdm(total=args.steps, desc="pre-training the tiny model", unit="step") as bar:

        def on_step(step: int, steps: int, loss: float) -> None:
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            bar.update(1)

        pretrain_tiny_model(
            args.out_dir,
            seed=args.seed,
            n_per_language=args.n_per_language,
            steps=args.steps,
            batch_size=args.batch_size,
            on_step=on_step,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
