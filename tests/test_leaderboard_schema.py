"""The submission schema: what it accepts, and every kind of bad submission it refuses by path."""

from __future__ import annotations

import copy
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from leaderboard_fixtures import write_model_results, write_task_dir

from clt_plugin.errors import CLTError
from clt_plugin.leaderboard.schema import (
    SCHEMA_VERSION,
    Submission,
    aggregates,
    parse_submission,
    split_seen,
)
from clt_plugin.leaderboard.submit import SubmitOptions, build_submission
from clt_plugin.names import split_task_name

PAPER = ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt")


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("schema")
    tasks = write_task_dir(tmp / "tasks", {"mgsm": PAPER})
    scores = {f"clt_mgsm_{l}": {"acc": i / 8, "lpr": 1.0} for i, l in enumerate(PAPER)}
    results, _ = write_model_results(tmp, "m", scores)
    built = build_submission(
        [results], SubmitOptions(model_id="org/m", created_at="2026-01-01T00:00:00Z"), tasks_dir=tasks
    )
    return json.loads(built.submission.to_json())


def test_good_submission_round_trips(good):
    sub = parse_submission(good)
    assert isinstance(sub, Submission)
    assert json.loads(sub.to_json()) == good
    assert good["schema"] == SCHEMA_VERSION
    assert sub.families["mgsm"].aggregates.all == 0.4375


def _set(doc: dict, path: str, value) -> dict:
    doc = copy.deepcopy(doc)
    keys = path.split("/")
    target = doc
    for k in keys[:-1]:
        target = target[k]
    if value is _DELETE:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return doc


_DELETE = object()

BAD = [
    ("schema", "clt-submission/9", r"schema 'clt-submission/9' is not supported \(this clt reads clt-submission/1\)"),
    ("created_at", "2026-01-01 00:00", r"submission\.created_at: '2026-01-01 00:00' is not a UTC timestamp"),
    ("model/id", "", r"submission\.model\.id: String should have at least 1 character"),
    ("model/id", _DELETE, r"submission\.model\.id: field required"),
    ("model/owner", "x", r"submission\.model\.owner: unknown field 'owner'"),
    (
        "tasks/clt_mgsm_es/metrics/acc",
        float("nan"),
        r"submission\.tasks\.clt_mgsm_es\.metrics\.acc: value nan is not a finite",
    ),
    ("tasks/clt_mgsm_es/metrics/acc", float("inf"), r"metrics\.acc: value inf is not a finite number"),
    ("tasks/clt_mgsm_es/metrics/lpr", 1.25, r"tasks\.clt_mgsm_es: out of range: lpr=1\.25 \(allowed 0\.\.1\)"),
    ("tasks/clt_mgsm_es/metrics/x y", 0.5, r"metric name 'x y' is not NAME or NAME,FILTER"),
    ("tasks/clt_mgsm_es/language", "xx", r"submission\.tasks\.clt_mgsm_es\.language: unknown language 'xx'"),
    ("tasks/clt_mgsm_es/family", "../../etc", r"family: task family '\.\./\.\./etc' must be lower-case"),
    ("tasks/clt_mgsm_es/family", "xlsum", r"tasks\.clt_mgsm_es: name does not match family 'xlsum' and language 'es'"),
    ("families/mgsm/scores/es", 0.875, r"families\.mgsm\.scores\.es: 0\.875 is not the task's acc \(0\.125\)"),
    ("families/mgsm/aggregates/seen", 0.9, r"families\.mgsm\.aggregates\.seen: 0\.9 should be 0\.3125"),
    ("families/mgsm/aggregates/gap", None, r"families\.mgsm\.aggregates\.gap: None should be -0\.4375"),
    ("families/mgsm/fidelity_mean", 0.5, r"families\.mgsm\.fidelity_mean: does not match the mean of fidelity"),
    (
        "families/mgsm/seen",
        ["es"],
        r"families\.mgsm: seen/unseen should be \['es', 'fr', 'ja', 'zh'\]/\['ar', 'ko', 'pt'\]",
    ),
    ("seen_languages", ["es"], r"seen_languages \['es'\] differ from the manifest's languages\.seen"),
    ("mixture/sha256", "0" * 64, r"submission\.mixture: sha256 0{64} does not match the embedded manifest"),
    ("mixture/manifest/per_language", 5, r"does not match the embedded manifest"),
    ("tasks", {}, r"submission\.tasks: Dictionary should have at least 1 item"),
    (
        "model/base_model",
        "a\ud800b",
        r"submission\.model\.base_model: Input should be a valid string, unable to parse raw data as a unicode",
    ),
    ("model/revision", "line\nbreak", r"submission\.model\.revision: 'line\\nbreak' contains control characters"),
]


@pytest.mark.parametrize("path, value, pattern", BAD, ids=[f"{p}={v!r}"[:60] for p, v, _ in BAD])
def test_bad_submissions_are_named_by_path(good, path, value, pattern):
    import re

    doc = _set(good, path, value)
    with pytest.raises(CLTError) as err:
        parse_submission(doc, source="sub.json")
    assert re.search(pattern, str(err.value)), str(err.value)


def test_task_missing_from_family_scores_is_refused(good):
    doc = _set(good, "families/mgsm/scores/ko", _DELETE)
    with pytest.raises(CLTError, match=r"families\.mgsm\.scores: languages .* differ from the tasks'"):
        parse_submission(doc)


def test_not_an_object():
    with pytest.raises(CLTError, match=r"sub\.json: submission: Input should be an object|valid dictionary"):
        parse_submission([1, 2], source="sub.json")


def test_task_names():
    assert split_task_name("clt_mgsm_chat_es") == ("mgsm_chat", "es")
    assert split_task_name("clt_xlsum_zh-Hant") == ("xlsum", "zh-Hant")
    assert split_task_name("mgsm_es") is None
    assert split_task_name("clt_es") is None


def test_embedded_manifest_keeps_its_hash_through_a_round_trip(good):
    # The submission carries the manifest exactly as read: no field added, none dropped.
    sub = parse_submission(good)
    again = parse_submission(json.loads(sub.to_json()))
    assert again.mixture.manifest.to_dict() == good["mixture"]["manifest"]
    assert again.mixture.sha256 == sub.mixture.manifest.sha256() == good["mixture"]["sha256"]


scores_strategy = st.dictionaries(
    st.sampled_from(PAPER), st.floats(min_value=0, max_value=1, allow_nan=False), min_size=1
)


@settings(max_examples=60, deadline=None)
@given(scores=scores_strategy, seen=st.lists(st.sampled_from(PAPER[1:]), unique=True))
def test_aggregates_invariants(scores, seen):
    s, u = split_seen(scores, seen)
    assert set(s) | set(u) == set(scores) - {"en"} and not set(s) & set(u)
    agg = aggregates(scores, s, u)
    assert agg.english == scores.get("en")
    assert agg.all == math.fsum(scores.values()) / len(scores)
    # Within the scores' range, up to the one rounding of the division.
    assert min(scores.values()) * (1 - 1e-15) <= agg.all <= max(scores.values()) * (1 + 1e-15)
    if agg.seen is not None and agg.unseen is not None:
        assert agg.gap == agg.seen - agg.unseen
    else:
        assert agg.gap is None
    # The same scores in another order give the same floats: submissions are deterministic.
    assert aggregates(dict(reversed(list(scores.items()))), s, u) == agg
