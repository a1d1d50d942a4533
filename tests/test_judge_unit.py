"""Pure parts of `clt judge`: prompt, parser, aggregation, backoff, cache, samples reading."""

from __future__ import annotations

import json
import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.judge.aggregate import gate, mean_and_stderr, task_stats
from clt_plugin.judge.cache import JudgeCache, cache_key
from clt_plugin.judge.client import (
    EndpointJudge,
    Redactor,
    _Transient,
    backoff_delay,
    chat_url,
    extract_content,
    parse_retry_after,
    public_url,
)
from clt_plugin.judge.parse import parse_rating
from clt_plugin.judge.prompt import TEMPLATE_VERSION, build_messages
from clt_plugin.judge.samples import read_all, read_samples_file

# --------------------------------------------------------------------------- prompt


def test_prompt_carries_criteria_language_and_texts():
    msgs = build_messages("¿Qué es una ballena?", "Un mamífero marino.", "es")
    assert [m["role"] for m in msgs] == ["system", "user"]
    user = msgs[1]["content"]
    for word in ("helpfulness", "relevance", "accuracy", "depth", "creativity", "level of detail"):
        assert word in user
    assert "written in Spanish, so the answer must be written in Spanish" in user
    assert "rating of 1" in user
    assert "[Instruction]\n¿Qué es una ballena?\n[End of instruction]" in user
    assert "[Answer]\nUn mamífero marino.\n[End of answer]" in user
    assert TEMPLATE_VERSION == "clt-judge-v1"
    assert build_messages("¿Qué es una ballena?", "Un mamífero marino.", "es") == msgs


def test_prompt_rejects_unknown_language():
    with pytest.raises(CLTError, match="unknown language 'xx'"):
        build_messages("a", "b", "xx")


# --------------------------------------------------------------------------- parser


@pytest.mark.parametrize(
    "text, rating, error",
    [
        ("Good.\nRating: [[4]]", 4, None),
        ("[[ 5 ]]", 5, None),
        ("Rating: [[2]] ... as said, [[2]]", 2, None),
        ("Use the format [[N]]. Rating: [[3]]", 3, None),
        ("Rating: 4", None, "no [[rating]] in the judge output"),
        ("", None, "no [[rating]] in the judge output"),
        ("Rating: [[4.5]]", None, "rating [[4.5]] is not an integer"),
        ("Rating: [[7]]", None, "rating [[7]] is outside 1-5"),
        ("Rating: [[0]]", None, "rating [[0]] is outside 1-5"),
        ("Rating: [[2]] or maybe [[4]]", None, "conflicting ratings [[2]], [[4]]"),
        ("Rating: [[five]]", None, "no [[rating]] in the judge output"),
    ],
)
def test_parse_rating_examples(text, rating, error):
    assert parse_rating(text) == (rating, error)


@given(
    st.integers(1, 5),
    st.text(alphabet=st.characters(blacklist_characters="[]"), max_size=40),
    st.text(alphabet=st.characters(blacklist_characters="[]"), max_size=40),
)
def test_parse_rating_finds_a_lone_valid_rating(k, before, after):
    assert parse_rating(f"{before}[[{k}]]{after}") == (k, None)


@given(st.text(alphabet=st.characters(blacklist_characters="["), max_size=80))
def test_parse_rating_never_invents_a_number(text):
    assert parse_rating(text).rating is None


@given(st.integers(1, 5), st.integers(1, 5))
def test_parse_rating_refuses_disagreement(a, b):
    parsed = parse_rating(f"[[{a}]] then [[{b}]]")
    assert parsed.rating == (a if a == b else None)


# --------------------------------------------------------------------------- aggregation


def test_mean_and_stderr_exact():
    assert mean_and_stderr([]) == (None, None)
    assert mean_and_stderr([3]) == (3.0, "N/A")
    mean, se = mean_and_stderr([1, 2, 3, 4])
    assert mean == 2.5
    assert se == pytest.approx((5 / 3) ** 0.5 / 2, abs=1e-15)


def test_task_stats_counts_gating_and_unparseable():
    s = task_stats("clt_dolly_es", "es", [5, None, 4, None, 2], [True, True, False, False, True])
    assert (s.n, s.rated_raw, s.unparseable, s.fidelity_failed, s.rated_gated) == (5, 3, 2, 2, 4)
    assert s.mean_raw == pytest.approx(11 / 3)
    assert s.mean_gated == 2.25  # gated: 5, (unparseable, passes: unrated), 1, 1, 2


