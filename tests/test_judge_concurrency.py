"""`clt judge` runs that share a cache, a server slower than the time-out, and answers too large:
each prompt is paid for once, retries that would be paid again are not made, the cache stays small."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from judge_server import JudgeServer, write_lm_eval_run
from test_judge_http import ES_OK, JA_OK, judge

from clt_plugin.judge.cache import MAX_STORED_CHARS, JudgeCache, cap_answer
from clt_plugin.judge.client import MAX_BODY_BYTES
from clt_plugin.judge.run import JudgeFailed, judge_run


def test_three_concurrent_runs_sharing_a_cache_pay_each_prompt_once(tmp_path):
    """The issue's case: three `clt judge` processes on one cache paid 240 requests for 80 prompts."""
    run = write_lm_eval_run(
        tmp_path / "lm",
        {
            "es": [(f"Pregunta número {i}.", ES_OK) for i in range(40)],
            "ja": [(f"質問 {i} です。", JA_OK) for i in range(40)],
        },
    )
    cache = tmp_path / "shared.sqlite"
    with JudgeServer(delay=0.05) as server:

        def start(n: int) -> subprocess.Popen:
            argv = [sys.executable, "-m", "clt_plugin.cli", "judge", str(run), "--endpoint", server.url]
            argv += ["--model", "judge-test", "-o", str(tmp_path / f"out{n}"), "--cache", str(cache)]
            argv += ["--concurrency", "4", "--backoff", "0", "--quiet"]
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        procs = [start(n) for n in range(3)]
        outs = [p.communicate(timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], [o[1] for o in outs]
        assert len(server.attempts) == 80 and set(server.attempts.values()) == {1}  # each prompt asked once
        assert sum(server.answered.values()) == 80
    paid = [int(re.search(r"judge requests: (\d+), cached: (\d+)", o[0]).group(1)) for o in outs]
    cached = [int(re.search(r"judge requests: (\d+), cached: (\d+)", o[0]).group(2)) for o in outs]
    assert sum(paid) == 80 and [p + c for p, c in zip(paid, cached)] == [80, 80, 80]
    results = [sorted((tmp_path / f"out{n}").glob("results_judge_*.json"))[0].read_bytes() for n in range(3)]
    assert results[0] == results[1] == results[2]  # the same ratings, whoever paid for them
    with JudgeCache(cache) as c:  # no claim left behind
        assert c._db.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 0


def test_a_claim_of_a_live_process_is_waited_for_and_a_dead_ones_is_taken(tmp_path):
    path = tmp_path / "c.sqlite"
    with JudgeCache(path) as mine, JudgeCache(path) as other:
        assert mine.claim("k", lease=60).state == "mine"
        assert other.claim("k", lease=60).state == "busy"  # a live claim (this very process)
        mine.put("k", "j", "v", "Rating: [[4]]")
        assert other.claim("k", lease=60) == ("answered", "Rating: [[4]]")
        assert mine.claim("k2", lease=-1).state == "mine"  # a claim whose time is up
        assert other.claim("k2", lease=60).state == "mine"
        other.release("k2")
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        mine._db.execute(
            "INSERT INTO claims (key, host, pid, owner, expires) VALUES ('k3', ?, ?, 'gone', 1e12)",
            (mine._host, int(dead.stdout)),
        )
        assert other.claim("k3", lease=60).state == "mine"  # its process is gone


def test_a_server_slower_than_the_time_out_is_not_asked_again(tmp_path):
    """A CPU-served judge at 280 s a reply with --timeout 120: every retry was paid again while
    the server still worked on the first. No answer in time: stop at the first time-outs."""
    run = write_lm_eval_run(tmp_path / "lm", {"es": [(f"Pregunta {i}.", ES_OK) for i in range(6)]})
    with JudgeServer(delay=1.5) as server:
        with pytest.raises(JudgeFailed) as err:
            judge_run([run], tmp_path / "out", judge(server, timeout=0.3, concurrency=2), cache_path=tmp_path / "c.db")
        assert sum(server.attempts.values()) <= 2  # the first wave only: no retry, no further prompt
    message = str(err.value)
    assert "answered no request within --timeout 0.3 s" in message and "Raise --timeout" in message
    assert not (tmp_path / "out").exists()


def test_time_outs_are_retried_while_the_server_answers_others_in_time(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm", {"es": [("A WANT(3)", ES_OK), ("B WANT(4)", ES_OK), ("C FAULTS(slow) WANT(5)", ES_OK)]}
    )
    with JudgeServer(slow_seconds=1.0) as server:
        report = judge_run(
            [run], tmp_path / "out", judge(server, timeout=0.3, concurrency=1), cache_path=tmp_path / "c.db"
        )
        assert sum(server.attempts.values()) == 4  # C timed out once, after A and B were answered in time
    assert [s.mean_raw for s in report.stats] == [4.0]


def test_an_oversized_answer_is_stored_capped_and_a_flood_is_refused_unretried(tmp_path):
    run = write_lm_eval_run(tmp_path / "lm", {"es": [("A FAULTS(huge) WANT(3)", ES_OK), ("B WANT(4)", ES_OK)]})
    with JudgeServer() as server:
        report = judge_run([run], tmp_path / "out", judge(server), cache_path=tmp_path / "c.db")
    rows = [json.loads(line) for line in report.judgments_paths[0].read_text(encoding="utf-8").splitlines()]
    # The answer's first and last halves are kept: its rating, on the last line, is read.
    assert [r["rating_raw"] for r in rows] == [2, 4]
    assert len(rows[0]["judge_output"]) < MAX_STORED_CHARS + 100
    assert "characters cut by clt judge" in rows[0]["judge_output"]
    with JudgeCache(tmp_path / "c.db") as cache:
        stored = cache._db.execute("SELECT MAX(LENGTH(output)) FROM judgments").fetchone()[0]
    assert stored == len(rows[0]["judge_output"]) == len(cap_answer("Rambling. " * 10_000 + "\nRating: [[2]]"))

    flood = write_lm_eval_run(tmp_path / "lm2", {"es": [("F FAULTS(flood,flood) WANT(3)", ES_OK)]})
    with JudgeServer() as server:
        with pytest.raises(JudgeFailed, match=rf"answer from .* is over {MAX_BODY_BYTES >> 20} MiB"):
            judge_run([flood], tmp_path / "out2", judge(server), cache_path=tmp_path / "c.db")
        assert sum(server.attempts.values()) == 1  # not retried: a retry would be paid again
