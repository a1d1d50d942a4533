"""An OpenAI-compatible chat-completions judge on httpx.

Works with OpenAI, vLLM, TGI, Ollama, llama.cpp and anything else that serves
`POST .../chat/completions`. httpx gives the connection pool (kept-alive connections, TLS,
the usual proxy variables) and the per-read timeouts; on top of it this module keeps what a
paid judge needs: transient failures (429, 5xx, dropped connections, malformed bodies) are
retried with exponential backoff that honours Retry-After; a refusal that retrying cannot fix
(401, 403, 404, 400) stops the whole run; a time-out is retried only while the server shows
it can answer within the time-out (a retried time-out is paid again, and a slow server keeps
working on the request it no longer has a client for); and each answer has a size cap.
Calls are blocking and thread-safe; the caller bounds concurrency with a thread pool.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import random
import threading
import time
import urllib.parse
from typing import Callable

import httpx

_RETRY_STATUS = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
_CHUNK = 1 << 16
# The most a chat-completions body may hold: far above any judgment (--max-tokens bounds an
# honest server's answer to kilobytes), low enough that a server that ignores max_tokens cannot
# fill memory. An answer over it fails its request, without a retry (it would be paid again).
MAX_BODY_BYTES = 8 << 20
# What a reused connection that the server had closed fails with.
_DROPPED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


class JudgeRequestError(Exception):
    """One request failed for good (after its retries, or at once when retrying cannot help)."""

    def __init__(self, message: str, fatal: bool = False, stopped: bool = False):
        super().__init__(message)
        self.fatal = fatal
        self.stopped = stopped  # not tried at all: another request's fatal error stopped the run


class _TimedOut(Exception):
    """The server took the request and gave no whole answer within the time-out."""


class _Transient(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class Redactor:
    """Removes the API key from any text that could reach a log, a file or the terminal."""

    def __init__(self, secret: str | None):
        self._secret = secret or None

    def __call__(self, text: str) -> str:
        if self._secret and self._secret in text:
            return text.replace(self._secret, "[REDACTED]")
        return text


def chat_url(endpoint: str) -> str:
    """`http://host/v1` -> `http://host/v1/chat/completions`; a full URL is kept as given."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/chat/completions") else endpoint + "/chat/completions"


