"""Loading lm-eval results files into runs, merging, manifests and aggregates."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic_results import write_manifest, write_results

from clt_plugin.analysis.results import (
    RunSpec,
    aggregate,
    find_manifest,
    find_results_files,
    load_manifest,
    load_results,
    load_runs,
    parse_model_args,
)
from clt_plugin.errors import CLTError
from clt_plugin.names import split_task_name


def test_parse_model_args_string_and_dict():
    assert parse_model_args("pretrained=/x/y,dtype=float32") == {"pretrained": "/x/y", "dtype": "float32"}
    assert parse_model_args({"pretrained": "/x", "trust_remote_code": True}) == {
        "pretrained": "/x",
        "trust_remote_code": "True",
    }
    assert parse_model_args("") == {} and parse_model_args(None) == {}


def test_split_task_name():
    assert split_task_name("clt_mgsm_es") == ("mgsm", "es")
    assert split_task_name("clt_mgsm_chat_ja") == ("mgsm_chat", "ja")
    assert split_task_name("clt_xlsum_zh-Hant") == ("xlsum", "zh-Hant")
    assert split_task_name("clt_mgsm") is None  # a group
    assert split_task_name("mgsm_direct_es") is None
    assert split_task_name("clt_mgsm_xx") is None


def test_load_results_reads_scores_versions_hashes(tmp_path):
    model = tmp_path / "models" / "k100"
    write_manifest(model / "clt_manifest.json", {"math": {"en": 10, "es": 100, "fr": 100}})
    out = tmp_path / "evals" / "run"
    write_results(
        out,
        {"clt_mgsm_en": {"acc": 0.5, "lpr": 1.0}, "clt_mgsm_es": {"acc": 0.25}},
        model_args=f"pretrained={model},dtype=float32",
        task_hashes={"clt_mgsm_en": "h-en", "clt_mgsm_es": "h-es"},
        n_shot=8,
        version=2,
    )
    run = load_results(out)
    assert run.name == "run"
    assert run.lm_eval_version == "0.4.11"
    assert run.model_args == {"pretrained": str(model), "dtype": "float32"}
    assert run.families() == ["mgsm"]
    assert run.score("mgsm", "en", "acc").value == 0.5
    assert run.score("mgsm", "en", "acc").stderr == 0.01
    assert run.score("mgsm", "es", "lpr") is None
    t = run.task("mgsm", "es")
    assert (t.version, t.n_shot, t.task_hash, t.n_samples) == (2, 8, "h-es", 250)
    assert run.manifest is not None and run.manifest.seen == ("es", "fr")
    assert run.manifest.per_language == 100 and run.manifest.english_only is False
    assert find_manifest(run) == model / "clt_manifest.json"


def test_language_from_metadata_wins_over_name(tmp_path):
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": 0.5}})
    data = json.loads(path.read_text())
    data["configs"]["clt_mgsm_es"]["metadata"]["clt_language"] = "pt"
    data["results"]["my_other_task"] = {"alias": "x", "acc,none": 1.0}
    path.write_text(json.dumps(data))
    run = load_results(path)
    assert run.languages("mgsm") == ["pt"]
    assert run.other_tasks == ("my_other_task",)


def test_unknown_language_in_metadata_names_file_and_field(tmp_path):
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": 0.5}})
    data = json.loads(path.read_text())
    data["configs"]["clt_mgsm_es"]["metadata"]["clt_language"] = "xx"
    path.write_text(json.dumps(data))
    with pytest.raises(
        CLTError, match=r"results_.*\.json: configs\.clt_mgsm_es\.metadata\.clt_language: unknown language 'xx'"
    ):
        load_results(path)


def test_name_only_tasks_and_model_args_string(tmp_path):
    write_results(
        tmp_path / "r", {"clt_xlsum_ko": {"rougeL": 0.2}}, with_metadata=False, model_args="pretrained=/nowhere"
    )
    run = load_results(tmp_path / "r")
    assert run.scores("xlsum", "rougeL")["ko"].value == 0.2
    assert run.manifest is None


def test_filters_and_bare_metric_names(tmp_path):
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"exact_match": 0.5}}, filter_name="strict-match")
    data = json.loads(path.read_text())
    data["results"]["clt_mgsm_es"]["exact_match,flexible-extract"] = 0.75
    data["results"]["clt_mgsm_es"]["nan_metric,none"] = float("nan")
    path.write_text(json.dumps(data))
    run = load_results(path)
    assert run.score("mgsm", "es", "exact_match,flexible-extract").value == 0.75
    assert run.score("mgsm", "es", "nan_metric") is None
    with pytest.raises(CLTError, match="exact_match,flexible-extract, exact_match,strict-match"):
        run.score("mgsm", "es", "exact_match")


def test_lm_eval_output_path_layout_and_samples(tmp_path):
    out = tmp_path / "evals"
    sub = out / "__models__k100"
    write_results(
        sub,
        {"clt_mgsm_es": {"acc": 0.5}},
        model_args="pretrained=/models/k100",
        model_name="/models/k100",
        date="2026-01-01T10-00-00.1",
    )
    (sub / "samples_clt_mgsm_es_2026-01-01T10-00-00.1.jsonl").write_text("{}\n")
    write_results(out / "other", {"clt_mgsm_es": {"acc": 0.1}})
    groups = find_results_files(out)
    assert list(groups) == [sub, out / "other"]
    runs = load_runs([out])
    assert [r.name for r in runs] == ["k100", "other"]
    assert runs[0].samples == {"clt_mgsm_es": (sub / "samples_clt_mgsm_es_2026-01-01T10-00-00.1.jsonl",)}
    with pytest.raises(CLTError, match="holds 2 runs"):
        load_results(out)


def test_judge_file_merges_and_conflicts_are_errors(tmp_path):
    d = tmp_path / "run"
    write_results(d, {"clt_dolly_es": {"lpr": 0.9}}, date="2026-01-01T00-00-00.1")
    judge = write_results(
        d, {"clt_dolly_es": {"judge_rating": 3.5, "judge_rating_raw": 3.75}}, date="2026-01-02T00-00-00.1"
    )
    run = load_results(d)
    assert run.score("dolly", "es", "judge_rating").value == 3.5
    assert run.score("dolly", "es", "lpr").value == 0.9
    assert len(run.files) == 2
    write_results(d, {"clt_dolly_es": {"judge_rating": 4.0}}, date="2026-01-03T00-00-00.1")
    with pytest.raises(
        CLTError, match=r"metric judge_rating,none is 3\.5 in .*results_2026-01-02.* but 4\.0 in .*results_2026-01-03"
    ):
        load_results(d)
    assert judge.exists()


def test_version_conflict_inside_a_run(tmp_path):
    d = tmp_path / "run"
    write_results(d, {"clt_mgsm_es": {"acc": 0.5}}, version=1, date="a")
    write_results(d, {"clt_mgsm_es": {"lpr": 0.5}}, version=2, date="b")
    with pytest.raises(CLTError, match="task clt_mgsm_es: version differs"):
        load_results(d)


def test_different_models_in_one_run_dir(tmp_path):
    d = tmp_path / "run"
    write_results(d, {"clt_mgsm_es": {"acc": 0.5}}, model_args="pretrained=/a", date="a")
    write_results(d, {"clt_mgsm_fr": {"acc": 0.5}}, model_args="pretrained=/b", date="b")
    with pytest.raises(CLTError, match="config.model_args.pretrained is '/b'.*'/a'"):
        load_results(d)


@pytest.mark.parametrize(
    "content,match",
    [
        ('{"results": {"clt_mgsm_es": {"acc,none": 0.5', r"corrupt lm-eval results file \(line 1"),
        ("", "corrupt lm-eval results file"),
        ("[1, 2]", "not an lm-eval results file"),
        ('{"results": {"clt_mgsm_es": 3}}', r"results\.clt_mgsm_es: expected an object"),
        ('{"results": {}, "versions": []}', "versions: expected an object"),
        ('{"results": {}, "config": {"model_args": 3}}', "config.model_args: expected a string"),
    ],
)
def test_corrupt_results_file_is_named(tmp_path, content, match):
    path = tmp_path / "run" / "results_2026.json"
    path.parent.mkdir()
    path.write_text(content)
    with pytest.raises(CLTError, match=match) as e:
        load_results(tmp_path / "run")
    assert str(path) in str(e.value)


def test_missing_results(tmp_path):
    with pytest.raises(CLTError, match="no such results file"):
        load_results(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CLTError, match="no lm-eval results files"):
        load_results(tmp_path / "empty")


@pytest.mark.parametrize(
    "patch,match",
    [
        ({"schema": "other/1"}, "schema: expected 'clt-manifest/1'"),
        ({"languages": {"seen": ["es", "xx"]}}, r"languages\.seen\[1\]: unknown language 'xx'"),
        ({"per_language": "100"}, "per_language: expected an integer or null, got '100'"),
        ({"english_only": 1}, "english_only: expected true or false"),
        ({"counts": {"math": {"es": -1}}}, r"counts\.math\.es: expected a count >= 0, got -1"),
    ],
)
def test_bad_manifest_names_field(tmp_path, patch, match):
    path = write_manifest(tmp_path / "m.json", {"math": {"en": 1, "es": 1}})
    data = json.loads(path.read_text())
    data.update(patch)
    path.write_text(json.dumps(data))
    with pytest.raises(CLTError, match=match) as e:
        load_manifest(path)
    assert str(path) in str(e.value)


def test_run_spec_and_duplicate_names(tmp_path):
    write_results(tmp_path / "a" / "run", {"clt_mgsm_es": {"acc": 0.5}})
    write_results(tmp_path / "b" / "run", {"clt_mgsm_es": {"acc": 0.6}})
    m = write_manifest(tmp_path / "m.json", {"math": {"en": 5, "es": 0}}, seen=["es"])
    with pytest.raises(CLTError, match="two runs are named 'run'"):
        load_runs([tmp_path / "a", tmp_path / "b"])
    spec = RunSpec.parse(f"base={tmp_path / 'b' / 'run'}:{m}")
    assert spec == RunSpec("base", tmp_path / "b" / "run", m)
    runs = load_runs([tmp_path / "a"], [spec])
    assert [r.name for r in runs] == ["run", "base"]
    assert runs[1].manifest.english_only and runs[1].manifest.examples_per_language() == 0
    with pytest.raises(CLTError, match="expected NAME=RESULTS_DIR"):
        RunSpec.parse("just-a-dir")


def test_aggregate_known_values():
    a = aggregate({"en": 0.8, "es": 0.6, "fr": 0.4, "ja": None, "ar": 0.2, "ko": 0.3}, ["es", "fr", "ja"])
    assert a.english == 0.8
    assert a.seen == pytest.approx(0.5)
    assert a.unseen == pytest.approx(0.25)
    assert a.gap == pytest.approx(0.25)
    assert a.all == pytest.approx((0.8 + 0.6 + 0.4 + 0.2 + 0.3) / 5)
    assert a.missing == ("ja",)
    explicit = aggregate({"en": 1.0, "es": 0.5, "ko": 0.1}, ["es", "en"], ["ar", "ko"])
    assert explicit.seen == 0.5 and explicit.unseen == 0.1 and explicit.missing == ("ar",)
    unknown = aggregate({"en": 1.0, "es": 0.5}, None)
    assert unknown.seen is None and unknown.gap is None and unknown.all == 0.75


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["en", "es", "fr", "ja", "zh", "ar", "ko", "pt"]),
        st.one_of(st.none(), st.floats(0, 1)),
        min_size=1,
    )
)
def test_aggregate_never_counts_missing_as_zero(scores):
    seen = ["es", "fr", "ja", "zh"]
    a = aggregate(scores, seen)
    have = {k: v for k, v in scores.items() if v is not None}
    if any(l in have for l in seen):
        lo = min(v for l, v in have.items() if l in seen)
        hi = max(v for l, v in have.items() if l in seen)
        assert lo - 1e-12 <= a.seen <= hi + 1e-12
    else:
        assert a.seen is None
    # Missing: given without a value, or seen but never evaluated.
    assert set(a.missing) == {l for l, v in scores.items() if v is None} | (set(seen) - set(have))
    if a.gap is not None:
        assert math.isclose(a.gap, a.seen - a.unseen)


def test_nan_written_by_lm_eval_is_no_score(tmp_path):
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": 0.5}, "clt_mgsm_fr": {"acc": 0.25}})
    data = json.loads(path.read_text())
    data["results"]["clt_mgsm_fr"]["acc,none"] = float("nan")
    path.write_text(json.dumps(data))  # a bare NaN token, as lm-eval writes it
    run = load_results(path)
    assert run.score("mgsm", "es", "acc").value == 0.5
    assert run.score("mgsm", "fr", "acc") is None
    assert run.task("mgsm", "fr").value("acc") is None


def test_results_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "run" / "results_x.json"
    path.parent.mkdir()
    path.write_bytes(b'{"results": {"\xff": 1}}')
    with pytest.raises(CLTError, match=r"results_x\.json: lm-eval results file is not UTF-8"):
        load_results(path)


def test_bytes_that_are_not_utf8_where_nothing_is_read(tmp_path):
    # git_hash is never read, but the file is still not UTF-8: rejected.
    path = write_results(tmp_path / "run", {"clt_mgsm_es": {"acc": 0.5}})
    raw = path.read_bytes()
    assert b'"git_hash": null' in raw
    path.write_bytes(raw.replace(b'"git_hash": null', b'"git_hash": "\xff"'))
    with pytest.raises(CLTError, match=r"results_.*\.json: lm-eval results file is not UTF-8"):
        load_results(path)


def test_group_entries_are_not_languages(tmp_path):
    # `lm_eval --tasks clt_all` writes groups beside their subtasks, with aggregated metrics.
    path = write_results(tmp_path / "r", {"clt_mgsm_en": {"acc": 0.5}, "clt_mgsm_es": {"acc": 0.25}})
    data = json.loads(path.read_text())
    data["results"] = {
        "clt_all": {"alias": "clt_all", "acc,none": 0.375},
        "clt_mgsm": {"alias": " - clt_mgsm", "acc,none": 0.375},
        **data["results"],
    }
    data["groups"] = {"clt_all": data["results"]["clt_all"], "clt_mgsm": data["results"]["clt_mgsm"]}
    data["group_subtasks"] = {
        "clt_mgsm": ["clt_mgsm_en", "clt_mgsm_es"],
        "clt_all": ["clt_mgsm"],
        "clt_mgsm_en": [],
        "clt_mgsm_es": [],
    }
    path.write_text(json.dumps(data))
    run = load_results(path)
    assert sorted(run.tasks) == ["clt_mgsm_en", "clt_mgsm_es"]
    assert run.other_tasks == ("clt_all", "clt_mgsm")
    assert {l: s.value for l, s in run.scores("mgsm", "acc").items()} == {"en": 0.5, "es": 0.25}


@pytest.mark.parametrize(
    "key, value, shown",
    [
        ("acc,none", -5, "acc=-5 (allowed 0..1)"),
        ("acc,none", 1.25, "acc=1.25 (allowed 0..1)"),
        ("acc,strict-match", 2.0, "acc,strict-match=2.0 (allowed 0..1)"),
        ("lpr,none", float("inf"), "lpr=inf (allowed 0..1)"),
        ("acc_stderr,none", -0.01, "acc_stderr=-0.01 (allowed 0..inf)"),
        ("judge_rating,none", 7.0, "judge_rating=7.0 (allowed 1..5)"),
        ("my_metric,none", float("-inf"), "my_metric=-inf (allowed finite numbers)"),
    ],
)
def test_a_value_outside_its_metric_range_is_refused_when_read(tmp_path, key, value, shown):
    """Issue 21 §3: `acc,none: -5` was shown as a score; every number is checked against its
    metric's range (clt_plugin.families) as the file is read, naming file, task, metric and value."""
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": 0.5}, "clt_mgsm_fr": {"acc": 0.25}})
    data = json.loads(path.read_text())
    data["results"]["clt_mgsm_fr"][key] = value
    path.write_text(json.dumps(data))
    with pytest.raises(CLTError) as err:
        load_results(path)
    assert str(err.value) == f"values out of range:\n{path}: results.clt_mgsm_fr: out of range: {shown}"


