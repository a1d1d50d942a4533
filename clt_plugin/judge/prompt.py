"""The judge prompt: one versioned template carrying the paper's rating criteria.

Bump TEMPLATE_VERSION whenever a single character of the rendered messages changes: the
version is part of the cache key and of every results file, so ratings made with different
wording are never mixed.
"""

from __future__ import annotations

from clt_plugin import languages

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


def build_messages(instruction: str, response: str, lang: str) -> list[dict[str, str]]:
    """Chat messages asking for one pointwise rating of `response` to `instruction` in `lang`."""
    name = languages.get(lang).name
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": USER.format(language=name, instruction=instruction, response=response)},
    ]
