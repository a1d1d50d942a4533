"""`clt judge` against a real HTTP server on 127.0.0.1 that reproduces a remote API's faults."""

from __future__ import annotations

import json

import pytest
from judge_server import JudgeServer, write_lm_eval_run

from clt_plugin.errors import CLTError
from clt_plugin.judge.client import EndpointJudge
from clt_plugin.judge.run import JudgeFailed, judge_run
from clt_plugin.tasks.generate import VERSION

ES_OK = "Las ballenas son mamíferos marinos que respiran aire y viven en todos los océanos del mundo."
ES_OK2 = "La fotosíntesis es el proceso por el cual las plantas convierten la luz del sol en energía química."
EN = "Whales are marine mammals that breathe air and live in every ocean of the world."
JA_OK = "クジラは空気を呼吸する海洋哺乳類で、世界中の海に住んでいます。"
JA_OK2 = "光合成とは、植物が太陽の光を化学エネルギーに変える仕組みのことです。"

# Ratings the server gives are chosen by the WANT(...) marker in each instruction.
RUN = {
    "es": [
        ("Escribe sobre las ballenas. WANT(4)", ES_OK),  # 4, in Spanish
        ("Resume la historia de Roma. WANT(5)", EN),  # judge says 5, but English: gated 1
        ("Explica la fotosíntesis. WANT(none)", ES_OK2),  # unparseable, in Spanish: no rating
        ("Describe tu ciudad. WANT(7)", EN),  # unparseable and English: gated 1
    ],
    "ja": [("クジラについて書いてください。WANT(3)", JA_OK), ("光合成を説明してください。WANT(2)", JA_OK2)],
}


def judge(server, **kw):
    kw.setdefault("backoff", 0.0)
    kw.setdefault("timeout", 5.0)
    return EndpointJudge(server.url, "judge-test", **kw)


@pytest.fixture
def run_dir(tmp_path):
    return write_lm_eval_run(tmp_path / "lm", RUN)


def test_ratings_gating_counts_and_results_file(tmp_path, run_dir):
    with JudgeServer() as server:
        report = judge_run(
            [run_dir], tmp_path / "out", judge(server, concurrency=3), cache_path=tmp_path / "c.db", min_coverage=0.75
        )
        assert sum(server.answered.values()) == 6 and set(server.answered.values()) == {1}
    es, ja = report.stats
    assert (es.coverage, es.coverage_raw, ja.coverage) == (0.75, 0.5, 1.0)
    assert report.refused == {}
    assert (es.n, es.rated_raw, es.unparseable, es.fidelity_failed, es.rated_gated) == (4, 2, 2, 2, 3)
    assert (es.mean_raw, es.mean_gated) == (4.5, 2.0)
    assert (ja.mean_raw, ja.mean_gated, ja.unparseable) == (2.5, 2.5, 0)
    assert report.unparseable_reasons == {"no [[rating]] in the judge output": 1, "rating [[7]] is outside 1-5": 1}
    assert (report.requests, report.cache_hits) == (6, 0)

    results = json.loads(report.results_path.read_text(encoding="utf-8"))
    assert report.results_path.name.startswith("results_judge_")
    assert results["results"]["clt_dolly_es"] == {
        "alias": "clt_dolly_es",
        "judge_rating,none": 2.0,
        "judge_rating_stderr,none": 1.0,  # gated 4, 1, 1: sd sqrt(3) / sqrt(3)
        "judge_rating_raw,none": None,  # 2 of 4 parsed: coverage 0.5 < 0.75, not reported
        "judge_rating_raw_stderr,none": None,
        "judge_coverage,none": 0.75,
    }
    assert results["clt_judge"]["counts"]["clt_dolly_es"] == {
        "n": 4,
        "rated_raw": 2,
        "unparseable": 2,
        "fidelity_failed": 2,
        "rated_gated": 3,
        "coverage": 0.75,
        "coverage_raw": 0.5,
        "mean_gated": 2.0,
        "mean_raw": 4.5,
    }
    assert (results["clt_judge"]["min_coverage"], results["clt_judge"]["refused"]) == (0.75, {})
    assert results["clt_judge"]["template_version"] == "clt-judge-v1"
    assert results["clt_judge"]["judge"]["model"] == "judge-test"
    # Carried over from the source run, so `clt matrix` ties the ratings to the model and task.
    assert results["config"]["model_args"] == "pretrained=/models/tiny,dtype=float32"
    assert results["configs"]["clt_dolly_ja"]["metadata"] == {
        "version": VERSION,
        "clt_family": "dolly",
        "clt_language": "ja",
    }
    assert results["versions"] == {"clt_dolly_es": VERSION, "clt_dolly_ja": VERSION}
    assert results["n-samples"]["clt_dolly_es"] == {"original": 200, "effective": 4}

    rows = [json.loads(l) for l in report.judgments_paths[0].read_text(encoding="utf-8").splitlines()]
    assert [(r["doc_id"], r["rating_raw"], r["fidelity_pass"], r["rating"], r["parse_error"]) for r in rows] == [
        (0, 4, True, 4, None),
        (1, 5, False, 1, None),
        (2, None, True, None, "no [[rating]] in the judge output"),
        (3, None, False, 1, "rating [[7]] is outside 1-5"),
    ]
    assert rows[0]["id"] == "dolly-es-0" and rows[0]["instruction"] == RUN["es"][0][0]

    # Read back like any other lm-eval results file.
    from clt_plugin.analysis.results import load_results

    loaded = load_results(tmp_path / "out")
    assert loaded.tasks["clt_dolly_es"].metrics["judge_rating"]["none"].value == 2.0
    assert loaded.tasks["clt_dolly_ja"].metrics["judge_rating_raw"]["none"].value == 2.5
    assert "judge_rating_raw" not in loaded.tasks["clt_dolly_es"].metrics  # null: missing, never a number


