"""The task-family registry: the one place that says what each clt task family is.

A family is the `{family}` of the `clt_{family}_{lang}` tasks. For each one this module says
which metric scores it (the *primary* metric: what `clt matrix`, `clt report`, the leaderboard
and the demo read when no metric is named), which metrics its lm-eval tasks report, which
languages it has, which lm-eval template its tasks include, and where its data comes from.
The YAML generator (`clt_plugin.tasks.generate`), the analysis, the leaderboard, the judge and
the demo all read it; none keeps a table of its own.

Metric names live here too: the fidelity metrics every clt task reports beside its own, the
judge's rating, and the range of each metric (a value outside it is a broken results file).
Nothing here imports the rest of the package beyond the language registry and the task names,
so anything may import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clt_plugin import languages, names

# The task metrics the clt scorers write (clt_plugin.tasks): accuracy of an extracted answer,
# and ROUGE-L F1 of a summary.
ACCURACY_METRIC = "acc"
ROUGE_METRIC = "rougeL"
# Language fidelity, reported by every clt task beside its own metrics (clt_plugin.metrics.fidelity):
# the Language Confusion Benchmark's line-level pass rate, for every language lid.176 identifies,
FIDELITY_METRIC = "lpr"
# and its word-level pass rate, for target languages not written in Latin script.
WPR_METRIC = "wpr"
FIDELITY_METRICS: tuple[str, ...] = (FIDELITY_METRIC, WPR_METRIC)
# What `clt judge` adds to a judged family's results (1-5; `_raw` before the language gate).
JUDGE_METRIC = "judge_rating"
JUDGE_RAW_METRIC = "judge_rating_raw"
JUDGE_COVERAGE_METRIC = "judge_coverage"  # the share of samples that got a rating
IFEVAL_METRICS: tuple[str, ...] = (
    "prompt_level_strict_acc",
    "inst_level_strict_acc",
    "prompt_level_loose_acc",
    "inst_level_loose_acc",
)

# Allowed values per metric. Metrics not listed only have to be finite.
METRIC_RANGES: dict[str, tuple[float, float]] = {
    ACCURACY_METRIC: (0.0, 1.0),
    "exact_match": (0.0, 1.0),
    ROUGE_METRIC: (0.0, 1.0),
    **{m: (0.0, 1.0) for m in FIDELITY_METRICS},
    **{m: (0.0, 1.0) for m in IFEVAL_METRICS},
    JUDGE_METRIC: (1.0, 5.0),
    JUDGE_RAW_METRIC: (1.0, 5.0),
    JUDGE_COVERAGE_METRIC: (0.0, 1.0),
}

# The paper's eight languages, which also make up every family's group task (clt_mgsm, ...).
GROUP_LANGUAGES = languages.PAPER_LANGUAGES
# MGSM's eleven languages plus the CLT paper's machine-translated pt, ko, ar.
_MGSM_LANGUAGES = ("en", "es", "fr", "de", "ru", "sw", "bn", "te", "th", "ja", "zh", "pt", "ko", "ar")


@dataclass(frozen=True)
class Family:
    name: str
    primary: str  # the metric the family is scored by
    metrics: tuple[str, ...]  # what its lm-eval tasks report, fidelity aside
    languages: tuple[str, ...]
    template: str | None  # the lm_eval_tasks/ template its task YAMLs include; None: its own folder
    source: str  # where the test data comes from: its hub dataset id (the template's dataset_path)
    judged: bool = False  # scored by `clt judge` after lm-eval (the primary metric is the judge's)
    group: bool = False  # has a clt_{name} group over GROUP_LANGUAGES
    synthetic: bool = False  # the demo's generated suite (clt_synth group)

    def task(self, lang: str) -> str:
        return names.task_name(self.name, lang)


_SYNTH_LANGUAGES = languages.PAPER_LANGUAGES
# The synthetic suite's test items are generated (clt_plugin.tasks.synth_items), not read.
SYNTH_SOURCE = "clt_synth"
_ALL_LANGUAGES = tuple(languages.LANGUAGES)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "mgsm", ACCURACY_METRIC, (ACCURACY_METRIC,), _MGSM_LANGUAGES, "_template_mgsm", "juletxara/mgsm", group=True
        ),
        Family(
            "mgsm_chat", ACCURACY_METRIC, (ACCURACY_METRIC,), _MGSM_LANGUAGES, "_template_mgsm_chat", "juletxara/mgsm"
        ),
        Family(
            "xlsum",
            ROUGE_METRIC,
            (ROUGE_METRIC,),
            languages.XLSUM_LANGUAGES,
            "_template_xlsum",
            "csebuetnlp/xlsum",
            group=True,
        ),
        Family(
            "dolly",
            JUDGE_METRIC,
            (),
            tuple(c for c, lang in languages.LANGUAGES.items() if lang.aya),
            "_template_dolly",
            "CohereForAI/aya_evaluation_suite",
            judged=True,
            group=True,
        ),
        # IFEval-schema data exists for en, es, fr, ja; any other language reads a file the user supplies.
        Family(
            "ifeval",
            IFEVAL_METRICS[0],
            IFEVAL_METRICS,
            _ALL_LANGUAGES,
            None,
            "google/IFEval (en), lightblue-tech/M-IFEval (es, fr, ja)",
        ),
        Family(
            "synth_math",
            ACCURACY_METRIC,
            (ACCURACY_METRIC,),
            _SYNTH_LANGUAGES,
            "_template_synth_math",
            SYNTH_SOURCE,
            synthetic=True,
        ),
        Family(
            "synth_summ",
            ROUGE_METRIC,
            (ROUGE_METRIC,),
            _SYNTH_LANGUAGES,
            "_template_synth_summ",
            SYNTH_SOURCE,
            synthetic=True,
        ),
        # An instruction to reply in a given language: whether the reply is in it is the point.
        Family(
            "synth_lang",
            FIDELITY_METRIC,
            (ROUGE_METRIC,),
            _SYNTH_LANGUAGES,
            "_template_synth_lang",
            SYNTH_SOURCE,
            synthetic=True,
        ),
    )
}
SYNTH_FAMILIES: tuple[str, ...] = tuple(n for n, f in FAMILIES.items() if f.synthetic)
JUDGED_FAMILIES: tuple[str, ...] = tuple(n for n, f in FAMILIES.items() if f.judged)


def get(name: str) -> Family | None:
    """The family of `name` (`mgsm` or `clt_mgsm`), or None when it is not a clt family."""
    return FAMILIES.get(names.family_part(name))


def primary_metric(family: str) -> str | None:
    """The metric a family is scored by, or None for a family the registry does not know."""
    fam = get(family)
    return fam.primary if fam else None


def score_metric(family: str, available: set[str] | list[str] = ()) -> str | None:
    """The metric a family is scored by: the registry's, else (a family this clt does not know)
    the first of its `available` metrics by name that is not a fidelity metric."""
    known = primary_metric(family)
    if known is not None:
        return known
    rest = sorted(m for m in available if m.partition(",")[0] not in FIDELITY_METRICS)
    return rest[0] if rest else None


def task_metrics(family: str, lang: str) -> tuple[str, ...]:
    """The metrics a generated `clt_{family}_{lang}` task reports, in its YAML's order."""
    return (*FAMILIES[family].metrics, *fidelity_metrics(lang))


def fidelity_metrics(lang: str) -> tuple[str, ...]:
    """The fidelity metrics a task in `lang` reports: LPR where lid.176 identifies the language,
    and WPR beside it for targets not written in Latin script."""
    if not languages.lpr_applies(lang):
        return ()
    return (FIDELITY_METRIC, WPR_METRIC) if languages.wpr_applies(lang) else (FIDELITY_METRIC,)


def metric_range(metric: str) -> tuple[float, float]:
    """Allowed values of a metric ("name" or "name,filter"); unknown metrics only need to be finite."""
    return METRIC_RANGES.get(metric.partition(",")[0], (-math.inf, math.inf))
