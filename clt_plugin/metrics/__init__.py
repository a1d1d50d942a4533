"""Pure metric functions: numeric answers, multilingual ROUGE-L, language fidelity."""

from clt_plugin.metrics.numbers import extract_answer, is_correct, parse_number
from clt_plugin.metrics.rouge import rouge_l, rouge_l_f, tokenize

__all__ = ["extract_answer", "is_correct", "parse_number", "rouge_l", "rouge_l_f", "tokenize"]