def test_a_score_below_the_coverage_minimum_is_null_everywhere(tmp_path, run_dir):
    """The issue's real-server case: a judge that rarely writes [[k]]; the few gated replies must
    not pass as the task's score (default minimum 0.8)."""
    run = write_lm_eval_run(
        tmp_path / "lm2", {"es": [("A WANT(none)", ES_OK), ("B WANT(none)", ES_OK2), ("C WANT(none)", EN)]}
    )
    with JudgeServer() as server:
        report = judge_run([run], tmp_path / "out", judge(server), cache_path=tmp_path / "c.db")
    (es,) = report.stats
    assert (es.n, es.rated_raw, es.rated_gated, es.mean_gated) == (3, 0, 1, 1.0)
    assert report.refused == {
        "clt_dolly_es": "no judge output could be parsed (3 of 3 unparseable); judge_rating written as null"
    }
    results = json.loads(report.results_path.read_text(encoding="utf-8"))
    assert results["results"]["clt_dolly_es"]["judge_rating,none"] is None
    assert results["results"]["clt_dolly_es"]["judge_coverage,none"] == 1 / 3
    from clt_plugin.analysis.results import load_results

    task = load_results(tmp_path / "out").tasks["clt_dolly_es"]
    assert "judge_rating" not in task.metrics and task.metrics["judge_coverage"]["none"].value == 1 / 3


def test_rerun_is_served_from_the_cache(tmp_path, run_dir):
    with JudgeServer() as server:
        first = judge_run([run_dir], tmp_path / "a", judge(server), cache_path=tmp_path / "c.db")
        second = judge_run([run_dir], tmp_path / "b", judge(server), cache_path=tmp_path / "c.db")
        assert sum(server.attempts.values()) == 6
    assert (second.requests, second.cache_hits) == (0, 6)
    assert first.results_path.read_bytes() == second.results_path.read_bytes()


