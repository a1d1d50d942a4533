"""`clt judge` as users run it: a subprocess against the local server, killed and restarted,
with an API key that must never leak, with bad input, and with a local model as the judge."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from judge_server import JudgeServer, write_lm_eval_run
from test_judge_http import EN, ES_OK, JA_OK, JA_OK2, RUN

SECRET = "sk-test-5f1e9c2a7b-SECRET"


def clt(*args, env_extra=None, **kw):
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "clt_plugin.cli", "judge", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        **kw,
    )


def all_bytes(*paths: Path) -> bytes:
    out = b""
    for p in paths:
        files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
        for f in files:
            out += f.read_bytes()
    return out


def test_cli_end_to_end_and_the_key_never_leaks(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm",
        {**RUN, "fr": [("Q FAULTS(echo,echo) WANT(4)", "Les baleines vivent dans tous les océans du monde.")]},
    )
    out, cache = tmp_path / "out", tmp_path / "cache" / "judge.sqlite"
    with JudgeServer(api_key=SECRET) as server:
        args = [
            run,
            "--endpoint",
            server.url,
            "--model",
            "judge-test",
            "--api-key-env",
            "MY_JUDGE_KEY",
            "-o",
            out,
            "--cache",
            cache,
            "--backoff",
            "0",
            "--max-retries",
            "1",
            "--min-coverage",
            "0.75",
        ]
        failed = clt(*args, env_extra={"MY_JUDGE_KEY": SECRET})
        # The server echoed the Authorization header into its error body twice: the run fails, redacted.
        assert failed.returncode == 1, failed.stderr
        assert "[REDACTED]" in failed.stderr and "1 of 7 judge requests failed" in failed.stderr
        assert not out.exists()
        ok = clt(*args, env_extra={"MY_JUDGE_KEY": SECRET})
        assert ok.returncode == 0, ok.stderr
        assert set(server.auth_headers) == {f"Bearer {SECRET}"}
        assert sum(server.answered.values()) == 7 and set(server.answered.values()) == {1}
    lines = ok.stdout.splitlines()
    assert lines[0].split() == [
        "task",
        "n",
        "judge_rating",
        "judge_rating_raw",
        "coverage",
        "unparseable",
        "wrong",
        "language",
    ]
    # es: 2 of 4 outputs parse (raw coverage 0.5 < 0.75: no raw mean), 3 of 4 rated after gating.
    assert lines[2].split() == ["clt_dolly_es", "4", "2.000", "-", "3/4", "2", "2"]
    assert lines[3].split() == ["clt_dolly_fr", "1", "4.000", "4.000", "1/1", "0", "0"]
    assert lines[4].split() == ["clt_dolly_ja", "2", "2.500", "2.500", "2/2", "0", "0"]
    assert lines[5] == "judge requests: 1, cached: 6, unparseable ratings: 2"
    assert lines[6:8] == [
        "  unparseable: 1 x no [[rating]] in the judge output",
        "  unparseable: 1 x rating [[7]] is outside 1-5",
    ]
    date_id = next(run.glob("results_*.json")).stem.removeprefix("results_")
    assert lines[8] == f"results: {out / f'results_judge_{date_id}.json'}"
    leaked = all_bytes(out, cache.parent) + (failed.stdout + failed.stderr + ok.stdout + ok.stderr).encode()
    assert SECRET.encode() not in leaked


def test_killed_run_restarts_without_duplicate_calls_and_identical_output(tmp_path):
    run = write_lm_eval_run(
        tmp_path / "lm",
        {
            "es": [(f"Pregunta {i} WANT({i % 5 + 1})", ES_OK if i % 2 else EN) for i in range(5)],
            "ja": [(f"質問 {i}", JA_OK if i % 2 else JA_OK2) for i in range(5)],
        },
    )
    with JudgeServer(hold_after=4) as server:

        def judge_cmd(out, cache):
            return [
                sys.executable,
                "-m",
                "clt_plugin.cli",
                "judge",
                str(run),
                "--endpoint",
                server.url,
                "--model",
                "judge-test",
                "-o",
                str(out),
                "--cache",
                str(cache),
                "--concurrency",
                "3",
                "--backoff",
                "0",
                "--quiet",
            ]

        cache1, out1 = tmp_path / "c1.sqlite", tmp_path / "out1"
        proc = subprocess.Popen(judge_cmd(out1, cache1), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 120
            # 4 answered and cached, the next requests hang in the server: kill -9 right there.
            while not (server.total_answered == 4 and server.held >= 1 and _rows(cache1) == 4):
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "clt judge never reached the hold point"
                time.sleep(0.02)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.communicate()
        assert proc.returncode == -signal.SIGKILL
        assert not out1.exists()
        server.hold_after = None
        server.release()  # held requests now fail on a dead socket; none is counted as answered

        restarted = subprocess.run(judge_cmd(out1, cache1), capture_output=True, text=True, timeout=300)
        assert restarted.returncode == 0, restarted.stderr
        assert "judge requests: 6, cached: 4" in restarted.stdout
        assert len(server.answered) == 10 and set(server.answered.values()) == {1}  # nothing asked twice

        server.reset_counts()
        cache2, out2 = tmp_path / "c2.sqlite", tmp_path / "out2"
        straight = subprocess.run(judge_cmd(out2, cache2), capture_output=True, text=True, timeout=300)
        assert straight.returncode == 0, straight.stderr
        assert "judge requests: 10, cached: 0" in straight.stdout
    names = sorted(p.name for p in out1.iterdir())
    assert names == sorted(p.name for p in out2.iterdir()) and len(names) == 3
    for name in names:
        assert (out1 / name).read_bytes() == (out2 / name).read_bytes(), name


def _rows(cache: Path) -> int:
    if not cache.exists():
        return 0
    try:
        with sqlite3.connect(cache, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


@pytest.mark.parametrize(
    "extra, env, message",
    [
        (
            ["--endpoint", "http://127.0.0.1:9/v1"],
            {},
            "--model: required with --endpoint (the judge model's name at that endpoint)",
        ),
        (
            ["--endpoint", "ftp://x", "--model", "m"],
            {},
            "--endpoint: expected an http:// or https:// URL (got 'ftp://x')",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--api-key-env", "NOPE_KEY"],
            {},
            "--api-key-env: environment variable NOPE_KEY is not set",
        ),
        (
            ["--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "--concurrency", "0"],
            {},
            "--concurrency: must be at least 1 (got 0)",
        ),
        (
            ["--judge-model", "/nonexistent/model"],
            {},
            "/nonexistent/model: not a transformers model directory (no config.json)",
        ),
    ],
)
def test_cli_bad_options_exit_2_and_write_nothing(tmp_path, extra, env, message):
    run = write_lm_eval_run(tmp_path / "lm", {"es": RUN["es"][:1]})
    res = clt(run, "-o", tmp_path / "out", "--cache", tmp_path / "c.db", *extra, env_extra=env)
    assert res.returncode == 2
    assert res.stderr.strip() == f"clt judge: error: {message}"
    assert not (tmp_path / "out").exists() and not (tmp_path / "c.db").exists()


def test_cli_bad_samples_exit_2(tmp_path):
    bad = tmp_path / "samples_clt_dolly_es_2026-01-01T00-00-00.000001.jsonl"
    bad.write_text('{"doc_id": 0}\n{broken\n', encoding="utf-8")
    res = clt(
        bad, "--endpoint", "http://127.0.0.1:9/v1", "--model", "m", "-o", tmp_path / "out", "--cache", tmp_path / "c.db"
    )
    assert res.returncode == 2
    assert res.stderr.strip() == f"clt judge: error: {bad}:1: no instruction (doc.inputs or arguments.gen_args_0.arg_0)"
    assert not (tmp_path / "out").exists()


def test_local_judge_on_the_tiny_model_counts_unparseable(tmp_path, tiny_model):
    """A random tiny model writes no [[rating]]: every raw rating is counted unparseable, none invented,
    and the two gated replies do not pass as the task's score: null in the results, exit 1."""
    run = write_lm_eval_run(tmp_path / "lm", {"es": RUN["es"]})
    args = [
        run,
        "--judge-model",
        tiny_model,
        "--max-tokens",
        "12",
        "-o",
        tmp_path / "out",
        "--cache",
        tmp_path / "c.db",
        "--quiet",
    ]
    first = clt(*args)
    assert first.returncode == 1, first.stderr
    assert first.stderr.splitlines()[-1] == (
        "clt judge: error: clt_dolly_es: no judge output could be parsed "
        "(4 of 4 unparseable); judge_rating written as null"
    )
    lines = first.stdout.splitlines()
    # raw: nothing parses; gated: the two English replies are rated 1, the Spanish ones stay unrated.
    assert lines[2].split() == ["clt_dolly_es", "4", "-", "-", "2/4", "4", "2"]
    assert lines[3] == "judge requests: 4, cached: 0, unparseable ratings: 4"
    assert lines[4] == "  unparseable: 4 x no [[rating]] in the judge output"
    results = json.loads(next((tmp_path / "out").glob("results_judge_*.json")).read_text(encoding="utf-8"))
    assert results["results"]["clt_dolly_es"] == {
        "alias": "clt_dolly_es",
        "judge_rating,none": None,
        "judge_rating_stderr,none": None,
        "judge_rating_raw,none": None,
        "judge_rating_raw_stderr,none": None,
        "judge_coverage,none": 0.5,
    }
    assert results["clt_judge"]["counts"]["clt_dolly_es"] == {
        "n": 4,
        "rated_raw": 0,
        "unparseable": 4,
        "fidelity_failed": 2,
        "rated_gated": 2,
        "coverage": 0.5,
        "coverage_raw": 0.0,
        "mean_gated": 1.0,
        "mean_raw": None,
    }
    assert results["clt_judge"]["min_coverage"] == 0.8 and list(results["clt_judge"]["refused"]) == ["clt_dolly_es"]
    assert results["clt_judge"]["judge"]["backend"] == "local"
    rows = [json.loads(l) for l in next((tmp_path / "out").glob("judgments_*.jsonl")).read_text().splitlines()]
    assert all(r["rating_raw"] is None and r["judge_output"] is not None for r in rows)
    assert [r["rating"] for r in rows] == [None, 1, None, 1]

    again = clt(*args)  # greedy decoding, cached: the same file, no generation
    assert again.returncode == 1, again.stderr
    assert again.stdout.splitlines()[3] == "judge requests: 0, cached: 4, unparseable ratings: 4"


