"""Rule-checked multilingual instruction following (IFEval and M-IFEval), judge-free.

`data.load_examples(lang, data_dir)` loads IFEval-schema rows; `scoring.process(doc, response)`
scores one response (strict and loose, as IFEval defines them); `scoring.aggregate` gives the
four accuracies. The lm-eval tasks `clt_ifeval_{lang}` and `clt ifeval-score` both use these.
"""

from clt_plugin.ifeval.data import Example, load_examples, parse_examples, read_jsonl
from clt_plugin.ifeval.registry import UnknownInstructionError, build, registered_ids, resolve
from clt_plugin.ifeval.scoring import METRICS, aggregate, judge, loose_variants, process

__all__ = [
    "METRICS",
    "Example",
    "UnknownInstructionError",
    "aggregate",
    "build",
    "judge",
    "load_examples",
    "loose_variants",
    "parse_examples",
    "process",
    "read_jsonl",
    "registered_ids",
    "resolve",
]
