"""combination:* — two responses separated by ******, repeat the prompt then answer."""

from __future__ import annotations

from clt_plugin.ifeval.base import ALL_FAMILIES, Args, Check, register


@register("combination:two_responses", ALL_FAMILIES)
def two_responses(args: Args) -> Check:
    def check(text: str) -> bool:
        parts = text.split("******")
        answers = []
        for i, part in enumerate(parts):
            if part.strip():
                answers.append(part.strip())
            elif 0 < i < len(parts) - 1:
                return False  # an empty answer between separators
        return len(answers) == 2 and answers[0] != answers[1]

    return check


@register("combination:repeat_prompt", ALL_FAMILIES, required=("prompt_to_repeat",))
def repeat_prompt(args: Args) -> Check:
    prompt = args.str("prompt_to_repeat").strip()
    if args.family == "ja":  # no case to ignore
        return lambda text: text.strip().startswith(prompt)
    lowered = prompt.lower()
    return lambda text: text.strip().lower().startswith(lowered)
