"""A local HTTP stand-in for the Hugging Face Hub, reached through ``HF_ENDPOINT``.

It serves dataset repositories laid out file for file like the real ones at a given revision
(``main``, ``refs/convert/parquet``, ...) through the hub's HTTP API: repository info, file
trees, paths-info and ``resolve`` downloads (HEAD, GET, byte ranges). The code under test
calls the real ``datasets.load_dataset`` / ``huggingface_hub.hf_hub_download``; only the host
differs. Every request is recorded, so a test can prove which revision and files were read.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit


def _oid(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class Repo:
    """One dataset repository: {revision name: {path in repo: bytes}}."""

    def __init__(self, repo_id: str, revisions: dict[str, dict[str, bytes]]):
        self.repo_id = repo_id
        self.revisions = revisions
        self.commits = {
            rev: hashlib.sha1((repo_id + rev + "".join(sorted(files))).encode()).hexdigest()
            for rev, files in revisions.items()
        }

    def resolve(self, rev: str) -> tuple[str, dict[str, bytes]] | None:
        """(commit sha, files) for a branch/ref name or a commit sha."""
        if rev in self.revisions:
            return self.commits[rev], self.revisions[rev]
        for name, sha in self.commits.items():
            if sha == rev:
                return sha, self.revisions[name]
        return None


def _entries(files: dict[str, bytes], prefix: str, recursive: bool) -> list[dict]:
    prefix = prefix.strip("/")
    out: dict[str, dict] = {}
    for path, data in sorted(files.items()):
        if prefix and not path.startswith(prefix + "/"):
            continue
        rest = path[len(prefix) + 1 :] if prefix else path
        parts = rest.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(filter(None, [prefix, *parts[:depth]]))
            if recursive or depth == 1:
                out.setdefault(folder, {"type": "directory", "oid": _oid(folder.encode()), "size": 0, "path": folder})
        if recursive or len(parts) == 1:
            out[path] = {"type": "file", "oid": _oid(data), "size": len(data), "path": path}
    return list(out.values())


class HubServer:
    def __init__(self, repos: list[Repo]):
        self.repos = {r.repo_id: r for r in repos}
        self.requests: list[tuple[str, str]] = []  # (method, path with query)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "HubServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def downloads(self) -> list[str]:
        """Unquoted paths of the files fetched with GET (`/datasets/REPO/resolve/REV/PATH`)."""
        with self._lock:
            return [unquote(p.split("?")[0]) for m, p in self.requests if m == "GET" and "/resolve/" in p]

    def _split(self, rest: str) -> tuple[Repo | None, str]:
        parts = rest.split("/", 2)
        if len(parts) < 2:
            return None, ""
        repo = self.repos.get(f"{parts[0]}/{parts[1]}")
        return repo, parts[2] if len(parts) > 2 else ""

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes = b"", headers: dict | None = None, head: bool = False):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _json(self, obj, status: int = 200):
                self._send(status, json.dumps(obj).encode(), {"Content-Type": "application/json"})

            def _missing(self, code: str, msg: str, head: bool = False):
                self._send(
                    404,
                    json.dumps({"error": msg}).encode(),
                    {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": msg},
                    head,
                )

            def _route(self, method: str):
                with server._lock:
                    server.requests.append((method, self.path))
                url = urlsplit(self.path)
                path, query = url.path, parse_qs(url.query)
                body = b""
                if method == "POST":
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if path.startswith("/api/datasets/"):
                    return self._api(method, path[len("/api/datasets/") :], query, body)
                if path.startswith("/datasets/"):
                    return self._resolve(method, path[len("/datasets/") :])
                self._missing("RepoNotFound", f"no route {path}", method == "HEAD")

            def _api(self, method, rest, query, body):
                repo, tail = server._split(rest)
                if repo is None:
                    return self._missing("RepoNotFound", f"Repository {rest} not found")
                if tail == "" or tail.startswith("revision/"):
                    rev = unquote(tail[len("revision/") :]) if tail else "main"
                    found = repo.resolve(rev)
                    if found is None:
                        return self._missing("RevisionNotFound", f"Invalid rev id: {rev}")
                    sha, files = found
                    return self._json(
                        {
                            "_id": sha[:24],
                            "id": repo.repo_id,
                            "sha": sha,
                            "private": False,
                            "gated": False,
                            "disabled": False,
                            "downloads": 0,
                            "likes": 0,
                            "tags": [],
                            "cardData": {},
                            "lastModified": "2024-01-01T00:00:00.000Z",
                            "createdAt": "2024-01-01T00:00:00.000Z",
                            "siblings": [{"rfilename": p} for p in sorted(files)],
                        }
                    )
                for kind in ("tree/", "paths-info/"):
                    if tail.startswith(kind):
                        rev_and_path = tail[len(kind) :]
                        rev, _, sub = rev_and_path.partition("/")
                        found = repo.resolve(unquote(rev))
                        if found is None:
                            return self._missing("RevisionNotFound", f"Invalid rev id: {unquote(rev)}")
                        files = found[1]
                        if kind == "tree/":
                            sub = unquote(sub)
                            if sub and sub not in files and not any(p.startswith(sub.rstrip("/") + "/") for p in files):
                                return self._missing("EntryNotFound", f"{sub} does not exist")
                            recursive = query.get("recursive", ["false"])[0].lower() in ("true", "1")
                            return self._json(_entries(files, sub, recursive))
                        wanted = _paths_from(body, self.headers.get("Content-Type", ""))
                        listing = {e["path"]: e for e in _entries(files, "", True)}
                        return self._json([listing[p] for p in wanted if p in listing])
                self._missing("EntryNotFound", f"no api route {tail}")

            def _resolve(self, method, rest):
                head = method == "HEAD"
                repo, tail = server._split(rest)
                if repo is None or not tail.startswith("resolve/"):
                    return self._missing("RepoNotFound", f"Repository {rest} not found", head)
                rev, _, file_path = tail[len("resolve/") :].partition("/")
                found = repo.resolve(unquote(rev))
                if found is None:
                    return self._missing("RevisionNotFound", f"Invalid rev id: {unquote(rev)}", head)
                sha, files = found
                file_path = unquote(file_path)
                if file_path not in files:
                    return self._missing("EntryNotFound", f"{file_path} does not exist at {unquote(rev)}", head)
                data = files[file_path]
                headers = {
                    "ETag": f'"{_oid(data)}"',
                    "X-Repo-Commit": sha,
                    "Accept-Ranges": "bytes",
                    "Content-Type": "application/octet-stream",
                }
                rng = self.headers.get("Range")
                if rng and rng.startswith("bytes="):
                    start_s, _, end_s = rng[len("bytes=") :].partition("-")
                    start = int(start_s) if start_s else max(0, len(data) - int(end_s))
                    end = min(int(end_s), len(data) - 1) if (end_s and start_s) else len(data) - 1
                    part = data[start : end + 1]
                    headers["Content-Range"] = f"bytes {start}-{start + len(part) - 1}/{len(data)}"
                    return self._send(206, part, headers, head)
                self._send(200, data, headers, head)

            def do_GET(self):
                self._route("GET")

            def do_HEAD(self):
                self._route("HEAD")

            def do_POST(self):
                self._route("POST")

        return Handler


def _paths_from(body: bytes, content_type: str) -> list[str]:
    if "json" in content_type:
        return list(json.loads(body or b"{}").get("paths", []))
    return parse_qs(body.decode()).get("paths", [])
