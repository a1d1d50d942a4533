"""Turn one record into chat `messages` for each dataset schema."""

from __future__ import annotations

from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.sources import xlsum_prompts

_SHAREGPT_ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "assistant": "assistant",
    "model": "assistant",
    "chatgpt": "assistant",
    "bard": "assistant",
    "bing": "assistant",
    "system": "system",
}
_ROLES = ("system", "user", "assistant")


def text(value: Any, field: str, where: str) -> str:
    if isinstance(value, str):
        out = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out = str(value)  # numeric answers (MGSM-style) become their decimal text
    else:
        raise CLTError(f"{where}: field {field!r} must be text, got {type(value).__name__}")
    if not out.strip():
        raise CLTError(f"{where}: field {field!r} is empty")
    return out


def pair(prompt: str, response: str, system: str | None = None) -> list[dict[str, str]]:
    msgs = [{"role": "system", "content": system}] if system else []
    return msgs + [{"role": "user", "content": prompt}, {"role": "assistant", "content": response}]


def from_messages(value: Any, field: str, where: str, sharegpt: bool) -> list[dict[str, str]]:
    if not isinstance(value, list) or not value:
        raise CLTError(f"{where}: field {field!r} must be a non-empty list of turns")
    out = []
    role_key, text_key = ("from", "value") if sharegpt else ("role", "content")
    for i, turn in enumerate(value):
        at = f"{where}: {field}[{i}]"
        if not isinstance(turn, dict) or role_key not in turn or text_key not in turn:
            raise CLTError(f"{at}: expected an object with {role_key!r} and {text_key!r}")
        raw = turn[role_key]
        role = _SHAREGPT_ROLES.get(str(raw).lower()) if sharegpt else raw
        if role not in _ROLES:
            known = ", ".join(_SHAREGPT_ROLES) if sharegpt else ", ".join(_ROLES)
            raise CLTError(f"{at}: unknown role {raw!r} (known: {known})")
        out.append({"role": role, "content": text(turn[text_key], f"{field}[{i}].{text_key}", where)})
    if out[-1]["role"] != "assistant":
        raise CLTError(f"{where}: field {field!r} must end with an assistant turn (the training target)")
    if not any(m["role"] == "user" for m in out):
        raise CLTError(f"{where}: field {field!r} has no user turn")
    return out


def from_wildchat(value: Any, field: str, where: str) -> list[dict[str, str]]:
    """A WildChat conversation up to its last answered turn: a turn left empty (a reply that never
    came) ends what can be trained on, and a trailing user turn has no target."""
    if not isinstance(value, list) or not value:
        raise CLTError(f"{where}: field {field!r} must be a non-empty list of turns")
    out: list[dict[str, str]] = []
    for i, turn in enumerate(value):
        if not isinstance(turn, dict) or "role" not in turn or "content" not in turn:
            raise CLTError(f"{where}: {field}[{i}]: expected an object with 'role' and 'content'")
        if turn["role"] not in ("user", "assistant"):
            raise CLTError(f"{where}: {field}[{i}]: unknown role {turn['role']!r} (known: user, assistant)")
        if not isinstance(turn["content"], str) or not turn["content"].strip():
            break
        out.append({"role": turn["role"], "content": turn["content"]})
    while out and out[-1]["role"] != "assistant":
        out.pop()
    if not any(m["role"] == "user" for m in out):
        raise CLTError(f"{where}: field {field!r} has no user turn with a non-empty reply")
    return out


def to_messages(dataset: str, rec: dict, cols: dict[str, str], lang: str, where: str) -> list[dict[str, str]]:
    """`cols` maps logical field -> column actually present in `rec`."""
    if dataset == "xlsum":
        title = text(rec[cols["title"]], cols["title"], where)
        body = text(rec[cols["text"]], cols["text"], where)
        return pair(xlsum_prompts.prompt(lang, title, body), text(rec[cols["summary"]], cols["summary"], where))
    if dataset == "bactrian":
        prompt = text(rec[cols["instruction"]], cols["instruction"], where)
        context = rec[cols["input"]]
        if isinstance(context, str) and context.strip():  # ~40% of rows carry an input
            prompt = f"{prompt}\n\n{context}"
        return pair(prompt, text(rec[cols["response"]], cols["response"], where))
    if dataset == "wildchat":
        return from_wildchat(rec[cols["conversation"]], cols["conversation"], where)
    if dataset == "chat":
        if "messages" in cols:
            return from_messages(rec[cols["messages"]], cols["messages"], where, sharegpt=False)
        return from_messages(rec[cols["conversations"]], cols["conversations"], where, sharegpt=True)
    system = text(rec[cols["system"]], cols["system"], where) if "system" in cols else None
    return pair(
        text(rec[cols["prompt"]], cols["prompt"], where), text(rec[cols["response"]], cols["response"], where), system
    )
