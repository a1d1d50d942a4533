"""A small workspace of valid inputs for every `clt` command, and the ways to break one file.

Used by tests/test_reliability_*.py: each command is run in-process (clt_plugin.cli.main) on
the workspace with one input broken, and must answer with exit 2 and one line, never a
traceback, changing nothing but its own output.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
from pathlib import Path

from judge_server import write_lm_eval_run

from clt_plugin.tasks.generate import VERSION

SPEC = """seed: 5
tasks:
  math:
    source: {format: jsonl, path: "m_{lang}.jsonl", fields: {id: id, prompt: question, response: answer}}
    english: 3
    per_language: 2
    languages: [es]
"""

IFEVAL_DATA = [
    {
        "key": 1,
        "prompt": "Write about cats. Do not use any commas.",
        "instruction_id_list": ["punctuation:no_comma"],
        "kwargs": [{}],
    },
    {
        "key": 2,
        "prompt": "Answer in at least 3 sentences.",
        "instruction_id_list": ["length_constraints:number_sentences"],
        "kwargs": [{"relation": "at least", "num_sentences": 3}],
    },
]

SWEEP_BASE = """base_model: tiny
plugins:
  - clt_plugin.axolotl.CLTPlugin
clt_mixture:
  seed: 1
  tasks:
    math:
      source: {format: jsonl, path: "m_{lang}.jsonl", fields: {id: id, prompt: question, response: answer}}
      english: 3
      per_language: 2
      languages: [es]
