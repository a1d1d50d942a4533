"""Thin hooks for the clt_ifeval YAMLs (lm-eval's `!function utils.x` looks beside the YAML)."""

from clt_plugin.ifeval.lm_eval_task import agg_inst_level_acc, dataset, process_results
from clt_plugin.metrics.fidelity import judged_mean

__all__ = ["agg_inst_level_acc", "dataset", "judged_mean", "process_results"]
