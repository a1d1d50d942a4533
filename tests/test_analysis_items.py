"""Per-item scores (issue 21 §2, issue 23 §2): values no score can be are refused with file and
line; null values are unscored items, counted; a cell without per-item scores says why."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_results import write_manifest, write_results
from synthetic_samples import DATE, write_samples

from clt_plugin.analysis.items import parse_samples, read_items
from clt_plugin.analysis.matrix import build_matrix
from clt_plugin.analysis.results import load_runs
from clt_plugin.analysis.uncertainty import METHOD_ITEMS, METHOD_STDERR, StatOptions
from clt_plugin.errors import CLTError

OPTS = StatOptions(resamples=200)
LANGS = ("en", "es", "ko")


def _line(doc_id, value, metric="acc"):
    return json.dumps({"doc_id": doc_id, "filter": "none", "doc_hash": f"h{doc_id}", metric: value})


@pytest.mark.parametrize(
    "bad, message",
    [
        ("NaN", "s.jsonl: line 2: out of range: acc=nan (allowed 0..1)"),
        ("Infinity", "s.jsonl: line 2: out of range: acc=inf (allowed 0..1)"),
        ("7", "s.jsonl: line 2: out of range: acc=7.0 (allowed 0..1)"),
        ("-0.5", "s.jsonl: line 2: out of range: acc=-0.5 (allowed 0..1)"),
        ("1" + "0" * 400, "s.jsonl: line 2: acc: a 401-digit integer, too large for a score"),
    ],
)
def test_a_per_item_value_no_score_can_be_names_file_and_line(bad, message):
    lines = [_line(0, 1.0), '{"doc_id": 1, "filter": "none", "acc": ' + bad + "}", _line(2, 0.0)]
    with pytest.raises(CLTError) as err:
        parse_samples(lines, "acc", "s.jsonl")
    assert str(err.value) == message


def test_a_judge_rating_of_six_is_refused_but_five_is_a_score():
    assert parse_samples([_line(0, 5, "judge_rating"), _line(1, 1.0, "judge_rating")], "judge_rating").mean() == 3.0
    with pytest.raises(CLTError, match=r"^s\.jsonl: line 1: out of range: judge_rating=6\.0 \(allowed 1\.\.5\)$"):
        parse_samples([_line(0, 6, "judge_rating")], "judge_rating", "s.jsonl")


def test_the_line_named_is_the_line_of_its_own_file(tmp_path):
    """Two samples files of one task: the bad value's own file and line, not a count over both."""
    a, b = tmp_path / "samples_a.jsonl", tmp_path / "samples_b.jsonl"
    a.write_text("\n".join(_line(i, 1.0) for i in range(5)) + "\n")
    b.write_text(_line(5, 0.0) + "\n" + _line(6, 2.5) + "\n")
    with pytest.raises(CLTError) as err:
        read_items([a, b], "acc")
    assert str(err.value) == f"{b}: line 2: out of range: acc=2.5 (allowed 0..1)"


def test_null_values_are_unscored_items():
    lines = [_line(i, None if i % 5 else float(i % 2 == 0), "lpr") for i in range(40)]
    items = parse_samples(lines, "lpr")
    assert items.doc_ids.tolist() == [0, 5, 10, 15, 20, 25, 30, 35]
    assert items.values.tolist() == [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    assert (items.n, items.n_items) == (8, 40)
    whole = parse_samples([_line(i, 1.0) for i in range(3)], "acc")
    assert (whole.n, whole.n_items) == (3, 3)


def test_why_there_are_no_per_item_scores(tmp_path):
    path = tmp_path / "samples_x.jsonl"
    path.write_text("\n".join([_line(0, None, "lpr"), _line(1, None, "lpr")]) + "\n")
    assert (read_items([path], "lpr").scores, read_items([path], "lpr").listed) == (None, 2)
    assert read_items([path], "lpr").reason == "no item has a lpr value (all 2 null)"
    assert read_items([path], "acc").reason == "the samples files have no per-item acc"
    path.write_text(_line(0, [0.1, 0.2], "bleu") + "\n")
    assert read_items([path], "bleu").reason == "per-item bleu values are not numbers (a corpus-level metric)"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), min_size=1, max_size=30))
def test_per_item_values_are_kept_exactly_or_refused(values):
    """Every finite value in [0, 1] is kept as it is, null is an unscored item, anything else is
    refused naming its line."""
    lines = [_line(i, v) for i, v in enumerate(values)]
    bad = [i for i, v in enumerate(values) if v is not None and not (math.isfinite(v) and 0 <= v <= 1)]
    if bad:
        with pytest.raises(CLTError, match=rf"^s\.jsonl: line {bad[0] + 1}: out of range: acc="):
            parse_samples(lines, "acc", "s.jsonl")
        return
    items = parse_samples(lines, "acc", "s.jsonl")
    scored = [v for v in values if v is not None]
    if not scored:
        assert items is None
        return
    assert items.values.tolist() == scored and items.n_items == len(values)