def test_language_without_fidelity_check_fails_before_any_request(tmp_path):
    run = write_lm_eval_run(tmp_path / "lm", {"ha": [("Rubuta jumla game da teku.", "Teku yana da girma sosai.")]})
    with JudgeServer() as server:
        res = clt(run, "--endpoint", server.url, "--model", "m", "-o", tmp_path / "out", "--cache", tmp_path / "c.db")
        assert sum(server.attempts.values()) == 0
    assert res.returncode == 2
    # The wording is the fidelity module's; what matters here is one line, before any request.
    line = res.stderr.strip()
    assert "\n" not in line and line.startswith("clt judge: error: language fidelity")
    assert "not available for 'ha'" in line and "Hausa" in line
    assert not (tmp_path / "out").exists()


def test_local_judge_folds_the_system_turn_when_the_template_refuses_it(tmp_path, tiny_model):
    import shutil

    from clt_plugin.judge.local import LocalJudge
    from clt_plugin.judge.prompt import build_messages

    model = tmp_path / "no-system"
    shutil.copytree(tiny_model, model)
    template = (model / "chat_template.jinja").read_text(encoding="utf-8")
    (model / "chat_template.jinja").write_text(
        "{% if messages[0]['role'] == 'system' %}{{ raise_exception('system role not supported') }}{% endif %}"
        + template,
        encoding="utf-8",
    )
    judge = LocalJudge(model, max_tokens=4)
    out = judge.complete(build_messages("Escribe algo.", "Algo.", "es"))
    assert isinstance(out, str) and judge.calls == 1


