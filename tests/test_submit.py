"""`clt submit`: a submission built from lm-eval results files, and every refusal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from leaderboard_fixtures import write_model_results, write_task_dir
from synthetic_results import results_dict, write_results

from clt_plugin.cli import main
from clt_plugin.errors import CLTError
from clt_plugin.io import sha256_file
from clt_plugin.leaderboard.schema import parse_submission
from clt_plugin.leaderboard.submit import SubmitOptions, build_submission, resolve_created_at

PAPER = ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt")
# Dyadic fractions: every mean below is exact in binary, so the asserts can be exact too.
MGSM = {"en": 0.75, "es": 0.5, "fr": 0.625, "ja": 0.25, "zh": 0.375, "ar": 0.125, "ko": 0.25, "pt": 0.375}
FIDELITY = {"en": 1.0, "es": 0.875, "fr": 1.0, "ja": 0.75, "zh": 0.5, "ar": 0.25, "ko": 0.5, "pt": 0.625}


def mgsm_scores(**override) -> dict[str, dict[str, float]]:
    out = {f"clt_mgsm_{l}": {"acc": MGSM[l], "lpr": FIDELITY[l]} for l in PAPER}
    for task, metrics in override.items():
        if metrics is None:
            out.pop(task)
        else:
            out[task] = metrics
    return out


@pytest.fixture
def tasks_dir(tmp_path) -> Path:
    return write_task_dir(tmp_path / "tasks", {"mgsm": PAPER, "dolly": PAPER})


def submit(tmp_path, tasks_dir, *extra, results=None, out=None):
    results = results or write_model_results(tmp_path, "m", mgsm_scores())[0]
    out = out or tmp_path / "sub.json"
    paths = [str(p) for p in (results if isinstance(results, list) else [results])]
    rc = main(["submit", *paths, "-o", str(out), "--tasks-dir", str(tasks_dir), *extra])
    return rc, out


def test_submission_has_exact_scores_aggregates_and_provenance(tmp_path, tasks_dir):
    results, model_dir = write_model_results(tmp_path, "m", mgsm_scores())
    built = build_submission(
        [results],
        SubmitOptions(
            model_id="org/m", revision="abc123", base_model="org/base", created_at="2026-02-03T04:05:06+01:00"
        ),
        tasks_dir=tasks_dir,
    )
    sub = built.submission
    assert sub.created_at == "2026-02-03T03:05:06Z"
    assert (sub.model.id, sub.model.revision, sub.model.base_model) == ("org/m", "abc123", "org/base")
    assert sub.lm_eval_version == "0.4.11"
    assert sub.judge_model is None
    assert sub.seen_languages == ["es", "fr", "ja", "zh"]
    assert sub.mixture.sha256 == sha256_file(model_dir / "clt_manifest.json")
    assert sub.mixture.manifest.per_language == 1000
    fam = sub.families["mgsm"]
    assert fam.metric == "acc"
    assert fam.scores == MGSM
    assert fam.seen == ["es", "fr", "ja", "zh"] and fam.unseen == ["ar", "ko", "pt"]
    assert fam.aggregates.model_dump() == {
        "english": 0.75,
        "seen": 0.4375,
        "unseen": 0.25,
        "gap": 0.1875,
        "all": 0.40625,
    }
    assert fam.fidelity == FIDELITY
    assert fam.fidelity_mean == 0.6875
    task = sub.tasks["clt_mgsm_ja"]
    assert (task.family, task.language, task.version, task.num_fewshot, task.n_samples) == ("mgsm", "ja", 1, 0, 250)
    assert task.metrics == {"acc": 0.25, "lpr": 0.75}
    assert built.files == [next(results.glob("results_*.json"))]


def test_cli_output_is_byte_identical_and_reproducible(tmp_path, tasks_dir, monkeypatch, capsys):
    results, _ = write_model_results(tmp_path, "m", mgsm_scores())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    rc1, out1 = submit(tmp_path, tasks_dir, "--model-id", "org/m", results=results, out=tmp_path / "a.json")
    rc2, out2 = submit(tmp_path, tasks_dir, "--model-id", "org/m", results=results, out=tmp_path / "b.json")
    assert rc1 == rc2 == 0
    assert out1.read_bytes() == out2.read_bytes()
    data = json.loads(out1.read_text())
    assert data["created_at"] == "2026-01-01T00:00:00Z"
    assert data["schema"] == "clt-submission/1"
    assert parse_submission(data).model.id == "org/m"
    assert "org/m, 8 tasks in 1 families (mgsm)" in capsys.readouterr().out
    # --created-at wins over SOURCE_DATE_EPOCH.
    submit(tmp_path, tasks_dir, "--model-id", "org/m", "--created-at", "2026-03-01T00:00:00Z", results=results)
    assert json.loads((tmp_path / "sub.json").read_text())["created_at"] == "2026-03-01T00:00:00Z"


def test_created_at_sources():
    assert resolve_created_at("2026-01-31T23:30:00-01:00", {}) == "2026-02-01T00:30:00Z"
    assert resolve_created_at(None, {"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01T00:00:00Z"
    with pytest.raises(CLTError, match="give a time zone"):
        resolve_created_at("2026-01-31T12:00:00", {})
    with pytest.raises(CLTError, match="SOURCE_DATE_EPOCH='soon'"):
        resolve_created_at(None, {"SOURCE_DATE_EPOCH": "soon"})


def test_judge_results_merge_and_name_the_judge(tmp_path, tasks_dir):
    dolly = {f"clt_dolly_{l}": {"lpr": 1.0} for l in PAPER}
    scores = {**mgsm_scores(), **dolly}
    results, model_dir = write_model_results(tmp_path, "m", scores)
    judged = results_dict(
        {f"clt_dolly_{l}": {"judge_rating": 3.5, "judge_rating_raw": 4.0} for l in PAPER},
        model_args=f"pretrained={model_dir},dtype=float32",
    )
    judged["clt_judge"] = {"judge": {"backend": "openai", "model": "judge-model-1"}}
    judge_dir = tmp_path / "judged"
    judge_dir.mkdir()
    (judge_dir / "results_2026-01-02T00-00-00.json").write_text(json.dumps(judged))
    sub = build_submission([results, judge_dir], SubmitOptions(model_id="org/m"), tasks_dir=tasks_dir).submission
    assert sub.judge_model == "judge-model-1"
    assert sub.families["dolly"].metric == "judge_rating"
    assert sub.families["dolly"].aggregates.all == 3.5
    assert sub.tasks["clt_dolly_ko"].metrics == {"judge_rating": 3.5, "judge_rating_raw": 4.0, "lpr": 1.0}
    # --judge-model names it when the results do not.
    sub = build_submission(
        [results, judge_dir], SubmitOptions(model_id="org/m", judge_model="other"), tasks_dir=tasks_dir
    ).submission
    assert sub.judge_model == "other"


def test_no_manifest_needs_seen(tmp_path, tasks_dir):
    results = tmp_path / "res"
    write_results(results, mgsm_scores(), model_args="pretrained=org/base-model")
    with pytest.raises(CLTError, match=r"no mixture manifest found .*pass --manifest PATH, or --seen LANGS"):
        build_submission([results], SubmitOptions(), tasks_dir=tasks_dir)
    sub = build_submission([results], SubmitOptions(seen=[]), tasks_dir=tasks_dir).submission
    assert sub.model.id == "org/base-model"  # a hub id, so no --model-id needed
    assert sub.mixture is None and sub.seen_languages == []
    assert sub.families["mgsm"].unseen == ["ar", "es", "fr", "ja", "ko", "pt", "zh"]
    assert sub.families["mgsm"].aggregates.seen is None


def test_languages_option_narrows_the_requirement(tmp_path, tasks_dir):
    scores = mgsm_scores(clt_mgsm_ko=None, clt_mgsm_ar=None)
    results, _ = write_model_results(tmp_path, "m", scores)
    sub = build_submission(
        [results], SubmitOptions(model_id="m", languages=["en", "es", "fr", "ja", "zh", "pt"]), tasks_dir=tasks_dir
    ).submission
    assert sub.families["mgsm"].unseen == ["pt"]


# --------------------------------------------------------------------------- refusals


def _nan_scores():
    return mgsm_scores(clt_mgsm_es={"acc": float("nan"), "lpr": 1.0})


REFUSALS = {
    "missing language": (
        lambda: mgsm_scores(clt_mgsm_ko=None, clt_mgsm_zh=None),
        {},
        r"languages missing:\nmgsm: languages missing from the results: zh, ko \(evaluate clt_mgsm_zh, clt_mgsm_ko\)",
    ),
    "stale version": (
        mgsm_scores,
        {"version": 2},
        r"task versions do not match .*clt_mgsm_ar, clt_mgsm_en, .*: version 2 in the results but version 1 installed",
    ),
    "not installed": (
        lambda: {**mgsm_scores(), "clt_xlsum_en": {"rougeL": 0.5}},
        {},
        r"results_2026-01-01T00-00-00.000000.json: clt_xlsum_en: not installed clt tasks",
    ),
    "NaN": (
        _nan_scores,
        {},
        r"values that are not numbers:\n.*results_.*\.json: results\.clt_mgsm_es\.acc,none is nan",
    ),
    "accuracy above 1": (
        lambda: mgsm_scores(clt_mgsm_fr={"acc": 1.5}),
        {},
        r"values out of range:\n.*results_.*\.json: results\.clt_mgsm_fr: out of range: acc=1\.5 \(allowed 0\.\.1\)",
    ),
    "negative fidelity": (
        lambda: mgsm_scores(clt_mgsm_fr={"acc": 0.5, "lpr": -0.25}),
        {},
        r"results\.clt_mgsm_fr: out of range: lpr=-0\.25 \(allowed 0\.\.1\)",
    ),
    "judge rating above 5": (
        lambda: {**mgsm_scores(), **{f"clt_dolly_{l}": {"judge_rating": 7.0} for l in PAPER}},
        {},
        r"results\.clt_dolly_ar: out of range: judge_rating=7\.0 \(allowed 1\.\.5\)",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_exit_2_name_the_problem_and_write_nothing(tmp_path, tasks_dir, capsys, case):
    make_scores, kwargs, pattern = REFUSALS[case]
    results, _ = write_model_results(tmp_path, "m", make_scores(), **kwargs)
    out = tmp_path / "sub.json"
    out.write_text("previous")
    rc, _ = submit(tmp_path, tasks_dir, "--model-id", "org/m", results=results, out=out)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("clt submit: error: ")
    assert re.search(pattern, err, re.S), err
    assert out.read_text() == "previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".sub.json")] == []


def test_results_from_two_models_are_refused(tmp_path, tasks_dir, capsys):
    a, _ = write_model_results(tmp_path, "a", mgsm_scores(clt_mgsm_ko=None))
    b, _ = write_model_results(tmp_path, "b", {"clt_mgsm_ko": {"acc": 0.5}})
    rc, out = submit(tmp_path, tasks_dir, "--model-id", "org/m", results=[a, b])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert "the results come from 2 different models: " in err
    assert f"{tmp_path / 'models' / 'a'} ({a / 'results_2026-01-01T00-00-00.000000.json'})" in err
    assert f"{tmp_path / 'models' / 'b'} (" in err


def test_same_model_split_over_two_folders_is_one_submission(tmp_path, tasks_dir):
    a, model_dir = write_model_results(tmp_path, "a", mgsm_scores(clt_mgsm_ko=None))
    b = tmp_path / "more"
    write_results(b, {"clt_mgsm_ko": {"acc": 0.25}}, model_args=f"pretrained={model_dir},dtype=float32")
    sub = build_submission([a, b], SubmitOptions(model_id="m"), tasks_dir=tasks_dir).submission
    assert sub.families["mgsm"].scores["ko"] == 0.25
    # The same task twice with different values cannot be merged.
    c = tmp_path / "again"
    write_results(c, {"clt_mgsm_ko": {"acc": 0.5}}, model_args=f"pretrained={model_dir},dtype=float32")
    with pytest.raises(
        CLTError,
        match=r"task clt_mgsm_ko: metric acc,none is 0\.25 in .*more/results_.*\.json but 0\.5 in .*again/results_",
    ):
        build_submission([a, b, c], SubmitOptions(model_id="m"), tasks_dir=tasks_dir)


@pytest.mark.parametrize(
    "args, pattern",
    [
        ([], r"the results name a local model directory \(.*models/m\); pass --model-id ORG/NAME"),
        (["--model-id", "m", "--languages", "en,xx"], r"unknown language 'xx'"),
        (["--model-id", "m", "--created-at", "yesterday"], r"--created-at 'yesterday': expected an ISO 8601 time"),
        (["--model-id", "m", "--seen", "es"], r"--seen is for models without a manifest"),
        (["--model-id", "bad\tname"], r"submission\.model\.id: .*contains control characters"),
    ],
)
def test_bad_options(tmp_path, tasks_dir, capsys, args, pattern):
    rc, out = submit(tmp_path, tasks_dir, *args)
    assert rc == 2 and not out.exists()
    assert re.search(pattern, capsys.readouterr().err, re.S)


def test_missing_and_corrupt_results_are_named(tmp_path, tasks_dir, capsys):
    rc, out = submit(tmp_path, tasks_dir, "--model-id", "m", results=tmp_path / "nowhere")
    assert rc == 2 and f"{tmp_path / 'nowhere'}: no such results file or directory" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "results_x.json").write_text('{"results": {"clt_mgsm_en": ')
    rc, out = submit(tmp_path, tasks_dir, "--model-id", "m", results=bad)
    assert rc == 2 and f"{bad / 'results_x.json'}: corrupt lm-eval results file" in capsys.readouterr().err
    assert not out.exists()


def test_unjudged_dolly_points_to_clt_judge(tmp_path, tasks_dir):
    scores = {**mgsm_scores(), **{f"clt_dolly_{l}": {"lpr": 1.0} for l in PAPER}}
    results, _ = write_model_results(tmp_path, "m", scores)
    with pytest.raises(
        CLTError,
        match=r"task clt_dolly_ar has no score metric, only lpr \(a judged task "
        r"needs its `clt judge` results too\)",
    ):
        build_submission([results], SubmitOptions(model_id="m"), tasks_dir=tasks_dir)