output_dir: ./outputs/x
"""


def build_workspace(root: Path) -> dict[str, Path]:
    """Valid inputs for each command under `root`; returns name -> path of the input files."""
    root.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "es"):
        with open(root / f"m_{lang}.jsonl", "w", encoding="utf-8") as f:
            for i in range(6):
                f.write(json.dumps({"id": f"q{i}", "question": f"{lang} q{i}", "answer": f"{lang} a{i}"}) + "\n")
    (root / "spec.yaml").write_text(SPEC, encoding="utf-8")
    (root / "base.yaml").write_text(SWEEP_BASE, encoding="utf-8")
    run = write_lm_eval_run(
        root / "run", {"es": [("Escribe una frase sobre el mar.", "El mar es grande y azul, y lo quiero mucho.")]}
    )
    results = next(run.rglob("results_*.json"))
    doc = json.loads(results.read_text(encoding="utf-8"))
    doc["lm_eval_version"] = "0.4.11"  # as lm_eval's CLI records it (the tracker alone does not)
    results.write_text(json.dumps(doc), encoding="utf-8")
    samples = next(run.rglob("samples_*.jsonl"))
    with open(root / "data.jsonl", "w", encoding="utf-8") as f:
        for row in IFEVAL_DATA:
            f.write(json.dumps(row) + "\n")
    with open(root / "resp.jsonl", "w", encoding="utf-8") as f:
        f.write(json.dumps({"key": 1, "prompt": IFEVAL_DATA[0]["prompt"], "response": "Cats sleep a lot"}) + "\n")
    # A scored run (the judged one above has only lm-eval's own metric): what submit and the board read.
    mrun = root / "mrun"
    mrun.mkdir()
    t = "clt_mgsm_es"
    doc = {
        "results": {t: {"alias": t, "acc,none": 0.5, "acc_stderr,none": 0.1}},
        "group_subtasks": {t: []},
        "configs": {t: {"task": t, "metadata": {"version": VERSION, "clt_family": "mgsm", "clt_language": "es"}}},
        "versions": {t: VERSION},
        "n-shot": {t: 0},
        "higher_is_better": {t: {"acc": True}},
        "n-samples": {t: {"original": 10, "effective": 10}},
        "config": {"model": "hf", "model_args": "pretrained=/models/tiny", "limit": None},
        "lm_eval_version": "0.4.11",
        "date": 0.0,
    }
    (mrun / "results_2026-01-01T00-00-00.000001.json").write_text(json.dumps(doc), encoding="utf-8")
    (root / "subs").mkdir()
    from clt_plugin.cli import main

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        rc = main(
            [
                "submit",
                str(mrun),
                "-o",
                str(root / "subs" / "a.json"),
                "--model-id",
                "org/model",
                "--seen",
                "",
                "--created-at",
                "2026-01-01T00:00:00Z",
                "--languages",
                "es",
            ]
        )
    assert rc == 0, "the fixture submission must be valid"
    return {
        "spec": root / "spec.yaml",
        "source": root / "m_es.jsonl",
        "results": results,
        "samples": samples,
        "data": root / "data.jsonl",
        "responses": root / "resp.jsonl",
        "submission": root / "subs" / "a.json",
        "base": root / "base.yaml",
        "run": run,
        "scored": mrun / "results_2026-01-01T00-00-00.000001.json",
    }


# command -> (argv after `clt`, its output (relative to the workspace), the inputs it reads)
COMMANDS: dict[str, tuple[list[str], str, tuple[str, ...]]] = {
    "mix": (["mix", "spec.yaml", "-o", "out", "--no-cache"], "out", ("spec", "source")),
    "matrix": (["matrix", "run", "--metric", "lpr", "-o", "table.md"], "table.md", ("results",)),
    "report": (["report", "run", "--metric", "lpr", "-o", "rep"], "rep", ("results",)),
    "submit": (
        ["submit", "mrun", "-o", "sub.json", "--model-id", "org/model", "--seen", "", "--languages", "es"],
        "sub.json",
        ("scored",),
    ),
    "leaderboard": (["leaderboard", "subs", "-o", "board"], "board", ("submission",)),
    "judge": (
        [
            "judge",
            "run",
            "--endpoint",
            "http://127.0.0.1:9/v1",
            "--model",
            "m",
            "-o",
            "jout",
            "--cache",
            "cache/judge.sqlite",
            "--max-retries",
            "0",
            "--backoff",
            "0",
            "--quiet",
        ],
        "jout",
        ("samples", "results"),
    ),
    "ifeval-score": (
        ["ifeval-score", "resp.jsonl", "--lang", "en", "--data", "data.jsonl", "-o", "if.json"],
        "if.json",
        ("responses", "data"),
    ),
    "sweep": (["sweep", "base.yaml", "--per-language", "0,2", "-o", "sw"], "sw", ("base",)),
}


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, tuple[str, int]]:
    """relative path -> (content hash or link target, mode) of everything under root but `skip`."""
    out: dict[str, tuple[str, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel_dir = Path(dirpath).relative_to(root)
        if any(rel_dir.parts[: len(Path(s).parts)] == Path(s).parts for s in skip):
            dirnames[:] = []
            continue
        for name in [*filenames, *(d for d in dirnames if os.path.islink(os.path.join(dirpath, d)))]:
            rel = (rel_dir / name).as_posix()
            if rel in skip:
                continue
            p = Path(dirpath, name)
            st = os.lstat(p)
            if p.is_symlink():
                out[rel] = ("link:" + os.readlink(p), st.st_mode)
            else:
                out[rel] = (hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mode)
        out[rel_dir.as_posix() + "/"] = ("dir", os.lstat(dirpath).st_mode)
    return out


def break_file(path: Path, how: str, data: bytes | None = None) -> None:
    """Replace `path` by one of the malformed inputs users produce by slip."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    jsonl = path.suffix == ".jsonl"
    if how == "not_utf8":
        path.write_bytes(b'{"id": "\xff\xfe\xfa"}\n')
    elif how == "deep":
        depth = 100_000
        text = "[" * depth + "]" * depth
        path.write_text(text + "\n" if jsonl else text, encoding="utf-8")
    elif how == "deep_object":
        depth = 100_000
        path.write_text('{"a":' * depth + "1" + "}" * depth + "\n", encoding="utf-8")
    elif how == "truncated":
        path.write_text('{"a": [1, 2, {"b": "unterminated\n', encoding="utf-8")
    elif how == "wrong_top":
        path.write_text("[1, 2, 3]\n" if jsonl else "[1, 2, 3]", encoding="utf-8")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("x", encoding="utf-8")
    elif how == "symlink_loop":
        os.symlink(path.name, path)
    elif how == "huge_int":  # past Python's 4,300-digit limit on int(): json and yaml raise ValueError
        digits = "7" * 5000
        if path.suffix in (".yaml", ".yml"):
            path.write_text(f"seed: {digits}\n", encoding="utf-8")
        else:
            path.write_text(f'{{"id": "q0", "n": {digits}}}\n', encoding="utf-8")
    elif how == "bytes":
        path.write_bytes(data or b"")
    else:  # pragma: no cover - a typo in a test
        raise ValueError(how)


# Breakages every reader must refuse (exit 2). "empty" is not among them: an empty source is a
# legitimate shortage, an empty responses file is "no responses" (also exit 2, tested apart).
MUST_REFUSE = ("not_utf8", "deep", "deep_object", "truncated", "wrong_top", "folder", "symlink_loop", "huge_int")