PAPER_STYLE = """system: |
  Act as an impartial judge of the answer an AI assistant gave to the instruction below.
user: |
  Consider helpfulness, relevance, accuracy, depth, creativity and detail. The answer should be in {language}.
  After a short explanation, rate it from 1 to 5 as "[[rating]]", for example: [[5]].

  [Question]
  {instruction}

  [The Start of Assistant's Answer]
  {response}
  [The End of Assistant's Answer]
"""


def test_a_prompt_template_file_is_used_versioned_by_its_text_and_cached_apart(tmp_path):
    run = write_lm_eval_run(tmp_path / "lm", {"es": [("Escribe sobre el mar. WANT(4)", ES_OK)]})
    template = tmp_path / "paper.yaml"
    template.write_text(PAPER_STYLE, encoding="utf-8")
    with JudgeServer() as server:
        base = [run, "--endpoint", server.url, "--model", "judge-test", "--cache", tmp_path / "c.db", "--quiet"]
        res = clt(*base, "-o", tmp_path / "a", "--prompt-template", template)
        assert res.returncode == 0, res.stderr
        (prompt,) = server.attempts
        assert prompt.startswith("Consider helpfulness") and "The answer should be in Spanish." in prompt
        assert "[Question]\nEscribe sobre el mar. WANT(4)\n\n[The Start of Assistant's Answer]\n" in prompt
        again = clt(*base, "-o", tmp_path / "b")  # clt's own wording: another prompt, asked again
        assert again.returncode == 0 and "judge requests: 1, cached: 0" in again.stdout, again.stderr
        same = clt(*base, "-o", tmp_path / "c", "--prompt-template", template)
        assert same.returncode == 0 and "judge requests: 0, cached: 1" in same.stdout, same.stderr
    doc = json.loads(next((tmp_path / "a").glob("results_judge_*.json")).read_text(encoding="utf-8"))
    section = doc["clt_judge"]
    assert section["template_file"] == str(template) and re.fullmatch(r"file-[0-9a-f]{16}", section["template_version"])
    assert doc["results"]["clt_dolly_es"]["judge_rating_raw,none"] == 4.0
    default = json.loads(next((tmp_path / "b").glob("results_judge_*.json")).read_text(encoding="utf-8"))
    assert default["clt_judge"]["template_version"] == "clt-judge-v1" and "template_file" not in default["clt_judge"]


