"""The task-family registry: the one place that says what each clt task family is.

A family is the `{family}` of the `clt_{family}_{lang}` tasks. For each one this module says
which metric scores it (the *primary* metric: what `clt matrix`, `clt report`, the leaderboard
and the demo read when no metric is named), which metrics its lm-eval tasks report, which
languages it has, which lm-eval template its tasks include, and where its data comes from.
The YAML generator (`clt_plugin.tasks.generate`), the analysis, the leaderboard, the judge and
the demo all read it; none keeps a table of its own.

Metric names live here too: the fidelity metrics every clt task reports beside its own, the
judge's rating, and the range of each metric (a value outside it is a broken results file).
Nothing here imports the rest of the package beyond the language registry, so anything may
import it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from clt_plugin import languages

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
    "acc": (0.0, 1.0),
    "exact_match": (0.0, 1.0),
    "rougeL": (0.0, 1.0),
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
        return f"clt_{self.name}_{lang}"


_SYNTH_LANGUAGES = languages.PAPER_LANGUAGES
# The synthetic suite's test items are generated (clt_plugin.tasks.synth_items), not read.
SYNTH_SOURCE = "clt_synth"
_ALL_LANGUAGES = tuple(languages.LANGUAGES)

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("mgsm", "acc", ("acc",), _MGSM_LANGUAGES, "_template_mgsm", "juletxara/mgsm", group=True),
        Family("mgsm_chat", "acc", ("acc",), _MGSM_LANGUAGES, "_template_mgsm_chat", "juletxara/mgsm"),
        Family(
            "xlsum", "rougeL", ("rougeL",), languages.XLSUM_LANGUAGES, "_template_xlsum", "csebuetnlp/xlsum", group=True
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
        Family("synth_math", "acc", ("acc",), _SYNTH_LANGUAGES, "_template_synth_math", SYNTH_SOURCE, synthetic=True),
        Family(
            "synth_summ", "rougeL", ("rougeL",), _SYNTH_LANGUAGES, "_template_synth_summ", SYNTH_SOURCE, synthetic=True
        ),
        # An instruction to reply in a given language: whether the reply is in it is the point.
        Family(
            "synth_lang",
            FIDELITY_METRIC,
            ("rougeL",),
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
    return FAMILIES.get(name[4:] if name.startswith("clt_") else name)


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
    from clt_plugin.metrics.fidelity import applies, wpr_applies

    fidelity = (FIDELITY_METRIC, *((WPR_METRIC,) if wpr_applies(lang) else ())) if applies(lang) else ()
    return (*FAMILIES[family].metrics, *fidelity)


def metric_range(metric: str) -> tuple[float, float]:
    """Allowed values of a metric ("name" or "name,filter"); unknown metrics only need to be finite."""
    return METRIC_RANGES.get(metric.partition(",")[0], (-math.inf, math.inf))
