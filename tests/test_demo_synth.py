"""The demo's synthetic suite: items, the clt_synth_* task loaders and scoring, the demo's sources."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.demo import pipeline
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path
from clt_plugin.tasks import generate, synth
from clt_plugin.tasks.synth_items import SPLIT_OFFSET, SYNTH_LANGUAGES, SYNTH_TASKS, make_item, make_split

tasks_st = st.sampled_from(SYNTH_TASKS)
langs_st = st.sampled_from(SYNTH_LANGUAGES)
index_st = st.integers(min_value=0, max_value=10**6 - 1)
seed_st = st.integers(min_value=0, max_value=2**31)


def _doc(item):
    return {"id": item.id, "prompt": item.prompt, "answer": item.answer, "clt_lang": item.lang, "clt_family": item.task}


@given(tasks_st, langs_st, index_st, seed_st)
@settings(max_examples=200, deadline=None)
def test_an_item_is_a_pure_function_of_its_coordinates(task, lang, index, seed):
    assert make_item(task, lang, "train", index, seed) == make_item(task, lang, "train", index, seed)


@given(index_st, seed_st)
@settings(max_examples=100, deadline=None)
def test_items_are_parallel_across_languages(index, seed):
    # The same problem in every language: the same numbers, the same answer.
    answers = {make_item("synth_math", lang, "test", index, seed).answer for lang in SYNTH_LANGUAGES}
    assert len(answers) == 1
    numbers = {
        tuple(re.findall(r"\d+", make_item("synth_math", lang, "test", index, seed).prompt)) for lang in SYNTH_LANGUAGES
    }
    assert len(numbers) == 1


@given(tasks_st, langs_st, index_st, seed_st)
@settings(max_examples=200, deadline=None)
def test_the_reference_reply_scores_full_marks(task, lang, index, seed):
    item = make_item(task, lang, "test", index, seed)
    scores = synth.score(item.response, _doc(item))
    main = "acc" if task == "synth_math" else "rougeL"
    assert scores[main] == 1.0


def test_reference_replies_are_in_their_language():
    # Not synth_math: LPR (the Language Confusion Benchmark's) judges a formula line like any
    # other, and lid.176 does not call "6 - 5 = 1。答案是1。" Chinese.
    for task in ("synth_summ", "synth_lang"):
        for lang in SYNTH_LANGUAGES:
            for item in make_split(task, lang, "test", 60, seed=0):
                assert synth.score(item.response, _doc(item))["lpr"] == 1.0, (lang, item.response)


def test_a_reply_in_english_fails_fidelity_but_keeps_the_number():
    item = make_item("synth_math", "es", "test", SPLIT_OFFSET["test"] + 3, 0)
    english = make_item("synth_math", "en", "test", SPLIT_OFFSET["test"] + 3, 0)
    scores = synth.score(english.response, _doc(item))
    assert scores == {"acc": 1.0, "lpr": 0.0}


def test_wrong_number_and_empty_reply_score_zero():
    item = make_item("synth_math", "ja", "test", SPLIT_OFFSET["test"], 0)
    wrong = str(int(item.answer) + 1)
    assert synth.score(f"答えは{wrong}です。", _doc(item))["acc"] == 0.0
    summ = make_item("synth_summ", "fr", "test", SPLIT_OFFSET["test"], 0)
    assert synth.score("", _doc(summ))["rougeL"] == 0.0


def test_reply_in_language_items_ask_in_english_for_the_items_language():
    for lang, name in (("ko", "Korean"), ("pt", "Portuguese"), ("en", "English")):
        item = make_item("synth_lang", lang, "test", SPLIT_OFFSET["test"] + 2, 0)
        assert item.prompt.startswith(f"Reply in {name}: tell ")
        assert item.answer == item.response
    ko = make_item("synth_lang", "ko", "test", SPLIT_OFFSET["test"] + 2, 0)
    en = make_item("synth_lang", "en", "test", SPLIT_OFFSET["test"] + 2, 0)
    assert synth.score(en.response, _doc(ko))["lpr"] == 0.0  # the right message, the wrong language
    assert synth.score(ko.response, _doc(ko)) == {"rougeL": 1.0, "lpr": 1.0, "wpr": 1.0}


def test_test_split_is_a_disjoint_index_range():
    test = make_split("synth_math", "en", "test", 5, seed=0)
    assert [i.id for i in test] == [f"synth_math-test-{SPLIT_OFFSET['test'] + i}" for i in range(5)]
    assert [i.id for i in make_split("synth_math", "en", "train", 2, seed=0)] == [
        "synth_math-train-0",
        "synth_math-train-1",
    ]


def test_loader_builds_the_test_split_from_metadata():
    ds = synth.load(clt_family="synth_summ", clt_language="ko", synth_n=7, synth_seed=5, version=1)
    assert list(ds) == ["test"]
    rows = list(ds["test"])
    assert [r["prompt"] for r in rows] == [i.prompt for i in make_split("synth_summ", "ko", "test", 7, seed=5)]
    assert {r["clt_lang"] for r in rows} == {"ko"}
    other_seed = [
        r["prompt"] for r in synth.load(clt_family="synth_summ", clt_language="ko", synth_n=7, synth_seed=6)["test"]
    ]
    assert other_seed != [r["prompt"] for r in rows]
    assert len(synth.load(clt_family="synth_math", clt_language="en")["test"]) == synth.DEFAULTS["synth_n"]


@pytest.mark.parametrize(
    "meta, message",
    [
        (
            {"clt_family": "synth_math", "clt_language": "de"},
            "clt_synth_math_de: the synthetic suite has no language 'de'",
        ),
        ({"clt_family": "synth_poem", "clt_language": "en"}, "unknown synthetic task family 'synth_poem'"),
        ({"clt_family": "synth_math", "clt_language": "en", "synth_n": 0}, "--metadata synth_n: must be >= 1, got 0"),
        (
            {"clt_family": "synth_math", "clt_language": "en", "synth_n": "many"},
            "--metadata synth_n: expected an integer, got 'many'",
        ),
        (
            {"clt_family": "synth_math", "clt_language": "en", "synth_seed": 1.5},
            "--metadata synth_seed: expected an integer, got 1.5",
        ),
    ],
)
def test_loader_errors_name_the_value(meta, message):
    with pytest.raises(CLTError) as e:
        synth.load(**meta)
    assert message in str(e.value)


def test_task_yamls_cover_the_families_in_eight_languages():
    root = tasks_path()
    assert generate.check(root) == []
    for task in SYNTH_TASKS:
        for lang in SYNTH_LANGUAGES:
            text = (root / task / f"clt_{task}_{lang}.yaml").read_text(encoding="utf-8")
            cfg = yaml.safe_load(text.replace("!function ", ""))  # LPR/WPR aggregate with a function
            assert cfg["metadata"] == {"version": generate.VERSION, "clt_family": task, "clt_language": lang}
            metrics = [m["metric"] for m in cfg["metric_list"]]
            main = "acc" if task == "synth_math" else "rougeL"
            assert metrics[:2] == [main, "lpr"]
            assert ("wpr" in metrics) == (lang in ("ja", "zh", "ar", "ko"))
    group = yaml.safe_load((root / "clt_synth.yaml").read_text(encoding="utf-8"))
    assert group["task"] == [f"clt_{t}_{l}" for t in SYNTH_TASKS for l in SYNTH_LANGUAGES]


def test_demo_sources_hold_no_test_problem(tmp_path):
    s = pipeline.DemoSettings.quick(seed=4, grid=(0, 30))
    sizes = pipeline.write_sources(tmp_path, s)
    assert sizes == {
        f"{t}_{l}": (s.english if l == "en" else 30) for t in SYNTH_TASKS for l in ("en", "es", "fr", "ja", "zh")
    }
    for task in SYNTH_TASKS:
        test = {i.prompt for lang in ("en", "es") for i in make_split(task, lang, "test", s.eval_n, seed=4)}
        for lang in ("en", "es"):
            rows = [
                json.loads(line)
                for line in (tmp_path / f"{task}_{lang}.jsonl").read_text(encoding="utf-8").splitlines()
            ]
            assert not test & {r["prompt"] for r in rows}
            assert len({r["id"] for r in rows}) == len(rows)
        # Parallel: the same item ids in every language file.
        ids = {
            lang: [json.loads(line)["id"] for line in (tmp_path / f"{task}_{lang}.jsonl").open(encoding="utf-8")]
            for lang in ("es", "ja")
        }
        assert ids["es"] == ids["ja"]
