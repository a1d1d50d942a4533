"""Strict/loose scoring, aggregation, data loading and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.ifeval import data, registry, scoring
from clt_plugin.tasks.generate import VERSION


def doc(ids, kwargs, prompt="Write something.", lang="en"):
    return {"key": 1, "prompt": prompt, "instruction_id_list": ids, "kwargs": kwargs, "lang": lang}


def test_loose_variants_are_ifevals_eight():
    assert scoring.loose_variants("Sure!\n*Body*\nBye") == [
        "Sure!\n*Body*\nBye",
        "Sure!\nBody\nBye",
        "*Body*\nBye",
        "Sure!\n*Body*",
        "*Body*",
        "Body\nBye",
        "Sure!\nBody",
        "Body",
    ]


def test_loose_forgives_a_preamble_line_strict_does_not():
    d = doc(["en:startend:quotation"], [{}])
    v = scoring.judge(d, 'Here you go:\n"All quoted"')
    assert v.strict == [False] and v.loose == [True]


def test_loose_forgives_markdown_asterisks():
    d = doc(["en:detectable_format:title", "en:punctuation:no_comma"], [{}, {}])
    v = scoring.judge(d, "**<<Title>>** text")
    assert v.strict == [True, True] and v.loose == [True, True]
    v = scoring.judge(d, "Title, text")
    assert v.strict == [False, False] and v.loose == [False, False]


def test_empty_response_follows_nothing():
    d = doc(["en:punctuation:no_comma"], [{}])
    assert scoring.judge(d, "   ").strict == [False]
    assert scoring.judge(d, "   ").loose == [False]


def test_process_gives_the_four_metrics_and_fidelity():
    d = doc(["en:punctuation:no_comma", "en:keywords:existence"], [{}, {"keywords": ["rain"]}])
    out = scoring.process(d, "The weather today is sunny and warm with no clouds at all in the sky.")
    assert out["prompt_level_strict_acc"] is False
    assert out["inst_level_strict_acc"] == [True, False]
    assert out["prompt_level_loose_acc"] is False
    assert out["inst_level_loose_acc"] == [True, False]
    assert out["lpr"] == 1.0


def test_fidelity_follows_a_response_language_instruction():
    d = doc(["ja:language:response_language"], [{"language": "fr"}], prompt="フランス語で書いて。", lang="ja")
    french = "Bonjour, je vous écris pour vous parler de la ville de Paris et de son histoire ancienne."
    assert scoring.process(d, french, "ja")["lpr"] == 1.0
    assert scoring.expected_language(d, "ja") == "fr"
    # A ja task reports WPR; a French target is not WPR's to judge: left out (None).
    assert scoring.process(d, french, "ja")["wpr"] is None


def test_wpr_for_targets_not_written_in_latin_script():
    d = doc(["ja:detectable_format:title"], [{}], prompt="説明してください。", lang="ja")
    clean = "医師らは高齢者に対して、冬のインフルエンザの流行前に予防接種を受けるよう呼びかけた。"
    mixed = "医師らは高齢者に対して、冬の influenza の流行前に予防接種を受けるよう呼びかけた。"
    assert {k: scoring.process(d, r, "ja")[k] for k in ("lpr", "wpr") for r in [clean]} == {"lpr": 1.0, "wpr": 1.0}
    assert (scoring.process(d, mixed, "ja")["lpr"], scoring.process(d, mixed, "ja")["wpr"]) == (1.0, 0.0)
    assert (scoring.process(d, "42", "ja")["lpr"], scoring.process(d, "42", "ja")["wpr"]) == (None, None)
    rows = [scoring.process(d, r, "ja") for r in (clean, mixed, "42")]
    assert (scoring.aggregate(rows)["lpr"], scoring.aggregate(rows)["wpr"]) == (1.0, 0.5)
    assert "wpr" not in scoring.process(doc(["en:punctuation:no_comma"], [{}]), "Hello there.", "en")


def test_aggregate_flattens_instruction_level():
    rows = [
        {
            "prompt_level_strict_acc": True,
            "inst_level_strict_acc": [True],
            "prompt_level_loose_acc": True,
            "inst_level_loose_acc": [True],
        },
        {
            "prompt_level_strict_acc": False,
            "inst_level_strict_acc": [True, False, False],
            "prompt_level_loose_acc": True,
            "inst_level_loose_acc": [True, True, True],
        },
    ]
    assert scoring.aggregate(rows) == {
        "prompt_level_strict_acc": 0.5,
        "inst_level_strict_acc": 0.5,  # 2 of 4 instructions, not the mean of 1.0 and 1/3
        "prompt_level_loose_acc": 1.0,
        "inst_level_loose_acc": 1.0,
    }


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.booleans(), min_size=1, max_size=4), min_size=1, max_size=10))
def test_aggregate_inst_level_is_the_flattened_mean(lists):
    rows = [
        {
            "prompt_level_strict_acc": all(x),
            "inst_level_strict_acc": x,
            "prompt_level_loose_acc": all(x),
            "inst_level_loose_acc": x,
        }
        for x in lists
    ]
    agg = scoring.aggregate(rows)
    assert agg["inst_level_strict_acc"] == sum(map(sum, lists)) / sum(map(len, lists))
    assert agg["prompt_level_strict_acc"] == sum(all(x) for x in lists) / len(lists)


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet='ab ,.*\n"<>', max_size=40))
def test_strict_pass_implies_loose_pass(text):
    # The response itself is the first loose variant.
    d = doc(
        ["en:punctuation:no_comma", "en:startend:quotation", "en:detectable_format:title"],
        [{}, {}, {}],
    )
    v = scoring.judge(d, text)
    assert all(loose or not strict for strict, loose in zip(v.strict, v.loose))


# ------------------------------------------------------------------------- ids and kwargs


def test_unknown_instruction_id_is_named():
    with pytest.raises(registry.UnknownInstructionError, match="'ja:keywords:telepathy'"):
        registry.build("ja:keywords:telepathy", {}, "ja")
    with pytest.raises(registry.UnknownInstructionError, match="'en:letters:kanji'"):
        registry.build("en:letters:kanji", {}, "en")


def test_bad_kwargs_are_named():
    with pytest.raises(CLTError, match="unexpected argument 'colour'"):
        registry.build("en:punctuation:no_comma", {"colour": "red"}, "en")
    with pytest.raises(CLTError, match="missing argument 'keywords'"):
        registry.build("en:keywords:existence", {}, "en")
    with pytest.raises(CLTError, match="unknown relation 'about'"):
        registry.build("en:length_constraints:number_words", {"num_words": 3, "relation": "about"}, "en")
    with pytest.raises(CLTError, match="num_words must be an integer"):
        registry.build("en:length_constraints:number_words", {"num_words": "3", "relation": "at least"}, "en")


def test_ifeval_unprefixed_ids_and_null_kwargs():
    # google/IFEval rows: unprefixed ids, every kwarg listed with nulls.
    check = registry.build("keywords:existence", {"keywords": ["rain"], "relation": None, "num_words": None}, "en")
    assert check("Rain again") and not check("Sun")


def test_generic_languages_count_chinese_characters():
    check = registry.build("length_constraints:number_words", {"num_words": 5, "relation": "less than"}, "zh")
    assert check("我喜欢猫") and not check("我非常喜欢猫")
    check = registry.build("punctuation:no_comma", {}, "zh")
    assert check("我喜欢猫。") and not check("我喜欢猫，也喜欢狗。")


def test_case_instructions_only_where_the_script_has_case(tmp_path):
    rows = [
        {
            "key": 1,
            "prompt": "写一首诗。",
            "instruction_id_list": ["change_case:capital_word_frequency", "punctuation:no_comma"],
            "kwargs": [{"capital_frequency": 2, "capital_relation": "at least"}, {}],
        },
        {
            "key": 2,
            "prompt": "全大写。",
            "instruction_id_list": ["change_case:capital_word_frequency"],
            "kwargs": [{"capital_frequency": 2, "capital_relation": "at least"}],
        },
    ]
    path = tmp_path / "zh_input_data.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    examples = data.load_examples("zh", data_dir=tmp_path)
    assert [e.instruction_id_list for e in examples] == [["punctuation:no_comma"]]
    assert examples[0].dropped == ["change_case:capital_word_frequency"]
    # English has case: the same instruction stays.
    assert registry.applicable("change_case:capital_word_frequency", "en")
    assert registry.applicable("change_case:english_capital", "zh")  # it names English


# ------------------------------------------------------------------------- data


def test_loads_the_real_data(mifeval_dir):
    sizes = {lang: len(data.load_examples(lang, data_dir=mifeval_dir)) for lang in ("en", "es", "fr", "ja")}
    assert sizes == {"en": 541, "es": 115, "fr": 235, "ja": 172}


def test_data_dir_from_environment(mifeval_dir, monkeypatch):
    monkeypatch.setenv("CLT_DATA_DIR", str(mifeval_dir))
    assert len(data.load_examples("es")) == 115


@pytest.mark.parametrize(
    "line, message",
    [
        ("{not json", "rows.jsonl:1: invalid JSON"),
        (
            '{"prompt": "x", "instruction_id_list": ["en:punctuation:no_comma"]}',
            "rows.jsonl:1: field 'kwargs' is missing",
        ),
        (
            '{"prompt": "x", "instruction_id_list": ["en:punctuation:no_comma"], "kwargs": []}',
            "field 'kwargs' must be a list of 1",
        ),
        (
            '{"prompt": "", "instruction_id_list": ["en:punctuation:no_comma"], "kwargs": [{}]}',
            "field 'prompt' must be a non-empty string",
        ),
        (
            '{"prompt": "x", "instruction_id_list": ["en:vibes:good"], "kwargs": [{}]}',
            "instruction_id_list\\[0\\]: unknown instruction id 'en:vibes:good'",
        ),
    ],
)
def test_bad_data_rows_are_named(tmp_path, line, message):
    path = tmp_path / "rows.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(CLTError, match=message):
        data.load_examples("en", path=path)


def test_other_languages_need_a_file(tmp_path):
    with pytest.raises(CLTError, match="ko_input_data.jsonl"):
        data.load_examples("ko", data_dir=tmp_path)
    with pytest.raises(CLTError, match="unknown language 'xx'"):
        data.load_examples("xx", data_dir=tmp_path)


def test_response_language_outside_the_registry():
    italian = "Ciao, ti scrivo per parlarti della storia di questa città antica e della sua gente."
    kannada = "ಇದು ಒಂದು ಪರೀಕ್ಷಾ ವಾಕ್ಯವಾಗಿದೆ. ನನಗೆ ಈ ನಗರ ತುಂಬಾ ಇಷ್ಟ."
    to_it = registry.build("es:language:response_language", {"language": "it"}, "es")
    to_fr = registry.build("es:language:response_language", {"language": "fr"}, "es")
    to_kn = registry.build("en:language:response_language", {"language": "kn"}, "en")
    assert to_it(italian) and not to_fr(italian)  # Italian is not French, though the registry lacks it
    assert to_kn(kannada) and not to_kn(italian)


def test_generic_definitions_fit_other_scripts():
    forbid = registry.build("keywords:forbidden_words", {"forbidden_words": ["猫"]}, "zh")
    assert forbid("我喜欢狗") and not forbid("我喜欢猫")
    sentences = registry.build(
        "length_constraints:number_sentences", {"num_sentences": 2, "relation": "at least"}, "ar"
    )
    assert sentences("كيف حالك؟ أنا بخير.") and not sentences("أنا بخير")
    comma = registry.build("punctuation:no_comma", {}, "ar")
    assert comma("أنا بخير") and not comma("نعم، أنا بخير")


def test_hub_unreachable_is_a_clear_error(tmp_path, monkeypatch):
    # Tests run with the hub offline: the default sources fail with a message, not a traceback.
    monkeypatch.delenv("CLT_DATA_DIR", raising=False)
    for lang, name in (("en", "google/IFEval"), ("ja", "lightblue-tech/M-IFEval")):
        with pytest.raises(CLTError, match=f"{name}.*give a data_dir holding {lang}_input_data.jsonl"):
            data.load_examples(lang, data_dir=tmp_path)


def test_every_registry_language_has_a_task_yaml():
    import yaml

    from clt_plugin.languages import LANGUAGES

    tasks = Path(__file__).resolve().parents[1] / "lm_eval_tasks" / "ifeval"
    for lang in LANGUAGES:
        # (`!function` tags dropped: non-Latin targets list the metrics again to add WPR.)
        cfg = yaml.safe_load((tasks / f"clt_ifeval_{lang}.yaml").read_text(encoding="utf-8").replace("!function ", ""))
        assert cfg["task"] == f"clt_ifeval_{lang}"
        metrics = [m["metric"] for m in cfg.get("metric_list", [])]
        assert ("wpr" in metrics) == (LANGUAGES[lang].script != "Latn")
        assert cfg["metadata"] == {"version": VERSION, "clt_family": "ifeval", "clt_language": lang}
