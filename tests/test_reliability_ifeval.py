"""IFEval: kwargs of the wrong type or outside their domain are refused, never scored; and
`clt ifeval-score` never matches a response to another language's prompt."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.cli import main
from clt_plugin.ifeval import registry
from clt_plugin.ifeval.registry import InstructionArgumentError
from clt_plugin.io import read_jsonl

LANGS = ("en", "es", "fr", "ja")


def real_instructions(mifeval_dir) -> list[tuple[str, str, dict]]:
    """(lang, instruction id, kwargs) of every instruction in the real M-IFEval files."""
    out = []
    for lang in LANGS:
        for row in read_jsonl(mifeval_dir / f"{lang}_input_data.jsonl"):
            for iid, kw in zip(row["instruction_id_list"], row["kwargs"]):
                given = {k: v for k, v in (kw or {}).items() if v is not None}
                if registry.applicable(iid, lang):
                    out.append((lang, iid, given))
    return out


@pytest.fixture(scope="module")
def instructions(mifeval_dir):
    return real_instructions(mifeval_dir)


def test_every_real_instruction_builds(instructions):
    for lang, iid, kw in instructions:
        registry.build(iid, kw, lang)


@pytest.mark.parametrize("bad", [[], {}, 3, ["at least"], "more or less"])
def test_a_relation_of_the_wrong_type_is_refused_by_every_checker_that_takes_one(instructions, bad):
    with_relation = [(lang, iid, kw, key) for lang, iid, kw in instructions for key in kw if key.endswith("relation")]
    assert len({iid.split(":", 1)[-1] for _, iid, _, _ in with_relation}) >= 8  # the checkers that take one
    for lang, iid, kw, key in with_relation:
        with pytest.raises(InstructionArgumentError, match=rf"instruction '{iid}': unknown {key} "):
            registry.build(iid, {**kw, key: bad}, lang)


COUNT_KEYS = (
    "num_sentences",
    "num_words",
    "num_paragraphs",
    "num_highlights",
    "num_sections",
    "num_bullets",
    "num_placeholders",
    "frequency",
    "let_frequency",
    "capital_frequency",
    "num_letters",
)


@settings(max_examples=40, deadline=None)
@given(
    value=st.one_of(
        st.integers(max_value=-1),
        st.floats(allow_nan=True, allow_infinity=True).filter(
            lambda f: f != f or f in (float("inf"), float("-inf")) or f < 0 or f != int(f)
        ),
        st.text(max_size=3),
        st.lists(st.integers(), max_size=2),
        st.booleans(),
    ),
    pick=st.integers(min_value=0, max_value=10_000),
)
def test_counts_outside_their_domain_or_of_the_wrong_type_are_refused(mifeval_dir, value, pick):
    cases = [(lang, iid, kw, key) for lang, iid, kw in _cached(mifeval_dir) for key in kw if key in COUNT_KEYS]
    lang, iid, kw, key = cases[pick % len(cases)]
    with pytest.raises(InstructionArgumentError, match=rf"instruction '{iid}': {key} must be "):
        registry.build(iid, {**kw, key: value}, lang)


_CACHE: dict = {}


def _cached(mifeval_dir):
    if "rows" not in _CACHE:
        _CACHE["rows"] = real_instructions(mifeval_dir)
    return _CACHE["rows"]


@pytest.mark.parametrize(
    "nth,num,message",
    [
        (-1, 3, "nth_paragraph must be from 1 to 3 (got -1)"),
        (0, 3, "nth_paragraph must be from 1 to 3 (got 0)"),
        (4, 3, "nth_paragraph must be from 1 to 3 (got 4)"),
        (1, 0, "num_paragraphs must be 1 or more (got 0)"),
    ],
)
def test_nth_paragraph_outside_the_references_domain_is_refused(nth, num, message):
    iid = "length_constraints:nth_paragraph_first_word"
    with pytest.raises(InstructionArgumentError, match=f"^{re.escape(f'instruction {iid!r}: {message}')}$"):
        registry.build(iid, {"num_paragraphs": num, "nth_paragraph": nth, "first_word": "the"}, "en")
    check = registry.build(iid, {"num_paragraphs": 2, "nth_paragraph": 2, "first_word": "the"}, "en")
    assert check("A start.\n\nThe end.") and not check("The start.\n\nA end.")


def test_ifeval_score_refuses_a_prompt_that_is_not_its_keys_prompt(tmp_path, mifeval_dir, capsys):
    """M-IFEval numbers examples alike in every language: Japanese responses scored with --lang es
    match by key, and their Japanese prompts give them away."""
    ja = read_jsonl(mifeval_dir / "ja_input_data.jsonl")
    es = {r["key"]: r for r in read_jsonl(mifeval_dir / "es_input_data.jsonl")}
    row = next(r for r in ja if r["key"] in es)
    responses = tmp_path / "ja_responses.jsonl"
    responses.write_text(
        json.dumps({"key": row["key"], "prompt": row["prompt"], "response": "はい"}, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    rc = main(["ifeval-score", str(responses), "--lang", "es", "--data", str(mifeval_dir / "es_input_data.jsonl")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(f"clt ifeval-score: error: {responses}:1: field 'prompt' value ")
    assert f"is not the prompt of key {row['key']!r} in the es data" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("*.clt_ifeval_*.json"))


def test_a_deeply_nested_response_is_not_json_and_does_not_crash_the_checker():
    check = registry.build("detectable_format:json_format", {}, "en")
    assert check('{"a": [1, 2]}') and not check("[" * 100_000 + "]" * 100_000)


JA_REPLY = "これは質問{}への回答です。日本語で、できるだけ丁寧に、分かりやすく説明いたします。"
ES_REPLY = "Esta es la respuesta a la pregunta {}. La explico en español, con calma y con todo detalle."


def _keyed(tmp_path, mifeval_dir, reply: str):
    """30 responses given by `key` alone, for keys that the es and ja files share."""
    ja = {r["key"] for r in read_jsonl(mifeval_dir / "ja_input_data.jsonl")}
    es = [r for r in read_jsonl(mifeval_dir / "es_input_data.jsonl") if r["key"] in ja][:30]
    path = tmp_path / "keyed.jsonl"
    path.write_text(
        "".join(
            json.dumps({"key": r["key"], "response": reply.format(i)}, ensure_ascii=False) + "\n"
            for i, r in enumerate(es)
        ),
        encoding="utf-8",
    )
    return path


def test_japanese_responses_given_by_key_alone_are_refused_for_spanish(tmp_path, mifeval_dir, capsys):
    """The issue's case: Japanese responses given only by key, scored with --lang es, exit 0, n=30."""
    responses = _keyed(tmp_path, mifeval_dir, JA_REPLY)
    argv = ["ifeval-score", str(responses), "--lang", "es", "--data", str(mifeval_dir / "es_input_data.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"clt ifeval-score: error: {responses}: 30 of 30 responses matched by 'key' alone are not in the language "
        "their es prompt asks for (mostly 'ja')"
    ), err
    assert len(err.strip().splitlines()) == 1 and not list(tmp_path.glob("*.clt_ifeval_*.json"))
    # A model that really answers in the wrong language is scored when the user says so.
    assert main([*argv, "--any-language"]) == 0
    report = json.loads(next(tmp_path.glob("*.clt_ifeval_es.json")).read_text(encoding="utf-8"))
    assert report["results"]["es"]["n"] == 30 and report["results"]["es"]["lpr"] == 0.0


def test_spanish_responses_given_by_key_alone_are_scored(tmp_path, mifeval_dir):
    responses = _keyed(tmp_path, mifeval_dir, ES_REPLY)
    argv = ["ifeval-score", str(responses), "--lang", "es", "--data", str(mifeval_dir / "es_input_data.jsonl")]
    assert main(argv) == 0
    report = json.loads(next(tmp_path.glob("*.clt_ifeval_es.json")).read_text(encoding="utf-8"))
    assert report["results"]["es"]["n"] == 30


@pytest.mark.parametrize("code", ["xx", "EN", "spanish", "zh_cn"])
def test_a_response_language_no_identifier_knows_is_refused_when_the_data_is_read(tmp_path, code, capsys):
    """`language:response_language` with {"language": "xx"} always failed: refused at load, naming the line."""
    data = tmp_path / "data.jsonl"
    rows = [
        {
            "key": 1,
            "prompt": "Write in German.",
            "instruction_id_list": ["language:response_language"],
            "kwargs": [{"language": "de"}],
        },
        {
            "key": 2,
            "prompt": "Write in it.",
            "instruction_id_list": ["language:response_language"],
            "kwargs": [{"language": code}],
        },
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    responses = tmp_path / "r.jsonl"
    responses.write_text('{"key": 1, "response": "Das ist ein Satz auf Deutsch."}\n', encoding="utf-8")
    assert main(["ifeval-score", str(responses), "--lang", "en", "--data", str(data)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"clt ifeval-score: error: {data}:2: instruction_id_list[0]: instruction 'language:response_language': "
        f"language {code!r} is not a language code clt can identify (ISO 639-1 such as 'de', 'fi', 'it', 'ja'; "
        "the list: clt_plugin.ifeval.language.identifiable())"
    )
    registry.build("language:response_language", {"language": "de"}, "en")  # a real code still builds