# --------------------------------------------------------------------------- in the matrix


def _run(root, name, k, items_by_lang, *, metric="lpr", samples=True):
    """A run whose reported score per language is the mean of its scored items (LPR's judged mean)."""
    model = root / "models" / name
    write_manifest(model / "clt_manifest.json", {"t": {"en": 10, "es": k}}, seen=["es"])
    scores = {}
    for lang, vals in items_by_lang.items():
        scored = [v for v in vals if v is not None]
        scores[f"clt_mgsm_{lang}"] = {metric: sum(scored) / len(scored) if scored else 1.0}
    write_results(root / "evals" / name, scores, model_args=f"pretrained={model}", stderr=0.05)
    if samples:
        for lang, vals in items_by_lang.items():
            write_samples(root / "evals" / name, f"clt_mgsm_{lang}", vals, metric=metric, extra_filter=False)


def test_a_cell_scored_on_few_of_its_items_carries_its_counts_and_no_false_note(tmp_path):
    """Issue 23: 32 of 40 lpr values null in one cell. The cell rests on its 8 judged items, says
    8/40, and no note claims that samples are missing."""
    full = [1.0, 0.0] * 20
    _run(tmp_path, "k0", 0, {l: full for l in LANGS})
    sparse = [0.0 if i % 5 == 0 else None for i in range(40)]
    _run(tmp_path, "k200", 200, {"en": full, "es": full, "ko": sparse})
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "lpr", stats=OPTS)
    row = next(r for r in m.rows if r.run == "k200")
    assert row.n_scored == {"en": 40, "es": 40, "ko": 8} and row.n_items == {"en": 40, "es": 40, "ko": 40}
    assert row.cells["ko"] == 0.0 and row.ci["ko"].method == METHOD_ITEMS
    assert row.ci["ko"].low == row.ci["ko"].high == 0.0  # eight zeros: every resample is 0
    assert not any("no per-item scores" in n for n in m.notes)
    assert (
        "fewer than half of the items have a lpr value in k200 ko 8/40 (scored/items): "
        "those values and intervals rest on the scored items only"
    ) in m.notes


def test_notes_name_the_real_reason_a_cell_falls_back_to_stderr(tmp_path):
    full = [1.0, 0.0] * 20
    _run(tmp_path, "k0", 0, {l: full for l in LANGS}, samples=False)
    _run(tmp_path, "k100", 100, {"en": full, "es": full, "ko": [None] * 40})
    m = build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "lpr", stats=OPTS)
    assert m.notes == [
        "no per-item scores (lm-eval --log_samples) for k0: their intervals use lm-eval's stderr "
        "(normal approximation) and their delta tests are unpaired",
        "no item has a lpr value (all 40 null) for k100 (ko): their intervals use lm-eval's stderr "
        "(normal approximation) and their delta tests are unpaired",
        "fewer than half of the items have a lpr value in k100 ko 0/40 (scored/items): "
        "those values and intervals rest on the scored items only",
    ]
    k100 = next(r for r in m.rows if r.run == "k100")
    assert k100.ci["ko"].method == METHOD_STDERR and k100.ci["es"].method == METHOD_ITEMS
    assert (k100.n_scored["ko"], k100.n_items["ko"]) == (0, 40)
    k0 = next(r for r in m.rows if r.run == "k0")
    assert k0.n_scored == {} and k0.n_items == {}


def test_bad_per_item_values_refuse_the_matrix_naming_file_and_line(tmp_path):
    """Issue 21: two rows set to NaN and 7 no longer turn the cell into a stderr cell silently."""
    full = [1.0, 0.0] * 20
    _run(tmp_path, "k0", 0, {l: full for l in LANGS}, metric="acc")
    _run(tmp_path, "k100", 100, {l: full for l in LANGS}, metric="acc")
    path = tmp_path / "evals" / "k100" / f"samples_clt_mgsm_es_{DATE}.jsonl"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace('"acc": 0.0', '"acc": NaN')
    lines[6] = lines[6].replace('"acc": 1.0', '"acc": 7')
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(CLTError) as err:
        build_matrix(load_runs([tmp_path / "evals"]), "mgsm", "acc", stats=OPTS)
    assert str(err.value) == (f"{path}: line 4: out of range: acc=nan (allowed 0..1)")
