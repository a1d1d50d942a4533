"""A transfer matrix as data: its rows, the statistics of each group of comparable runs, and the
matrix itself. Built by clt_plugin.analysis.matrix; read by render, plots and report."""

from __future__ import annotations

from dataclasses import dataclass, field

from clt_plugin import languages
from clt_plugin.analysis.bootstrap import Interval
from clt_plugin.analysis.checkpoints import FINAL
from clt_plugin.analysis.results import Aggregates
from clt_plugin.analysis.stats import Correlation, Plateau
from clt_plugin.analysis.uncertainty import StatOptions, Test

SERIES = ("english", "seen", "unseen")
_REGISTRY_ORDER = {code: i for i, code in enumerate(languages.LANGUAGES)}


def lang_sort_key(code: str) -> tuple[int, str]:
    return (_REGISTRY_ORDER.get(code, len(_REGISTRY_ORDER)), code)


@dataclass(slots=True)
class Row:
    run: str
    label: str
    k: int | None  # examples per language (manifest per_language); None: unknown or unequal
    trained: tuple[str, ...]  # non-English languages with training rows
    seen: tuple[str, ...] | None  # None: no manifest, seen set unknown
    is_baseline: bool
    cells: dict[str, float | None]  # language -> value in the view's units
    agg: Aggregates
    fidelity: float | None = None
    fidelity_by_lang: dict[str, float | None] = field(default_factory=dict)
    absolute: dict[str, float | None] = field(default_factory=dict)
    absolute_agg: Aggregates | None = None
    flagged: bool = False  # differs from the other runs in version, hash, few-shot (--allow-mixed)
    runs: tuple[str, ...] = ()  # the runs behind the row: one, or one per seed
    seeds: tuple[str, ...] = ()  # "training/mixture" seed of each run, when the row pools seeds
    spread: dict[str, float | None] = field(default_factory=dict)  # sd across seeds, absolute units
    base_model: str | None = None
    ci: dict[str, Interval | None] = field(default_factory=dict)  # language -> interval, view units
    agg_ci: dict[str, Interval | None] = field(default_factory=dict)
    tests: dict[str, Test] = field(default_factory=dict)  # language or "avg:<agg>" -> delta vs baseline
    methods: tuple[str, ...] = ()
    # Language -> items with a per-item score, and items in the samples files (summed over a
    # pooled row's seeds); a language is absent when its samples files do not list the metric.
    n_scored: dict[str, int] = field(default_factory=dict)
    n_items: dict[str, int] = field(default_factory=dict)
    # Where in training the evaluated model was: a checkpoint's step, or the final model's
    # (clt_plugin.analysis.checkpoints); and the training output folder, when known.
    step: int | str = FINAL
    training_run: str | None = None
    checkpoint: bool = False  # an intermediate checkpoint, not the final model


@dataclass(frozen=True)
class Rho:
    """Spearman's rho between the seen and unseen averages over some points, with its
    two-sided p-value and a bootstrap interval (None when undefined, with a note)."""

    rho: float | None
    p: float | None
    low: float | None
    high: float | None
    n_points: int
    note: str | None = None


@dataclass
class GroupStats:
    """Statistics of one group of comparable runs (or of a pooled set, labelled so)."""

    label: str
    base_model: str | None
    seen: tuple[str, ...]
    runs: tuple[str, ...]
    spearman: Correlation
    rho_ci: Interval | None = None
    plateaus: dict[str, Plateau] = field(default_factory=dict)
    plateau_ci: dict[str, tuple[float, float] | None] = field(default_factory=dict)
    # series (aggregate or language) -> [(k, value, low, high)], baseline at k = 0
    curves: dict[str, list[tuple[int, float, float | None, float | None]]] = field(default_factory=dict)
    pooled: bool = False
    resamples: int = 0
    # Table 2 of the paper, both ways: over grid points (one per k, final models) and over grid
    # points x checkpoints (None when the group has no checkpoint evaluation).
    rho_grid: Rho | None = None
    rho_checkpoints: Rho | None = None
    # training run (its row's run, or a pooled row's seed run) -> [(step, seen, unseen)] in
    # training order, absolute: only for groups with checkpoint evaluations
    checkpoint_curves: dict[str, list[tuple[int | str, float | None, float | None]]] = field(default_factory=dict)


@dataclass
class Matrix:
    task: str
    metric: str
    view: str
    languages: list[str]
    rows: list[Row]
    baseline: str | None
    fidelity_metric: str | None
    notes: list[str] = field(default_factory=list)
    mixed: list[str] = field(default_factory=list)  # comparability differences, with --allow-mixed
    plateau_threshold: float = 0.95
    groups: list[GroupStats] = field(default_factory=list)
    pooled: GroupStats | None = None
    options: StatOptions = field(default_factory=StatOptions)
    uncertainty_note: str = ""
    n_tests: int = 0
    # Evaluations that are not rows: checkpoints, and the seed runs of a pooled row whose training
    # was evaluated at checkpoints (absolute values, no intervals); they feed rho_checkpoints.
    checkpoints: list[Row] = field(default_factory=list)

    @property
    def spearman(self) -> Correlation | None:
        """The one group's rho (or the pooled one when asked for); None when there are several groups."""
        if self.pooled is not None:
            return self.pooled.spearman
        return self.groups[0].spearman if len(self.groups) == 1 else None

    @property
    def plateaus(self) -> dict[str, dict[str, Plateau]]:
        return {g.label: g.plateaus for g in self.groups if g.plateaus}

    @property
    def curves(self) -> dict[str, dict[str, list[tuple[int, float]]]]:
        return {
            g.label: {s: [(k, v) for k, v, _, _ in pts] for s, pts in g.curves.items() if s in SERIES}
            for g in self.groups
        }
