"""allenai/WildChat-1M rows in the dataset's own schema (its card's `dataset_info`), small.

Top level: conversation_hash, model, timestamp, conversation (turns: content, country,
hashed_ip, header {accept-language, user-agent}, language, redacted, role, state, timestamp,
toxic, turn_identifier), turn, language (a name: "English", "Chinese"), openai_moderation,
detoxify_moderation, toxic, redacted. The hub stores it as Parquet, data/train-000NN-of-00014.parquet.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone

_T0 = datetime(2023, 5, 1, tzinfo=timezone.utc)


def _turn(role: str, content: str, language: str, ident: int) -> dict:
    return {
        "content": content,
        "country": "Japan" if language == "Japanese" else "United States",
        "hashed_ip": hashlib.sha256(f"ip{ident}".encode()).hexdigest(),
        "header": {"accept-language": "en-US,en;q=0.9", "user-agent": "Mozilla/5.0"},
        "language": language,
        "redacted": False,
        "role": role,
        "state": None,
        "timestamp": _T0,
        "toxic": False,
        "turn_identifier": ident,
    }


def _moderation() -> dict:
    cats = ("harassment", "hate", "self-harm", "sexual", "violence")
    return {"categories": {c: False for c in cats}, "category_scores": {c: 0.0 for c in cats}, "flagged": False}


def conversation(language: str, turns: list[tuple[str, str]], ident: int, model: str = "gpt-3.5-turbo-0613") -> dict:
    """One row; `turns` are (role, content); the hash is of the content, as WildChat's is."""
    digest = hashlib.md5("\x1f".join(c for _, c in turns).encode()).hexdigest()
    return {
        "conversation_hash": digest,
        "model": model,
        "timestamp": _T0,
        "conversation": [_turn(r, c, language, ident * 10 + i) for i, (r, c) in enumerate(turns)],
        "turn": sum(1 for r, _ in turns if r == "user"),
        "language": language,
        "openai_moderation": [_moderation() for _ in turns],
        "detoxify_moderation": [{"toxicity": 0.001, "insult": 0.0005} for _ in turns],
        "toxic": False,
        "redacted": False,
    }


def rows() -> list[dict]:
    return [
        conversation("English", [("user", "Give me a synonym of happy."), ("assistant", "Joyful.")], 1),
        conversation("Japanese", [("user", "「嬉しい」の同義語は？"), ("assistant", "楽しい。")], 2),
        # the same conversation again (same content, same hash): kept once
        conversation("English", [("user", "Give me a synonym of happy."), ("assistant", "Joyful.")], 3),
        conversation(
            "English",
            [
                ("user", "Name a colour."),
                ("assistant", "Blue."),
                ("user", "Another one?"),
                ("assistant", ""),  # a reply that never came: the conversation ends before it
            ],
            4,
            model="gpt-4-0314",
        ),
        conversation("Chinese", [("user", "你好"), ("assistant", "你好！有什么可以帮你？"), ("user", "谢谢")], 5),
        conversation("French", [("user", "Bonjour"), ("assistant", "Bonjour ! Comment puis-je aider ?")], 6),
    ]