def test_all_unparseable_gives_no_raw_mean(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm",
        {
            "fr": [
                ("Q WANT(none)", "Les baleines vivent dans tous les océans du monde."),
                ("R WANT(2.5)", "La photosynthèse transforme la lumière en énergie."),
            ]
        },
    )
    with JudgeServer() as server:
        report = judge_run([run], tmp_path / "out", judge(server), cache_path=tmp_path / "c.db")
    results = json.loads(report.results_path.read_text(encoding="utf-8"))
    assert results["results"]["clt_dolly_fr"] == {
        "alias": "clt_dolly_fr",
        "judge_rating,none": None,
        "judge_rating_stderr,none": None,
        "judge_rating_raw,none": None,
        "judge_rating_raw_stderr,none": None,
        "judge_coverage,none": 0.0,
    }
    assert results["clt_judge"]["counts"]["clt_dolly_fr"]["unparseable"] == 2
    assert list(report.refused) == ["clt_dolly_fr"]
    assert report.unparseable_reasons == {"no [[rating]] in the judge output": 1, "rating [[2.5]] is not an integer": 1}


def test_transient_faults_are_retried_until_answered(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm",
        {
            "es": [
                ("A FAULTS(429) WANT(2)", ES_OK),
                ("B FAULTS(500,500) WANT(3)", ES_OK),
                ("C FAULTS(slow) WANT(4)", ES_OK),
                ("D FAULTS(malformed,nochoices) WANT(5)", ES_OK),
                ("E FAULTS(echo) WANT(1)", ES_OK),
                ("F FAULTS(trickle) WANT(3)", ES_OK),  # every read is quick, the whole answer is not
            ]
        },
    )
    slept: list[float] = []
    with JudgeServer(slow_seconds=2.0, retry_after="3") as server:
        j = judge(server, timeout=0.3, backoff=0.001, max_backoff=10.0, concurrency=6, sleep=slept.append)
        report = judge_run([run], tmp_path / "out", j, cache_path=tmp_path / "c.db")
        attempts = {
            p.split("[End of instruction]")[0].split("[Instruction]\n")[1][0]: n for p, n in server.attempts.items()
        }
        assert attempts == {"A": 2, "B": 3, "C": 2, "D": 3, "E": 2, "F": 2}
        assert set(server.answered.values()) == {1} and len(server.answered) == 6
        assert server.faults_served == {
            "429": 1,
            "500": 2,
            "slow": 1,
            "malformed": 1,
            "nochoices": 1,
            "echo": 1,
            "trickle": 1,
        }
    assert 3.0 in slept  # Retry-After honoured
    assert len(slept) == 8  # one wait before each retry: A 1, B 2, C 1, D 2, E 1, F 1
    assert all(0.0005 <= d <= 0.002 for d in slept if d != 3.0)  # exponential from 0.001, jittered
    rows = [json.loads(l) for l in report.judgments_paths[0].read_text(encoding="utf-8").splitlines()]
    # The slow and trickled answers' [[1]] never got through.
    assert [r["rating_raw"] for r in rows] == [2, 3, 4, 5, 1, 3]


def test_persistent_failure_writes_nothing_and_a_rerun_asks_only_the_missing(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm", {"es": [("ok WANT(3)", ES_OK), ("bad FAULTS(500,500,500) WANT(4)", ES_OK)]}
    )
    with JudgeServer() as server:
        with pytest.raises(JudgeFailed) as err:
            judge_run([run], tmp_path / "out", judge(server, max_retries=1), cache_path=tmp_path / "c.db")
        assert str(err.value) == (
            '1 of 2 judge requests failed (first: 2 attempts failed; last: HTTP 500: {"error": "internal"}); '
            f"the 1 answered are cached in {tmp_path / 'c.db'}, run again to retry the rest; no results written"
        )
        assert not (tmp_path / "out").exists()
        report = judge_run([run], tmp_path / "out", judge(server, max_retries=1), cache_path=tmp_path / "c.db")
        by_marker = {p.split("[Instruction]\n")[1].split(" ")[0]: n for p, n in server.attempts.items()}
        assert by_marker == {"ok": 1, "bad": 4}
        assert (report.requests, report.cache_hits) == (1, 1)


