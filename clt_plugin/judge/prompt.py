"""The judge prompt: the project's own versioned template, or one a user gives (`--prompt-template`).

Bump TEMPLATE_VERSION whenever a single character of the rendered default messages changes:
the version is part of the cache key and of every results file, so ratings made with different
wording are never mixed. A user's template is versioned by the hash of its text, for the same
reason.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from pathlib import Path

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.io import read_text, read_yaml, sha256_bytes

TEMPLATE_VERSION = "clt-judge-v1"

SYSTEM = "You are a strict, fair and consistent evaluator of answers written by AI assistants."

# Criteria from Shimabucoro et al. (2025): helpfulness, relevance, accuracy, depth, creativity,
# level of detail, and that the answer is in the language of the instruction (else it rates 1).
USER = """Rate the quality of the AI assistant's answer to the user instruction below.

Judge it on helpfulness, relevance, accuracy, depth, creativity and level of detail.
The instruction is written in {language}, so the answer must be written in {language} as well.
An answer written mostly in any other language must get a rating of 1, however good it is otherwise.

First explain your judgment in a few sentences. Then, on the last line, give an integer rating
from 1 (very poor) to 5 (excellent) in exactly this format: Rating: [[3]]

[Instruction]
{instruction}
[End of instruction]

[Answer]
{response}
[End of answer]"""

# What a template fills in: the language's English name, the instruction, the reply.
PLACEHOLDERS = ("language", "instruction", "response")


@dataclass(frozen=True)
class PromptTemplate:
    user: str
    system: str | None
    version: str  # part of the cache key and of the results: other wording, other ratings
    source: str | None = None  # the file it came from; None for the project's own

    def messages(self, instruction: str, response: str, lang: str) -> list[dict[str, str]]:
        """Chat messages asking for one pointwise rating of `response` to `instruction` in `lang`."""
        values = {"language": languages.get(lang).name, "instruction": instruction, "response": response}
        user = {"role": "user", "content": self.user.format(**values)}
        if self.system is None:
            return [user]
        return [{"role": "system", "content": self.system.format(**values)}, user]


DEFAULT = PromptTemplate(USER, SYSTEM, TEMPLATE_VERSION)


def build_messages(instruction: str, response: str, lang: str) -> list[dict[str, str]]:
    """The project's own prompt for one rating (see DEFAULT)."""
    return DEFAULT.messages(instruction, response, lang)


def _fields(text: str, where: str) -> set[str]:
    """The {placeholders} of a str.format template; a stray brace or an unknown name is an error."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as e:  # "Single '}' encountered", "unmatched '{'"...
        raise CLTError(f"{where}: not a usable template ({e}); write a literal brace as {{{{ or }}}}") from None
    for name in sorted(names):
        if name not in PLACEHOLDERS:
            raise CLTError(
                f"{where}: unknown placeholder {{{name}}} (known: {', '.join('{' + p + '}' for p in PLACEHOLDERS)}; "
                "write a literal brace as {{ or }})"
            )
    return names


def load_template(path: str | os.PathLike) -> PromptTemplate:
    """A judge prompt from a file: plain text is the user message; a .yaml/.yml/.json file holds
    `user` and, optionally, `system`. It must use {language}, {instruction} and {response}, and
    ask for the rating as [[k]] (the only form the parser reads). Checked before any request."""
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        doc = read_yaml(path, "judge prompt template", expect=dict)
        unknown = sorted(set(doc) - {"system", "user"})
        if unknown:
            raise CLTError(f"{path}: unknown field {unknown[0]!r} (a template has 'user' and optionally 'system')")
        user, system = doc.get("user"), doc.get("system")
        if not isinstance(user, str) or not user.strip():
            raise CLTError(f"{path}: field 'user' must be the user message's text (got {user!r:.60})")
        if system is not None and not isinstance(system, str):
            raise CLTError(f"{path}: field 'system' must be text (got {system!r:.60})")
    else:
        user, system = read_text(path, "judge prompt template"), None
        if not user.strip():
            raise CLTError(f"{path}: the judge prompt template is empty")
    used = _fields(user, f"{path}: field 'user'" if system is not None else str(path))
    if system is not None:
        used |= _fields(system, f"{path}: field 'system'")
    missing = [p for p in PLACEHOLDERS if p not in used]
    if missing:
        raise CLTError(
            f"{path}: the template never uses {', '.join('{' + m + '}' for m in missing)}; the judge must see "
            f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)}"
        )
    if "[[" not in user + (system or ""):
        raise CLTError(
            f"{path}: the template never asks for the rating as [[k]] (e.g. 'Rating: [[3]]'), "
            "the only form clt judge reads"
        )
    text = f"system:{system}\nuser:{user}" if system is not None else f"user:{user}"
    return PromptTemplate(user, system, "file-" + sha256_bytes(text.encode("utf-8"))[:16], str(path))
