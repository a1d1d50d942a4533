"""The uncertainty of a matrix's rows: every cell's and aggregate's interval in the view's units,
and every delta against the baseline tested, corrected over the table (see uncertainty.py)."""

from __future__ import annotations

from clt_plugin.analysis.bootstrap import Resampler
from clt_plugin.analysis.model import Matrix, Row
from clt_plugin.analysis.uncertainty import (
    AGGREGATES,
    Cell,
    Distributions,
    Test,
    correct,
    prefetch_cells,
    row_statistics,
)
from clt_plugin.analysis.views import get_view

# Resampled means kept at once (floats): bounds memory whatever the number of runs.
PREFETCH_BUDGET = 25_000_000

CellsOf = dict[str, dict[str, Cell]]


def add_uncertainty(matrix: Matrix, cells_of: CellsOf, base_of: dict[str, str], resampler: Resampler) -> None:
    """Intervals on every row, and the row's tests, corrected over the whole table."""
    opts = matrix.options
    all_tests: list[tuple[Row, str, Test]] = []
    rows = [r for r in matrix.rows if cells_of[r.run]]
    per_row = max(1, max((sum(len(c.items) for c in cells_of[r.run].values()) for r in rows), default=1))
    chunk = max(1, PREFETCH_BUDGET // (resampler.resamples * per_row))
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        prefetch_rows(resampler, part, cells_of, base_of)
        for row in part:
            all_tests += _row_uncertainty(matrix, row, cells_of, base_of, resampler)
    # What fitted in one pass stays for the group statistics; the caller forgets it at the end.
    corrected = correct([t for _, _, t in all_tests], opts.correction, opts.alpha)
    for (row, key, _), t in zip(all_tests, corrected):
        row.tests[key] = t
    matrix.n_tests = len(all_tests)
    matrix.uncertainty_note = opts.describe() + f" ({len(all_tests)} tests in this table)"


def prefetch_rows(
    resampler: Resampler, rows: list[Row], cells_of: CellsOf, base_of: dict[str, str], keep: bool = False
) -> None:
    """Resampled means of every item vector of these rows and their baselines, and the sign-flip
    nulls of their paired differences, each kind in one product per language (`keep`: add to
    what is kept rather than replace it)."""
    if not keep:
        resampler.forget()
    names = {r.run for r in rows} | {base_of[r.run] for r in rows if r.run in base_of}
    prefetch_cells(resampler, [c for n in names for c in cells_of[n].values()])
    flips = []
    for r in rows:
        base = base_of.get(r.run)
        if base is None or base == r.run:
            continue
        for l, c in cells_of[r.run].items():
            b = cells_of[base].get(l)
            if b is not None and c.kind == "items" and b.kind == "items" and c.items[0].same_items(b.items[0]):
                flips.append(((id(c.items[0]), id(b.items[0])), c.stream, c.items[0].values - b.items[0].values))
    resampler.prefetch("flip", flips)


def _row_uncertainty(
    matrix: Matrix, row: Row, cells_of: CellsOf, base_of: dict[str, str], resampler: Resampler
) -> list[tuple[Row, str, Test]]:
    """A row's intervals (set on it) and its tests against its baseline (returned, for the correction)."""
    base = base_of.get(row.run)
    st = row_statistics(
        cells_of[row.run],
        get_view(matrix.view),
        row.cells,
        dict(zip(AGGREGATES, row.agg)),
        row.seen,
        None if row.is_baseline or base is None else cells_of[base],
        Distributions(resampler, row.run),
        Distributions(resampler, base) if base else None,
        matrix.options,
    )
    row.ci, row.agg_ci, row.methods = st.cells, st.aggregates, tuple(sorted(st.methods))
    return [(row, key, t) for key, t in st.tests.items()]
