"""A real HTTP server on 127.0.0.1 standing in for a paid chat-completions API.

It answers POST /v1/chat/completions like an OpenAI-compatible judge and reproduces the
faults a remote API has. Tests steer it through markers in the instruction text:

- ``WANT(k)``: answer ``Rating: [[k]]`` (k may be anything, e.g. ``WANT(7)`` or ``WANT(none)``
  for an answer with no rating); without a marker the rating is derived from a hash of the prompt.
- ``FAULTS(a,b,...)``: the n-th attempt for this prompt gets the n-th fault, later ones succeed.
  Faults: ``429`` (with Retry-After), ``500``, ``slow`` (answers after ``slow_seconds``),
  ``trickle`` (headers at once, then the body one byte every 50 ms),
  ``malformed`` (200 with a body that is not JSON), ``nochoices`` (200, JSON without choices),
  ``echo`` (500 whose body echoes the Authorization header, as a careless proxy might),
  ``huge`` (200 with a 100k-character answer, its rating last), ``flood`` (200 with a 9 MiB body).

It counts attempts and successful answers per prompt (the user message), so tests can prove
that nothing was asked twice, and the most requests it had in flight at once (``gather=N`` holds
the first requests until N are in flight, so a client allowed N reaches N for sure). ``drop_idle`` closes every kept-alive connection after its answer
without a ``Connection: close`` header, as a server whose idle timeout expired does. ``hold_after=N`` makes every request after the N-th successful
answer wait until ``release()``, then fail with 503 without being counted: a test can kill a
client at a known point.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_WANT = re.compile(r"WANT\(([^)]*)\)")
_FAULTS = re.compile(r"FAULTS\(([^)]*)\)")


def default_rating(prompt: str) -> int:
    return int(hashlib.sha256(prompt.encode("utf-8")).hexdigest(), 16) % 5 + 1


def judge_text(prompt: str) -> str:
    m = _WANT.search(prompt)
    want = m.group(1) if m else str(default_rating(prompt))
    if want == "none":
        return "The answer is fine but I would rather not give a number."
    return f"The answer addresses the instruction.\nRating: [[{want}]]"


class JudgeServer:
    def __init__(
        self,
        delay: float = 0.0,
        slow_seconds: float = 1.0,
        retry_after: str = "0",
        hold_after: int | None = None,
        api_key: str | None = None,
        drop_idle: bool = False,
        gather: int | None = None,
    ):
        self.delay = delay
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.hold_after = hold_after
        self.api_key = api_key  # when set, requests without `Bearer <key>` get 401
        self.drop_idle = drop_idle  # close each connection after its answer, without saying so
        self.gather = gather  # hold the first requests until this many are in flight (5 s at most)
        self.in_flight = 0
        self.max_in_flight = 0
        self._flight = threading.Condition()
        self.attempts: Counter = Counter()
        self.answered: Counter = Counter()
        self.faults_served: Counter = Counter()
        self.auth_headers: list[str] = []
        self.held = 0
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def total_answered(self) -> int:
        with self._lock:
            return sum(self.answered.values())

    def reset_counts(self) -> None:
        with self._lock:
            self.attempts.clear()
            self.answered.clear()
            self.faults_served.clear()
            self.auth_headers.clear()
            self.held = 0

    def start(self) -> "JudgeServer":
        self._thread.start()
        return self

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "JudgeServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real API servers do
            disable_nagle_algorithm = True  # as production servers do: no delayed-ACK stall per answer

            def log_message(self, *args):  # quiet test output
                pass

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in (headers or {}).items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client gave up (timeout, or it was killed)
                    pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                request = json.loads(self.rfile.read(length))
                auth = self.headers.get("Authorization", "")
                prompt = next(m["content"] for m in request["messages"] if m["role"] == "user")
                with server._lock:
                    server.auth_headers.append(auth)
                    server.attempts[prompt] += 1
                    attempt = server.attempts[prompt]
                if server.api_key is not None and auth != f"Bearer {server.api_key}":
                    return self._send(401, b'{"error": {"message": "invalid api key"}}')
                m = _FAULTS.search(prompt)
                faults = [f.strip() for f in m.group(1).split(",")] if m else []
                if attempt <= len(faults):
                    return self._fault(faults[attempt - 1], auth)
                with server._flight:
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server._flight.notify_all()
                    if server.gather and server.in_flight >= server.gather:
                        server.gather = None  # gathered once: from now on, answer at once
                    if server.gather:
                        server._flight.wait_for(lambda: not server.gather, timeout=5)
                try:
                    self._answer(prompt, request)
                finally:
                    with server._flight:
                        server.in_flight -= 1

            def _answer(self, prompt: str, request: dict) -> None:
                if server.delay:
                    time.sleep(server.delay)
                with server._lock:
                    hold = server.hold_after is not None and sum(server.answered.values()) >= server.hold_after
                    if hold:
                        server.held += 1
                    else:
                        server.answered[prompt] += 1
                if hold:
                    server._release.wait()
                    return self._send(503, b'{"error": "held"}')
                body = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion",
                    "model": request.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": judge_text(prompt)},
                        }
                    ],
                }
                self._send(200, json.dumps(body).encode("utf-8"))
                if server.drop_idle:  # like a server whose keep-alive timeout just expired
                    self.close_connection = True

            def _fault(self, fault: str, auth: str) -> None:
                with server._lock:
                    server.faults_served[fault] += 1
                if fault == "429":
                    self._send(429, b'{"error": "rate limited"}', {"Retry-After": server.retry_after})
                elif fault == "500":
                    self._send(500, b'{"error": "internal"}')
                elif fault == "echo":
                    self._send(500, json.dumps({"error": f"bad gateway, got header {auth}"}).encode())
                elif fault == "slow":
                    time.sleep(server.slow_seconds)
                    self._send(200, json.dumps({"choices": [{"message": {"content": "Rating: [[1]]"}}]}).encode())
                elif fault == "trickle":  # headers at once, then the body a byte every 50 ms
                    body = json.dumps({"choices": [{"message": {"content": "Rating: [[1]]"}}]}).encode()
                    try:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        for i in range(len(body)):
                            self.wfile.write(body[i : i + 1])
                            time.sleep(0.05)
                    except OSError:
                        pass
                    self.close_connection = True
                elif fault == "huge":  # a server that ignores max_tokens: 100k characters, rating last
                    text = "Rambling. " * 10_000 + "\nRating: [[2]]"
                    self._send(200, json.dumps({"choices": [{"message": {"content": text}}]}).encode())
                elif fault == "flood":  # a body over any sane size (9 MiB)
                    self._send(200, b'{"choices": [{"message": {"content": "' + b"x" * (9 << 20) + b'"}}]}')
                elif fault == "malformed":
                    self._send(200, b'{"choices": [{"message": ')
                elif fault == "nochoices":
                    self._send(200, b'{"object": "chat.completion", "choices": []}')
                else:
                    raise ValueError(f"unknown fault {fault!r}")

        return Handler


if __name__ == "__main__":  # a server to point `clt judge` at by hand
    import sys

    with JudgeServer(delay=float(sys.argv[1]) if len(sys.argv) > 1 else 0.0) as s:
        print(s.url, flush=True)
        threading.Event().wait()


def write_lm_eval_run(out_dir, runs: dict, model_args: str = "pretrained=/models/tiny,dtype=float32"):
    """Write samples + results files for `runs` = {lang: [(instruction, response), ...]} with
    lm-eval's own writer (EvaluationTracker), so their layout is exactly what `lm_eval
    --log_samples` produces. Returns the run directory."""
    from pathlib import Path

    from lm_eval.loggers import EvaluationTracker
    from lm_eval.utils import hash_string

    from clt_plugin.tasks.generate import VERSION  # what the installed task YAMLs carry, as lm-eval records it

    tracker = EvaluationTracker(output_path=str(out_dir))
    tracker.general_config_tracker.log_experiment_args(
        model_source="hf",
        model_args=model_args,
        system_instruction=None,
        chat_template=None,
        fewshot_as_multiturn=False,
    )
    results = {
        "results": {},
        "group_subtasks": {},
        "configs": {},
        "versions": {},
        "n-shot": {},
        "higher_is_better": {},
        "n-samples": {},
        "config": {"model": "hf", "model_args": model_args, "limit": None},
    }
    all_samples = {}
    for lang, pairs in runs.items():
        task = f"clt_dolly_{lang}"
        samples = []
        for i, (instruction, response) in enumerate(pairs):
            doc = {
                "id": f"dolly-{lang}-{i}",
                "inputs": instruction,
                "targets": "reference answer",
                "language": lang,
                "script": "Latn",
            }
            prompt = f"<|user|>\n{instruction}<|end|>\n<|assistant|>\n"
            samples.append(
                {
                    "doc_id": i,
                    "doc": doc,
                    "target": "reference answer",
                    "arguments": [(prompt, {"until": ["<|end|>"], "max_gen_toks": 64})],
                    "resps": [[response]],
                    "filtered_resps": [response],
                    "filter": "none",
                    "metrics": ["lpr"],
                    "doc_hash": hash_string(instruction),
                    "prompt_hash": hash_string(prompt),
                    "target_hash": hash_string("reference answer"),
                    "lpr": 1.0,
                }
            )
        all_samples[task] = samples
        results["results"][task] = {"alias": task, "lpr,none": 1.0, "lpr_stderr,none": 0.0}
        results["group_subtasks"][task] = []
        results["configs"][task] = {
            "task": task,
            "metadata": {"version": VERSION, "clt_family": "dolly", "clt_language": lang},
        }
        results["versions"][task] = VERSION
        results["n-shot"][task] = 0
        results["higher_is_better"][task] = {"lpr": True}
        results["n-samples"][task] = {"original": 200, "effective": len(pairs)}
    tracker.save_results_aggregated(results=results, samples=all_samples)
    for task, samples in all_samples.items():
        tracker.save_results_samples(task_name=task, samples=samples)
    return Path(out_dir) / tracker.general_config_tracker.model_name_sanitized
