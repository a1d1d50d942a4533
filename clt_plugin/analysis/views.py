"""The views of a transfer matrix: how a row's absolute scores become the values a table shows.

Each view is one `View` in `VIEWS`, holding everything that differs between views: its values
(point and resampled), which rows it shows and in what order, and the words tables use for it.
A new view is one entry here, plus a line in docs/matrix-schema.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np

from clt_plugin.analysis.model import Row, lang_sort_key
from clt_plugin.analysis.results import ENGLISH, aggregate
from clt_plugin.errors import CLTError

ORDERS = ("k", "lang")
Values = Mapping[str, "float | None"]
Boots = Mapping[str, np.ndarray]


def _order_key(order: str):
    def key(row: Row):
        trained = tuple(lang_sort_key(l) for l in row.trained)
        k = (row.k is None, row.k if row.k is not None else 0)
        if order == "lang":
            return (not row.is_baseline, trained, k, row.run)
        return (not row.is_baseline, k, trained, row.run)

    return key


def _sorted_rows(rows: list[Row], notes: list[str], order: str) -> list[Row]:
    return sorted(rows, key=_order_key(order))


def _same(values: Values, base: Values | None) -> dict[str, float | None]:
    return dict(values)


def _same_boots(boots: Boots, base: Boots | None) -> Boots:
    return boots


def _difference(values: Values, base: Values | None) -> dict[str, float | None]:
    assert base is not None
    return {l: (v - base[l]) if v is not None and base.get(l) is not None else None for l, v in values.items()}


def _difference_boots(boots: Boots, base: Boots | None) -> Boots:
    assert base is not None
    return {l: b - base[l] for l, b in boots.items() if l in base}


def _relative(values: Values, base: Values | None) -> dict[str, float | None]:
    en = values.get(ENGLISH)
    if en is None or en == 0:
        return {l: None for l in values}
    # v / en first: the English column is then exactly 100.
    return {l: 100.0 * (v / en) if v is not None else None for l, v in values.items()}


def _relative_boots(boots: Boots, base: Boots | None) -> Boots:
    en = boots.get(ENGLISH)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {l: 100.0 * (b / en) if en is not None else b * np.nan for l, b in boots.items()}


def _relative_problem(values: Values) -> str | None:
    return "no nonzero English score, so no rel-en values" if values.get(ENGLISH) in (None, 0) else None


def _transfer_rows(rows: list[Row], notes: list[str], order: str) -> list[Row]:
    """Rows of single-source runs labelled by their source; with none, every trained run labelled by
    its source set. Seen for a source row is its source set."""
    single = [r for r in rows if len(r.trained) == 1]
    if single:
        skipped = [r.run for r in rows if len(r.trained) != 1 and not r.is_baseline]
        if skipped:
            notes.append(f"transfer view: runs without exactly one training language left out: {', '.join(skipped)}")
        out = single
        for row in out:
            row.label = row.trained[0]
    else:
        out = [r for r in rows if r.trained and not r.is_baseline]
        if not out:
            raise CLTError(
                "transfer view: no trained run besides the baseline (a manifest with a non-English language)"
            )
        notes.append("transfer view: no single-source run; each row is a run's whole source set")
        for row in out:
            row.label = "+".join(row.trained)
    sources: dict[str, int] = {}
    for row in out:
        sources[row.label] = sources.get(row.label, 0) + 1
    for row in out:
        if sources[row.label] > 1:
            row.label = f"{row.label} ({row.run})"
        row.agg = aggregate(row.cells, row.trained)
        row.seen = row.trained
    return sorted(out, key=lambda row: (lang_sort_key(row.label), row.k or 0, row.run))


@dataclass(frozen=True)
class View:
    name: str
    unit: str  # what a value is, for titles: "{baseline}" is replaced by the baseline's name
    # Values are differences from the row's baseline run, which is then required; shown signed.
    against_baseline: bool
    # A linear function of the scores: rows with stderrs only get closed-form intervals, and a
    # cell's delta test applies to it (tables mark it).
    linear: bool
    values: Callable[[Values, Values | None], dict[str, float | None]]
    resampled: Callable[[Boots, Boots | None], Boots]  # the same on resample arrays
    rows: Callable[[list[Row], list[str], str], list[Row]] = _sorted_rows
    problem: Callable[[Values], str | None] = lambda values: None  # a note on a row's values
    group_statistics: bool = True  # rho, plateaus and curves over the groups of runs
    in_percent: bool = False  # values are percentages already (no --percent scaling)
    row_heading: str = "Run"

    def title_unit(self, baseline: str | None) -> str:
        return self.unit.replace("{baseline}", str(baseline))


VIEWS_BY_NAME: dict[str, View] = {
    v.name: v
    for v in (
        View("absolute", "score", False, True, _same, _same_boots),
        View("delta", "gain over {baseline}", True, True, _difference, _difference_boots),
        View(
            "rel-en",
            "% of the run's English score",
            False,
            False,
            _relative,
            _relative_boots,
            problem=_relative_problem,
            in_percent=True,
        ),
        View(
            "transfer",
            "gain over {baseline}",
            True,
            True,
            _difference,
            _difference_boots,
            rows=_transfer_rows,
            group_statistics=False,
            row_heading="Source",
        ),
    )
}
VIEWS = tuple(VIEWS_BY_NAME)


def get_view(name: str) -> View:
    view = VIEWS_BY_NAME.get(name)
    if view is None:
        raise CLTError(f"unknown view {name!r} (known: {', '.join(VIEWS)})")
    return view