def test_every_value_out_of_range_in_a_file_is_listed(tmp_path):
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": -1, "lpr": 1.5}, "clt_mgsm_fr": {"acc": 3}})
    with pytest.raises(CLTError) as err:
        load_results(path)
    assert str(err.value) == (
        "values out of range:\n"
        f"{path}: results.clt_mgsm_es: out of range: acc=-1 (allowed 0..1), lpr=1.5 (allowed 0..1)\n"
        f"{path}: results.clt_mgsm_fr: out of range: acc=3 (allowed 0..1)"
    )


@pytest.mark.parametrize("key", ["acc,none", "acc_stderr,none", "my_metric,none"])
def test_an_integer_beyond_float_range_is_one_line_naming_file_and_field(tmp_path, key):
    """Issue 21: a 400-digit integer as a metric or stderr raised OverflowError (float() of it)."""
    path = write_results(tmp_path / "r", {"clt_mgsm_es": {"acc": 0.5}})
    data = json.loads(path.read_text())
    data["results"]["clt_mgsm_es"][key] = -(10**400) if key.startswith("my") else 10**400
    path.write_text(json.dumps(data))
    with pytest.raises(CLTError) as err:
        load_results(path)
    assert str(err.value) == f"{path}: results.clt_mgsm_es.{key}: a 401-digit integer, too large for a score"


@settings(max_examples=60, deadline=None)
@given(value=st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**320), 10**320)))
def test_a_read_accuracy_is_the_file_s_value_or_a_refusal(tmp_path_factory, value):
    """Whatever number a results file holds for acc: the loader returns exactly it (NaN: no score),
    or refuses naming the file; it never returns something else."""
    path = write_results(tmp_path_factory.mktemp("r"), {"clt_mgsm_es": {"acc": 0.5}})
    data = json.loads(path.read_text())
    data["results"]["clt_mgsm_es"]["acc,none"] = value
    path.write_text(json.dumps(data))
    if value != value:
        assert load_results(path).score("mgsm", "es", "acc") is None
    elif 0 <= value <= 1:
        assert load_results(path).score("mgsm", "es", "acc").value == value
    else:
        with pytest.raises(CLTError, match=str(path).replace("\\", "\\\\").replace(".", r"\.")):
            load_results(path)
