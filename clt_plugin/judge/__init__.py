"""LLM-as-judge ratings for open-ended instruction following (the paper's Dolly200 protocol).

A judge (an OpenAI-compatible endpoint or a local transformers model) rates each response 1-5;
a response that fails the language-fidelity check is then rated 1 whatever the judge said.
"""

from clt_plugin.judge.parse import parse_rating
from clt_plugin.judge.prompt import TEMPLATE_VERSION, build_messages

__all__ = ["TEMPLATE_VERSION", "build_messages", "parse_rating"]
