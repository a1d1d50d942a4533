"""The WildChat-1M reader (`dataset: wildchat`, the default instruction source) on a file in the
dataset's own Parquet schema."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import wildchat_fixture as W

from clt_plugin.errors import CLTError
from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.sources import SourceConfig, read_examples
from clt_plugin.sources.config import HUB_DEFAULTS
from clt_plugin.sources.sizes import count_rows


@pytest.fixture
def shard(tmp_path):
    path = tmp_path / "train-00000-of-00014.parquet"
    pq.write_table(pa.Table.from_pylist(W.rows()), path)
    return path


def test_conversations_by_language_each_once_up_to_the_last_answered_turn(shard):
    cfg = {"dataset": "wildchat", "path": str(shard)}
    got = [(ex.lang, ex.messages) for ex in read_examples(cfg, "instruction", ["en", "ja", "zh", "fr", "es"])]
    assert got == [
        (
            "en",
            [{"role": "user", "content": "Give me a synonym of happy."}, {"role": "assistant", "content": "Joyful."}],
        ),
        ("ja", [{"role": "user", "content": "「嬉しい」の同義語は？"}, {"role": "assistant", "content": "楽しい。"}]),
        # row 3 repeats row 1 (same conversation_hash): not read twice
        ("en", [{"role": "user", "content": "Name a colour."}, {"role": "assistant", "content": "Blue."}]),
        ("zh", [{"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好！有什么可以帮你？"}]),
        (
            "fr",
            [
                {"role": "user", "content": "Bonjour"},
                {"role": "assistant", "content": "Bonjour ! Comment puis-je aider ?"},
            ],
        ),
    ]
    ids = [ex.id for ex in read_examples(cfg, "instruction", ["en"])]
    assert ids == [W.rows()[0]["conversation_hash"], W.rows()[3]["conversation_hash"]]
    assert count_rows(SourceConfig(**cfg), ["en", "ja", "es"], None) == {"en": 2, "ja": 1, "es": 0}


def test_the_hub_default_and_a_mixture_from_it(shard, tmp_path):
    assert SourceConfig(dataset="wildchat").hub == HUB_DEFAULTS["wildchat"]["hub"] == "allenai/WildChat-1M"
    spec = {
        "seed": 2,
        "tasks": {
            "instruction": {
                "source": {"dataset": "wildchat", "path": str(shard)},
                "english": 2,
                "per_language": 1,
                "languages": ["ja", "fr"],
            }
        },
    }
    m = build_mixture(load_spec(spec), tmp_path / "o", use_cache=False)
    assert m["counts"] == {"instruction": {"en": 2, "ja": 1, "fr": 1}}
    rows = [json.loads(l) for l in (tmp_path / "o" / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(r["messages"][-1]["content"] for r in rows) == sorted(
        ["Joyful.", "Blue.", "楽しい。", "Bonjour ! Comment puis-je aider ?"]
    )


def test_a_conversation_with_no_answered_turn_is_named(tmp_path):
    path = tmp_path / "bad.parquet"
    rows = [W.conversation("English", [("user", "Hello?"), ("assistant", "  ")], 9)]
    pq.write_table(pa.Table.from_pylist(rows), path)
    with pytest.raises(
        CLTError, match=r"bad.parquet row 0: field 'conversation' has no user turn with a non-empty reply"
    ):
        list(read_examples({"dataset": "wildchat", "path": str(path)}, "t", ["en"]))
