"""An OpenAI-compatible chat-completions judge over the standard library.

Works with OpenAI, vLLM, TGI, Ollama, llama.cpp and anything else that serves
`POST .../chat/completions`. Calls are blocking and thread-safe; the caller bounds
concurrency with a thread pool. Transient failures (429, 5xx, timeouts, dropped
connections, malformed bodies) are retried with exponential backoff that honours
Retry-After; a refusal that retrying cannot fix (401, 403, 404, 400) stops the whole run.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.client
import json
import random
import ssl
import threading
import time
import urllib.parse
import urllib.request
from typing import Callable

_RETRY_STATUS = frozenset({408, 409, 425, 429}) | frozenset(range(500, 600))
_CHUNK = 1 << 16


class JudgeRequestError(Exception):
    """One request failed for good (after its retries, or at once when retrying cannot help)."""

    def __init__(self, message: str, fatal: bool = False, stopped: bool = False):
        super().__init__(message)
        self.fatal = fatal
        self.stopped = stopped  # not tried at all: another request's fatal error stopped the run


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
        self._pool = _ConnectionPool(self.url, timeout)
        self._stop = threading.Event()
        # Waiting on the stop event lets a fatal error elsewhere cut a backoff short.
        self._sleep = sleep or self._stop.wait
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()

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

    def describe(self) -> dict:
        return {
            "backend": self.backend,
            "model": self.model,
            "endpoint": public_url(self.url),
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
        }

    def close(self) -> None:
        self._pool.close()

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
                return self._once(body)
            except _Transient as e:
                last = str(e)
                if attempt == self.max_retries:
                    break
                with self._rng_lock:
                    delay = backoff_delay(attempt, self.backoff, self.max_backoff, e.retry_after, self._rng)
                self._sleep(delay)
        raise JudgeRequestError(self.redact(f"{self.max_retries + 1} attempts failed; last: {last}"))

    def _once(self, body: bytes) -> str:
        deadline = time.monotonic() + self.timeout
        for fresh_retry in (False, True):
            conn, reused = self._pool.get()
            try:
                conn.request("POST", self._pool.target, body=body, headers=self._headers)
                response = conn.getresponse()
                status = response.status
                retry_after = response.getheader("Retry-After")
                payload = self._read(response, deadline)
                if response.will_close:
                    self._pool.drop()
                break
            except (TimeoutError, OSError, http.client.HTTPException) as e:
                self._pool.drop()
                # A kept-alive connection the server has since closed fails before the request
                # reaches it: try once more on a new connection, without spending an attempt.
                if reused and not fresh_retry and isinstance(e, (ConnectionError, http.client.RemoteDisconnected)):
                    continue
                raise _Transient(f"request failed ({type(e).__name__}: {e})") from None
        if 200 <= status < 300:
            return extract_content(payload)
        snippet = self._snippet(payload)
        if status in _RETRY_STATUS:
            raise _Transient(f"HTTP {status}{snippet}", parse_retry_after(retry_after))
        self.stop()
        raise JudgeRequestError(self.redact(f"HTTP {status} from {public_url(self.url)}{snippet}"), fatal=True)

    def _read(self, response, deadline: float) -> bytes:
        # The socket timeout bounds each read; the deadline bounds the whole answer, so a server
        # that trickles bytes cannot hold a worker past the per-request timeout.
        parts = []
        # read1: at most one socket read per call, so the deadline is checked while bytes trickle in.
        while chunk := response.read1(_CHUNK):
            parts.append(chunk)
            if time.monotonic() > deadline:
                raise TimeoutError(f"answer took longer than {self.timeout:g} s")
        # read1 does not mark a fully read response closed, and http.client refuses the next
        # request on a connection whose last response is still open.
        response.close()
        return b"".join(parts)

    def _snippet(self, payload: bytes) -> str:
        text = " ".join(payload[:300].decode("utf-8", "replace").split())
        return f": {self.redact(text)[:200]}" if text else ""


class _ConnectionPool:
    """One kept-alive connection per worker thread (a TLS handshake per request would cost more
    than many judgments), honouring the usual http(s)_proxy / no_proxy variables."""

    def __init__(self, url: str, timeout: float):
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {public_url(url)}")
        self.https = parts.scheme == "https"
        self.host = parts.hostname
        self.port = parts.port or (443 if self.https else 80)
        self.timeout = timeout
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        self.target = path
        self._proxy = None
        proxy = urllib.request.getproxies().get(parts.scheme)
        if proxy and not urllib.request.proxy_bypass(self.host):
            p = urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")
            self._proxy = (p.hostname, p.port or 8080)
            if not self.https:  # plain HTTP through a proxy asks for the absolute URL
                self.target = urllib.parse.urlunsplit(("http", f"{self.host}:{self.port}", path, "", ""))
        self._local = threading.local()
        self._all: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def _new(self) -> http.client.HTTPConnection:
        host, port = self._proxy or (self.host, self.port)
        if self.https:
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=ssl.create_default_context())
            if self._proxy:
                conn.set_tunnel(self.host, self.port)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        with self._lock:
            self._all.append(conn)
        return conn

    def get(self) -> tuple[http.client.HTTPConnection, bool]:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            return conn, True
        conn = self._local.conn = self._new()
        return conn, False

    def drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()
            with self._lock:
                self._all.remove(conn)

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