@given(st.lists(st.tuples(st.one_of(st.none(), st.integers(1, 5)), st.booleans()), max_size=30))
def test_gating_never_raises_a_rating(pairs):
    for raw, ok in pairs:
        g = gate(raw, ok)
        assert g == (raw if ok else 1)
        if raw is not None and g is not None:
            assert g <= raw
    raws = [r for r, _ in pairs]
    s = task_stats("clt_dolly_fr", "fr", raws, [ok for _, ok in pairs])
    assert s.unparseable == sum(r is None for r in raws)
    assert s.rated_gated == sum(1 for r, ok in pairs if r is not None or not ok)


# --------------------------------------------------------------------------- client helpers


def test_urls():
    assert chat_url("http://h:8000/v1") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h:8000/v1/") == "http://h:8000/v1/chat/completions"
    assert chat_url("http://h/v1/chat/completions") == "http://h/v1/chat/completions"
    assert public_url("https://user:secret@api.example.com:8443/v1/chat/completions?key=sk-1") == (
        "https://api.example.com:8443/v1/chat/completions"
    )


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0


def test_backoff_grows_honours_retry_after_and_caps():
    rng = random.Random(0)
    delays = [backoff_delay(a, 1.0, 60.0, None, rng) for a in range(8)]
    for attempt, d in enumerate(delays):
        assert min(60.0, 0.5 * 2**attempt) <= d <= min(60.0, 2**attempt)
    assert backoff_delay(0, 0.01, 60.0, 7.0, rng) == 7.0
    assert backoff_delay(0, 0.01, 5.0, 7.0, rng) == 5.0


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"choices": []}', b'{"choices": [{"message": {"content": null}}]}', b"\xff\xfe"]
)
def test_malformed_bodies_are_transient(body):
    with pytest.raises(_Transient, match="malformed response body"):
        extract_content(body)


def test_extract_content():
    assert extract_content(json.dumps({"choices": [{"message": {"content": "Rating: [[3]]"}}]}).encode()) == (
        "Rating: [[3]]"
    )


# --------------------------------------------------------------------------- cache


def test_cache_key_covers_judge_template_and_prompt():
    m = build_messages("i", "r", "es")
    k = cache_key("endpoint:a", "v1", m)
    assert k == cache_key("endpoint:a", "v1", build_messages("i", "r", "es"))
    assert (
        len(
            {
                k,
                cache_key("endpoint:b", "v1", m),
                cache_key("endpoint:a", "v2", m),
                cache_key("endpoint:a", "v1", build_messages("i", "r2", "es")),
                cache_key("endpoint:a", "v1", build_messages("i2", "r", "es")),
                cache_key("endpoint:a", "v1", build_messages("i", "r", "fr")),
            }
        )
        == 6
    )


def test_cache_round_trip_first_answer_wins_and_threads(tmp_path):
    path = tmp_path / "sub" / "c.sqlite"
    with JudgeCache(path) as cache:
        cache.put("k1", "j", "v", "first")
        cache.put("k1", "j", "v", "second")
        assert cache.get_many(["k1", "missing"]) == {"k1": "first"}

        def writer(n):
            for i in range(50):
                cache.put(f"t{n}-{i}", "j", "v", str(i))

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(cache) == 201
    with JudgeCache(path) as again:  # persisted
        assert again.get_many([f"t3-{i}" for i in range(50)]) == {f"t3-{i}": str(i) for i in range(50)}


def test_cache_corrupt_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CLTError, match=r"c\.sqlite: cannot open judge cache"):
        JudgeCache(bad)


# --------------------------------------------------------------------------- samples


def _line(**kw):
    row = {
        "doc_id": 0,
        "doc": {"id": "a1", "inputs": "Instr", "targets": "t", "language": "spa"},
        "target": "t",
        "arguments": {"gen_args_0": {"arg_0": "PROMPT", "arg_1": {}}},
        "resps": [["resp"]],
        "filtered_resps": ["resp"],
    }
    row.update(kw)
    return json.dumps(row) + "\n"


NAME = "samples_clt_dolly_es_2026-01-02T03-04-05.678901.jsonl"