def check_endpoint(endpoint: str) -> str:
    """The endpoint if it is a usable http(s) URL, else ValueError saying what is wrong with it."""
    try:
        parts = urllib.parse.urlsplit(endpoint)
        port = parts.port  # ValueError when out of range or not a number
    except ValueError as e:
        raise ValueError(f"not a valid URL ({e})") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("expected an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("the URL names no host")
    if port == 0:
        raise ValueError("port 0 is not a usable port")
    if any(c.isspace() or ord(c) < 32 for c in endpoint):
        raise ValueError("the URL holds spaces or control characters")
    return endpoint


def public_url(url: str) -> str:
    """The URL without credentials or query string, fit for a results file."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        seconds = when - (time.time() if now is None else now)
    return max(0.0, seconds)


def backoff_delay(attempt: int, base: float, cap: float, retry_after: float | None, rng: random.Random) -> float:
    """Exponential backoff with jitter (so parallel workers do not retry in lockstep).

    The server's Retry-After is a floor; everything is capped at `cap`.
    """
    delay = base * (2**attempt) * rng.uniform(0.5, 1.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, cap)


def extract_content(body: bytes) -> str:
    """The assistant message text of a chat-completions body; _Transient when malformed."""
    try:
        data = json.loads(body.decode("utf-8"))
        content = data["choices"][0]["message"]["content"]
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, KeyError, IndexError, TypeError) as e:
        raise _Transient(f"malformed response body ({type(e).__name__})") from None
    if not isinstance(content, str):
        raise _Transient("malformed response body (message content is not text)")
    return content


class EndpointJudge:
    backend = "endpoint"

    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        max_retries: int = 6,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_tokens: int = 512,
        temperature: float = 0.0,
        concurrency: int = 8,
        sleep: Callable[[float], object] | None = None,
        seed: int = 0,
    ):
        self.url = chat_url(check_endpoint(endpoint))
        self.temperature = temperature
        self.model = model
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_tokens = max_tokens
        self.concurrency = max(1, int(concurrency))
        self.redact = Redactor(api_key)
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency),
            trust_env=True,  # HTTP(S)_PROXY, NO_PROXY, SSL_CERT_FILE as every HTTP tool reads them
        )
        self._stop = threading.Event()
        # Waiting on the stop event lets a fatal error elsewhere cut a backoff short.
        self._sleep = sleep or self._stop.wait
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        self._pace = _Pace(self.concurrency)

    @property
    def identity(self) -> str:
        """What produced a rating, for the cache key: the server (URL, the query hashed since it may
        carry secrets), the model name there, and the decoding settings. Another server that
        answers to the same model name, or other settings, never shares a cached rating."""
        query = urllib.parse.urlsplit(self.url).query
        return "endpoint:" + json.dumps(
            {
                "url": public_url(self.url),
                "query_sha256": hashlib.sha256(query.encode()).hexdigest() if query else None,
                "model": self.model,
                "temperature": self.temperature,
                "max_tokens": self.max_tokens,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @property
    def lease_seconds(self) -> float:
        """The longest one request can take with all its retries: how long another process
        waits for this one's answer to a prompt before it asks itself."""
        return (self.max_retries + 1) * (self.timeout + self.max_backoff) + 60.0

    def describe(self) -> dict:
        return {
            "backend": self.backend,
            "model": self.model,
            "endpoint": public_url(self.url),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def close(self) -> None:
        self._client.close()

    def stop(self) -> None:
        self._stop.set()

    def complete(self, messages: list[dict[str, str]]) -> str:
        body = json.dumps(
            {"model": self.model, "messages": messages, "temperature": self.temperature, "max_tokens": self.max_tokens},
            ensure_ascii=False,
        ).encode("utf-8")
        last = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if self._stop.is_set():
                raise JudgeRequestError("run stopped after a fatal error", fatal=True, stopped=True)
            try:
                answer = self._once(body)
            except _TimedOut as e:
                if not self._pace.may_retry():
                    self.stop()
                    raise JudgeRequestError(self._too_slow(), fatal=True) from None
                last = str(e)
                retry_after = None
            except _Transient as e:
                last, retry_after = str(e), e.retry_after
            else:
                self._pace.answered()
                return answer
            if attempt == self.max_retries:
                break
            with self._rng_lock:
                delay = backoff_delay(attempt, self.backoff, self.max_backoff, retry_after, self._rng)
            self._sleep(delay)
        raise JudgeRequestError(self.redact(f"{self.max_retries + 1} attempts failed; last: {last}"))

    def _too_slow(self) -> str:
        return (
            f"{public_url(self.url)} answered no request within --timeout {self.timeout:g} s "
            f"({self._pace.timeouts} timed out since its last answer in time); it is slower than the "
            "time-out, and every retry would be paid again while the server still works on the "
            "first: stopped. Raise --timeout (or lower --concurrency) and run again; "
            "what was answered is cached"
        )

    def _once(self, body: bytes) -> str:
        deadline = time.monotonic() + self.timeout
        for fresh_retry in (False, True):
            opened: list[bool] = []

            def trace(event: str, info: dict) -> None:
                if event == "connection.connect_tcp.started":
                    opened.append(True)

            try:
                with self._client.stream(
                    "POST", self.url, content=body, headers=self._headers, extensions={"trace": trace}
                ) as response:
                    status = response.status_code
                    retry_after = response.headers.get("Retry-After")
                    payload = self._read(response, deadline)
                break
            except httpx.TimeoutException as e:
                if isinstance(e, (httpx.ConnectTimeout, httpx.PoolTimeout)):  # never reached the server
                    raise _Transient(f"request failed ({type(e).__name__}: {e})") from None
                raise _TimedOut(f"no answer within {self.timeout:g} s ({type(e).__name__})") from None
            except httpx.HTTPError as e:  # refused or dropped connections, protocol errors, bad encodings
                # A kept-alive connection the server closed as we picked it from the pool fails
                # before the request reaches the server: try once more on a new connection,
                # without spending an attempt.
                if not opened and not fresh_retry and isinstance(e, _DROPPED):
                    continue
                raise _Transient(self.redact(f"request failed ({type(e).__name__}: {e})")) from None
        if 200 <= status < 300:
            return extract_content(payload)
        snippet = self._snippet(payload)
        if status in _RETRY_STATUS:
            raise _Transient(f"HTTP {status}{snippet}", parse_retry_after(retry_after))
        self.stop()
        raise JudgeRequestError(self.redact(f"HTTP {status} from {public_url(self.url)}{snippet}"), fatal=True)

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        # httpx's timeout bounds each read; the deadline bounds the whole answer, so a server
        # that trickles bytes cannot hold a worker past the per-request timeout.
        parts, size = [], 0
        for chunk in response.iter_bytes(_CHUNK):
            parts.append(chunk)
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise JudgeRequestError(
                    self.redact(
                        f"answer from {public_url(self.url)} is over {MAX_BODY_BYTES >> 20} MiB (--max-tokens "
                        f"{self.max_tokens} was ignored?); not retried, since a retry would be paid again"
                    )
                )
            if time.monotonic() > deadline:
                raise _TimedOut(f"answer took longer than {self.timeout:g} s")
        return b"".join(parts)

    def _snippet(self, payload: bytes) -> str:
        text = " ".join(payload[:300].decode("utf-8", "replace").split())
        return f": {self.redact(text)[:200]}" if text else ""


class _Pace:
    """Whether the server answers within the time-out: a timed-out request is retried only while
    it does. Before any answer in time, the first time-out stops the run; after one, it stops
    once more requests timed out in a row than can be in flight at once (a server that slowed
    down for good), since each retry of a time-out is a request paid again."""

    def __init__(self, concurrency: int):
        self._lock = threading.Lock()
        self._answered = False
        self._limit = max(2, concurrency)
        self.timeouts = 0  # since the last answer in time

    def answered(self) -> None:
        with self._lock:
            self._answered, self.timeouts = True, 0

    def may_retry(self) -> bool:
        with self._lock:
            self.timeouts += 1
            return self._answered and self.timeouts < self._limit