@pytest.mark.parametrize(
    "text, suffix, message",
    [
        ("Rate [[k]]: {instruction}\n{response}\n", ".txt", "the template never uses {language}; the judge must see "),
        ("Rate {response} in {language}: [[k]]\n", ".txt", "the template never uses {instruction}; the judge must see"),
        ("In {language}, rate {instruction} / {answer} as [[k]]", ".txt", "unknown placeholder {answer}"),
        ("In {language}: {instruction} -> {response}, out of 5", ".txt", "never asks for the rating as [[k]]"),
        ('In {language}: {instruction} {"json": 1} {response} [[k]]', ".txt", 'unknown placeholder {"json"}'),
        ("{language} {instruction} {response} [[k]] }", ".txt", "not a usable template (Single '}' encountered"),
        ("system: hi\nuser: 3\n", ".yaml", "field 'user' must be the user message's text (got 3)"),
        ("user: '{language} {instruction} {response} [[k]]'\nsytem: x\n", ".yaml", "unknown field 'sytem'"),
        ("", ".txt", "the judge prompt template is empty"),
    ],
)
def test_a_template_that_cannot_work_is_refused_before_any_request(tmp_path, text, suffix, message):
    run = write_lm_eval_run(tmp_path / "lm", {"es": [("Escribe sobre el mar.", ES_OK)]})
    template = tmp_path / f"t{suffix}"
    template.write_text(text, encoding="utf-8")
    with JudgeServer() as server:
        res = clt(
            run,
            "--endpoint",
            server.url,
            "--model",
            "m",
            "-o",
            tmp_path / "out",
            "--cache",
            tmp_path / "c.db",
            "--prompt-template",
            template,
        )
        assert sum(server.attempts.values()) == 0
    assert res.returncode == 2 and res.stderr.startswith(f"clt judge: error: {template}"), res.stderr
    assert message in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not (tmp_path / "out").exists() and not (tmp_path / "c.db").exists()