def test_read_samples_basic_and_fallbacks(tmp_path):
    p = tmp_path / NAME
    p.write_text(
        _line(doc_id=1) + _line(doc_id=0, doc={"id": 7}, filtered_resps=None, resps=[["from resps"]]) + "\n",
        encoding="utf-8",
    )
    sf = read_samples_file(p)
    assert (sf.task, sf.lang, sf.date_id) == ("clt_dolly_es", "es", "2026-01-02T03-04-05.678901")
    assert [(s.doc_id, s.source_id, s.instruction, s.response) for s in sf.samples] == [
        (0, "7", "PROMPT", "from resps"),
        (1, "a1", "Instr", "resp"),
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{oops\n", rf"{NAME}:1: invalid JSON"),
        (_line() + "[1]\n", rf"{NAME}:2: expected a JSON object per line"),
        (_line(doc_id="x"), rf"{NAME}:1: doc_id must be an integer \(got 'x'\)"),
        (_line() + _line(), rf"{NAME}:2: doc_id 0 appears twice"),
        (_line(doc={}, arguments={}), rf"{NAME}:1: no instruction"),
        (_line(filtered_resps=[], resps=[]), rf"{NAME}:1: no response text"),
        ("", rf"{NAME}: samples file is empty"),
    ],
)
def test_read_samples_errors_name_file_and_line(tmp_path, content, message):
    p = tmp_path / NAME
    p.write_text(content, encoding="utf-8")
    with pytest.raises(CLTError, match=message):
        read_samples_file(p)


@pytest.mark.parametrize(
    "name, message",
    [
        ("samples_clt_mgsm_es_2026-01-02T03-04-05.1.jsonl", "task 'clt_mgsm_es' is not a clt_dolly_\\* task"),
        ("samples_clt_dolly_xx_2026-01-02T03-04-05.1.jsonl", "task 'clt_dolly_xx': unknown language 'xx'"),
        ("dolly.jsonl", r"not an lm-eval samples file \(expected samples_<task>_<date>.jsonl\)"),
    ],
)
def test_read_samples_rejects_other_files(tmp_path, name, message):
    p = tmp_path / name
    p.write_text(_line(), encoding="utf-8")
    with pytest.raises(CLTError, match=message):
        read_samples_file(p)


def test_read_all_one_file_per_task(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / NAME).write_text(_line(), encoding="utf-8")
    (tmp_path / "b" / NAME).write_text(_line(), encoding="utf-8")
    with pytest.raises(CLTError, match="task clt_dolly_es also comes from .*; judge one run at a time"):
        read_all([tmp_path])
    with pytest.raises(CLTError, match="no samples_clt_dolly_\\*.jsonl files in this directory"):
        read_all([tmp_path / "empty"] if (tmp_path / "empty").mkdir() is None else [])
    with pytest.raises(CLTError, match="nope.jsonl: samples file not found"):
        read_all([tmp_path / "nope.jsonl"])


_KEY = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=12, max_size=60).map(lambda k: "sk-" + k)


@given(_KEY, st.lists(st.text(max_size=30), max_size=5))
def test_redactor_removes_every_copy_of_the_key(key, pieces):
    text = key.join(pieces) + key
    cleaned = Redactor(key)(text)
    assert key not in cleaned
    assert cleaned.count("[REDACTED]") >= text.count(key)
    assert Redactor(None)(text) == text


# The inputs that change a rating: the server (URL), the model there, the decoding settings, the
# prompt template and the rendered prompt. Any one changed must give another key.
KEY_INPUTS = st.fixed_dictionaries(
    {
        "url": st.sampled_from(
            [
                "http://127.0.0.1:8000/v1",
                "http://127.0.0.1:8001/v1",
                "https://api.example.com/v1",
                "http://127.0.0.1:8000/v2",
                "http://127.0.0.1:8000/v1?deployment=b",
            ]
        ),
        "model": st.sampled_from(["tgi", "judge-a", "judge-b"]),
        "temperature": st.sampled_from([0.0, 0.7]),
        "max_tokens": st.sampled_from([128, 512]),
        "template": st.sampled_from(["clt-judge-v1", "clt-judge-v2"]),
        "response": st.sampled_from(["r", "r2"]),
    }
)


def _key(inputs: dict) -> str:
    judge = EndpointJudge(
        inputs["url"], inputs["model"], temperature=inputs["temperature"], max_tokens=inputs["max_tokens"]
    )
    try:
        return cache_key(judge.identity, inputs["template"], build_messages("i", inputs["response"], "es"))
    finally:
        judge.close()


@settings(max_examples=60, deadline=None)
@given(a=KEY_INPUTS, b=KEY_INPUTS)
def test_the_cache_key_covers_every_input_that_changes_a_rating(a, b):
    assert (_key(a) == _key(b)) == (a == b)


def test_the_local_judge_key_covers_its_decoding_settings(tmp_path):
    from clt_plugin.judge.local import LocalJudge

    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert LocalJudge(tmp_path, max_tokens=128).identity != LocalJudge(tmp_path, max_tokens=512).identity


def test_a_response_body_nested_too_deeply_is_a_malformed_answer_retried():
    with pytest.raises(_Transient, match=r"malformed response body \(RecursionError\)"):
        extract_content(b"[" * 100_000 + b"]" * 100_000)
