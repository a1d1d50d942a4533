"""Many processes writing one output, and readers reading it meanwhile (clt_plugin.outputs).

8 writer processes each rewrite one folder 30 times; two readers read it all the while, one
through `read_consistent`, one straight by path. No writer may fail, nothing may be left beside
the folder, and the reader that uses `read_consistent` must see one whole run every time (the
manifest's hash of train.jsonl matches the train.jsonl it read).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clt_plugin.outputs import MARKER, _exchange, output_dir, read_consistent

WRITERS, REWRITES = 8, 30

WRITER = """
import hashlib, json, sys
from pathlib import Path
from clt_plugin.outputs import output_dir
folder, who, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    rows = "".join(json.dumps({"w": who, "i": i, "k": k}) + "\\n" for k in range(1 + (7 * i + who) % 40))
    with output_dir(folder, "clt test") as tmp:
        (tmp / "train.jsonl").write_text(rows, encoding="utf-8")
        manifest = {"who": who, "i": i, "train_sha256": hashlib.sha256(rows.encode()).hexdigest()}
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
"""

READER = """
import hashlib, json, sys
from pathlib import Path
from clt_plugin.outputs import read_consistent
folder, done, how = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
stats = {"reads": 0, "mixed": 0, "missing": 0, "runs": []}
def pair(f):
    return json.loads((f / "manifest.json").read_text(encoding="utf-8")), (f / "train.jsonl").read_bytes()
while not done.exists():
    if how == "consistent":
        manifest, train = read_consistent(folder, pair)
    else:
        try:
            manifest, train = pair(folder)
        except FileNotFoundError:
            stats["missing"] += 1
            continue
    stats["reads"] += 1
    stats["runs"].append([manifest["who"], manifest["i"]])
    if hashlib.sha256(train).hexdigest() != manifest["train_sha256"]:
        stats["mixed"] += 1
print(json.dumps(stats))
"""


def _can_exchange(tmp: Path) -> bool:
    """Whether this file system swaps two folders in one step (renameat2 RENAME_EXCHANGE)."""
    a, b = tmp / "xa", tmp / "xb"
    a.mkdir()
    b.mkdir()
    (a / "in-a").touch()
    try:
        return _exchange(a, b) and (b / "in-a").exists()
    finally:
        for d in (a, b):
            for f in d.iterdir():
                f.unlink()
            d.rmdir()


@pytest.mark.parametrize("mode", ["swap", "merge"])
def test_concurrent_rewrites_fail_none_leave_nothing_and_readers_see_whole_runs(tmp_path, mode):
    exchanges = _can_exchange(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    out, done = work / "out", tmp_path / "done"
    with output_dir(out, "clt test") as tmp:  # readers start on a complete folder
        rows = '{"w": -1}\n'
        (tmp / "train.jsonl").write_text(rows, encoding="utf-8")
        manifest = {"who": -1, "i": 0, "train_sha256": hashlib.sha256(rows.encode()).hexdigest()}
        (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    if mode == "merge":  # a file clt did not write: every rewrite goes file by file, in place
        (out / "notes.txt").write_text("mine", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, str(out), str(done), how],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for how in ("consistent", "raw")
    ]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(out), str(w), str(REWRITES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for w in range(WRITERS)
    ]
    try:
        results = [p.communicate(timeout=600) + (p.returncode,) for p in writers]
    finally:
        done.touch()
        stats = [p.communicate(timeout=120) for p in readers]
    for stdout, stderr, rc in results:
        assert (rc, stderr) == (0, ""), stderr
    consistent, raw = (json.loads(s[0]) for s in stats)
    assert [s[1] for s in stats] == ["", ""]

    # Nothing beside the folder: no staging folder, no old folder, no lock file.
    assert sorted(p.name for p in work.iterdir()) == ["out"]
    expected = ["manifest.json", "notes.txt", "train.jsonl"] if mode == "merge" else ["manifest.json", "train.jsonl"]
    assert sorted(p.name for p in out.iterdir() if p.name != MARKER) == expected
    marker = json.loads((out / MARKER).read_text(encoding="utf-8"))
    assert marker["state"] == "complete" and marker["files"] == ["manifest.json", "train.jsonl"]
    final, train = read_consistent(
        out, lambda f: (json.loads((f / "manifest.json").read_text(encoding="utf-8")), (f / "train.jsonl").read_bytes())
    )
    assert hashlib.sha256(train).hexdigest() == final["train_sha256"] and final["i"] == REWRITES - 1

    # The reader through read_consistent saw one whole run every time, and saw runs change.
    assert consistent["reads"] > 0 and consistent["mixed"] == 0 and consistent["missing"] == 0
    assert len({tuple(r) for r in consistent["runs"]}) > 1
    if mode == "swap" and exchanges:
        # One atomic exchange per rewrite: a reader by path never finds the folder missing.
        assert raw["missing"] == 0 and raw["reads"] > 0