def test_unauthorized_stops_the_run_at_once(tmp_path, run_dir):
    with JudgeServer(api_key="sk-right") as server:
        with pytest.raises(
            JudgeFailed,
            match=r"HTTP 401 from http://127\.0\.0\.1:\d+/v1/chat/completions: "
            r'\{"error": \{"message": "invalid api key"\}\}',
        ):
            judge_run(
                [run_dir],
                tmp_path / "out",
                judge(server, api_key="sk-wrong", concurrency=2),
                cache_path=tmp_path / "c.db",
            )
        assert sum(server.attempts.values()) <= 2  # no retries, no further requests
        assert set(server.auth_headers) == {"Bearer sk-wrong"}
    assert not (tmp_path / "out").exists()


def test_a_connection_the_server_dropped_is_replaced_without_spending_a_retry(tmp_path, run_dir):
    with JudgeServer(drop_idle=True) as server:
        report = judge_run(
            [run_dir], tmp_path / "out", judge(server, concurrency=1, max_retries=0), cache_path=tmp_path / "c.db"
        )
        assert set(server.attempts.values()) == {1} and len(server.attempts) == 6
    assert report.requests == 6


@pytest.mark.parametrize("concurrency", [1, 3])
def test_concurrency_is_bounded(tmp_path, run_dir, concurrency):
    with JudgeServer(gather=concurrency) as server:
        judge_run([run_dir], tmp_path / "out", judge(server, concurrency=concurrency), cache_path=tmp_path / "c.db")
        assert server.max_in_flight == concurrency


def test_another_server_or_other_decoding_is_asked_again_never_served_old_ratings(tmp_path, run_dir):
    """TGI answers to the model name `tgi` everywhere: a second server with that name, or the same
    server at another --max-tokens, gets its own requests; the cache answers only the same setup."""
    with JudgeServer() as first, JudgeServer() as second:
        judge_run(
            [run_dir],
            tmp_path / "a",
            EndpointJudge(first.url, "tgi", backoff=0.0),
            cache_path=tmp_path / "c.db",
            min_coverage=0.5,
        )
        judge_run(
            [run_dir],
            tmp_path / "b",
            EndpointJudge(second.url, "tgi", backoff=0.0),
            cache_path=tmp_path / "c.db",
            min_coverage=0.5,
        )
        assert sum(first.attempts.values()) == sum(second.attempts.values()) == 6
        again = judge_run(
            [run_dir],
            tmp_path / "c",
            EndpointJudge(first.url, "tgi", backoff=0.0, max_tokens=128),
            cache_path=tmp_path / "c.db",
            min_coverage=0.5,
        )
        assert sum(first.attempts.values()) == 12 and (again.requests, again.cache_hits) == (6, 0)
        same = judge_run(
            [run_dir],
            tmp_path / "d",
            EndpointJudge(first.url, "tgi", backoff=0.0, max_tokens=128),
            cache_path=tmp_path / "c.db",
            min_coverage=0.5,
        )
        assert (same.requests, same.cache_hits) == (0, 6) and sum(first.attempts.values()) == 12


@pytest.mark.parametrize(
    "change,message",
    [
        (lambda d: d.update(config=["hf"]), "field 'config' must be an object (got array)"),
        (
            lambda d: d["n-samples"].update(clt_dolly_es=200),
            "field 'n-samples.clt_dolly_es' must be an object with 'original' and 'effective' (got integer)",
        ),
        (
            lambda d: d["n-samples"]["clt_dolly_es"].update(original="200"),
            "field 'n-samples.clt_dolly_es.original' must be an integer (got '200')",
        ),
        (lambda d: d.update(versions=[1]), "field 'versions' must be an object (got array)"),
    ],
)
def test_results_of_an_unexpected_shape_are_refused_before_any_request(tmp_path, run_dir, change, message):
    results = next(run_dir.glob("results_*.json"))
    doc = json.loads(results.read_text(encoding="utf-8"))
    change(doc)
    results.write_text(json.dumps(doc), encoding="utf-8")
    with JudgeServer() as server:
        with pytest.raises(CLTError) as err:
            judge_run([run_dir], tmp_path / "out", judge(server), cache_path=tmp_path / "c.db")
        assert sum(server.attempts.values()) == 0  # nothing paid for
    assert str(err.value) == f"{results}: {message}"
    assert not (tmp_path / "out").exists()
